//! Feedback items: what patients, carers and communities said about a provider or about the
//! alliance as a whole, usually brought by a VCSE partner, and the transparent "you said, we
//! did" loop that answers it: received → acknowledged → responded → closed.
//!
//! Decisions a PCREF lead would expect:
//! - a feedback item names at least one specific ethnic group: the framework is about hearing
//!   particular communities, and an untagged item could not be followed up by group;
//! - the loop only moves forward, one step at a time, and each step is dated: a provider
//!   cannot close what it never answered, and nobody can answer a loop already closed;
//! - several responses may be given (an interim answer, then what was done); the first one
//!   dates the response, which the board's "days to first response" measures.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::{
    paragraph, ActionId, AllianceId, ApiClientId, EthnicCategory, FeedbackChannel, FeedbackItemId,
    FeedbackResponseId, FeedbackStatus, FeedbackView, OrganisationId, OrganisationKind,
    PublicationId, UserId, ValidationError,
};

/// The longest theme: one line.
pub const MAX_FEEDBACK_THEME: usize = 200;
/// The longest summary or response.
pub const MAX_FEEDBACK_TEXT: usize = 5_000;

/// A feedback item's theme: one line of 1–200 characters, trimmed.
pub fn feedback_theme(field: &str, raw: &str) -> Result<String, ValidationError> {
    crate::line(field, raw, MAX_FEEDBACK_THEME)
}

/// A feedback item's summary or a response's text: a paragraph of 1–5,000 characters.
pub fn feedback_text(field: &str, raw: &str) -> Result<String, ValidationError> {
    paragraph(field, raw, MAX_FEEDBACK_TEXT)
}

/// The ethnic groups the feedback is from or about: at least one, each a specific NHS ethnic
/// category (umbrella terms and broad groups are refused), sorted, no repeats.
pub fn feedback_ethnic_groups(
    field: &str,
    raw: &[&str],
) -> Result<Vec<EthnicCategory>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(
            field,
            "name at least one specific ethnic group the feedback comes from, as an NHS ethnic category code such as \"M\" (use \"Z\" when it was not stated)",
        ));
    }
    crate::parse_ethnic_groups(field, raw)
}

/// The first day feedback can have been received on: the hub keeps no older records.
pub fn earliest_received_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The day the feedback was received: not in the future, not before 2000-01-01.
pub fn received_on(
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, ValidationError> {
    let earliest = earliest_received_on();
    if date < earliest {
        return Err(ValidationError::new(
            field,
            format!("must be on or after {earliest} (got {date})"),
        ));
    }
    if date > today {
        return Err(ValidationError::new(
            field,
            format!("must not be in the future (today is {today}, got {date})"),
        ));
    }
    Ok(date)
}

/// `YYYY-MM`: how an anonymised item says when it was received.
pub fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

// ---- the loop -----------------------------------------------------------------------------

/// A step of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackStep {
    Acknowledge,
    Respond,
    Close,
}

impl FeedbackStep {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackStep::Acknowledge => "acknowledge",
            FeedbackStep::Respond => "respond",
            FeedbackStep::Close => "close",
        }
    }
}

/// A step the item's status does not allow, with the reason in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StepRefused {
    pub from: FeedbackStatus,
    pub step: FeedbackStep,
    pub message: String,
}

impl FeedbackStatus {
    /// The status after `step`, or why the step cannot be taken now:
    /// - acknowledge: only from `received`;
    /// - respond: from `acknowledged` (the first response, which moves it to `responded`)
    ///   or from `responded` (a further response, which leaves it there);
    /// - close: only from `responded`.
    pub fn after(self, step: FeedbackStep) -> Result<FeedbackStatus, StepRefused> {
        use FeedbackStatus::*;
        use FeedbackStep::*;
        let refuse = |message: &str| StepRefused {
            from: self,
            step,
            message: message.to_owned(),
        };
        match (self, step) {
            (Received, Acknowledge) => Ok(Acknowledged),
            (Acknowledged | Responded, Respond) => Ok(Responded),
            (Responded, Close) => Ok(Closed),
            (Closed, _) => Err(refuse(
                "this feedback is closed: its loop is complete and nothing more can be done to it",
            )),
            (Acknowledged | Responded, Acknowledge) => Err(refuse(
                "this feedback has already been acknowledged; respond to it instead",
            )),
            (Received, Respond) => Err(refuse(
                "acknowledge this feedback (POST …/acknowledge) before responding to it",
            )),
            (Received | Acknowledged, Close) => Err(refuse(
                "respond to this feedback (\"you said, we did\") before closing it: only a feedback item with a response can be closed",
            )),
        }
    }
}

// ---- records ------------------------------------------------------------------------------

