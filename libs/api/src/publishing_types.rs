//! Request and response bodies of publishing: the preview, publications and the alliance's
//! library of published plans.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;
use uuid::Uuid;

use pcref_anonymise::Report;
use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::plan_types::{Choice, Fields};
use crate::types::{OptionalParagraphOf, Ruled, SearchWords, Text, WithheldTerm};

// ---- redaction report ---------------------------------------------------------------------

/// An identifier that was replaced by a marker such as `[redacted: email]`. The identifier
/// itself is never echoed.
#[derive(Debug, Clone, Object)]
pub struct Redaction {
    /// Where it was, as a path into the document, such as `priorities[0].evidence`.
    pub field: String,
    /// `person name`, `organisation name`, `withheld term`, `email`, `phone number`,
    /// `nhs number` or `postcode`.
    pub kind: String,
    /// Character offset of the marker in the field's published text.
    pub position: u32,
}

/// Something the publisher must read and acknowledge; the text is published as it is.
#[derive(Debug, Clone, Object)]
pub struct Warning {
    pub field: String,
    /// `small_number`: a number from 1 to 7 next to a word about people, which could
    /// identify someone.
    pub kind: String,
    /// Character offset in the field's published text.
    pub position: u32,
    pub message: String,
}

fn offset(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

pub(crate) fn redactions(report: &Report) -> Vec<Redaction> {
    report
        .redactions
        .iter()
        .map(|r| Redaction {
            field: r.field.clone(),
            kind: r.kind.as_str().to_owned(),
            position: offset(r.position),
        })
        .collect()
}

pub(crate) fn warnings(report: &Report) -> Vec<Warning> {
    report
        .warnings
        .iter()
        .map(|w| Warning {
            field: w.field.clone(),
            kind: w.kind.as_str().to_owned(),
            position: offset(w.position),
            message: w.message.clone(),
        })
        .collect()
}

// ---- the published document ---------------------------------------------------------------

/// A plan as the alliance sees it: anonymised text, no person's name (leads appear by role
/// only), no evidence link, the latest progress update of each action.
#[derive(Debug, Clone, Object)]
pub struct PublishedPlanDocument {
    pub title: String,
    pub service: String,
    /// The plan's status when it was published: `draft`, `active` or `closed`.
    pub status: String,
    pub period_starts_on: Option<NaiveDate>,
    pub period_ends_on: Option<NaiveDate>,
    /// Why the plan was published although a priority area's communities were not consulted.
    pub consultation_exception: Option<String>,
    /// Stage 1, each with its stage-3 actions.
    pub priorities: Vec<PublishedPriorityArea>,
    /// Stage 2.
    pub goals: Vec<PublishedGoal>,
    /// The day the snapshot was taken; `overdue` is as of that day.
    pub as_of: NaiveDate,
}

#[derive(Debug, Clone, Object)]
pub struct PublishedPriorityArea {
    pub id: Uuid,
    pub statement: String,
    /// NHS ethnic category codes.
    pub ethnic_categories: Vec<String>,
    pub service_area: Option<String>,
    pub evidence: Option<String>,
    pub communities_consulted: bool,
    pub consultation_notes: Option<String>,
    pub actions: Vec<PublishedAction>,
}

#[derive(Debug, Clone, Object)]
pub struct PublishedGoal {
    pub id: Uuid,
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub deadline: Option<NaiveDate>,
    pub competencies: Vec<String>,
    pub pillar: String,
}

#[derive(Debug, Clone, Object)]
pub struct PublishedAction {
    /// Partners can refer to the action by this id (for example in feedback).
    pub id: Uuid,
    pub description: String,
    pub measure: Option<String>,
    pub expected_outcome: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The lead's role; a lead's name is never published.
    pub lead_role: Option<String>,
    pub cost_implications: Option<String>,
    pub status: String,
    pub overdue: bool,
    pub latest_update: Option<PublishedProgress>,
}

/// The latest progress update on an action, without its author or evidence link.
#[derive(Debug, Clone, Object)]
pub struct PublishedProgress {
    pub reported_on: NaiveDate,
    pub status: String,
    pub rag: String,
    pub narrative: String,
}

fn uuid_of(id: &str) -> Uuid {
    // Ids in a stored document were written from typed ids; a bad one reads as nil rather
    // than failing the whole document.
    Uuid::parse_str(id).unwrap_or_default()
}

impl From<domain::PublishedDocument> for PublishedPlanDocument {
    fn from(d: domain::PublishedDocument) -> Self {
        PublishedPlanDocument {
            title: d.title,
            service: d.service,
            status: d.status,
            period_starts_on: d.period_starts_on,
            period_ends_on: d.period_ends_on,
            consultation_exception: d.consultation_exception,
            priorities: d
                .priorities
                .into_iter()
                .map(|p| PublishedPriorityArea {
                    id: uuid_of(&p.id),
                    statement: p.statement,
                    ethnic_categories: p.ethnic_categories,
                    service_area: p.service_area,
                    evidence: p.evidence,
                    communities_consulted: p.communities_consulted,
                    consultation_notes: p.consultation_notes,
                    actions: p
                        .actions
                        .into_iter()
                        .map(|a| PublishedAction {
                            id: uuid_of(&a.id),
                            description: a.description,
                            measure: a.measure,
                            expected_outcome: a.expected_outcome,
                            starts_on: a.starts_on,
                            ends_on: a.ends_on,
                            lead_role: a.lead_role,
                            cost_implications: a.cost_implications,
                            status: a.status,
                            overdue: a.overdue,
                            latest_update: a.latest_update.map(|u| PublishedProgress {
                                reported_on: u.reported_on,
                                status: u.status,
                                rag: u.rag,
                                narrative: u.narrative,
                            }),
                        })
                        .collect(),
                })
                .collect(),
            goals: d
                .goals
                .into_iter()
                .map(|g| PublishedGoal {
                    id: uuid_of(&g.id),
                    statement: g.statement,
                    measure: g.measure,
                    baseline: g.baseline,
                    target: g.target,
                    deadline: g.deadline,
                    competencies: g.competencies,
                    pillar: g.pillar,
                })
                .collect(),
            as_of: d.as_of,
        }
    }
}

// ---- preview and publish ------------------------------------------------------------------

/// What to preview. Send `{}` for a named publication.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct PreviewRequest {
    /// `named` (default) or `anonymous`: anonymous also redacts the provider's own name.
    pub attribution: Option<Choice<domain::Attribution>>,
    /// The reason to be published with the plan, when a priority area's communities were not
    /// consulted; previewed (and redacted) like the rest.
    pub consultation_exception: Option<OptionalParagraphOf<2_000>>,
}

