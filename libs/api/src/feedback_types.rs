//! Request and response bodies of feedback items ("you said, we did") and the board's
//! figures about them.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;
use uuid::Uuid;

use pcref_anonymise::{Shown, SUPPRESSED};
use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::plan_types::{Choice, Fields};
use crate::publishing_types::{redactions, warnings, Redaction, Warning};
use crate::types::{
    AtLeastOne, EthnicCode, LineOf, OrganisationKind, ParagraphOf, ReceivedDate, Ruled, Text,
};

// ---- requests -----------------------------------------------------------------------------

/// A feedback item to submit. Its theme and summary are redacted before they are stored (names of
/// the people
/// of your organisation and of the provider it is about, both organisations' withheld terms,
/// your organisation's own name, email addresses, phone numbers, NHS numbers, postcodes); the
/// answer's `redaction_report` lists what was replaced.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewFeedbackItem {
    /// The provider of the alliance the feedback is about; absent or `null` for feedback about
    /// the alliance as a whole.
    pub about_organisation_id: Option<Uuid>,
    /// What it is about, in a few words: one line of 1–200 characters (redacted like the summary).
    pub theme: LineOf<200>,
    /// The specific ethnic groups it comes from or is about, as NHS ethnic category codes
    /// (see `/api/v1/reference/ethnic-categories`): at least one. Umbrella terms such as
    /// "BAME" and broad groups are refused: name the groups (`Z` when not stated).
    pub ethnic_categories: Ruled<Vec<Ruled<Text, EthnicCode>>, AtLeastOne>,
    /// How it reached you.
    pub channel: Choice<domain::FeedbackChannel>,
    /// What was said: 1–5,000 characters.
    pub summary: ParagraphOf<5_000>,
    /// The day it was received: not in the future, not before 2000-01-01.
    pub received_on: Ruled<NaiveDate, ReceivedDate>,
    /// The organisation submitting it: needed only when you act for more than one organisation
    /// of the alliance that submits feedback.
    pub submitted_by_organisation_id: Option<Uuid>,
}

fn texts<T: AsRef<str>>(list: &[T]) -> Vec<&str> {
    list.iter().map(AsRef::as_ref).collect()
}

impl NewFeedbackItem {
    pub fn parse(&self) -> Result<pcref_app::NewFeedbackRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let theme = f.take(domain::feedback_theme("theme", self.theme.as_str()));
        let groups = f.take(domain::feedback_ethnic_groups(
            "ethnic_categories",
            &texts(&self.ethnic_categories),
        ));
        let channel = f.take(self.channel.parse("channel"));
        let summary = f.take(domain::feedback_text("summary", self.summary.as_str()));
        let today = Utc::now().date_naive();
        let received_on = f.take(domain::received_on(
            "received_on",
            self.received_on.0,
            today,
        ));
        f.finish()?;
        Ok(pcref_app::NewFeedbackRequest {
            submitted_by_organisation_id: self
                .submitted_by_organisation_id
                .map(domain::OrganisationId),
            fields: domain::FeedbackDraft {
                about_organisation_id: self.about_organisation_id.map(domain::OrganisationId),
                // Present: `finish` refused the request otherwise.
                theme: theme.unwrap_or_default(),
                ethnic_categories: groups.unwrap_or_default(),
                channel: channel.unwrap_or(domain::FeedbackChannel::Other),
                summary: summary.unwrap_or_default(),
                received_on: received_on.unwrap_or(today),
            },
        })
    }
}

/// A response to a feedback item ("we did"). Its text is redacted like the item's summary.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewFeedbackResponse {
    /// What was done, or will be: 1–5,000 characters.
    pub text: ParagraphOf<5_000>,
    /// An action of your published plan the response points to: an id from
    /// `priorities[].actions[]` of the current version of one of your named publications in
    /// the alliance's library. Not for feedback about the alliance as a whole.
    pub action_id: Option<Uuid>,
}

