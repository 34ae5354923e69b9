//! The roll-up of an alliance's reporting period, as the board and the CEO forum read it.
//!
//! Every figure comes from what the alliance's organisations published: the latest published
//! version of each plan as of the period's end, the joint projects, the feedback loop and the
//! learning library. Counts about people (feedback) are shown only after disclosure control,
//! as [`PeopleCount`]; counts of plans, actions, goals and milestones are not about people.
//!
//! These types are also the frozen content of an issued board report (stored as JSON), so
//! fields are only ever added, with `#[serde(default)]`, never renamed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{AllianceId, BoardReportId, OrganisationId, ProjectId, ReportingPeriodId, UserId};

/// The label of the row that groups every plan published anonymously.
pub const ANONYMOUS_PROVIDERS: &str = "Providers publishing anonymously";
/// The label of the feedback row for feedback about the alliance as a whole.
pub const ABOUT_THE_ALLIANCE: &str = "The alliance as a whole";

/// A period as a roll-up names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRef {
    pub id: ReportingPeriodId,
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A count about people after disclosure control: `value` is `None` when suppressed, and then
/// `shown` is `*`; otherwise `value` is 0 or a multiple of 5 of at least 10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleCount {
    pub value: Option<u64>,
    pub shown: String,
}

/// One row of the per-provider tables: a named provider, or every anonymous publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRef {
    pub label: String,
    /// `None` for the anonymous group.
    pub organisation_id: Option<OrganisationId>,
    pub anonymous: bool,
}

/// Actions by status (PCREF stage 3), as published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionStatusCounts {
    pub not_started: u32,
    pub on_track: u32,
    pub at_risk: u32,
    pub off_track: u32,
    pub complete: u32,
    pub dropped: u32,
    pub total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderProgress {
    pub provider: ProviderRef,
    pub published_plans: u32,
    pub actions: ActionStatusCounts,
    /// Complete actions as a share of those not dropped, to one decimal; `None` without any.
    pub percent_complete: Option<f64>,
    /// Past their end date and not finished, as of the period's end.
    pub overdue: u32,
    /// Under way and without a progress update within the alliance's reporting cycle.
    pub stale: u32,
}

/// One cell of a coverage table: how many published goals (competencies, pillars) name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageCell {
    pub key: String,
    pub label: String,
    pub goals: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageRow {
    pub provider: ProviderRef,
    /// The 8 cultural competencies, in their fixed order.
    pub competencies: Vec<CoverageCell>,
    /// The 3 PCREF pillars, in their fixed order.
    pub pillars: Vec<CoverageCell>,
}

/// An ethnic group targeted by published priority areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EthnicGroupCoverage {
    pub code: String,
    pub label: String,
    /// The broad group's key, if the category has one.
    pub broad_group: Option<String>,
    pub priorities: u32,
    /// How many rows of the provider table target it (the anonymous group counts once).
    pub providers: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub rows: Vec<CoverageRow>,
    /// Only the groups some priority area names, in the NHS list's order.
    pub ethnic_groups: Vec<EthnicGroupCoverage>,
}