impl Example for PreviewRequest {
    fn example() -> Self {
        PreviewRequest {
            attribution: Some(Choice::of(domain::Attribution::Anonymous)),
            consultation_exception: None,
        }
    }
}

fn consultation_exception<T: AsRef<str>>(t: &Option<T>) -> Result<Option<String>, ValidationError> {
    domain::optional_paragraph(
        "consultation_exception",
        t.as_ref().map(AsRef::as_ref),
        domain::MAX_CONSULTATION_EXCEPTION,
    )
}

impl PreviewRequest {
    pub fn parse(&self) -> Result<(domain::Attribution, Option<String>), Vec<ValidationError>> {
        let mut f = Fields::default();
        let attribution = f.take(
            self.attribution
                .as_ref()
                .map_or(Ok(domain::Attribution::Named), |a| a.parse("attribution")),
        );
        let exception = f.take(consultation_exception(&self.consultation_exception));
        f.finish()?;
        Ok((
            attribution.unwrap_or(domain::Attribution::Named),
            exception.flatten(),
        ))
    }
}

/// Exactly what the alliance would see, what was redacted and what needs a second look.
/// Publish it by sending its `ETag` as `If-Match`.
#[derive(Debug, Clone, Object)]
pub struct PublishPreview {
    pub attribution: Choice<domain::Attribution>,
    /// The version it would be published as: the next of the plan's latest series under the
    /// same attribution, or 1 (switching attribution starts a new series).
    pub version: u32,
    pub document: PublishedPlanDocument,
    pub redactions: Vec<Redaction>,
    /// Each must be acknowledged (`acknowledge_warnings: true`) to publish.
    pub warnings: Vec<Warning>,
}

impl From<pcref_app::PublishPreview> for PublishPreview {
    fn from(p: pcref_app::PublishPreview) -> Self {
        PublishPreview {
            attribution: Choice::of(p.attribution),
            version: p.version,
            redactions: redactions(&p.report),
            warnings: warnings(&p.report),
            document: p.document.into(),
        }
    }
}

