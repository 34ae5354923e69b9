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
mod periods;
mod plans;
mod projects;
mod publishing;
mod records;
mod reference;
mod role;
mod rollup;

pub use api_clients::ApiClient;
pub use feedback::{
    earliest_received_on, feedback_ethnic_groups, feedback_text, feedback_theme, median_days,
    month_of, received_on, FeedbackActor, FeedbackDraft, FeedbackFilter, FeedbackItem,
    FeedbackResponse, FeedbackStep, FeedbackSubmitter, LinkedAction, StepRefused,
    MAX_FEEDBACK_TEXT, MAX_FEEDBACK_THEME,
};
pub use ids::{
    AccessTokenId, ActionId, AllianceId, ApiClientId, AuditEntryId, BoardReportId, ClientTokenId,
    FeedbackItemId, FeedbackResponseId, GoalId, InvitationId, LearningItemId, MembershipId,
    MilestoneId, OrganisationId, PlanId, PriorityId, ProgressUpdateId, ProjectId, ProjectUpdateId,
    PublicationId, PublicationSeriesId, ReportingPeriodId, ShareLinkId, TemplateId, UserId,
};
pub use learning::{
    contributor_label, learning_text, learning_title, parse_categories, parse_competencies,
    parse_ethnic_groups, LearningDraft, LearningFilter, LearningItem, LearningPatch,
};
pub use names::{DisplayName, Email, Name, TokenName};
pub use page::{Cursor, Page, PageLimit};
pub use periods::{
    period_label, PeriodDraft, PeriodPatch, ReportingPeriod, MAX_PERIOD_DAYS, MAX_PERIOD_LABEL,
};
pub use plans::{
    evidence_url, line, optional_line, optional_paragraph, ordered_dates, paragraph, plan_date,
    reported_on, Action, ActionDraft, ActionPatch, ActionView, Goal, GoalDraft, GoalPatch, Plan,
    PlanDocument, PlanDraft, PlanFilter, PlanPatch, Priority, PriorityDraft, PriorityPatch,
    ProgressDraft, ProgressUpdate, SharedTemplateContent, StageGuidance, Template, TemplateAction,
    TemplateContent, TemplateGoal, TemplateOrigin, TemplatePriority, BUILT_IN_TEMPLATE_ID,
    MAX_NAME, MAX_PARAGRAPH, MAX_TITLE, MAX_URL,
};
pub use projects::{
    done_on, project_competencies, project_ethnic_groups, project_is_stale, project_links,
    LinkedLearning, LinkedPublication, Milestone, MilestoneCounts, MilestoneDraft, MilestonePatch,
    Participant, PhaseEntry, Project, ProjectAim, ProjectDraft, ProjectFilter, ProjectOrganisation,
    ProjectPatch, ProjectUpdate, ProjectUpdateDraft, Quarter, UpdateAuthor, MAX_PROJECT_LINKS,
    MAX_PROJECT_TEXT, MAX_PROJECT_TITLE,
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
    FeedbackStatus, FeedbackView, LearningCategory, ParticipationStatus, PeriodStatus, Pillar,
    PlanStatus, ProjectPhase, Rag, Scope,
};
pub use role::{MembershipStatus, OrganisationKind, Role, RoleScope};
pub use rollup::{
    rollup_as_of, ActionStatusCounts, BoardReport, CategoryCount, Coverage, CoverageCell,
    CoverageRow, EthnicGroupCoverage, FeedbackFacts, FeedbackRollup, FeedbackRow, HeadlineFigure,
    LearningFacts, LearningRollup, LearningShared, MilestoneInPeriod, MilestoneState, PeopleCount,
    PeriodRef, PhaseCount, ProjectFacts, ProjectRollup, ProjectsRollup, ProviderProgress,
    ProviderRef, PublishedVersion, Rollup, RollupSources, TemplateAdopted, ABOUT_THE_ALLIANCE,
    ANONYMOUS_PROVIDERS,
};

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
    /// The header's grammar as a regular expression, for the API document: `*`, or a list of
    /// entity tags (`"…"` or weak `W/"…"`, visible ASCII but `"` inside) separated by commas,
    /// empty list elements allowed (RFC 9110 §5.6.1, §8.8.3, §13.1.1). `parse` accepts exactly
    /// this.
    pub const PATTERN: &'static str = r#"^[ \t]*(\*|(,[ \t]*)*(W/)?"[\x21\x23-\x7E]*"([ \t]*,([ \t]*(W/)?"[\x21\x23-\x7E]*")?)*)[ \t]*$"#;

    /// `PATTERN` without `*`: entity tags only.
    pub const TAGS_PATTERN: &'static str = r#"^[ \t]*(,[ \t]*)*(W/)?"[\x21\x23-\x7E]*"([ \t]*,([ \t]*(W/)?"[\x21\x23-\x7E]*")?)*[ \t]*$"#;

    /// Parses the header value. Weak tags (`W/"…"`) never match under `If-Match`'s strong
    /// comparison, so they are kept out of the list rather than rejected.
    pub fn parse(header: &str) -> Result<IfMatch, ValidationError> {
        let header = header.trim_matches([' ', '\t']);
        if header == "*" {
            return Ok(IfMatch::Any);
        }
        let malformed = || {
            ValidationError::new(
                "If-Match",
                "must be \"*\" or a quoted entity tag taken from an ETag header, such as \"1\"",
            )
        };
        let is_space = |b: u8| b == b' ' || b == b'\t';
        let bytes = header.as_bytes();
        let mut at = 0;
        let mut tags = 0;
        let mut strong = Vec::new();
        loop {
            // Empty list elements and the separators around them.
            while at < bytes.len() && (bytes[at] == b',' || is_space(bytes[at])) {
                at += 1;
            }
            if at == bytes.len() {
                break;
            }
            let weak = bytes[at..].starts_with(b"W/");
            if weak {
                at += 2;
            }
            if bytes.get(at) != Some(&b'"') {
                return Err(malformed());
            }
            let start = at + 1;
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'"')
                .map(|n| start + n)
                .ok_or_else(malformed)?;
            let inner = &header[start..end];
            if !inner
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x7E).contains(&b))
            {
                return Err(malformed());
            }
            tags += 1;
            if !weak {
                // An unknown tag simply does not match; it is not malformed.
                strong.push(inner.to_owned());
            }
            at = end + 1;
            while at < bytes.len() && is_space(bytes[at]) {
                at += 1;
            }
            match bytes.get(at) {
                None => break,
                Some(b',') => {}
                Some(_) => return Err(malformed()),
            }
        }
        if tags == 0 {
            return Err(malformed());
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
        // Commas may sit inside a tag and empty list elements around them (RFC 9110 §5.6.1).
        let parsed = IfMatch::parse(", \"a,b\" ,, W/\"\",\"7\"").expect("valid header");
        assert_eq!(parsed, IfMatch::Tags(vec!["a,b".into(), "7".into()]));
        assert!(
            IfMatch::parse("\"1\" \"2\"").is_err(),
            "a comma between tags"
        );
        assert!(IfMatch::parse("\"1").is_err(), "an unclosed tag");
        assert!(IfMatch::parse("\"a b\"").is_err(), "a space inside a tag");
        assert!(IfMatch::parse("W/1").is_err());
    }

    #[test]
    fn etag_round_trips() {
        let v = Version(7);
        assert!(IfMatch::parse(&v.etag()).expect("valid").matches(v));
    }
}