/// Where a milestone stands at the period's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    /// Done on a day of the period.
    Done,
    /// Due by the period's end and not done by then.
    Overdue,
    /// Due in the period, after the day the roll-up is taken (an open period).
    Due,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneInPeriod {
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub state: MilestoneState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectRollup {
    pub id: ProjectId,
    pub title: String,
    pub lead_organisation: String,
    /// The phase as of the period's end (key of the five-step model).
    pub phase: String,
    pub phase_label: String,
    /// From the latest update reporting on a day up to the period's end.
    pub rag: Option<String>,
    pub updates_in_period: u32,
    /// Due on a day of the period.
    pub milestones_due: u32,
    /// Done on a day of the period.
    pub milestones_done: u32,
    /// Due by the period's end and not done by then.
    pub milestones_overdue: u32,
    /// Due or done in the period, or overdue at its end; by due date.
    pub milestones: Vec<MilestoneInPeriod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseCount {
    pub phase: String,
    pub label: String,
    pub projects: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectsRollup {
    /// Projects under way on some day of the period, by title.
    pub projects: Vec<ProjectRollup>,
    /// Every phase of the five-step model, in order.
    pub by_phase: Vec<PhaseCount>,
    pub milestones_due: u32,
    pub milestones_done: u32,
    pub milestones_overdue: u32,
}

/// The feedback loop for one provider (or the alliance as a whole): items received in the
/// period and how far each had got by its end. Counts are about people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRow {
    pub label: String,
    /// `None` for the alliance-wide rows.
    pub organisation_id: Option<OrganisationId>,
    pub received: PeopleCount,
    pub acknowledged: PeopleCount,
    pub responded: PeopleCount,
    pub closed: PeopleCount,
    /// Median days from receipt to the first response, for items responded to by the period's
    /// end; `None` when that count is suppressed or zero.
    pub median_days_to_first_response: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRollup {
    /// One row per provider, then one for feedback about the alliance as a whole.
    pub rows: Vec<FeedbackRow>,
    /// The alliance's totals.
    pub total: FeedbackRow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningShared {
    pub title: String,
    /// The organisation, or "An organisation in <alliance>" when shared anonymously.
    pub shared_by: String,
    pub shared_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateAdopted {
    pub template_name: String,
    pub adopted_by: String,
    pub adopted_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub key: String,
    pub label: String,
    pub items: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearningRollup {
    pub items_shared: u32,
    /// Every learning category, in order (an item can carry several).
    pub by_category: Vec<CategoryCount>,
    /// Newest first.
    pub items: Vec<LearningShared>,
    pub templates_adopted: u32,
    pub adoptions: Vec<TemplateAdopted>,
}

/// A headline figure with its change since the previous period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadlineFigure {
    pub key: String,
    pub label: String,
    /// `count`, `percent` or `people` (a count about people, after disclosure control).
    pub unit: String,
    /// `None` when suppressed (or, for a percentage, when there is nothing to divide by).
    pub value: Option<f64>,
    /// As written in the report: the value, `*` when suppressed, `–` when there is none.
    pub shown: String,
    /// The same figure for the previous period; `None` without one, or when suppressed.
    pub previous: Option<f64>,
    /// `value − previous`, when both are known.
    pub change: Option<f64>,
}

/// The roll-up of one reporting period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub alliance_id: AllianceId,
    pub alliance_name: String,
    pub period: PeriodRef,
    pub previous_period: Option<PeriodRef>,
    /// The day the figures are taken for: the period's end, or today while it is still running.
    pub as_of: NaiveDate,
    pub headline: Vec<HeadlineFigure>,
    pub providers: Vec<ProviderProgress>,
    pub coverage: Coverage,
    pub projects: ProjectsRollup,
    pub feedback: FeedbackRollup,
    pub learning: LearningRollup,
}

impl Rollup {
    pub fn headline(&self, key: &str) -> Option<&HeadlineFigure> {
        self.headline.iter().find(|f| f.key == key)
    }
}

/// An issued, immutable version of a period's board report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardReport {
    pub id: BoardReportId,
    pub alliance_id: AllianceId,
    pub period_id: ReportingPeriodId,
    /// 1 for the first issue of the period, then 2, 3… when re-issued.
    pub version: u32,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<UserId>,
    /// The name of the person who issued it, as recorded then.
    pub issued_by_name: String,
    pub rollup: Rollup,
}

// ---- what a roll-up is computed from (read by the store, computed by the app) --------------

/// The day a roll-up is taken for: the period's end, or `today` while the period runs.
pub fn rollup_as_of(period_ends_on: NaiveDate, today: NaiveDate) -> NaiveDate {
    period_ends_on.min(today)
}

/// A published version of a plan, without its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    pub publication_id: crate::PublicationId,
    pub series_id: crate::PublicationSeriesId,
    pub version: u32,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub anonymous: bool,
    pub published_on: NaiveDate,
}

/// A feedback item's way through the loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackFacts {
    pub about: Option<OrganisationId>,
    pub received_on: NaiveDate,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A joint project with its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    pub id: ProjectId,
    pub title: String,
    pub lead_organisation: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Oldest first.
    pub phases: Vec<(crate::ProjectPhase, NaiveDate)>,
    /// Oldest first (by the day reported on, then when written).
    pub updates: Vec<(NaiveDate, crate::Rag)>,
    /// (title, due on, done on), by due date.
    pub milestones: Vec<(String, NaiveDate, Option<NaiveDate>)>,
}

/// A learning item shared with the alliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearningFacts {
    pub title: String,
    pub shared_by: String,
    pub shared_on: NaiveDate,
    pub categories: Vec<crate::LearningCategory>,
}

/// Everything a roll-up is computed from, but the published documents (cached separately:
/// a published version never changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupSources {
    pub alliance_id: AllianceId,
    pub alliance_name: String,
    pub reporting_cycle_days: u32,
    pub period: PeriodRef,
    pub as_of: NaiveDate,
    /// The latest version of each series as of the day, not withdrawn by then.
    pub plans: Vec<PublishedVersion>,
    /// The alliance's providers, by name.
    pub providers: Vec<(OrganisationId, String)>,
    pub projects: Vec<ProjectFacts>,
    pub feedback: Vec<FeedbackFacts>,
    pub learning: Vec<LearningFacts>,
    pub adoptions: Vec<TemplateAdopted>,
}