/// Publish the plan as previewed (send the preview's `ETag` as `If-Match`).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewPublication {
    /// `named`, or `anonymous` to appear as "a provider in <alliance>".
    pub attribution: Choice<domain::Attribution>,
    /// Required as `true` when the preview shows warnings.
    pub acknowledge_warnings: Option<bool>,
    /// Required when a priority area says the affected communities were not consulted:
    /// why the plan is published anyway (published with it).
    pub consultation_exception: Option<OptionalParagraphOf<2_000>>,
}

impl Example for NewPublication {
    fn example() -> Self {
        NewPublication {
            attribution: Choice::of(domain::Attribution::Named),
            acknowledge_warnings: Some(true),
            consultation_exception: None,
        }
    }
}

impl NewPublication {
    pub fn parse(&self) -> Result<pcref_app::PublishRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let attribution = f.take(self.attribution.parse("attribution"));
        let exception = f.take(consultation_exception(&self.consultation_exception));
        f.finish()?;
        Ok(pcref_app::PublishRequest {
            attribution: attribution.unwrap_or(domain::Attribution::Named),
            acknowledge_warnings: self.acknowledge_warnings.unwrap_or(false),
            consultation_exception: exception.flatten(),
        })
    }
}

/// Why a version is withdrawn (kept in the audit log). Send `{}` to give no reason.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct WithdrawRequest {
    pub reason: Option<OptionalParagraphOf<10_000>>,
}

impl Example for WithdrawRequest {
    fn example() -> Self {
        WithdrawRequest {
            reason: Some("Superseded by the 2027/28 plan.".into()),
        }
    }
}

impl WithdrawRequest {
    pub fn parse(&self) -> Result<Option<String>, Vec<ValidationError>> {
        domain::optional_paragraph(
            "reason",
            self.reason.as_ref().map(AsRef::as_ref),
            domain::MAX_PARAGRAPH,
        )
        .map_err(|e| vec![e])
    }
}

// ---- publications -------------------------------------------------------------------------

/// The provider of a named publication.
#[derive(Debug, Clone, Object)]
pub struct Provider {
    pub organisation_id: Uuid,
    pub name: String,
}

/// A published version, as the library lists it.
#[derive(Debug, Clone, Object)]
pub struct PublicationSummary {
    pub id: Uuid,
    /// The versions of one plan under one attribution share a series.
    pub series_id: Uuid,
    pub version: u32,
    pub attribution: Choice<domain::Attribution>,
    /// Absent when the publication is anonymous.
    pub provider: Option<Provider>,
    /// The provider's name, or "A provider in <alliance>".
    pub provider_label: String,
    pub title: String,
    pub ethnic_categories: Vec<String>,
    pub competencies: Vec<String>,
    pub pillars: Vec<String>,
    pub published_at: DateTime<Utc>,
    /// The newest version of its series still in the library.
    pub is_latest: bool,
    /// Only the publisher sees withdrawn versions.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A published version with its document.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Publication {
    #[oai(flatten)]
    pub summary: PublicationSummary,
    pub document: PublishedPlanDocument,
}

/// A version as its publisher sees it in the plan's workspace.
#[derive(Debug, Clone, Object)]
pub struct PlanPublication {
    #[oai(flatten)]
    pub summary: PublicationSummary,
    pub plan_id: Uuid,
}

/// Converts a summary; the provider is revealed only for a named publication.
pub(crate) fn summary(s: domain::PublicationSummary) -> PublicationSummary {
    let provider_label = s.provider_label();
    let provider = match s.attribution {
        domain::Attribution::Named => Some(Provider {
            organisation_id: s.organisation_id.as_uuid(),
            name: s.organisation_name,
        }),
        domain::Attribution::Anonymous => None,
    };
    PublicationSummary {
        id: s.id.as_uuid(),
        series_id: s.series_id.as_uuid(),
        version: s.version,
        attribution: Choice::of(s.attribution),
        provider,
        provider_label,
        title: s.title,
        ethnic_categories: s
            .tags
            .ethnic_categories
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        competencies: s
            .tags
            .competencies
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        pillars: s
            .tags
            .pillars
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        published_at: s.published_at,
        is_latest: s.is_current,
        withdrawn_at: s.withdrawn_at,
    }
}

impl From<domain::PublicationSummary> for PublicationSummary {
    fn from(s: domain::PublicationSummary) -> Self {
        summary(s)
    }
}

impl From<domain::Publication> for Publication {
    fn from(p: domain::Publication) -> Self {
        Publication {
            summary: summary(p.summary),
            document: p.document.into(),
        }
    }
}

