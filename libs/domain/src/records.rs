//! The records the platform keeps, as the rest of the code sees them: typed ids and enums,
//! UTC times. Text fields were validated when written and are served as stored.

use chrono::{DateTime, Utc};

use crate::{
    AccessTokenId, AllianceId, AuditEntryId, MembershipId, MembershipStatus, OrganisationId,
    OrganisationKind, Role, UserId, Version,
};

/// How long an action may go without a progress update unless the alliance says otherwise.
pub const DEFAULT_REPORTING_CYCLE_DAYS: u32 = 90;

/// An alliance's reporting cycle: from a week to a year.
pub fn reporting_cycle_days(days: u32) -> Result<u32, crate::ValidationError> {
    if (7..=366).contains(&days) {
        Ok(days)
    } else {
        Err(crate::ValidationError::new(
            "reporting_cycle_days",
            format!("must be between 7 and 366 days (got {days})"),
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alliance {
    pub id: AllianceId,
    pub name: String,
    /// Days without a progress update before an action is flagged stale.
    pub reporting_cycle_days: u32,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub alliance_id: AllianceId,
    pub name: String,
    pub kind: OrganisationKind,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

/// A user's role in one organisation, or across an alliance when `organisation_id` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: MembershipId,
    pub user: User,
    pub alliance_id: AllianceId,
    pub organisation_id: Option<OrganisationId>,
    pub role: Role,
    pub status: MembershipStatus,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A membership with the names a person needs to recognise it.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipInContext {
    pub membership: Membership,
    pub alliance_name: String,
    pub organisation_name: Option<String>,
    pub organisation_kind: Option<OrganisationKind>,
}

/// A personal access token's metadata. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    pub id: AccessTokenId,
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Who may read an audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditVisibility {
    /// The alliance's admins, and the admins of the organisation it names, if any.
    Alliance,
    /// Only the admins of the organisation it names (its private workspace).
    Organisation,
    /// Concerns one person's own credentials.
    User,
}

impl AuditVisibility {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditVisibility::Alliance => "alliance",
            AuditVisibility::Organisation => "organisation",
            AuditVisibility::User => "user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "alliance" => Some(AuditVisibility::Alliance),
            "organisation" => Some(AuditVisibility::Organisation),
            "user" => Some(AuditVisibility::User),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: AuditEntryId,
    pub occurred_at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    /// Who acted, readable without a join: a user's email, or "command line" for bootstrap.
    pub actor_label: String,
    pub alliance_id: Option<AllianceId>,
    pub organisation_id: Option<OrganisationId>,
    pub visibility: AuditVisibility,
    /// What happened, such as `organisation.created`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}
