//! Action plans, following the four stages of the PCREF action-planning tool: priority areas
//! (stage 1), goals (stage 2), actions (stage 3, the implementation table) and progress
//! updates (stage 4). Also templates, the reusable skeletons plans are made from.
//!
//! Each record has a *draft*: its editable fields, validated. A create takes a draft; an
//! update applies a *patch* (absent fields unchanged, `Some(None)` clears an optional one) to
//! the current draft and checks the result, so that rules across fields (an action ends on or
//! after it starts) hold whichever fields were sent.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    ActionId, ActionStatus, AllianceId, Competency, EthnicCategory, GoalId, OrganisationId, Pillar,
    PlanId, PlanStatus, PriorityId, ProgressUpdateId, Rag, TemplateId, UserId, ValidationError,
    Version,
};

// ---- text rules ---------------------------------------------------------------------------

/// A one-line text: trimmed, inner whitespace collapsed, 1..=max characters.
pub fn line(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    crate::names::clean_text(field, raw, max)
}

/// A paragraph text (statements, evidence, narratives): line breaks kept, other control
/// characters refused, trimmed, 1..=max characters (counted as sent).
pub fn paragraph(field: &str, raw: &str, max: usize) -> Result<String, ValidationError> {
    paragraph_characters(field, raw)?;
    crate::names::within_length(field, raw, max)?;
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    Ok(text.to_owned())
}

fn paragraph_characters(field: &str, raw: &str) -> Result<(), ValidationError> {
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ValidationError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    Ok(())
}

/// An optional paragraph: blank means absent (a blank text is still held to the characters
/// and the length allowed).
pub fn optional_paragraph(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match raw {
        Some(r) if !r.trim().is_empty() => paragraph(field, r, max).map(Some),
        Some(r) => {
            paragraph_characters(field, r)?;
            crate::names::within_length(field, r, max).map(|()| None)
        }
        None => Ok(None),
    }
}

/// An optional one-line text: blank means absent (a blank text is still held to the
/// characters and the length allowed).
pub fn optional_line(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match raw {
        Some(r) if !r.trim().is_empty() => line(field, r, max).map(Some),
        Some(r) if r.chars().any(char::is_control) => Err(ValidationError::new(
            field,
            "must not contain control characters such as line breaks or tabs",
        )),
        Some(r) => crate::names::within_length(field, r, max).map(|()| None),
        None => Ok(None),
    }
}

/// A link to evidence: an absolute http or https URL.
pub fn evidence_url(field: &str, raw: &str) -> Result<String, ValidationError> {
    let url = raw.trim();
    let bad = || {
        ValidationError::new(
            field,
            "must be an absolute http or https URL, such as https://intranet.example.nhs.uk/report.pdf",
        )
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    if url.chars().count() > MAX_URL {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_URL} characters"),
        ));
    }
    Ok(url.to_owned())
}

/// A date a plan can hold: within 1900–2999, so that both databases store, compare and sort it
/// the same way (SQLite keeps dates as text).
pub fn plan_date(field: &str, date: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX);
    if (first..=last).contains(&date) {
        Ok(date)
    } else {
        Err(ValidationError::new(
            field,
            format!("must be a date between 1900-01-01 and 2999-12-31 (got {date})"),
        ))
    }
}

pub const MAX_TITLE: usize = 200;
pub const MAX_PARAGRAPH: usize = 10_000;
pub const MAX_NAME: usize = 200;
pub const MAX_URL: usize = 2_000;

/// `to` must not come before `from`, when both are set.
pub fn ordered_dates(
    from_field: &str,
    from: Option<NaiveDate>,
    to_field: &str,
    to: Option<NaiveDate>,
) -> Result<(), ValidationError> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => Err(ValidationError::new(
            to_field,
            format!("must be on or after {from_field} ({f}); got {t}"),
        )),
        _ => Ok(()),
    }
}

/// Applies a patch to one field.
fn patched<T: Clone>(current: &T, patch: &Option<T>) -> T {
    patch.as_ref().unwrap_or(current).clone()
}

// ---- plans --------------------------------------------------------------------------------

/// The editable fields of an action plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDraft {
    pub title: String,
    /// The service or directorate the plan covers.
    pub service: String,
    /// Who is responsible for the plan: an active member of the organisation.
    pub owner_user_id: Option<UserId>,
    pub status: PlanStatus,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
}

