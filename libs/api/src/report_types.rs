//! Response bodies of roll-ups and board reports, and the request of a share link. The JSON is
//! the same as the frozen content of an issued report (`pcref_domain::Rollup`).

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;
use uuid::Uuid;

use pcref_domain as domain;

/// A reporting period as a roll-up names it.
#[derive(Debug, Clone, Object)]
pub struct PeriodRef {
    pub id: Uuid,
    pub label: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A count about people after disclosure control: `value` is null when suppressed (then
/// `shown` is `*`), otherwise 0 or a multiple of 5 of at least 10.
#[derive(Debug, Clone, Object)]
pub struct PeopleCount {
    pub value: Option<u64>,
    pub shown: String,
}

/// A row of the provider tables: a named provider, or every plan published anonymously.
#[derive(Debug, Clone, Object)]
pub struct ProviderRef {
    pub label: String,
    /// Null for the anonymous group.
    pub organisation_id: Option<Uuid>,
    pub anonymous: bool,
}

/// Actions of the published plans by status.
#[derive(Debug, Clone, Object)]
pub struct ActionStatusCounts {
    pub not_started: u32,
    pub on_track: u32,
    pub at_risk: u32,
    pub off_track: u32,
    pub complete: u32,
    pub dropped: u32,
    pub total: u32,
}

/// One provider's progress on its published plans.
#[derive(Debug, Clone, Object)]
pub struct ProviderProgress {
    pub provider: ProviderRef,
    pub published_plans: u32,
    pub actions: ActionStatusCounts,
    /// Complete actions as a share of those not dropped, to one decimal; null without any.
    pub percent_complete: Option<f64>,
    /// Past their end date and not finished.
    pub overdue: u32,
    /// Under way and without a progress update within the alliance's reporting cycle.
    pub stale: u32,
}

/// How many published goals name a competency or a pillar.
#[derive(Debug, Clone, Object)]
pub struct CoverageCell {
    pub key: String,
    pub label: String,
    pub goals: u32,
}

#[derive(Debug, Clone, Object)]
pub struct CoverageRow {
    pub provider: ProviderRef,
    /// The 8 cultural competencies, in their fixed order.
    pub competencies: Vec<CoverageCell>,
    /// The 3 PCREF pillars, in their fixed order.
    pub pillars: Vec<CoverageCell>,
}

/// An NHS ethnic category named by published priority areas.
#[derive(Debug, Clone, Object)]
pub struct EthnicGroupCoverage {
    pub code: String,
    pub label: String,
    pub broad_group: Option<String>,
    pub priorities: u32,
    /// Rows of the provider table with a priority area naming it.
    pub providers: u32,
}

#[derive(Debug, Clone, Object)]
pub struct Coverage {
    pub rows: Vec<CoverageRow>,
    pub ethnic_groups: Vec<EthnicGroupCoverage>,
}

/// A milestone due or done in the period, or overdue at its end.
#[derive(Debug, Clone, Object)]
pub struct MilestoneInPeriod {
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    /// `done`, `overdue` or `due`.
    pub state: String,
}

#[derive(Debug, Clone, Object)]
pub struct ProjectRollup {
    pub id: Uuid,
    pub title: String,
    pub lead_organisation: String,
    pub phase: String,
    pub phase_label: String,
    /// `red`, `amber` or `green` from the latest update; null before the first.
    pub rag: Option<String>,
    pub updates_in_period: u32,
    pub milestones_due: u32,
    pub milestones_done: u32,
    pub milestones_overdue: u32,
    pub milestones: Vec<MilestoneInPeriod>,
}

#[derive(Debug, Clone, Object)]
pub struct PhaseCount {
    pub phase: String,
    pub label: String,
    pub projects: u32,
}

#[derive(Debug, Clone, Object)]
pub struct ProjectsRollup {
    pub projects: Vec<ProjectRollup>,
    pub by_phase: Vec<PhaseCount>,
    pub milestones_due: u32,
    pub milestones_done: u32,
    pub milestones_overdue: u32,
}

/// The feedback loop of one provider (or the alliance as a whole): counts about people.
#[derive(Debug, Clone, Object)]
pub struct FeedbackRow {
    pub label: String,
    pub organisation_id: Option<Uuid>,
    pub received: PeopleCount,
    pub acknowledged: PeopleCount,
    pub responded: PeopleCount,
    pub closed: PeopleCount,
    /// Null when the count responded to is suppressed or zero.
    pub median_days_to_first_response: Option<f64>,
}

#[derive(Debug, Clone, Object)]
pub struct FeedbackRollup {
    pub rows: Vec<FeedbackRow>,
    pub total: FeedbackRow,
}

#[derive(Debug, Clone, Object)]
pub struct LearningShared {
    pub title: String,
    pub shared_by: String,
    pub shared_on: NaiveDate,
}

#[derive(Debug, Clone, Object)]
pub struct TemplateAdopted {
    pub template_name: String,
    pub adopted_by: String,
    pub adopted_on: NaiveDate,
}

#[derive(Debug, Clone, Object)]
pub struct CategoryCount {
    pub key: String,
    pub label: String,
    pub items: u32,
}

#[derive(Debug, Clone, Object)]
pub struct LearningRollup {
    pub items_shared: u32,
    pub by_category: Vec<CategoryCount>,
    pub items: Vec<LearningShared>,
    pub templates_adopted: u32,
    pub adoptions: Vec<TemplateAdopted>,
}

/// A headline figure and its change since the previous period.
#[derive(Debug, Clone, Object)]
pub struct HeadlineFigure {
    pub key: String,
    pub label: String,
    /// `count`, `percent` or `people` (a count about people, after disclosure control).
    pub unit: String,
    pub value: Option<f64>,
    /// As the report writes it: the value, `*` when suppressed, `–` when there is none.
    pub shown: String,
    pub previous: Option<f64>,
    pub change: Option<f64>,
}

/// The roll-up of a reporting period: every figure from what the alliance published.
#[derive(Debug, Clone, Object)]
pub struct Rollup {
    pub alliance_id: Uuid,
    pub alliance_name: String,
    pub period: PeriodRef,
    pub previous_period: Option<PeriodRef>,
    /// The day the figures are taken for: the period's end, or today while it runs.
    pub as_of: NaiveDate,
    pub headline: Vec<HeadlineFigure>,
    pub providers: Vec<ProviderProgress>,
    pub coverage: Coverage,
    pub projects: ProjectsRollup,
    pub feedback: FeedbackRollup,
    pub learning: LearningRollup,
}

/// Where an issued report is served.
#[derive(Debug, Clone, Object)]
pub struct ReportLinks {
    #[oai(rename = "self")]
    pub self_: String,
    pub board_html: String,
    pub ceo_brief_html: String,
    pub csv: String,
    pub xlsx: String,
}

impl ReportLinks {
    pub fn of(id: Uuid) -> ReportLinks {
        let base = format!("/api/v1/reports/{id}");
        ReportLinks {
            board_html: format!("{base}/board.html"),
            ceo_brief_html: format!("{base}/ceo-brief.html"),
            csv: format!("{base}/rollup.csv"),
            xlsx: format!("{base}/rollup.xlsx"),
            self_: base,
        }
    }
}

/// An issued board report, without its figures.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct BoardReportSummary {
    pub id: Uuid,
    pub period_id: Uuid,
    /// 1 for the period's first issue, then 2, 3…
    pub version: u32,
    pub issued_at: DateTime<Utc>,
    pub issued_by_name: String,
    pub links: ReportLinks,
}

/// A period's issued reports, newest version first.
#[derive(Debug, Clone, Object)]
pub struct BoardReportList {
    pub items: Vec<BoardReportSummary>,
}

/// An issued board report: frozen, never changed.
#[derive(Debug, Clone, Object)]
pub struct BoardReportView {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub period_id: Uuid,
    pub version: u32,
    pub issued_at: DateTime<Utc>,
    pub issued_by_name: String,
    pub links: ReportLinks,
    pub rollup: Rollup,
}

/// A link to open one issued report without a token.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewShareLink {
    /// Days until the link stops working: 1–90 (default 14).
    pub expires_in_days: Option<i64>,
}