impl From<domain::PublicationSummary> for PlanPublication {
    fn from(s: domain::PublicationSummary) -> Self {
        let plan_id = s.plan_id.as_uuid();
        PlanPublication {
            summary: summary(s),
            plan_id,
        }
    }
}

crate::types::page_type!(
    /// A page of the library: the latest version of each published plan, newest first.
    PublicationPage of PublicationSummary
);

/// The versions of a published plan still in the library, newest first.
#[derive(Debug, Clone, Object)]
pub struct PublicationVersions {
    pub items: Vec<PublicationSummary>,
}

/// Every version published from a plan, withdrawn ones included, newest first.
#[derive(Debug, Clone, Object)]
pub struct PlanPublications {
    pub items: Vec<PlanPublication>,
}

// ---- library filters ----------------------------------------------------------------------

/// The library's query parameters, parsed; every bad one is reported at once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn publication_filter(
    q: Option<SearchWords>,
    ethnic_category: Option<String>,
    broad_group: Option<String>,
    competency: Option<String>,
    pillar: Option<String>,
    organisation_id: Option<Uuid>,
    published_from: Option<NaiveDate>,
    published_to: Option<NaiveDate>,
) -> Result<domain::PublicationFilter, Vec<ValidationError>> {
    let mut f = Fields::default();
    let text = f.take(search_words(q));
    let (ethnic_category, broad_group) = ethnic_filters(&mut f, ethnic_category, broad_group);
    let competency = f.take(
        competency
            .as_deref()
            .map(|c| domain::Competency::parse_for("competency", c))
            .transpose(),
    );
    let pillar = f.take(
        pillar
            .as_deref()
            .map(|p| domain::Pillar::parse_for("pillar", p))
            .transpose(),
    );
    // Within the years a date may take anywhere in the hub (and both databases can compare).
    let published_from = f
        .take(
            published_from
                .map(|d| domain::plan_date("published_from", d))
                .transpose(),
        )
        .flatten();
    let published_to = f
        .take(
            published_to
                .map(|d| domain::plan_date("published_to", d))
                .transpose(),
        )
        .flatten();
    if let (Some(from), Some(to)) = (published_from, published_to) {
        if to < from {
            f.take::<()>(Err(ValidationError::new(
                "published_to",
                "must be on or after published_from",
            )));
        }
    }
    f.finish()?;
    Ok(domain::PublicationFilter {
        text: text.flatten(),
        ethnic_category,
        broad_group,
        competency: competency.flatten(),
        pillar: pillar.flatten(),
        organisation_id: organisation_id.map(domain::OrganisationId),
        published_from,
        published_to,
    })
}

/// The ethnic-group filters of both libraries, read alike: a specific NHS category code (any
/// case; umbrella terms such as BAME answered with guidance) and a broad group (any case).
pub(crate) fn ethnic_filters(
    f: &mut Fields,
    ethnic_category: Option<String>,
    broad_group: Option<String>,
) -> (
    Option<domain::EthnicCategory>,
    Option<domain::BroadEthnicGroup>,
) {
    let category = f
        .take(
            ethnic_category
                .as_deref()
                .map(|c| domain::EthnicCategory::parse_specific("ethnic_category", c))
                .transpose(),
        )
        .flatten();
    let group = f
        .take(
            broad_group
                .as_deref()
                .map(|g| {
                    domain::BroadEthnicGroup::parse_for("broad_group", &g.trim().to_lowercase())
                })
                .transpose(),
        )
        .flatten();
    (category, group)
}

/// Words to search for, as the plan list reads them: blank means no search.
pub(crate) fn search_words(q: Option<SearchWords>) -> Result<Option<String>, ValidationError> {
    domain::optional_line("q", q.as_deref().map(String::as_str), domain::MAX_TITLE)
}

// ---- withheld terms -----------------------------------------------------------------------

/// An organisation's withheld terms: words replaced by `[redacted: withheld term]` in
/// everything it shares (publication previews, published plans, shared templates).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct WithheldTerms {
    /// Sorted, case-insensitively.
    pub terms: Vec<String>,
    /// 0 for a list never set. Its `ETag` is what a change sends as `If-Match`.
    pub version: i64,
}

impl From<pcref_app::WithheldTerms> for WithheldTerms {
    fn from(w: pcref_app::WithheldTerms) -> Self {
        WithheldTerms {
            terms: w.terms,
            version: w.version.0,
        }
    }
}