impl NewFeedbackResponse {
    pub fn parse(&self) -> Result<pcref_app::NewFeedbackResponseRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let text = f.take(domain::feedback_text("text", self.text.as_str()));
        f.finish()?;
        Ok(pcref_app::NewFeedbackResponseRequest {
            text: text.unwrap_or_default(),
            action_id: self.action_id.map(domain::ActionId),
        })
    }
}

// ---- the item -----------------------------------------------------------------------------

/// The organisation that submitted an item.
#[derive(Debug, Clone, Object)]
pub struct FeedbackOrganisation {
    pub organisation_id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
}

/// Who took a step: a person (`user_id`) or an API client acting for its organisation
/// (`api_client_id`).
#[derive(Debug, Clone, Object)]
pub struct FeedbackActor {
    pub user_id: Option<Uuid>,
    pub api_client_id: Option<Uuid>,
    /// The person's display name, or the API client's name.
    pub name: String,
}

impl From<domain::FeedbackActor> for FeedbackActor {
    fn from(a: domain::FeedbackActor) -> Self {
        FeedbackActor {
            user_id: a.user_id.map(|u| u.as_uuid()),
            api_client_id: a.api_client_id.map(|c| c.as_uuid()),
            name: a.name,
        }
    }
}

/// The action of the provider's published plan a response points to.
#[derive(Debug, Clone, Object)]
pub struct LinkedAction {
    /// The published plan (`GET /api/v1/publications/{id}`).
    pub publication_id: Uuid,
    pub action_id: Uuid,
    /// The action's description as published.
    pub title: String,
}

/// A response ("we did").
#[derive(Debug, Clone, Object)]
pub struct FeedbackResponse {
    pub id: Uuid,
    /// As stored: redacted.
    pub text: String,
    pub action: Option<LinkedAction>,
    pub responded_at: DateTime<Utc>,
    /// Who responded; `null` in the anonymised view.
    pub responded_by: Option<FeedbackActor>,
}

/// What redaction replaced in the text sent (never what it hid), and the small numbers of
/// people it noticed: for the writer's eyes only, in the answer to a submission or a response.
#[derive(Debug, Clone, Object)]
pub struct RedactionReport {
    pub redactions: Vec<Redaction>,
    /// Small numbers of people (such as "3 patients") that could identify someone: the text is
    /// stored as it is; read them and rephrase in a response if needed.
    pub warnings: Vec<Warning>,
}

impl From<&pcref_anonymise::Report> for RedactionReport {
    fn from(report: &pcref_anonymise::Report) -> Self {
        RedactionReport {
            redactions: redactions(report),
            warnings: warnings(report),
        }
    }
}

/// A feedback item and its "you said, we did" loop.
///
/// `view` says how much of it the reader sees. `full`: the members of the organisation that
/// submitted it and of the provider it is about (and their API clients), and for an item about
/// the alliance as a whole the alliance admin. `anonymised`: everybody else in the alliance,
/// once the loop is closed — no submitting organisation, no person, the month it was received
/// rather than the day, no submission time (those fields are `null`). Until it is closed, an
/// item does not exist for them.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct FeedbackItem {
    pub id: Uuid,
    pub alliance_id: Uuid,
    /// `full` or `anonymised`.
    pub view: Choice<domain::FeedbackView>,
    /// `received` → `acknowledged` → `responded` → `closed`.
    pub status: Choice<domain::FeedbackStatus>,
    /// The provider it is about; `null`: the alliance as a whole.
    pub about_organisation_id: Option<Uuid>,
    /// The provider's name; `null`: the alliance as a whole.
    pub about_organisation_name: Option<String>,
    /// Full view only.
    pub submitted_by_organisation: Option<FeedbackOrganisation>,
    /// Full view only: the person or API client who submitted it.
    pub submitted_by: Option<FeedbackActor>,
    pub theme: String,
    /// NHS ethnic category codes.
    pub ethnic_categories: Vec<String>,
    pub channel: Choice<domain::FeedbackChannel>,
    /// As stored: redacted on the way in, like the theme.
    pub summary: String,
    /// Full view only.
    pub received_on: Option<NaiveDate>,
    /// `YYYY-MM`, in every view.
    pub received_month: String,
    /// Full view only.
    pub submitted_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When the first response was given.
    pub first_responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub responses: Vec<FeedbackResponse>,
    /// In the answer to a submission (about the theme and summary) or a response (about its
    /// text) only.
    #[oai(skip_serializing_if_is_none)]
    pub redaction_report: Option<RedactionReport>,
}

