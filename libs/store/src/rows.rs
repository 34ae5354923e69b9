//! Rows as the database holds them (text ids, naive UTC times) and their conversion into the
//! domain's records. diesel derives live here and nowhere else.

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use pcref_domain as domain;

use crate::schema::{
    access_tokens, actions, alliances, audit_log, goals, memberships, organisations, plans,
    priorities, progress_updates, templates, users,
};
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
    pub reporting_cycle_days: i32,
}

impl TryFrom<AllianceRow> for domain::Alliance {
    type Error = StoreError;

    fn try_from(row: AllianceRow) -> Result<Self, StoreError> {
        Ok(domain::Alliance {
            id: parse("alliances.id", &row.id)?,
            name: row.name,
            reporting_cycle_days: u32::try_from(row.reporting_cycle_days).map_err(|_| {
                StoreError::Corrupt(format!(
                    "alliances.reporting_cycle_days = {}",
                    row.reporting_cycle_days
                ))
            })?,
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

// ---- action plans --------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = templates)]
pub(crate) struct TemplateRow {
    pub id: String,
    pub organisation_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub source_plan_id: Option<String>,
    pub content: String,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub shared_at: Option<NaiveDateTime>,
    /// JSON of [`domain::SharedTemplateContent`], once shared.
    pub shared_content: Option<String>,
    pub adopted_from_id: Option<String>,
}

/// A template as stored; its adoptions are counted and its origin looked up by the queries in
/// `templates.rs`, which fill them in.
impl TryFrom<TemplateRow> for domain::Template {
    type Error = StoreError;

    fn try_from(row: TemplateRow) -> Result<Self, StoreError> {
        let shared = row
            .shared_content
            .as_deref()
            .map(serde_json::from_str::<domain::SharedTemplateContent>)
            .transpose()
            .map_err(|e| {
                StoreError::Corrupt(format!("templates.shared_content of {}: {e}", row.id))
            })?;
        Ok(domain::Template {
            id: parse("templates.id", &row.id)?,
            organisation_id: parse_opt(
                "templates.organisation_id",
                row.organisation_id.as_deref(),
            )?,
            name: row.name,
            description: row.description,
            source_plan_id: parse_opt("templates.source_plan_id", row.source_plan_id.as_deref())?,
            content: serde_json::from_str(&row.content).map_err(|e| {
                StoreError::Corrupt(format!("templates.content of {}: {e}", row.id))
            })?,
            created_at: from_db_time(row.created_at),
            shared_at: row.shared_at.map(from_db_time),
            shared,
            adoptions: 0,
            adopted_from_id: parse_opt(
                "templates.adopted_from_id",
                row.adopted_from_id.as_deref(),
            )?,
            adopted_from: None,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
pub(crate) struct PlanRow {
    pub id: String,
    pub organisation_id: String,
    pub alliance_id: String,
    pub title: String,
    pub service: String,
    pub owner_user_id: Option<String>,
    pub status: String,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
    pub template_id: Option<String>,
    pub template_name: Option<String>,
    pub guidance: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl PlanRow {
    pub(crate) fn into_domain(
        self,
        owner_name: Option<String>,
    ) -> Result<domain::Plan, StoreError> {
        Ok(domain::Plan {
            id: parse("plans.id", &self.id)?,
            organisation_id: parse("plans.organisation_id", &self.organisation_id)?,
            alliance_id: parse("plans.alliance_id", &self.alliance_id)?,
            fields: domain::PlanDraft {
                title: self.title,
                service: self.service,
                owner_user_id: parse_opt("plans.owner_user_id", self.owner_user_id.as_deref())?,
                status: parse("plans.status", &self.status)?,
                period_starts_on: self.period_starts_on,
                period_ends_on: self.period_ends_on,
            },
            owner_name,
            template_id: parse_opt("plans.template_id", self.template_id.as_deref())?,
            template_name: self.template_name,
            guidance: serde_json::from_str(&self.guidance)
                .map_err(|e| StoreError::Corrupt(format!("plans.guidance of {}: {e}", self.id)))?,
            version: domain::Version(self.version),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = priorities)]
pub(crate) struct PriorityRow {
    pub id: String,
    pub plan_id: String,
    pub statement: String,
    pub service_area: Option<String>,
    pub evidence: Option<String>,
    pub communities_consulted: bool,
    pub consultation_notes: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PriorityRow {
    pub(crate) fn into_domain(self, codes: &[String]) -> Result<domain::Priority, StoreError> {
        let mut ethnic_categories = codes
            .iter()
            .map(|c| parse("priority_ethnic_categories.code", c))
            .collect::<Result<Vec<domain::EthnicCategory>, _>>()?;
        ethnic_categories.sort();
        Ok(domain::Priority {
            id: parse("priorities.id", &self.id)?,
            plan_id: parse("priorities.plan_id", &self.plan_id)?,
            fields: domain::PriorityDraft {
                statement: self.statement,
                ethnic_categories,
                service_area: self.service_area,
                evidence: self.evidence,
                communities_consulted: self.communities_consulted,
                consultation_notes: self.consultation_notes,
            },
            version: domain::Version(self.version),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = goals)]
pub(crate) struct GoalRow {
    pub id: String,
    pub plan_id: String,
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub deadline: Option<NaiveDate>,
    pub pillar: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl GoalRow {
    pub(crate) fn into_domain(self, competencies: &[String]) -> Result<domain::Goal, StoreError> {
        let mut competencies = competencies
            .iter()
            .map(|c| parse("goal_competencies.competency", c))
            .collect::<Result<Vec<domain::Competency>, _>>()?;
        competencies.sort();
        Ok(domain::Goal {
            id: parse("goals.id", &self.id)?,
            plan_id: parse("goals.plan_id", &self.plan_id)?,
            fields: domain::GoalDraft {
                statement: self.statement,
                measure: self.measure,
                baseline: self.baseline,
                target: self.target,
                deadline: self.deadline,
                competencies,
                pillar: parse("goals.pillar", &self.pillar)?,
            },
            version: domain::Version(self.version),
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = actions)]
pub(crate) struct ActionRow {
    pub id: String,
    pub plan_id: String,
    pub priority_id: String,
    pub description: String,
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub lead_name: Option<String>,
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
    pub status: String,
    pub last_update_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<ActionRow> for domain::Action {
    type Error = StoreError;

    fn try_from(row: ActionRow) -> Result<Self, StoreError> {
        Ok(domain::Action {
            id: parse("actions.id", &row.id)?,
            plan_id: parse("actions.plan_id", &row.plan_id)?,
            fields: domain::ActionDraft {
                priority_id: parse("actions.priority_id", &row.priority_id)?,
                description: row.description,
                measure: row.measure,
                expected_outcome: row.expected_outcome,
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                lead_name: row.lead_name,
                lead_role: row.lead_role,
                cost_implications: row.cost_implications,
            },
            status: parse("actions.status", &row.status)?,
            last_update_on: row.last_update_on,
            version: domain::Version(row.version),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = progress_updates)]
pub(crate) struct ProgressUpdateRow {
    pub id: String,
    pub action_id: String,
    pub plan_id: String,
    pub reported_on: NaiveDate,
    pub status: String,
    pub rag: String,
    pub narrative: String,
    pub evidence_url: Option<String>,
    pub author_user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

impl ProgressUpdateRow {
    pub(crate) fn into_domain(
        self,
        author_name: Option<String>,
    ) -> Result<domain::ProgressUpdate, StoreError> {
        Ok(domain::ProgressUpdate {
            id: parse("progress_updates.id", &self.id)?,
            action_id: parse("progress_updates.action_id", &self.action_id)?,
            plan_id: parse("progress_updates.plan_id", &self.plan_id)?,
            fields: domain::ProgressDraft {
                reported_on: self.reported_on,
                status: parse("progress_updates.status", &self.status)?,
                rag: parse("progress_updates.rag", &self.rag)?,
                narrative: self.narrative,
                evidence_url: self.evidence_url,
            },
            author_user_id: parse_opt(
                "progress_updates.author_user_id",
                self.author_user_id.as_deref(),
            )?,
            author_name,
            created_at: from_db_time(self.created_at),
        })
    }
}
