//! Writing and reading the audit log. Entries are appended inside the transaction of the
//! change they record, so a change without its entry can never be committed.

use chrono::{DateTime, Utc};
use pcref_domain::{
    AccessToken, Alliance, AllianceId, AuditEntry, AuditEntryId, AuditVisibility, Cursor,
    Membership, Organisation, OrganisationId, Page, PageLimit, UserId,
};
use pcref_store::audit::AuditFeed;
use pcref_store::{DbConnection, StoreError};
use serde_json::{json, Value};

use crate::{policy, Acting, App, AppError, Principal};

/// Who acted.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub user_id: Option<UserId>,
    pub label: String,
}

impl Actor {
    /// A person, or an API client (recorded by its name and public id, as nobody's account).
    pub fn of(p: &impl Acting) -> Actor {
        Actor {
            user_id: p.user_id(),
            label: p.actor_label(),
        }
    }

    /// Someone opening a board report through a share link (nobody signed in).
    pub fn share_link() -> Actor {
        Actor {
            user_id: None,
            label: "share link".to_owned(),
        }
    }

    /// The operator at the server's command line.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            label: "command line".to_owned(),
        }
    }
}

/// Where an entry belongs and who may read it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AuditScope {
    /// Alliance administration, about the alliance itself or about one organisation in it.
    Alliance(AllianceId, Option<OrganisationId>),
    /// One person's own credentials.
    User,
    /// A provider's private workspace: read only by the provider's own admins.
    Workspace(AllianceId, OrganisationId),
}

pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub(crate) fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    at: DateTime<Utc>,
    scope: AuditScope,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let (alliance_id, organisation_id, visibility) = match scope {
        AuditScope::Alliance(a, o) => (Some(a), o, AuditVisibility::Alliance),
        AuditScope::User => (None, None, AuditVisibility::User),
        AuditScope::Workspace(a, o) => (Some(a), Some(o), AuditVisibility::Organisation),
    };
    pcref_store::audit::append(
        conn,
        &AuditEntry {
            id: AuditEntryId::new(),
            occurred_at: at,
            actor_user_id: actor.user_id,
            actor_label: actor.label.clone(),
            alliance_id,
            organisation_id,
            visibility,
            action: change.action.to_owned(),
            target_type: change.target_type.to_owned(),
            target_id: change.target_id,
            before: change.before,
            after: change.after,
        },
    )
}

// What the log keeps of each record: the fields a reviewer needs, never a secret.

pub(crate) fn alliance_json(a: &Alliance) -> Value {
    json!({
        "id": a.id.to_string(),
        "name": a.name,
        "reporting_cycle_days": a.reporting_cycle_days,
        "version": a.version.0,
    })
}

pub(crate) fn organisation_json(o: &Organisation) -> Value {
    json!({
        "id": o.id.to_string(),
        "alliance_id": o.alliance_id.to_string(),
        "name": o.name,
        "kind": o.kind.as_str(),
        "version": o.version.0,
    })
}

pub(crate) fn membership_json(m: &Membership) -> Value {
    json!({
        "id": m.id.to_string(),
        "user_id": m.user.id.to_string(),
        "email": m.user.email,
        "alliance_id": m.alliance_id.to_string(),
        "organisation_id": m.organisation_id.map(|o| o.to_string()),
        "role": m.role.as_str(),
        "status": m.status.as_str(),
        "version": m.version.0,
    })
}

pub(crate) fn token_json(t: &AccessToken) -> Value {
    json!({
        "id": t.id.to_string(),
        "user_id": t.user_id.to_string(),
        "name": t.name,
        "expires_at": t.expires_at.to_rfc3339(),
        "revoked_at": t.revoked_at.map(|r| r.to_rfc3339()),
    })
}

impl App {
    /// An organisation's audit log, newest first: alliance-level entries about it and its own.
    pub async fn organisation_audit(
        &self,
        p: &Principal,
        org: OrganisationId,
        action: Option<String>,
        before: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<AuditEntry>, AppError> {
        policy::read_organisation_audit(p, org)?;
        self.db
            .read(move |conn| {
                Ok(pcref_store::audit::list(
                    conn,
                    AuditFeed::Organisation(org),
                    action.as_deref(),
                    before.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    /// An alliance's administration log, newest first. Organisations' private entries are
    /// not in it.
    pub async fn alliance_audit(
        &self,
        p: &Principal,
        alliance: AllianceId,
        action: Option<String>,
        before: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<AuditEntry>, AppError> {
        policy::read_alliance_audit(p, alliance)?;
        self.db
            .read(move |conn| {
                Ok(pcref_store::audit::list(
                    conn,
                    AuditFeed::Alliance(alliance),
                    action.as_deref(),
                    before.as_ref(),
                    limit,
                )?)
            })
            .await
    }
}