impl PlanDraft {
    pub fn check(self) -> Result<PlanDraft, ValidationError> {
        ordered_dates(
            "period_starts_on",
            self.period_starts_on,
            "period_ends_on",
            self.period_ends_on,
        )?;
        Ok(self)
    }

    pub fn apply(&self, patch: &PlanPatch) -> Result<PlanDraft, ValidationError> {
        PlanDraft {
            title: patched(&self.title, &patch.title),
            service: patched(&self.service, &patch.service),
            owner_user_id: patched(&self.owner_user_id, &patch.owner_user_id),
            status: patched(&self.status, &patch.status),
            period_starts_on: patched(&self.period_starts_on, &patch.period_starts_on),
            period_ends_on: patched(&self.period_ends_on, &patch.period_ends_on),
        }
        .check()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanPatch {
    pub title: Option<String>,
    pub service: Option<String>,
    pub owner_user_id: Option<Option<UserId>>,
    pub status: Option<PlanStatus>,
    pub period_starts_on: Option<Option<NaiveDate>>,
    pub period_ends_on: Option<Option<NaiveDate>>,
}

/// An action plan in a provider's private workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub id: PlanId,
    pub organisation_id: OrganisationId,
    pub alliance_id: AllianceId,
    pub fields: PlanDraft,
    /// The owner's display name, when the plan has an owner.
    pub owner_name: Option<String>,
    /// The template the plan was created from, and its name at the time.
    pub template_id: Option<TemplateId>,
    pub template_name: Option<String>,
    /// The prompts of each stage, copied from the template.
    pub guidance: Vec<StageGuidance>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing plans.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub status: Option<PlanStatus>,
    /// Plans with a priority naming any of these groups.
    pub ethnic_categories: Option<Vec<EthnicCategory>>,
    /// Plans with a goal tied to this competency.
    pub competency: Option<Competency>,
    /// Plans with a goal under this pillar.
    pub pillar: Option<Pillar>,
    /// Words in the title, the service, or a priority's or goal's statement (case-insensitive).
    pub text: Option<String>,
}

// ---- stage 1: priority areas --------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorityDraft {
    pub statement: String,
    /// Specific groups, never an umbrella term: at least one, in code order.
    pub ethnic_categories: Vec<EthnicCategory>,
    pub service_area: Option<String>,
    /// What local data shows.
    pub evidence: Option<String>,
    pub communities_consulted: bool,
    /// How the communities were consulted (or why not yet).
    pub consultation_notes: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityPatch {
    pub statement: Option<String>,
    pub ethnic_categories: Option<Vec<EthnicCategory>>,
    pub service_area: Option<Option<String>>,
    pub evidence: Option<Option<String>>,
    pub communities_consulted: Option<bool>,
    pub consultation_notes: Option<Option<String>>,
}

impl PriorityDraft {
    pub fn apply(&self, patch: &PriorityPatch) -> PriorityDraft {
        PriorityDraft {
            statement: patched(&self.statement, &patch.statement),
            ethnic_categories: patched(&self.ethnic_categories, &patch.ethnic_categories),
            service_area: patched(&self.service_area, &patch.service_area),
            evidence: patched(&self.evidence, &patch.evidence),
            communities_consulted: patched(
                &self.communities_consulted,
                &patch.communities_consulted,
            ),
            consultation_notes: patched(&self.consultation_notes, &patch.consultation_notes),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priority {
    pub id: PriorityId,
    pub plan_id: PlanId,
    pub fields: PriorityDraft,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---- stage 2: goals -----------------------------------------------------------------------

/// A SMART goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalDraft {
    /// What will change.
    pub statement: String,
    /// How the change is measured.
    pub measure: String,
    /// Where the measure stands now; absent when the goal is to establish it.
    pub baseline: Option<String>,
    pub target: String,
    /// Required when a goal is written; empty only on a goal copied from a template, until
    /// someone sets it.
    pub deadline: Option<NaiveDate>,
    /// At least one, in list order.
    pub competencies: Vec<Competency>,
    pub pillar: Pillar,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoalPatch {
    pub statement: Option<String>,
    pub measure: Option<String>,
    pub baseline: Option<Option<String>>,
    pub target: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub competencies: Option<Vec<Competency>>,
    pub pillar: Option<Pillar>,
}

impl GoalDraft {
    pub fn apply(&self, patch: &GoalPatch) -> GoalDraft {
        GoalDraft {
            statement: patched(&self.statement, &patch.statement),
            measure: patched(&self.measure, &patch.measure),
            baseline: patched(&self.baseline, &patch.baseline),
            target: patched(&self.target, &patch.target),
            deadline: patch.deadline.or(self.deadline),
            competencies: patched(&self.competencies, &patch.competencies),
            pillar: patched(&self.pillar, &patch.pillar),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub id: GoalId,
    pub plan_id: PlanId,
    pub fields: GoalDraft,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---- stage 3: actions ---------------------------------------------------------------------

/// A row of the implementation table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDraft {
    /// The priority area the action serves: one of the same plan's.
    pub priority_id: PriorityId,
    /// The actions required.
    pub description: String,
    /// How impact or progress is measured.
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The lead's name: private to the workspace, never published.
    pub lead_name: Option<String>,
    /// The lead's role: may be shared.
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionPatch {
    pub priority_id: Option<PriorityId>,
    pub description: Option<String>,
    pub measure: Option<Option<String>>,
    pub expected_outcome: Option<Option<String>>,
    pub starts_on: Option<Option<NaiveDate>>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub lead_name: Option<Option<String>>,
    pub lead_role: Option<Option<String>>,
    pub cost_implications: Option<Option<String>>,
}

impl ActionDraft {
    pub fn check(self) -> Result<ActionDraft, ValidationError> {
        ordered_dates("starts_on", self.starts_on, "ends_on", self.ends_on)?;
        Ok(self)
    }

    pub fn apply(&self, patch: &ActionPatch) -> Result<ActionDraft, ValidationError> {
        ActionDraft {
            priority_id: patched(&self.priority_id, &patch.priority_id),
            description: patched(&self.description, &patch.description),
            measure: patched(&self.measure, &patch.measure),
            expected_outcome: patched(&self.expected_outcome, &patch.expected_outcome),
            starts_on: patched(&self.starts_on, &patch.starts_on),
            ends_on: patched(&self.ends_on, &patch.ends_on),
            lead_name: patched(&self.lead_name, &patch.lead_name),
            lead_role: patched(&self.lead_role, &patch.lead_role),
            cost_implications: patched(&self.cost_implications, &patch.cost_implications),
        }
        .check()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: ActionId,
    pub plan_id: PlanId,
    pub fields: ActionDraft,
    /// As set when the action was created, then by its latest progress update.
    pub status: ActionStatus,
    /// The date of the latest progress update, if any.
    pub last_update_on: Option<NaiveDate>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Action {
    /// Past its end and not finished. A dropped action is not overdue: nothing more is
    /// expected of it.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_finished() && self.fields.ends_on.is_some_and(|end| end < today)
    }

    /// Under way (started, not finished) and without a progress update for longer than the
    /// alliance's reporting cycle, counted from its latest update or, before the first, from
    /// when it started or was created.
    pub fn is_stale(&self, today: NaiveDate, cycle_days: u32) -> bool {
        if self.status.is_finished() || self.fields.starts_on.is_some_and(|s| s > today) {
            return false;
        }
        let since = self.last_update_on.unwrap_or_else(|| {
            let created = self.created_at.date_naive();
            self.fields.starts_on.map_or(created, |s| s.max(created))
        });
        (today - since).num_days() > i64::from(cycle_days)
    }
}

// ---- stage 4: progress updates ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressDraft {
    /// The date the update reports on: today unless given; never in the future.
    pub reported_on: NaiveDate,
    pub status: ActionStatus,
    pub rag: Rag,
    pub narrative: String,
    pub evidence_url: Option<String>,
}

/// A progress update reports on what has happened: its date is not in the future.
pub fn reported_on(
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, ValidationError> {
    if date > today {
        return Err(ValidationError::new(
            field,
            format!("must not be in the future (today is {today})"),
        ));
    }
    Ok(date)
}

impl ProgressDraft {
    pub fn check(self, today: NaiveDate) -> Result<ProgressDraft, ValidationError> {
        reported_on("reported_on", self.reported_on, today)?;
        Ok(self)
    }
}

/// A dated progress update on an action. Updates are never edited: a correction is a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgressUpdate {
    pub id: ProgressUpdateId,
    pub action_id: ActionId,
    pub plan_id: PlanId,
    pub fields: ProgressDraft,
    pub author_user_id: Option<UserId>,
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

// ---- templates ----------------------------------------------------------------------------

/// The prompts of one stage of the tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageGuidance {
    /// 1 to 4.
    pub stage: u8,
    pub title: String,
    pub prompts: Vec<String>,
}

/// A priority area as a template keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePriority {
    pub statement: String,
    pub ethnic_categories: Vec<String>,
    pub service_area: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateGoal {
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub competencies: Vec<String>,
    pub pillar: String,
}

/// An action as a template keeps it: no dates, no lead's name, no status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateAction {
    /// Index into the template's priorities.
    pub priority: usize,
    pub description: String,
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
}

/// What a template holds; stored as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateContent {
    pub stages: Vec<StageGuidance>,
    #[serde(default)]
    pub priorities: Vec<TemplatePriority>,
    #[serde(default)]
    pub goals: Vec<TemplateGoal>,
    #[serde(default)]
    pub actions: Vec<TemplateAction>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub id: TemplateId,
    /// `None` for a template built into the platform.
    pub organisation_id: Option<OrganisationId>,
    pub name: String,
    pub description: Option<String>,
    /// The plan an organisation's template was saved from.
    pub source_plan_id: Option<PlanId>,
    pub content: TemplateContent,
    pub created_at: DateTime<Utc>,
    /// When the organisation first shared it with its alliance; sharing again refreshes the
    /// shared copy but keeps this, so the alliance's list keeps its order.
    pub shared_at: Option<DateTime<Utc>>,
    /// The redacted copy the rest of the alliance sees, once shared.
    pub shared: Option<SharedTemplateContent>,
    /// How many organisations adopted it (each at most once).
    pub adoptions: u32,
    /// For a copy adopted from another organisation's shared template: that template.
    pub adopted_from_id: Option<TemplateId>,
    /// What the adopter saw of the original (its shared name and its organisation), when it
    /// can still be found.
    pub adopted_from: Option<TemplateOrigin>,
}

/// What an organisation shares of a template: its name, description and content after
/// redaction, exactly as the rest of the alliance sees them. Stored as JSON, so that the
/// shared copy never changes behind the readers' backs (sharing again replaces it whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedTemplateContent {
    pub name: String,
    pub description: Option<String>,
    pub content: TemplateContent,
}

/// The shared template an adopted copy came from: provenance, as the adopter saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateOrigin {
    pub id: TemplateId,
    /// Its name as shared (redacted), never its owner's private name.
    pub name: String,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
}

impl Template {
    pub fn is_built_in(&self) -> bool {
        self.organisation_id.is_none()
    }

    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// A copy adopted from another organisation (which cannot be shared again: the alliance
    /// adopts the original, so that provenance stays one step long).
    pub fn is_adopted(&self) -> bool {
        self.adopted_from_id.is_some()
    }

    /// The template as the rest of the alliance sees it: the shared (redacted) copy, without
    /// the private plan it was saved from. `None` while it is not shared.
    pub fn shared_view(&self) -> Option<Template> {
        let shared = self.shared.clone()?;
        Some(Template {
            id: self.id,
            organisation_id: self.organisation_id,
            name: shared.name,
            description: shared.description,
            source_plan_id: None,
            content: shared.content,
            created_at: self.created_at,
            shared_at: self.shared_at,
            shared: None,
            adoptions: self.adoptions,
            adopted_from_id: None,
            adopted_from: None,
        })
    }
}

/// The id of the built-in "PCREF action-planning tool (four stages)" template, seeded by a
/// migration with the same id on both backends.
pub const BUILT_IN_TEMPLATE_ID: TemplateId = TemplateId(uuid::Uuid::from_u128(
    0x0000_0000_0000_7000_8000_0000_0000_0001,
));

/// A whole plan, as exported: the plan and its four stages.
#[derive(Debug, Clone)]
pub struct PlanDocument {
    pub organisation_name: String,
    pub plan: Plan,
    pub priorities: Vec<Priority>,
    pub goals: Vec<Goal>,
    /// With overdue and stale worked out for the day of export.
    pub actions: Vec<ActionView>,
    /// Newest first.
    pub updates: Vec<ProgressUpdate>,
    pub exported_on: NaiveDate,
}

/// An action with its derived flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionView {
    pub action: Action,
    pub overdue: bool,
    pub stale: bool,
}

impl ActionView {
    pub fn new(action: Action, today: NaiveDate, cycle_days: u32) -> ActionView {
        ActionView {
            overdue: action.is_overdue(today),
            stale: action.is_stale(today, cycle_days),
            action,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn action(status: ActionStatus, starts: Option<&str>, ends: Option<&str>) -> Action {
        Action {
            id: ActionId::new(),
            plan_id: PlanId::new(),
            fields: ActionDraft {
                priority_id: PriorityId::new(),
                description: "Run listening events".into(),
                measure: None,
                expected_outcome: None,
                starts_on: starts.map(date),
                ends_on: ends.map(date),
                lead_name: None,
                lead_role: None,
                cost_implications: None,
            },
            status,
            last_update_on: None,
            version: Version::FIRST,
            created_at: "2026-01-05T09:00:00Z".parse().expect("time"),
            updated_at: "2026-01-05T09:00:00Z".parse().expect("time"),
        }
    }

    #[test]
    fn overdue_means_past_its_end_and_not_finished() {
        let today = date("2026-06-01");
        assert!(action(ActionStatus::OnTrack, None, Some("2026-05-31")).is_overdue(today));
        assert!(!action(ActionStatus::OnTrack, None, Some("2026-06-01")).is_overdue(today));
        assert!(!action(ActionStatus::Complete, None, Some("2026-01-31")).is_overdue(today));
        assert!(!action(ActionStatus::Dropped, None, Some("2026-01-31")).is_overdue(today));
        assert!(!action(ActionStatus::NotStarted, None, None).is_overdue(today));
    }

    #[test]
    fn stale_counts_from_the_latest_update_or_the_start() {
        let mut a = action(ActionStatus::OnTrack, Some("2026-01-01"), None);
        assert!(
            !a.is_stale(date("2026-04-05"), 90),
            "90 days after creation"
        );
        assert!(a.is_stale(date("2026-04-06"), 90), "91 days after creation");
        a.last_update_on = Some(date("2026-04-01"));
        assert!(!a.is_stale(date("2026-06-30"), 90));
        assert!(a.is_stale(date("2026-07-01"), 90));
        a.status = ActionStatus::Complete;
        assert!(!a.is_stale(date("2027-01-01"), 90));
        let future = action(ActionStatus::NotStarted, Some("2027-01-01"), None);
        assert!(!future.is_stale(date("2026-12-01"), 30));
    }

    #[test]
    fn dates_must_be_in_order_after_a_patch() {
        let draft = action(
            ActionStatus::OnTrack,
            Some("2026-01-01"),
            Some("2026-03-01"),
        )
        .fields;
        let err = draft
            .apply(&ActionPatch {
                ends_on: Some(Some(date("2025-12-31"))),
                ..ActionPatch::default()
            })
            .expect_err("ends before it starts");
        assert_eq!(err.field, "ends_on");
        assert!(draft
            .apply(&ActionPatch {
                starts_on: Some(None),
                ends_on: Some(Some(date("2025-12-31"))),
                ..ActionPatch::default()
            })
            .is_ok());
    }

    #[test]
    fn paragraphs_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(
            paragraph("evidence", "  a\r\nb  ", 100).expect("valid"),
            "a\nb"
        );
        assert!(paragraph("evidence", "a\u{0}b", 100).is_err());
        assert!(paragraph("evidence", "   ", 100).is_err());
        assert_eq!(
            optional_paragraph("e", Some("  "), 10).expect("blank"),
            None
        );
    }

    #[test]
    fn dates_are_bounded() {
        assert!(plan_date("d", date("2026-04-01")).is_ok());
        assert!(plan_date("d", date("1899-12-31")).is_err());
        assert!(plan_date("d", NaiveDate::from_ymd_opt(10000, 1, 1).expect("date")).is_err());
    }

    #[test]
    fn evidence_links_are_web_urls() {
        assert!(evidence_url("evidence_url", "https://example.nhs.uk/r.pdf").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://x/y",
            "https://",
            "https://a b",
            "report.pdf",
        ] {
            assert!(evidence_url("evidence_url", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_built_in_template_id_is_a_version_7_uuid() {
        assert_eq!(BUILT_IN_TEMPLATE_ID.0.get_version_num(), 7);
        assert_eq!(
            BUILT_IN_TEMPLATE_ID.to_string(),
            "00000000-0000-7000-8000-000000000001"
        );
    }
}
