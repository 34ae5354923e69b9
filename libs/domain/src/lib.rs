//! The PCREF Alliance Hub domain: identifiers, roles and the values that validate on parse.
//!
//! No IO, no HTTP, no SQL: everything here is plain data and rules, so every other crate can
//! depend on it and it can be tested in isolation.

mod api_clients;
mod feedback;
mod ids;
mod learning;
mod names;
mod page;
mod plans;
mod publishing;
mod records;
mod reference;
mod role;

pub use api_clients::ApiClient;
pub use feedback::{
    earliest_received_on, feedback_ethnic_groups, feedback_text, feedback_theme, median_days,
    month_of, received_on, FeedbackActor, FeedbackDraft, FeedbackFilter, FeedbackItem,
    FeedbackResponse, FeedbackStep, FeedbackSubmitter, LinkedAction, StepRefused,
    MAX_FEEDBACK_TEXT, MAX_FEEDBACK_THEME,
};
pub use ids::{
    AccessTokenId, ActionId, AllianceId, ApiClientId, AuditEntryId, ClientTokenId, FeedbackItemId,
    FeedbackResponseId, GoalId, InvitationId, LearningItemId, MembershipId, OrganisationId, PlanId,
    PriorityId, ProgressUpdateId, PublicationId, PublicationSeriesId, TemplateId, UserId,
};
pub use learning::{
    contributor_label, learning_text, learning_title, parse_categories, parse_competencies,
    parse_ethnic_groups, LearningDraft, LearningFilter, LearningItem, LearningPatch,
};
pub use names::{DisplayName, Email, Name, TokenName};
pub use page::{Cursor, Page, PageLimit};
pub use plans::{
    evidence_url, line, optional_line, optional_paragraph, ordered_dates, paragraph, plan_date,
    reported_on, Action, ActionDraft, ActionPatch, ActionView, Goal, GoalDraft, GoalPatch, Plan,
    PlanDocument, PlanDraft, PlanFilter, PlanPatch, Priority, PriorityDraft, PriorityPatch,
    ProgressDraft, ProgressUpdate, SharedTemplateContent, StageGuidance, Template, TemplateAction,
    TemplateContent, TemplateGoal, TemplateOrigin, TemplatePriority, BUILT_IN_TEMPLATE_ID,
    MAX_NAME, MAX_PARAGRAPH, MAX_TITLE, MAX_URL,
};
pub use publishing::{
    provider_label, search_text, Publication, PublicationFilter, PublicationSummary,
    PublishedAction, PublishedDocument, PublishedGoal, PublishedPriority, PublishedUpdate, Tag,
    Tags, MAX_CONSULTATION_EXCEPTION,
};
pub use records::{
    reporting_cycle_days, AccessToken, Alliance, AuditEntry, AuditVisibility, Membership,
    MembershipInContext, Organisation, User, DEFAULT_REPORTING_CYCLE_DAYS,
};
pub use reference::{
    ActionStatus, Attribution, BroadEthnicGroup, Competency, EthnicCategory, FeedbackChannel,
    FeedbackStatus, FeedbackView, LearningCategory, Pillar, PlanStatus, Rag, Scope,
};
pub use role::{MembershipStatus, OrganisationKind, Role, RoleScope};

/// A rule a value broke, named by the field it came from so that the API can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same rule, reported against another field name (a parser is written once and
    /// reused for `name`, `display_name`, …).
    pub fn for_field(mut self, field: &str) -> Self {
        self.field = field.to_owned();
        self
    }
}

/// Optimistic concurrency: every updatable record carries a version, served as a strong `ETag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub i64);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }

    /// The strong entity tag for this version, quotes included (RFC 9110 §8.8.3).
    pub fn etag(self) -> String {
        format!("\"{}\"", self.0)
    }
}

/// What the client sent in `If-Match`, parsed (RFC 9110 §13.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current representation.
    Any,
    /// One or more strong entity tags, without their quotes.
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header value. Weak tags (`W/"…"`) never match under `If-Match`'s strong
    /// comparison, so they are kept out of the list rather than rejected.
    pub fn parse(header: &str) -> Result<IfMatch, ValidationError> {
        let header = header.trim();
        if header == "*" {
            return Ok(IfMatch::Any);
        }
        let malformed = || {
            ValidationError::new(
                "If-Match",
                "must be \"*\" or a quoted entity tag taken from an ETag header, such as \"1\"",
            )
        };
        let tags: Vec<&str> = header
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() {
            return Err(malformed());
        }
        let mut strong = Vec::new();
        for tag in tags {
            if tag.starts_with("W/") {
                continue;
            }
            let inner = tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .ok_or_else(malformed)?;
            // An unknown tag simply does not match; it is not malformed.
            strong.push(inner.to_owned());
        }
        Ok(IfMatch::Tags(strong))
    }

    pub fn matches(&self, current: Version) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t.parse::<i64>() == Ok(current.0)),
        }
    }

    /// Whether an opaque entity tag (given without quotes) is among those sent.
    pub fn matches_tag(&self, current: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parses_strong_tags_and_star() {
        assert_eq!(IfMatch::parse("*"), Ok(IfMatch::Any));
        let parsed = IfMatch::parse("\"3\", W/\"4\", \"x\"").expect("valid header");
        assert!(parsed.matches(Version(3)));
        assert!(!parsed.matches(Version(4)));
        assert!(parsed.matches_tag("x") && !parsed.matches_tag("4"));
        assert!(IfMatch::parse("3").is_err());
        assert!(IfMatch::parse(",,,").is_err());
        assert!(IfMatch::parse("").is_err());
    }

    #[test]
    fn etag_round_trips() {
        let v = Version(7);
        assert!(IfMatch::parse(&v.etag()).expect("valid").matches(v));
    }
}