/// What a submitter sends, its summary already redacted when stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackDraft {
    /// The provider the feedback is about; `None`: the alliance as a whole.
    pub about_organisation_id: Option<OrganisationId>,
    pub theme: String,
    /// Specific groups, sorted, no repeats, at least one.
    pub ethnic_categories: Vec<EthnicCategory>,
    pub channel: FeedbackChannel,
    pub summary: String,
    pub received_on: NaiveDate,
}

/// Who took a step: a person, or an API client acting for its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackActor {
    pub user_id: Option<UserId>,
    pub api_client_id: Option<ApiClientId>,
    /// The person's display name, or the API client's name.
    pub name: String,
}

/// The organisation that submitted an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackSubmitter {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    /// Who submitted it for the organisation.
    pub by: Option<FeedbackActor>,
}

/// An action of the about-provider's published plan that a response points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedAction {
    pub publication_id: PublicationId,
    pub action_id: ActionId,
    /// The action's description as published (already anonymised).
    pub title: String,
}

/// One response ("we did").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackResponse {
    pub id: FeedbackResponseId,
    /// As stored: redacted.
    pub text: String,
    pub action: Option<LinkedAction>,
    pub responded_at: DateTime<Utc>,
    /// `None` in the anonymised view.
    pub responded_by: Option<FeedbackActor>,
}

/// A feedback item as a reader sees it. The store fills every field; the anonymised view
/// ([`FeedbackItem::anonymised`]) clears those that would tell who brought it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackItem {
    pub id: FeedbackItemId,
    pub alliance_id: AllianceId,
    pub view: FeedbackView,
    /// `None` in the anonymised view.
    pub submitter: Option<FeedbackSubmitter>,
    /// The provider it is about (id and name); `None`: the alliance as a whole.
    pub about: Option<(OrganisationId, String)>,
    pub theme: String,
    pub ethnic_categories: Vec<EthnicCategory>,
    pub channel: FeedbackChannel,
    /// As stored: redacted.
    pub summary: String,
    /// `None` in the anonymised view, which gives the month only.
    pub received_on: Option<NaiveDate>,
    /// `YYYY-MM`.
    pub received_month: String,
    pub status: FeedbackStatus,
    /// `None` in the anonymised view.
    pub submitted_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub responses: Vec<FeedbackResponse>,
}

impl FeedbackItem {
    /// The provider it is about; `None`: the alliance as a whole.
    pub fn about_organisation_id(&self) -> Option<OrganisationId> {
        self.about.as_ref().map(|(id, _)| *id)
    }

    /// What the rest of the alliance reads of a closed loop: no submitting organisation, no
    /// person, the month it was received rather than the day, no submission time; the theme,
    /// groups, channel, (redacted) summary, the provider it is about, the responses and the
    /// dates of the provider's steps stay.
    pub fn anonymised(self) -> FeedbackItem {
        FeedbackItem {
            view: FeedbackView::Anonymised,
            submitter: None,
            received_on: None,
            submitted_at: None,
            responses: self
                .responses
                .into_iter()
                .map(|r| FeedbackResponse {
                    responded_by: None,
                    ..r
                })
                .collect(),
            ..self
        }
    }
}

/// Filters for the list of feedback items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackFilter {
    pub status: Option<FeedbackStatus>,
    pub about_organisation_id: Option<OrganisationId>,
    /// `None`: both the items the reader sees in full and the closed loops it sees anonymised.
    pub view: Option<FeedbackView>,
}