impl Example for WithheldTerms {
    fn example() -> Self {
        WithheldTerms {
            terms: vec![
                "Larkspur Ward".into(),
                "Oakwood Lodge".into(),
                "Project Willow".into(),
            ],
            version: 3,
        }
    }
}

/// The whole new list, replacing the old one. Each term 2–100 characters (trimmed, inner
/// spaces collapsed), no control characters, at most 500 different terms; terms that differ
/// only in case are kept once. Send `{"terms": []}` to empty it.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct WithheldTermsChange {
    pub terms: Vec<Ruled<Text, WithheldTerm>>,
}

impl Example for WithheldTermsChange {
    fn example() -> Self {
        WithheldTermsChange {
            terms: vec![
                "Larkspur Ward".into(),
                "Oakwood Lodge".into(),
                "Project Willow".into(),
            ],
        }
    }
}

impl WithheldTermsChange {
    pub fn parse(&self) -> Result<Vec<String>, Vec<ValidationError>> {
        let raw: Vec<&str> = self.terms.iter().map(AsRef::as_ref).collect();
        pcref_app::clean_withheld_terms(&raw)
    }
}

// ---- examples -----------------------------------------------------------------------------

impl Example for Publication {
    fn example() -> Self {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        let at = DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default();
        Publication {
            summary: PublicationSummary {
                id: Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9102),
                series_id: Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9101),
                version: 2,
                attribution: Choice::of(domain::Attribution::Anonymous),
                provider: None,
                provider_label: "A provider in East Midlands Alliance".into(),
                title: "Talking therapies for South Asian men".into(),
                ethnic_categories: vec!["H".into(), "J".into(), "K".into()],
                competencies: vec!["co_production".into()],
                pillars: vec!["data".into()],
                published_at: at,
                is_latest: true,
                withdrawn_at: None,
            },
            document: PublishedPlanDocument {
                title: "Talking therapies for South Asian men".into(),
                service: "Adult community mental health".into(),
                status: "active".into(),
                period_starts_on: Some(day("2026-04-01")),
                period_ends_on: Some(day("2027-03-31")),
                consultation_exception: None,
                priorities: vec![PublishedPriorityArea {
                    id: Uuid::from_u128(0x0192_f0c3_0a1c_7d3e_9f4a_5b6c_7d8e_9f02),
                    statement: "Fewer referrals to talking therapies for Pakistani and Bangladeshi men than their share of the local population".into(),
                    ethnic_categories: vec!["J".into(), "K".into()],
                    service_area: Some("Talking therapies".into()),
                    evidence: Some("Referral data 2025/26 by ethnic category; contact [redacted: email].".into()),
                    communities_consulted: true,
                    consultation_notes: Some("Two listening events with local mosques and a carers' group.".into()),
                    actions: vec![PublishedAction {
                        id: Uuid::from_u128(0x0192_f0c3_0a1e_7f5a_9b6c_7d8e_9f0a_1b04),
                        description: "Co-design outreach sessions with community partners".into(),
                        measure: Some("Referrals by ethnic category, quarterly".into()),
                        expected_outcome: Some("Referral share matches population share".into()),
                        starts_on: Some(day("2026-05-01")),
                        ends_on: Some(day("2027-01-31")),
                        lead_role: Some("Head of talking therapies".into()),
                        cost_implications: Some("£12,000 for community facilitators".into()),
                        status: "on_track".into(),
                        overdue: false,
                        latest_update: Some(PublishedProgress {
                            reported_on: day("2026-10-01"),
                            status: "on_track".into(),
                            rag: "green".into(),
                            narrative: "Three sessions held; referrals up in Q2.".into(),
                        }),
                    }],
                }],
                goals: vec![PublishedGoal {
                    id: Uuid::from_u128(0x0192_f0c3_0a1d_7e4f_8a5b_6c7d_8e9f_0a03),
                    statement: "Referral rates for Pakistani and Bangladeshi men match the population by March 2027".into(),
                    measure: "Referrals per 100,000 by ethnic category".into(),
                    baseline: Some("0.6 of the expected rate".into()),
                    target: "At least 0.9 of the expected rate".into(),
                    deadline: Some(day("2027-03-31")),
                    competencies: vec!["co_production".into()],
                    pillar: "data".into(),
                }],
                as_of: day("2026-11-23"),
            },
        }
    }
}