impl From<domain::FeedbackItem> for FeedbackItem {
    fn from(item: domain::FeedbackItem) -> Self {
        let (submitted_by_organisation, submitted_by) = match item.submitter {
            Some(s) => (
                Some(FeedbackOrganisation {
                    organisation_id: s.organisation_id.as_uuid(),
                    name: s.organisation_name,
                    kind: s.organisation_kind.into(),
                }),
                s.by.map(Into::into),
            ),
            None => (None, None),
        };
        let (about_organisation_id, about_organisation_name) = match item.about {
            Some((id, name)) => (Some(id.as_uuid()), Some(name)),
            None => (None, None),
        };
        FeedbackItem {
            id: item.id.as_uuid(),
            alliance_id: item.alliance_id.as_uuid(),
            view: Choice::of(item.view),
            status: Choice::of(item.status),
            about_organisation_id,
            about_organisation_name,
            submitted_by_organisation,
            submitted_by,
            theme: item.theme,
            ethnic_categories: item
                .ethnic_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            channel: Choice::of(item.channel),
            summary: item.summary,
            received_on: item.received_on,
            received_month: item.received_month,
            submitted_at: item.submitted_at,
            acknowledged_at: item.acknowledged_at,
            first_responded_at: item.first_responded_at,
            closed_at: item.closed_at,
            responses: item
                .responses
                .into_iter()
                .map(|r| FeedbackResponse {
                    id: r.id.as_uuid(),
                    text: r.text,
                    action: r.action.map(|a| LinkedAction {
                        publication_id: a.publication_id.as_uuid(),
                        action_id: a.action_id.as_uuid(),
                        title: a.title,
                    }),
                    responded_at: r.responded_at,
                    responded_by: r.responded_by.map(Into::into),
                })
                .collect(),
            redaction_report: None,
        }
    }
}

impl From<pcref_app::WrittenFeedback> for FeedbackItem {
    fn from(w: pcref_app::WrittenFeedback) -> Self {
        FeedbackItem {
            redaction_report: Some((&w.report).into()),
            ..w.item.into()
        }
    }
}

crate::types::page_type!(
    /// A page of feedback items, newest first.
    FeedbackPage of FeedbackItem
);

/// The list's query parameters, parsed; every bad one is reported at once.
pub(crate) fn feedback_filter(
    status: Option<String>,
    about_organisation_id: Option<Uuid>,
    view: Option<String>,
) -> Result<domain::FeedbackFilter, Vec<ValidationError>> {
    let mut f = Fields::default();
    let status = f.take(
        status
            .as_deref()
            .map(|s| domain::FeedbackStatus::parse_for("status", s))
            .transpose(),
    );
    let view = f.take(match view.as_deref() {
        None | Some("all") => Ok(None),
        Some(v) => domain::FeedbackView::parse_for("view", v)
            .map(Some)
            .map_err(|_| {
                ValidationError::new("view", "must be one of \"full\", \"anonymised\", \"all\"")
            }),
    });
    f.finish()?;
    Ok(domain::FeedbackFilter {
        status: status.flatten(),
        about_organisation_id: about_organisation_id.map(domain::OrganisationId),
        view: view.flatten(),
    })
}

// ---- the board's figures ------------------------------------------------------------------

