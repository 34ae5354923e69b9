//! Alliances: bootstrapping the first one from the command line, and reading them.

use pcref_domain::{
    Alliance, AllianceId, Cursor, DisplayName, Email, IfMatch, Membership, MembershipStatus, Name,
    Page, PageLimit, Role, TokenName,
};
use pcref_store::memberships::MembershipScope;
use pcref_store::{alliances, memberships, users};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::identity::issue_token;
use crate::{check_if_match, now, policy, App, AppError, CreatedToken, Principal};

/// What `pcref-hub admin bootstrap` made.
#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub alliance: Alliance,
    pub membership: Membership,
    pub token: CreatedToken,
}

impl App {
    /// Creates an alliance and its first alliance admin, and issues that admin a token.
    /// Refuses, changing nothing, when an alliance of that name exists.
    pub async fn bootstrap_alliance(
        &self,
        name: Name,
        email: Email,
        display_name: DisplayName,
    ) -> Result<Bootstrapped, AppError> {
        let lifetime = self.settings.token_lifetime;
        self.db
            .write(move |conn| {
                if let Some(existing) = alliances::find_by_name(conn, &name)? {
                    return Err(AppError::Conflict(format!(
                        "an alliance named {:?} already exists (id {}); nothing was changed",
                        existing.name, existing.id
                    )));
                }
                let actor = Actor::command_line();
                let at = now();
                let alliance = alliances::insert(conn, AllianceId::new(), &name, at)?;
                audit::record(
                    conn,
                    &actor,
                    at,
                    AuditScope::Alliance(alliance.id, None),
                    Change {
                        action: "alliance.created",
                        target_type: "alliance",
                        target_id: alliance.id.to_string(),
                        before: None,
                        after: Some(audit::alliance_json(&alliance)),
                    },
                )?;
                let user = users::find_or_insert(conn, &email, &display_name, at)?;
                let membership = memberships::insert(
                    conn,
                    user.id,
                    MembershipScope::Alliance(alliance.id),
                    Role::AllianceAdmin,
                    MembershipStatus::Active,
                    None,
                    at,
                )?;
                audit::record(
                    conn,
                    &actor,
                    at,
                    AuditScope::Alliance(alliance.id, None),
                    Change {
                        action: "membership.created",
                        target_type: "membership",
                        target_id: membership.id.to_string(),
                        before: None,
                        after: Some(audit::membership_json(&membership)),
                    },
                )?;
                let token_name = TokenName::parse("bootstrap")?;
                let token = issue_token(conn, &actor, user.id, &token_name, lifetime)?;
                Ok(Bootstrapped {
                    alliance,
                    membership,
                    token,
                })
            })
            .await
    }

    pub async fn list_alliances(
        &self,
        p: &Principal,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Alliance>, AppError> {
        let user = p.user.id;
        self.db
            .read(move |conn| Ok(alliances::list_for_user(conn, user, after.as_ref(), limit)?))
            .await
    }

    pub async fn get_alliance(&self, p: &Principal, id: AllianceId) -> Result<Alliance, AppError> {
        policy::read_alliance(p, id)?;
        self.db
            .read(move |conn| alliances::find(conn, id)?.ok_or(AppError::NotFound("alliance")))
            .await
    }

    /// Renames the alliance or sets its reporting cycle (`None` leaves a field as it is).
    pub async fn update_alliance(
        &self,
        p: &Principal,
        id: AllianceId,
        if_match: Option<IfMatch>,
        name: Option<Name>,
        reporting_cycle_days: Option<u32>,
    ) -> Result<Alliance, AppError> {
        policy::edit_alliance(p, id)?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = alliances::find(conn, id)?.ok_or(AppError::NotFound("alliance"))?;
                check_if_match(if_match.as_ref(), before.version)?;
                let name = match name {
                    Some(name) => name,
                    // Stored names were validated when written.
                    None => Name::parse(&before.name)
                        .map_err(|e| AppError::Internal(format!("stored alliance name: {e}")))?,
                };
                let cycle = reporting_cycle_days.unwrap_or(before.reporting_cycle_days);
                if name.as_str() == before.name && cycle == before.reporting_cycle_days {
                    return Ok(before);
                }
                if let Some(existing) = alliances::find_by_name(conn, &name)? {
                    if existing.id != id {
                        return Err(AppError::Conflict(format!(
                            "an alliance named {:?} already exists",
                            existing.name
                        )));
                    }
                }
                let after = alliances::update(conn, id, before.version, &name, cycle, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    now(),
                    AuditScope::Alliance(id, None),
                    Change {
                        action: "alliance.updated",
                        target_type: "alliance",
                        target_id: id.to_string(),
                        before: Some(audit::alliance_json(&before)),
                        after: Some(audit::alliance_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }
}