/// A share link just created: `url` carries its token and is shown only now.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ShareLinkCreated {
    pub id: Uuid,
    pub report_id: Uuid,
    /// Opens the board paper in a browser without signing in, until it expires or is revoked.
    pub url: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A share link as its report's admins see it (never its token).
#[derive(Debug, Clone, Object)]
pub struct ShareLinkView {
    pub id: Uuid,
    pub report_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub created_by_name: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct ShareLinkList {
    pub items: Vec<ShareLinkView>,
}

// ---- from the domain -----------------------------------------------------------------------

impl From<&domain::PeriodRef> for PeriodRef {
    fn from(p: &domain::PeriodRef) -> Self {
        PeriodRef {
            id: p.id.as_uuid(),
            label: p.label.clone(),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
        }
    }
}

impl From<&domain::PeopleCount> for PeopleCount {
    fn from(c: &domain::PeopleCount) -> Self {
        PeopleCount {
            value: c.value,
            shown: c.shown.clone(),
        }
    }
}

impl From<&domain::ProviderRef> for ProviderRef {
    fn from(p: &domain::ProviderRef) -> Self {
        ProviderRef {
            label: p.label.clone(),
            organisation_id: p.organisation_id.map(|o| o.as_uuid()),
            anonymous: p.anonymous,
        }
    }
}

fn cells(cells: &[domain::CoverageCell]) -> Vec<CoverageCell> {
    cells
        .iter()
        .map(|c| CoverageCell {
            key: c.key.clone(),
            label: c.label.clone(),
            goals: c.goals,
        })
        .collect()
}

impl From<&domain::FeedbackRow> for FeedbackRow {
    fn from(r: &domain::FeedbackRow) -> Self {
        FeedbackRow {
            label: r.label.clone(),
            organisation_id: r.organisation_id.map(|o| o.as_uuid()),
            received: (&r.received).into(),
            acknowledged: (&r.acknowledged).into(),
            responded: (&r.responded).into(),
            closed: (&r.closed).into(),
            median_days_to_first_response: r.median_days_to_first_response,
        }
    }
}

fn state(s: domain::MilestoneState) -> &'static str {
    match s {
        domain::MilestoneState::Done => "done",
        domain::MilestoneState::Overdue => "overdue",
        domain::MilestoneState::Due => "due",
    }
}