/// A count of feedback items under disclosure control (feedback items are about people):
/// 0 is shown as 0; 1 to 7 are suppressed; any other count is rounded to the nearest 5
/// (8 → 10, 12 → 10, 13 → 15); and further counts are suppressed (secondary suppression) so
/// that no suppressed count can be worked out from a row's, a status's or the alliance's
/// total. `value` is `null` when suppressed; `display` is the count, or `*`.
#[derive(Debug, Clone, Object)]
pub struct ControlledCount {
    pub value: Option<u64>,
    pub display: String,
}

impl From<Shown> for ControlledCount {
    fn from(s: Shown) -> Self {
        ControlledCount {
            value: s.count(),
            display: s.display(),
        }
    }
}

/// Counts by status and in total, each under disclosure control (see `ControlledCount`).
#[derive(Debug, Clone, Object)]
pub struct FeedbackCounts {
    pub received: ControlledCount,
    pub acknowledged: ControlledCount,
    pub responded: ControlledCount,
    pub closed: ControlledCount,
    pub total: ControlledCount,
}

/// One line of the figures: counts by status, and the median days to a first response.
#[derive(Debug, Clone, Object)]
pub struct FeedbackFigures {
    /// Each under disclosure control (see `ControlledCount`).
    pub counts: FeedbackCounts,
    /// The median number of whole days from the day an item was received to the day it was
    /// first responded to, over the items responded to; `null` when none has been, or when it
    /// is withheld (`median_withheld`).
    pub median_days_to_first_response: Option<f64>,
    /// `true` when the median is withheld because `counts.total` is suppressed: a median of a
    /// handful of items would tell about them.
    pub median_withheld: bool,
}

impl From<pcref_app::FeedbackSummaryRow> for FeedbackFigures {
    fn from(row: pcref_app::FeedbackSummaryRow) -> Self {
        let count = |status: domain::FeedbackStatus| -> ControlledCount {
            row.by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(Shown::Suppressed, |(_, shown)| *shown)
                .into()
        };
        let (median, withheld) = match row.median_days_to_first_response {
            pcref_app::MedianDays::NoResponses => (None, false),
            pcref_app::MedianDays::Withheld => (None, true),
            pcref_app::MedianDays::Days(d) => (Some(d), false),
        };
        FeedbackFigures {
            counts: FeedbackCounts {
                received: count(domain::FeedbackStatus::Received),
                acknowledged: count(domain::FeedbackStatus::Acknowledged),
                responded: count(domain::FeedbackStatus::Responded),
                closed: count(domain::FeedbackStatus::Closed),
                total: row.total.into(),
            },
            median_days_to_first_response: median,
            median_withheld: withheld,
        }
    }
}

/// A provider's figures: feedback about it.
#[derive(Debug, Clone, Object)]
pub struct ProviderFeedbackFigures {
    pub organisation_id: Uuid,
    pub name: String,
    #[oai(flatten)]
    pub figures: FeedbackFigures,
}

/// The board's figures on the alliance's feedback loops: per provider (every provider of the
/// alliance, by name) and for the feedback about the alliance as a whole, how many items are in
/// each status and the median days to a first response, and the alliance's totals.
///
/// Disclosure control: the counts are about people, so the whole table (providers and the
/// alliance as a whole as rows, statuses as columns, with their totals) passes through the
/// NHS secondary-care rule — 1 to 7 suppressed (`*`), other counts rounded to the nearest 5,
/// and secondary suppression until no row, status or total line holds exactly one suppressed
/// count. Shown counts therefore need not add up to shown totals. A line's median is withheld
/// when its total is suppressed.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct FeedbackSummary {
    pub alliance_id: Uuid,
    pub providers: Vec<ProviderFeedbackFigures>,
    /// Feedback about the alliance as a whole.
    pub alliance_as_a_whole: FeedbackFigures,
    /// Every item of the alliance: the statuses' totals and the grand total.
    pub totals: FeedbackFigures,
    /// When the figures were counted.
    pub as_of: DateTime<Utc>,
}

