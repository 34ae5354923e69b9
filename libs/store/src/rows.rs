//! Rows as the database holds them (text ids, naive UTC times) and their conversion into the
//! domain's records. diesel derives live here and nowhere else.

use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use pcref_domain as domain;

use crate::schema::{access_tokens, alliances, audit_log, memberships, organisations, users};
use crate::{from_db_time, StoreError};

/// Parses a stored value, reporting which column held something unexpected.
pub(crate) fn parse<T: FromStr>(column: &str, value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} = {value:?}")))
}

pub(crate) fn parse_opt<T: FromStr>(
    column: &str,
    value: Option<&str>,
) -> Result<Option<T>, StoreError> {
    value.map(|v| parse(column, v)).transpose()
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = alliances)]
pub(crate) struct AllianceRow {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<AllianceRow> for domain::Alliance {
    type Error = StoreError;

    fn try_from(row: AllianceRow) -> Result<Self, StoreError> {
        Ok(domain::Alliance {
            id: parse("alliances.id", &row.id)?,
            name: row.name,
            version: domain::Version(row.version),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub(crate) struct OrganisationRow {
    pub id: String,
    pub alliance_id: String,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<OrganisationRow> for domain::Organisation {
    type Error = StoreError;

    fn try_from(row: OrganisationRow) -> Result<Self, StoreError> {
        Ok(domain::Organisation {
            id: parse("organisations.id", &row.id)?,
            alliance_id: parse("organisations.alliance_id", &row.alliance_id)?,
            name: row.name,
            kind: parse("organisations.kind", &row.kind)?,
            version: domain::Version(row.version),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<UserRow> for domain::User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(domain::User {
            id: parse("users.id", &row.id)?,
            email: row.email,
            display_name: row.display_name,
            created_at: from_db_time(row.created_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub(crate) struct MembershipRow {
    pub id: String,
    pub user_id: String,
    pub alliance_id: String,
    pub organisation_id: Option<String>,
    pub role: String,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub invited_display_name: Option<String>,
}

impl MembershipRow {
    pub(crate) fn into_domain(self, user: UserRow) -> Result<domain::Membership, StoreError> {
        let mut user: domain::User = user.try_into()?;
        let status: domain::MembershipStatus = parse("memberships.status", &self.status)?;
        // Until the person accepts, show the name they were invited under, never the name an
        // existing account chose (which the inviter may have no right to see).
        if status == domain::MembershipStatus::Invited {
            if let Some(name) = self.invited_display_name {
                user.display_name = name;
            }
        }
        Ok(domain::Membership {
            id: parse("memberships.id", &self.id)?,
            user,
            alliance_id: parse("memberships.alliance_id", &self.alliance_id)?,
            organisation_id: parse_opt(
                "memberships.organisation_id",
                self.organisation_id.as_deref(),
            )?,
            role: parse("memberships.role", &self.role)?,
            status,
            version: domain::Version(self.version),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_tokens)]
pub(crate) struct AccessTokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<AccessTokenRow> for domain::AccessToken {
    type Error = StoreError;

    fn try_from(row: AccessTokenRow) -> Result<Self, StoreError> {
        Ok(domain::AccessToken {
            id: parse("access_tokens.id", &row.id)?,
            user_id: parse("access_tokens.user_id", &row.user_id)?,
            name: row.name,
            created_at: from_db_time(row.created_at),
            expires_at: from_db_time(row.expires_at),
            last_used_at: row.last_used_at.map(from_db_time),
            revoked_at: row.revoked_at.map(from_db_time),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub(crate) struct AuditRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_label: String,
    pub alliance_id: Option<String>,
    pub organisation_id: Option<String>,
    pub visibility: String,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
}

impl TryFrom<AuditRow> for domain::AuditEntry {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        let json = |column: &str,
                    v: Option<String>|
         -> Result<Option<serde_json::Value>, StoreError> {
            v.map(|text| {
                serde_json::from_str(&text)
                    .map_err(|_| StoreError::Corrupt(format!("{column} of audit entry {}", row.id)))
            })
            .transpose()
        };
        Ok(domain::AuditEntry {
            id: parse("audit_log.id", &row.id)?,
            occurred_at: from_db_time(row.occurred_at),
            actor_user_id: parse_opt("audit_log.actor_user_id", row.actor_user_id.as_deref())?,
            actor_label: row.actor_label.clone(),
            alliance_id: parse_opt("audit_log.alliance_id", row.alliance_id.as_deref())?,
            organisation_id: parse_opt(
                "audit_log.organisation_id",
                row.organisation_id.as_deref(),
            )?,
            visibility: domain::AuditVisibility::parse(&row.visibility).ok_or_else(|| {
                StoreError::Corrupt(format!("audit_log.visibility = {:?}", row.visibility))
            })?,
            action: row.action.clone(),
            target_type: row.target_type.clone(),
            target_id: row.target_id.clone(),
            before: json("before_value", row.before_value.clone())?,
            after: json("after_value", row.after_value.clone())?,
        })
    }
}