/// The median of whole numbers of days: the middle one, or the mean of the two middle ones.
/// `None` for no numbers.
pub fn median_days(days: &mut [i64]) -> Option<f64> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    let mid = days.len() / 2;
    // i64 → f64 is exact for any number of days a record can span.
    let at = |i: usize| days[i] as f64;
    Some(if days.len() % 2 == 1 {
        at(mid)
    } else {
        (at(mid - 1) + at(mid)) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use FeedbackStatus::*;
    use FeedbackStep::*;

    #[test]
    fn the_loop_moves_forward_one_step_at_a_time() {
        assert_eq!(Received.after(Acknowledge), Ok(Acknowledged));
        assert_eq!(Acknowledged.after(Respond), Ok(Responded));
        assert_eq!(
            Responded.after(Respond),
            Ok(Responded),
            "a further response"
        );
        assert_eq!(Responded.after(Close), Ok(Closed));
    }

    #[test]
    fn every_other_step_is_refused_with_a_reason() {
        let refused = [
            (Received, Respond, "acknowledge"),
            (Received, Close, "respond"),
            (Acknowledged, Acknowledge, "already been acknowledged"),
            (Acknowledged, Close, "respond"),
            (Responded, Acknowledge, "already been acknowledged"),
            (Closed, Acknowledge, "closed"),
            (Closed, Respond, "closed"),
            (Closed, Close, "closed"),
        ];
        for (from, step, says) in refused {
            let err = from.after(step).expect_err("refused");
            assert_eq!((err.from, err.step), (from, step));
            assert!(
                err.message.contains(says),
                "{from} {step:?}: {}",
                err.message
            );
        }
        // Every (status, step) pair is either allowed or refused above: 4 × 3 = 12.
        let allowed = FeedbackStatus::ALL
            .iter()
            .flat_map(|s| [Acknowledge, Respond, Close].map(|step| s.after(step)))
            .filter(Result::is_ok)
            .count();
        assert_eq!(allowed + refused.len(), 12);
    }

    #[test]
    fn a_closed_loop_can_only_be_reached_through_a_response() {
        // Walk every sequence of up to four steps from `received`: whenever `closed` is
        // reached, a response was given first, and acknowledging came before it.
        let steps = [Acknowledge, Respond, Close];
        for a in steps {
            for b in steps {
                for c in steps {
                    for d in steps {
                        let mut status = Received;
                        let mut taken = Vec::new();
                        for step in [a, b, c, d] {
                            if let Ok(next) = status.after(step) {
                                status = next;
                                taken.push(step);
                            }
                        }
                        if status == Closed {
                            let responded = taken.iter().position(|s| *s == Respond);
                            let acknowledged = taken.iter().position(|s| *s == Acknowledge);
                            assert!(acknowledged < responded && responded.is_some());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn texts_and_dates() {
        assert_eq!(
            feedback_theme("theme", "  Waiting   times ").expect("valid"),
            "Waiting times"
        );
        assert!(feedback_theme("theme", " ").is_err());
        assert!(feedback_theme("theme", &"x".repeat(201)).is_err());
        assert!(feedback_text("summary", &"x".repeat(5_000)).is_ok());
        assert!(feedback_text("summary", &"x".repeat(5_001)).is_err());
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        assert!(received_on("received_on", today, today).is_ok());
        assert!(received_on("received_on", earliest_received_on(), today).is_ok());
        let tomorrow = today.succ_opt().expect("date");
        assert!(received_on("received_on", tomorrow, today).is_err());
        let before = earliest_received_on().pred_opt().expect("date");
        assert!(received_on("received_on", before, today).is_err());
        assert_eq!(month_of(today), "2026-12");
    }

    #[test]
    fn groups_are_required_and_specific() {
        assert!(feedback_ethnic_groups("ethnic_categories", &[]).is_err());
        assert!(feedback_ethnic_groups("ethnic_categories", &["BAME"]).is_err());
        assert_eq!(
            feedback_ethnic_groups("ethnic_categories", &["n", "M", "N"]).expect("valid"),
            [EthnicCategory::Caribbean, EthnicCategory::African]
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median_days(&mut []), None);
        assert_eq!(median_days(&mut [4]), Some(4.0));
        assert_eq!(median_days(&mut [9, 1, 4]), Some(4.0));
        assert_eq!(median_days(&mut [10, 1, 4, 3]), Some(3.5));
    }

    #[test]
    fn the_anonymised_view_keeps_no_one() {
        let at = DateTime::from_timestamp(1_795_428_000, 0).expect("time");
        let item = FeedbackItem {
            id: FeedbackItemId::new(),
            alliance_id: AllianceId::new(),
            view: FeedbackView::Full,
            submitter: Some(FeedbackSubmitter {
                organisation_id: OrganisationId::new(),
                organisation_name: "Community Voices".into(),
                organisation_kind: OrganisationKind::Vcse,
                by: None,
            }),
            about: Some((OrganisationId::new(), "Riverside".into())),
            theme: "Interpreters".into(),
            ethnic_categories: vec![EthnicCategory::Bangladeshi],
            channel: FeedbackChannel::CommunityEvent,
            summary: "Summary".into(),
            received_on: NaiveDate::from_ymd_opt(2026, 10, 14),
            received_month: "2026-10".into(),
            status: Closed,
            submitted_at: Some(at),
            acknowledged_at: Some(at),
            first_responded_at: Some(at),
            closed_at: Some(at),
            responses: vec![FeedbackResponse {
                id: FeedbackResponseId::new(),
                text: "We did".into(),
                action: None,
                responded_at: at,
                responded_by: Some(FeedbackActor {
                    user_id: Some(UserId::new()),
                    api_client_id: None,
                    name: "Amina Khan".into(),
                }),
            }],
        };
        let seen = item.clone().anonymised();
        assert_eq!(seen.view, FeedbackView::Anonymised);
        assert_eq!(seen.submitter, None);
        assert_eq!(seen.received_on, None);
        assert_eq!(seen.submitted_at, None);
        assert_eq!(seen.responses[0].responded_by, None);
        assert_eq!(seen.received_month, "2026-10");
        assert_eq!(seen.about, item.about);
        assert_eq!(seen.responses[0].text, "We did");
        assert_eq!(seen.closed_at, item.closed_at);
    }
}