impl From<pcref_app::FeedbackSummary> for FeedbackSummary {
    fn from(s: pcref_app::FeedbackSummary) -> Self {
        let mut providers = Vec::new();
        let mut alliance = None;
        for row in s.rows {
            match row.about.clone() {
                Some((id, name)) => providers.push(ProviderFeedbackFigures {
                    organisation_id: id.as_uuid(),
                    name,
                    figures: row.into(),
                }),
                None => alliance = Some(row.into()),
            }
        }
        let empty = || FeedbackFigures {
            counts: FeedbackCounts {
                received: Shown::Count(0).into(),
                acknowledged: Shown::Count(0).into(),
                responded: Shown::Count(0).into(),
                closed: Shown::Count(0).into(),
                total: Shown::Count(0).into(),
            },
            median_days_to_first_response: None,
            median_withheld: false,
        };
        FeedbackSummary {
            alliance_id: s.alliance_id.as_uuid(),
            providers,
            alliance_as_a_whole: alliance.unwrap_or_else(empty),
            totals: s.totals.into(),
            as_of: s.as_of,
        }
    }
}

// ---- examples -----------------------------------------------------------------------------

const EXAMPLE_ALLIANCE: Uuid = Uuid::from_u128(0x0192_f0c1_8b7a_7cde_9f00_3c5e_2f1a_7b10);
const EXAMPLE_PROVIDER: Uuid = Uuid::from_u128(0x0192_f0c1_9c2e_7a41_b3d2_6f4e_1c0a_9d21);
const EXAMPLE_VCSE: Uuid = Uuid::from_u128(0x0192_f0c1_9d3f_7b52_84e3_7a5f_2d1b_0e32);
const EXAMPLE_ITEM: Uuid = Uuid::from_u128(0x0193_9c31_2e5f_7b60_8c7d_8e9f_0a1b_2d06);
const EXAMPLE_PUBLICATION: Uuid = Uuid::from_u128(0x0193_8a10_5c2e_7b3f_8a4c_5d6e_7f80_9102);
const EXAMPLE_ACTION: Uuid = Uuid::from_u128(0x0192_f0c3_0a1e_7f5a_9b6c_7d8e_9f0a_1b04);

fn example_time(offset_days: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_428_000 + offset_days * 86_400, 0).unwrap_or_default()
}

impl Example for NewFeedbackItem {
    fn example() -> Self {
        NewFeedbackItem {
            about_organisation_id: Some(EXAMPLE_PROVIDER),
            theme: "Interpreters at crisis assessments".into(),
            ethnic_categories: vec!["K".into(), "J".into()].into(),
            channel: Choice::of(domain::FeedbackChannel::CommunityEvent),
            summary: "At our women's group, several Bangladeshi and Pakistani mothers said no interpreter was offered when their sons were assessed at night. Contact sara.ahmed@example.org for the group's notes.".into(),
            received_on: "2026-11-12".parse::<NaiveDate>().unwrap_or_default().into(),
            submitted_by_organisation_id: None,
        }
    }
}

impl Example for NewFeedbackResponse {
    fn example() -> Self {
        NewFeedbackResponse {
            text: "You said interpreters were not offered at night: we now book a telephone interpreter before every out-of-hours assessment, and the crisis team has been trained to offer one.".into(),
            action_id: Some(EXAMPLE_ACTION),
        }
    }
}