impl From<&domain::Rollup> for Rollup {
    fn from(r: &domain::Rollup) -> Self {
        Rollup {
            alliance_id: r.alliance_id.as_uuid(),
            alliance_name: r.alliance_name.clone(),
            period: (&r.period).into(),
            previous_period: r.previous_period.as_ref().map(Into::into),
            as_of: r.as_of,
            headline: r
                .headline
                .iter()
                .map(|f| HeadlineFigure {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    unit: f.unit.clone(),
                    value: f.value,
                    shown: f.shown.clone(),
                    previous: f.previous,
                    change: f.change,
                })
                .collect(),
            providers: r
                .providers
                .iter()
                .map(|p| {
                    let a = p.actions;
                    ProviderProgress {
                        provider: (&p.provider).into(),
                        published_plans: p.published_plans,
                        actions: ActionStatusCounts {
                            not_started: a.not_started,
                            on_track: a.on_track,
                            at_risk: a.at_risk,
                            off_track: a.off_track,
                            complete: a.complete,
                            dropped: a.dropped,
                            total: a.total,
                        },
                        percent_complete: p.percent_complete,
                        overdue: p.overdue,
                        stale: p.stale,
                    }
                })
                .collect(),
            coverage: Coverage {
                rows: r
                    .coverage
                    .rows
                    .iter()
                    .map(|row| CoverageRow {
                        provider: (&row.provider).into(),
                        competencies: cells(&row.competencies),
                        pillars: cells(&row.pillars),
                    })
                    .collect(),
                ethnic_groups: r
                    .coverage
                    .ethnic_groups
                    .iter()
                    .map(|g| EthnicGroupCoverage {
                        code: g.code.clone(),
                        label: g.label.clone(),
                        broad_group: g.broad_group.clone(),
                        priorities: g.priorities,
                        providers: g.providers,
                    })
                    .collect(),
            },
            projects: ProjectsRollup {
                projects: r
                    .projects
                    .projects
                    .iter()
                    .map(|p| ProjectRollup {
                        id: p.id.as_uuid(),
                        title: p.title.clone(),
                        lead_organisation: p.lead_organisation.clone(),
                        phase: p.phase.clone(),
                        phase_label: p.phase_label.clone(),
                        rag: p.rag.clone(),
                        updates_in_period: p.updates_in_period,
                        milestones_due: p.milestones_due,
                        milestones_done: p.milestones_done,
                        milestones_overdue: p.milestones_overdue,
                        milestones: p
                            .milestones
                            .iter()
                            .map(|m| MilestoneInPeriod {
                                title: m.title.clone(),
                                due_on: m.due_on,
                                done_on: m.done_on,
                                state: state(m.state).to_owned(),
                            })
                            .collect(),
                    })
                    .collect(),
                by_phase: r
                    .projects
                    .by_phase
                    .iter()
                    .map(|p| PhaseCount {
                        phase: p.phase.clone(),
                        label: p.label.clone(),
                        projects: p.projects,
                    })
                    .collect(),
                milestones_due: r.projects.milestones_due,
                milestones_done: r.projects.milestones_done,
                milestones_overdue: r.projects.milestones_overdue,
            },
            feedback: FeedbackRollup {
                rows: r.feedback.rows.iter().map(Into::into).collect(),
                total: (&r.feedback.total).into(),
            },
            learning: LearningRollup {
                items_shared: r.learning.items_shared,
                by_category: r
                    .learning
                    .by_category
                    .iter()
                    .map(|c| CategoryCount {
                        key: c.key.clone(),
                        label: c.label.clone(),
                        items: c.items,
                    })
                    .collect(),
                items: r
                    .learning
                    .items
                    .iter()
                    .map(|l| LearningShared {
                        title: l.title.clone(),
                        shared_by: l.shared_by.clone(),
                        shared_on: l.shared_on,
                    })
                    .collect(),
                templates_adopted: r.learning.templates_adopted,
                adoptions: r
                    .learning
                    .adoptions
                    .iter()
                    .map(|a| TemplateAdopted {
                        template_name: a.template_name.clone(),
                        adopted_by: a.adopted_by.clone(),
                        adopted_on: a.adopted_on,
                    })
                    .collect(),
            },
        }
    }
}

