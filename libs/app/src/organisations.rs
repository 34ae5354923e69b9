//! Organisations: the providers and VCSE partners of an alliance.

use pcref_domain::{
    AllianceId, Cursor, IfMatch, Name, Organisation, OrganisationId, OrganisationKind, Page,
    PageLimit,
};
use pcref_store::{organisations, DbConnection};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{check_if_match, now, policy, App, AppError, Principal};

impl App {
    pub async fn list_organisations(
        &self,
        p: &Principal,
        alliance: AllianceId,
        kind: Option<OrganisationKind>,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Organisation>, AppError> {
        policy::read_alliance(p, alliance)?;
        self.db
            .read(move |conn| {
                Ok(organisations::list_in_alliance(
                    conn,
                    alliance,
                    kind,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    pub async fn create_organisation(
        &self,
        p: &Principal,
        alliance: AllianceId,
        name: Name,
        kind: OrganisationKind,
    ) -> Result<Organisation, AppError> {
        policy::create_organisation(p, alliance)?;
        let actor = Actor::of(p);
        self.db
            .write(move |conn| {
                ensure_name_free(conn, alliance, &name, None)?;
                let at = now();
                let org = organisations::insert(conn, alliance, &name, kind, at)?;
                audit::record(
                    conn,
                    &actor,
                    at,
                    AuditScope::Alliance(alliance, Some(org.id)),
                    Change {
                        action: "organisation.created",
                        target_type: "organisation",
                        target_id: org.id.to_string(),
                        before: None,
                        after: Some(audit::organisation_json(&org)),
                    },
                )?;
                Ok(org)
            })
            .await
    }

    pub async fn get_organisation(
        &self,
        p: &Principal,
        id: OrganisationId,
    ) -> Result<Organisation, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let org =
                    organisations::find(conn, id)?.ok_or(AppError::NotFound("organisation"))?;
                policy::read_organisation(&p, &org)?;
                Ok(org)
            })
            .await
    }

    /// Updates an organisation's profile (today: its name; `None` changes nothing). Its kind
    /// is fixed: the roles held in it depend on it.
    pub async fn update_organisation(
        &self,
        p: &Principal,
        id: OrganisationId,
        if_match: Option<IfMatch>,
        name: Option<Name>,
    ) -> Result<Organisation, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before =
                    organisations::find(conn, id)?.ok_or(AppError::NotFound("organisation"))?;
                policy::edit_organisation(&p, &before)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let Some(name) = name.filter(|n| n.as_str() != before.name) else {
                    return Ok(before);
                };
                ensure_name_free(conn, before.alliance_id, &name, Some(id))?;
                let at = now();
                let after = organisations::rename(conn, id, before.version, &name, at)?
                    .ok_or(AppError::PreconditionFailed)?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    at,
                    AuditScope::Alliance(after.alliance_id, Some(after.id)),
                    Change {
                        action: "organisation.updated",
                        target_type: "organisation",
                        target_id: id.to_string(),
                        before: Some(audit::organisation_json(&before)),
                        after: Some(audit::organisation_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }
}

/// Two organisations of one alliance cannot share a name: people pick them by name.
fn ensure_name_free(
    conn: &mut DbConnection,
    alliance: AllianceId,
    name: &Name,
    except: Option<OrganisationId>,
) -> Result<(), AppError> {
    if let Some(existing) = organisations::find_by_name(conn, alliance, name)? {
        if Some(existing.id) != except {
            return Err(AppError::Conflict(format!(
                "the alliance already has an organisation named {:?} (id {})",
                existing.name, existing.id
            )));
        }
    }
    Ok(())
}