impl Example for FeedbackItem {
    fn example() -> Self {
        FeedbackItem {
            id: EXAMPLE_ITEM,
            alliance_id: EXAMPLE_ALLIANCE,
            view: Choice::of(domain::FeedbackView::Full),
            status: Choice::of(domain::FeedbackStatus::Responded),
            about_organisation_id: Some(EXAMPLE_PROVIDER),
            about_organisation_name: Some("Riverside Mental Health NHS Trust".into()),
            submitted_by_organisation: Some(FeedbackOrganisation {
                organisation_id: EXAMPLE_VCSE,
                name: "Community Voices Together".into(),
                kind: OrganisationKind::Vcse,
            }),
            submitted_by: Some(FeedbackActor {
                user_id: None,
                api_client_id: Some(Uuid::from_u128(0x0193_9c30_1d4e_7a5f_9b6c_7d8e_9f0a_1c07)),
                name: "Community Voices feedback form".into(),
            }),
            theme: "Interpreters at crisis assessments".into(),
            ethnic_categories: vec!["J".into(), "K".into()],
            channel: Choice::of(domain::FeedbackChannel::CommunityEvent),
            summary: "At our women's group, several Bangladeshi and Pakistani mothers said no interpreter was offered when their sons were assessed at night. Contact [redacted: email] for the group's notes.".into(),
            received_on: "2026-11-12".parse().ok(),
            received_month: "2026-11".into(),
            submitted_at: Some(example_time(0)),
            acknowledged_at: Some(example_time(2)),
            first_responded_at: Some(example_time(9)),
            closed_at: None,
            responses: vec![FeedbackResponse {
                id: Uuid::from_u128(0x0193_9c40_3f6a_7c71_9d8e_9f0a_1b2c_3e08),
                text: "You said interpreters were not offered at night: we now book a telephone interpreter before every out-of-hours assessment, and the crisis team has been trained to offer one.".into(),
                action: Some(LinkedAction {
                    publication_id: EXAMPLE_PUBLICATION,
                    action_id: EXAMPLE_ACTION,
                    title: "Offer an interpreter at every crisis assessment".into(),
                }),
                responded_at: example_time(9),
                responded_by: Some(FeedbackActor {
                    user_id: Some(Uuid::from_u128(0x0192_f0c2_1a2b_7c3d_8e4f_5a6b_7c8d_9e09)),
                    api_client_id: None,
                    name: "Amina Khan".into(),
                }),
            }],
            redaction_report: Some(RedactionReport {
                redactions: vec![Redaction {
                    field: "text".into(),
                    kind: "email".into(),
                    position: 139,
                }],
                warnings: Vec::new(),
            }),
        }
    }
}

impl Example for FeedbackSummary {
    fn example() -> Self {
        let count = |n: Option<u64>| ControlledCount {
            value: n,
            display: n.map_or_else(|| SUPPRESSED.to_owned(), |n| n.to_string()),
        };
        let figures =
            |counts: [Option<u64>; 5], median: Option<f64>, withheld: bool| FeedbackFigures {
                counts: FeedbackCounts {
                    received: count(counts[0]),
                    acknowledged: count(counts[1]),
                    responded: count(counts[2]),
                    closed: count(counts[3]),
                    total: count(counts[4]),
                },
                median_days_to_first_response: median,
                median_withheld: withheld,
            };
        FeedbackSummary {
            alliance_id: EXAMPLE_ALLIANCE,
            providers: vec![
                ProviderFeedbackFigures {
                    organisation_id: Uuid::from_u128(0x0192_f0c1_9e4a_7c63_95f4_8b6a_3e2c_1f43),
                    name: "Hillside Partnership NHS Trust".into(),
                    figures: figures([None, Some(0), None, Some(0), None], None, true),
                },
                ProviderFeedbackFigures {
                    organisation_id: EXAMPLE_PROVIDER,
                    name: "Riverside Mental Health NHS Trust".into(),
                    figures: figures(
                        [Some(10), Some(0), Some(0), Some(10), Some(20)],
                        Some(6.5),
                        false,
                    ),
                },
            ],
            alliance_as_a_whole: figures([None, Some(0), None, Some(0), None], None, true),
            totals: figures(
                [Some(15), Some(0), None, Some(10), Some(30)],
                Some(6.0),
                false,
            ),
            as_of: example_time(30),
        }
    }
}