impl From<&pcref_store::reports::ReportHead> for BoardReportSummary {
    fn from(r: &pcref_store::reports::ReportHead) -> Self {
        BoardReportSummary {
            id: r.id.as_uuid(),
            period_id: r.period_id.as_uuid(),
            version: r.version,
            issued_at: r.issued_at,
            issued_by_name: r.issued_by_name.clone(),
            links: ReportLinks::of(r.id.as_uuid()),
        }
    }
}

impl From<&domain::BoardReport> for BoardReportView {
    fn from(r: &domain::BoardReport) -> Self {
        BoardReportView {
            id: r.id.as_uuid(),
            alliance_id: r.alliance_id.as_uuid(),
            period_id: r.period_id.as_uuid(),
            version: r.version,
            issued_at: r.issued_at,
            issued_by_name: r.issued_by_name.clone(),
            links: ReportLinks::of(r.id.as_uuid()),
            rollup: (&r.rollup).into(),
        }
    }
}

impl ShareLinkView {
    pub fn of(l: &pcref_store::reports::ShareLink, now: DateTime<Utc>) -> ShareLinkView {
        let status = if l.revoked_at.is_some() {
            "revoked"
        } else if l.expires_at <= now {
            "expired"
        } else {
            "active"
        };
        ShareLinkView {
            id: l.id.as_uuid(),
            report_id: l.report_id.as_uuid(),
            created_at: l.created_at,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            status: status.to_owned(),
            created_by_name: l.created_by_name.clone(),
        }
    }
}

// ---- examples -----------------------------------------------------------------------------

const REPORT: Uuid = Uuid::from_u128(0x0193_a1b2_c3d4_7e5f_8a6b_9c7d_0e8f_1a2b);

fn example_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_812_800, 0).unwrap_or_default()
}

impl Example for BoardReportSummary {
    fn example() -> Self {
        BoardReportSummary {
            id: REPORT,
            period_id: Uuid::from_u128(0x0193_9e53_5a04_7b15_8c26_9d37_ae48_bf59),
            version: 1,
            issued_at: example_time(),
            issued_by_name: "Amira Khan".into(),
            links: ReportLinks::of(REPORT),
        }
    }
}

impl Example for NewShareLink {
    fn example() -> Self {
        NewShareLink {
            expires_in_days: Some(14),
        }
    }
}

impl Example for ShareLinkCreated {
    fn example() -> Self {
        ShareLinkCreated {
            id: Uuid::from_u128(0x0193_a1b2_c3d4_7e5f_8a6b_9c7d_0e8f_3c4d),
            report_id: REPORT,
            url: "https://hub.example.nhs.uk/shared/reports/pcref_share_q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c".into(),
            expires_at: example_time() + chrono::Duration::days(14),
            created_at: example_time(),
        }
    }
}
