//! Memberships: inviting people into an organisation or an alliance, changing roles, removing.

use chrono::{DateTime, Utc};
use pcref_auth::{issue, SecretKind};
use pcref_domain::{
    AllianceId, Cursor, DisplayName, Email, IfMatch, Membership, MembershipId, MembershipStatus,
    OrganisationId, Page, PageLimit, Role, RoleScope,
};
use pcref_store::memberships::{self, MembershipScope};
use pcref_store::{alliances, invitations, organisations, users, DbConnection};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{check_if_match, now, policy, App, AppError, Principal};

/// A membership just offered, with the code that takes it up (shown this once).
#[derive(Clone)]
pub struct Invited {
    pub membership: Membership,
    pub invitation_code: String,
    pub invitation_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Invited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invited")
            .field("membership", &self.membership)
            .field("invitation_code", &"<redacted>")
            .field("invitation_expires_at", &self.invitation_expires_at)
            .finish()
    }
}

/// Who is being invited, already validated.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
}

impl App {
    pub async fn list_organisation_members(
        &self,
        p: &Principal,
        org: OrganisationId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Membership>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let org =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                policy::read_organisation_members(&p, &org)?;
                let scope = MembershipScope::Organisation(org.alliance_id, org.id);
                Ok(memberships::list_in_scope(
                    conn,
                    scope,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    /// Invites someone into an organisation with a role that fits its kind.
    pub async fn invite_organisation_member(
        &self,
        p: &Principal,
        org: OrganisationId,
        invitee: Invitee,
    ) -> Result<Invited, AppError> {
        let p = p.clone();
        let lifetime = self.settings.invitation_lifetime;
        self.db
            .write(move |conn| {
                let org =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                alliances::lock(conn, org.alliance_id)?;
                let scope = MembershipScope::Organisation(org.alliance_id, org.id);
                let has_own_admin =
                    memberships::count_active(conn, scope, org.kind.admin_role())? > 0;
                policy::grant_organisation_role(&p, &org, invitee.email.as_str(), has_own_admin)?;
                invitee.role.check_fits_organisation(org.kind)?;
                invite(conn, &Actor::of(&p), scope, invitee, lifetime)
            })
            .await
    }

    pub async fn list_alliance_members(
        &self,
        p: &Principal,
        alliance: AllianceId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Membership>, AppError> {
        policy::read_alliance_members(p, alliance)?;
        self.db
            .read(move |conn| {
                let scope = MembershipScope::Alliance(alliance);
                Ok(memberships::list_in_scope(
                    conn,
                    scope,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    /// Invites an alliance admin or a board member.
    pub async fn invite_alliance_member(
        &self,
        p: &Principal,
        alliance: AllianceId,
        invitee: Invitee,
    ) -> Result<Invited, AppError> {
        policy::manage_alliance_members(p, alliance)?;
        invitee.role.check_fits_alliance()?;
        let actor = Actor::of(p);
        let lifetime = self.settings.invitation_lifetime;
        self.db
            .write(move |conn| {
                alliances::lock(conn, alliance)?;
                invite(
                    conn,
                    &actor,
                    MembershipScope::Alliance(alliance),
                    invitee,
                    lifetime,
                )
            })
            .await
    }

    pub async fn get_membership(
        &self,
        p: &Principal,
        id: MembershipId,
    ) -> Result<Membership, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let membership =
                    memberships::find(conn, id)?.ok_or(AppError::NotFound("membership"))?;
                authorize_membership(conn, &p, &membership, Access::Read)?;
                Ok(membership)
            })
            .await
    }

    /// Gives a member another role in the same organisation or alliance.
    pub async fn change_membership_role(
        &self,
        p: &Principal,
        id: MembershipId,
        if_match: Option<IfMatch>,
        role: Role,
    ) -> Result<Membership, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = find_locked(conn, id)?;
                let kind = authorize_membership(conn, &p, &before, Access::ChangeRole)?;
                match kind {
                    Some(kind) => role.check_fits_organisation(kind)?,
                    None => role.check_fits_alliance()?,
                }
                check_if_match(if_match.as_ref(), before.version)?;
                if before.role == Role::AllianceAdmin && role != Role::AllianceAdmin {
                    keep_an_alliance_admin(conn, &before)?;
                }
                let at = now();
                let after = memberships::set_role(conn, id, before.version, role, at)?
                    .ok_or(AppError::PreconditionFailed)?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    at,
                    AuditScope::Alliance(after.alliance_id, after.organisation_id),
                    Change {
                        action: "membership.role_changed",
                        target_type: "membership",
                        target_id: id.to_string(),
                        before: Some(audit::membership_json(&before)),
                        after: Some(audit::membership_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }

    /// Removes a membership (or withdraws an invitation). `If-Match` is optional here: when
    /// sent, a stale version refuses the removal.
    pub async fn remove_membership(
        &self,
        p: &Principal,
        id: MembershipId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = find_locked(conn, id)?;
                authorize_membership(conn, &p, &before, Access::Remove)?;
                if let Some(m) = &if_match {
                    check_if_match(Some(m), before.version)?;
                }
                if before.role == Role::AllianceAdmin {
                    keep_an_alliance_admin(conn, &before)?;
                }
                memberships::delete(conn, id)?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    now(),
                    AuditScope::Alliance(before.alliance_id, before.organisation_id),
                    Change {
                        action: "membership.removed",
                        target_type: "membership",
                        target_id: id.to_string(),
                        before: Some(audit::membership_json(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }
}

/// Reads a membership under its alliance's lock. Every membership change in an alliance
/// (invite, accept, role change, removal) takes that lock first, so on PostgreSQL what was
/// read cannot change before the write, and all take their locks in the same order.
fn find_locked(conn: &mut DbConnection, id: MembershipId) -> Result<Membership, AppError> {
    let missing = || AppError::NotFound("membership");
    let first = memberships::find(conn, id)?.ok_or_else(missing)?;
    alliances::lock(conn, first.alliance_id)?;
    memberships::find(conn, id)?.ok_or_else(missing)
}

#[derive(Debug, Clone, Copy)]
enum Access {
    Read,
    ChangeRole,
    Remove,
}

/// Applies the policy of the list a membership belongs to. Returns the organisation's kind,
/// or `None` for an alliance-level membership.
fn authorize_membership(
    conn: &mut DbConnection,
    p: &Principal,
    membership: &Membership,
    access: Access,
) -> Result<Option<pcref_domain::OrganisationKind>, AppError> {
    let hidden = || AppError::NotFound("membership");
    match membership.organisation_id {
        Some(org) => {
            let org = organisations::find(conn, org)?.ok_or_else(hidden)?;
            let allowed = match access {
                Access::Read => policy::read_organisation_members(p, &org),
                Access::Remove => policy::remove_organisation_members(p, &org),
                Access::ChangeRole => {
                    let scope = MembershipScope::Organisation(org.alliance_id, org.id);
                    let has_own_admin =
                        memberships::count_active(conn, scope, org.kind.admin_role())? > 0;
                    policy::grant_organisation_role(p, &org, &membership.user.email, has_own_admin)
                }
            };
            allowed.map_err(|e| match e {
                AppError::NotFound(_) => hidden(),
                other => other,
            })?;
            Ok(Some(org.kind))
        }
        None => {
            let allowed = match access {
                Access::Read => policy::read_alliance_members(p, membership.alliance_id),
                Access::ChangeRole | Access::Remove => {
                    policy::manage_alliance_members(p, membership.alliance_id)
                }
            };
            allowed.map_err(|e| match e {
                AppError::NotFound(_) => hidden(),
                other => other,
            })?;
            Ok(None)
        }
    }
}

/// An alliance with no active admin could never be administered again.
fn keep_an_alliance_admin(conn: &mut DbConnection, leaving: &Membership) -> Result<(), AppError> {
    if leaving.status != MembershipStatus::Active {
        return Ok(());
    }
    let scope = MembershipScope::Alliance(leaving.alliance_id);
    if memberships::count_active(conn, scope, Role::AllianceAdmin)? <= 1 {
        return Err(AppError::Conflict(
            "this is the alliance's last active alliance admin; invite another admin first".into(),
        ));
    }
    Ok(())
}

/// Offers a membership: a new one, or a fresh code for one still pending (the old code stops
/// working). An active membership is not re-offered: change its role instead.
fn invite(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: MembershipScope,
    invitee: Invitee,
    lifetime: chrono::Duration,
) -> Result<Invited, AppError> {
    debug_assert!(match invitee.role.scope() {
        RoleScope::Alliance => scope.organisation_id().is_none(),
        RoleScope::Organisation(_) => scope.organisation_id().is_some(),
    });
    let at = now();
    let user = users::find_or_insert(conn, &invitee.email, &invitee.display_name, at)?;
    let (before, membership) = match memberships::find_in_scope(conn, user.id, scope)? {
        Some(existing) if existing.status == MembershipStatus::Active => {
            return Err(AppError::Conflict(format!(
                "{} is already a member here as {}; change the role with PATCH /api/v1/memberships/{}",
                existing.user.email, existing.role, existing.id
            )));
        }
        Some(pending) => {
            invitations::withdraw_pending(conn, pending.id)?;
            let renewed =
                memberships::reinvite(conn, pending.id, invitee.role, &invitee.display_name, at)?
                    .ok_or(AppError::Internal(
                    "membership vanished while re-inviting".into(),
                ))?;
            (Some(pending), renewed)
        }
        None => (
            None,
            memberships::insert(
                conn,
                user.id,
                scope,
                invitee.role,
                MembershipStatus::Invited,
                Some(&invitee.display_name),
                at,
            )?,
        ),
    };
    let code = issue(SecretKind::InvitationCode)?;
    let expires_at = at + lifetime;
    invitations::insert(
        conn,
        membership.id,
        &code.hash,
        actor.user_id,
        at,
        expires_at,
    )?;
    audit::record(
        conn,
        actor,
        at,
        AuditScope::Alliance(scope.alliance_id(), scope.organisation_id()),
        Change {
            action: "membership.invited",
            target_type: "membership",
            target_id: membership.id.to_string(),
            before: before.as_ref().map(audit::membership_json),
            after: Some(audit::membership_json(&membership)),
        },
    )?;
    Ok(Invited {
        membership,
        invitation_code: code.secret,
        invitation_expires_at: expires_at,
    })
}
