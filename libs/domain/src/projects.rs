//! Joint projects: cross-organisation work of an alliance, led by one organisation, with
//! providers and VCSE partners taking part, moving through the five-step model (intelligence
//! gathering → analysis and interpretation → defining problems → co-designing solutions →
//! critical actions), with milestones and a RAG update from a participant each reporting period.
//!
//! Decisions a PCREF lead would expect:
//! - the lead organisation always takes part; others are invited and accept or decline;
//! - the latest update (by the date it reports on) sets the project's RAG, and updates are
//!   never back-dated behind the latest one, so the phase history reads in order;
//! - until the alliance defines its own reporting periods, a period is a calendar quarter
//!   (`2026-Q4`), PCREF's usual reporting rhythm; a project that has started and has no update
//!   in the current quarter is stale.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::{
    AllianceId, ApiClientId, Competency, EthnicCategory, LearningItemId, MilestoneId,
    OrganisationId, OrganisationKind, ParticipationStatus, Pillar, ProjectId, ProjectPhase,
    ProjectUpdateId, PublicationId, Rag, UserId, ValidationError, Version,
};

/// The longest project or milestone title: one line.
pub const MAX_PROJECT_TITLE: usize = 200;
/// The longest update narrative.
pub const MAX_PROJECT_TEXT: usize = 5_000;
/// The most published plans or learning items a project links to.
pub const MAX_PROJECT_LINKS: usize = 50;

// ---- reporting periods ----------------------------------------------------------------------

/// A calendar quarter: the reporting period of joint projects' updates (`2026-Q4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1–4.
    pub quarter: u32,
}

impl Quarter {
    /// The quarter a day falls in.
    pub fn containing(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            quarter: (date.month() - 1) / 3 + 1,
        }
    }

    /// `2026-Q4`.
    pub fn label(self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }

    /// Its first day.
    pub fn starts_on(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.quarter - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }
}

// ---- projects -------------------------------------------------------------------------------

/// A project's SMART aim, written as a goal's is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectAim {
    /// What will change.
    pub statement: String,
    /// How the change is measured.
    pub measure: String,
    /// Where the measure stands now; absent when the project is to establish it.
    pub baseline: Option<String>,
    pub target: String,
    pub deadline: NaiveDate,
}

/// The editable fields of a joint project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectDraft {
    pub title: String,
    pub aim: ProjectAim,
    pub lead_organisation_id: OrganisationId,
    /// Specific groups, sorted, no repeats, at least one.
    pub ethnic_categories: Vec<EthnicCategory>,
    /// At least one, sorted, no repeats.
    pub competencies: Vec<Competency>,
    pub pillar: Pillar,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Published plans of the alliance the project builds on (sorted, no repeats).
    pub publication_ids: Vec<PublicationId>,
    /// Learning items of the alliance's library it builds on (sorted, no repeats).
    pub learning_item_ids: Vec<LearningItemId>,
}

/// What a change to a project may set; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectPatch {
    pub title: Option<String>,
    pub aim: Option<ProjectAim>,
    pub lead_organisation_id: Option<OrganisationId>,
    pub phase: Option<ProjectPhase>,
    pub ethnic_categories: Option<Vec<EthnicCategory>>,
    pub competencies: Option<Vec<Competency>>,
    pub pillar: Option<Pillar>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub publication_ids: Option<Vec<PublicationId>>,
    pub learning_item_ids: Option<Vec<LearningItemId>>,
}

impl ProjectPatch {
    pub fn is_empty(&self) -> bool {
        *self == ProjectPatch::default()
    }
}

fn patched<T: Clone>(current: &T, patch: &Option<T>) -> T {
    patch.as_ref().unwrap_or(current).clone()
}

impl ProjectDraft {
    /// The planned end is not before the start.
    pub fn check(self) -> Result<ProjectDraft, ValidationError> {
        crate::ordered_dates(
            "starts_on",
            Some(self.starts_on),
            "ends_on",
            Some(self.ends_on),
        )?;
        Ok(self)
    }

    pub fn apply(&self, patch: &ProjectPatch) -> Result<ProjectDraft, ValidationError> {
        ProjectDraft {
            title: patched(&self.title, &patch.title),
            aim: patched(&self.aim, &patch.aim),
            lead_organisation_id: patched(&self.lead_organisation_id, &patch.lead_organisation_id),
            ethnic_categories: patched(&self.ethnic_categories, &patch.ethnic_categories),
            competencies: patched(&self.competencies, &patch.competencies),
            pillar: patched(&self.pillar, &patch.pillar),
            starts_on: patched(&self.starts_on, &patch.starts_on),
            ends_on: patched(&self.ends_on, &patch.ends_on),
            publication_ids: patched(&self.publication_ids, &patch.publication_ids),
            learning_item_ids: patched(&self.learning_item_ids, &patch.learning_item_ids),
        }
        .check()
    }
}

/// The ethnic groups a project is about: at least one specific NHS ethnic category.
pub fn project_ethnic_groups(
    field: &str,
    raw: &[&str],
) -> Result<Vec<EthnicCategory>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(
            field,
            "name at least one specific ethnic group the project is about, as an NHS ethnic category code such as \"M\"",
        ));
    }
    crate::parse_ethnic_groups(field, raw)
}

/// The competencies a project develops: at least one.
pub fn project_competencies(field: &str, raw: &[&str]) -> Result<Vec<Competency>, ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::new(
            field,
            format!(
                "name at least one competency the project develops: {}",
                Competency::choices()
            ),
        ));
    }
    crate::parse_competencies(field, raw)
}

/// A list of links: no more than [`MAX_PROJECT_LINKS`], sorted, no repeats.
pub fn project_links<T: Ord>(field: &str, mut ids: Vec<T>) -> Result<Vec<T>, ValidationError> {
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_PROJECT_LINKS {
        return Err(ValidationError::new(
            field,
            format!("link at most {MAX_PROJECT_LINKS}"),
        ));
    }
    Ok(ids)
}

/// An organisation as a project names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// An organisation taking part in (or asked to take part in) a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub organisation: ProjectOrganisation,
    pub status: ParticipationStatus,
    pub lead: bool,
    pub invited_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl ParticipationStatus {
    /// The status after the invited organisation answers, or why it cannot answer now.
    pub fn answered(self, accept: bool) -> Result<ParticipationStatus, String> {
        match self {
            ParticipationStatus::Invited if accept => Ok(ParticipationStatus::Accepted),
            ParticipationStatus::Invited => Ok(ParticipationStatus::Declined),
            ParticipationStatus::Accepted => Err(
                "this organisation has already accepted: it takes part in the project".to_owned(),
            ),
            ParticipationStatus::Declined => Err(
                "this organisation has declined; the project's lead can invite it again".to_owned(),
            ),
        }
    }
}

/// One step of a project's way through the five phases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseEntry {
    pub phase: ProjectPhase,
    pub entered_on: NaiveDate,
    /// The day the next phase was entered; `None` for the current one.
    pub left_on: Option<NaiveDate>,
}

/// A published plan a project links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPublication {
    pub publication_id: PublicationId,
    pub title: String,
    pub version: i64,
}

/// A learning item a project links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedLearning {
    pub id: LearningItemId,
    pub title: String,
}

/// Counts of a project's milestones (not about people: no disclosure control).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MilestoneCounts {
    pub total: u32,
    pub done: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub alliance_id: AllianceId,
    pub title: String,
    pub aim: ProjectAim,
    pub lead: ProjectOrganisation,
    pub phase: ProjectPhase,
    pub phase_entered_on: NaiveDate,
    /// Oldest first.
    pub phase_history: Vec<PhaseEntry>,
    pub ethnic_categories: Vec<EthnicCategory>,
    pub competencies: Vec<Competency>,
    pub pillar: Pillar,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// From the latest update; `None` before the first.
    pub rag: Option<Rag>,
    /// The day the latest update reports on.
    pub last_update_on: Option<NaiveDate>,
    pub milestones: MilestoneCounts,
    /// The lead first, then by invitation.
    pub participants: Vec<Participant>,
    pub published_plans: Vec<LinkedPublication>,
    pub learning_items: Vec<LinkedLearning>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Project {
    /// Under way in the current period, and without an update reporting on a day of it.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        project_is_stale(self.starts_on, self.ends_on, self.last_update_on, today)
    }

    /// The fields as a change applies to them.
    pub fn draft(&self) -> ProjectDraft {
        ProjectDraft {
            title: self.title.clone(),
            aim: self.aim.clone(),
            lead_organisation_id: self.lead.id,
            ethnic_categories: self.ethnic_categories.clone(),
            competencies: self.competencies.clone(),
            pillar: self.pillar,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            publication_ids: self
                .published_plans
                .iter()
                .map(|p| p.publication_id)
                .collect(),
            learning_item_ids: self.learning_items.iter().map(|l| l.id).collect(),
        }
    }

    /// The participant's status, if the organisation was ever invited.
    pub fn participation(&self, org: OrganisationId) -> Option<ParticipationStatus> {
        self.participants
            .iter()
            .find(|p| p.organisation.id == org)
            .map(|p| p.status)
    }

    /// The organisations that take part (accepted, the lead among them).
    pub fn taking_part(&self) -> impl Iterator<Item = &ProjectOrganisation> {
        self.participants
            .iter()
            .filter(|p| p.status == ParticipationStatus::Accepted)
            .map(|p| &p.organisation)
    }
}

/// The staleness rule, for a record and for the list's query alike: a project under way in
/// the current period (started, and not planned to have ended before the period began) is
/// stale when no update reports on a day of the period.
pub fn project_is_stale(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    last_update_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    let period_start = Quarter::containing(today).starts_on();
    starts_on <= today && ends_on >= period_start && last_update_on.is_none_or(|d| d < period_start)
}

/// How the alliance's list of projects is narrowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub phase: Option<ProjectPhase>,
    pub rag: Option<Rag>,
    /// Organisations taking part (accepted, the lead among them).
    pub participant: Option<OrganisationId>,
    pub ethnic_category: Option<EthnicCategory>,
    pub competency: Option<Competency>,
    /// `Some(true)`: with a milestone overdue; `Some(false)`: with none.
    pub overdue: Option<bool>,
    pub stale: Option<bool>,
}

// ---- milestones ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneDraft {
    pub title: String,
    pub due_on: NaiveDate,
    /// `None`: chosen for the writer (see the use case).
    pub owner_organisation_id: Option<OrganisationId>,
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MilestonePatch {
    pub title: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub owner_organisation_id: Option<OrganisationId>,
    /// `Some(None)` reopens it.
    pub done_on: Option<Option<NaiveDate>>,
}

impl MilestonePatch {
    pub fn is_empty(&self) -> bool {
        *self == MilestonePatch::default()
    }
}

/// The day a milestone was done: not in the future.
pub fn done_on(
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, ValidationError> {
    crate::plan_date(field, date)?;
    crate::reported_on(field, date, today)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: MilestoneId,
    pub project_id: ProjectId,
    pub title: String,
    pub due_on: NaiveDate,
    pub owner: ProjectOrganisation,
    pub done_on: Option<NaiveDate>,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Milestone {
    /// Past its due date and not done.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_on.is_none() && self.due_on < today
    }
}

// ---- updates -------------------------------------------------------------------------------

/// A participant's update as written (its narrative redacted when stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectUpdateDraft {
    pub rag: Rag,
    pub narrative: String,
    /// The phase the project moves to, if it moves.
    pub phase: Option<ProjectPhase>,
    /// `None`: today.
    pub reported_on: Option<NaiveDate>,
    /// Which of the writer's organisations reports; needed only when it writes for several.
    pub organisation_id: Option<OrganisationId>,
}

/// Who wrote an update: a person, or an API client acting for its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateAuthor {
    Person(UserId, String),
    Client(ApiClientId, String),
}

impl UpdateAuthor {
    pub fn name(&self) -> &str {
        match self {
            UpdateAuthor::Person(_, name) | UpdateAuthor::Client(_, name) => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectUpdate {
    pub id: ProjectUpdateId,
    pub project_id: ProjectId,
    pub organisation: ProjectOrganisation,
    pub author: UpdateAuthor,
    pub reported_on: NaiveDate,
    pub rag: Rag,
    /// As stored: redacted.
    pub narrative: String,
    /// The phase the project was in before, when the update moved it.
    pub phase_from: Option<ProjectPhase>,
    /// The phase the update moved the project to.
    pub phase: Option<ProjectPhase>,
    pub created_at: DateTime<Utc>,
}

impl ProjectUpdate {
    pub fn period(&self) -> Quarter {
        Quarter::containing(self.reported_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn quarters_are_labelled_and_start_on_their_first_day() {
        for (date, label, first) in [
            (day(2026, 1, 1), "2026-Q1", day(2026, 1, 1)),
            (day(2026, 3, 31), "2026-Q1", day(2026, 1, 1)),
            (day(2026, 4, 1), "2026-Q2", day(2026, 4, 1)),
            (day(2026, 9, 30), "2026-Q3", day(2026, 7, 1)),
            (day(2026, 12, 2), "2026-Q4", day(2026, 10, 1)),
        ] {
            let period = Quarter::containing(date);
            assert_eq!(period.label(), label, "{date}");
            assert_eq!(period.starts_on(), first, "{date}");
        }
    }

    #[test]
    fn a_started_project_without_an_update_this_quarter_is_stale() {
        let today = day(2026, 12, 2);
        let end = day(2027, 12, 31);
        // Not started yet: nothing to report.
        assert!(!project_is_stale(day(2027, 1, 1), end, None, today));
        // Started, never updated.
        assert!(project_is_stale(day(2026, 11, 1), end, None, today));
        // Updated last quarter only.
        assert!(project_is_stale(
            day(2026, 1, 1),
            end,
            Some(day(2026, 9, 30)),
            today
        ));
        // Updated on the first day of this quarter.
        assert!(!project_is_stale(
            day(2026, 1, 1),
            end,
            Some(day(2026, 10, 1)),
            today
        ));
        // Planned to end before this quarter began: nothing more is expected.
        assert!(!project_is_stale(
            day(2026, 1, 1),
            day(2026, 9, 30),
            None,
            today
        ));
        // Ending during this quarter: still expected to report.
        assert!(project_is_stale(
            day(2026, 1, 1),
            day(2026, 10, 1),
            None,
            today
        ));
    }

    #[test]
    fn only_an_invited_organisation_answers() {
        use ParticipationStatus::*;
        assert_eq!(Invited.answered(true), Ok(Accepted));
        assert_eq!(Invited.answered(false), Ok(Declined));
        assert!(Accepted.answered(true).is_err());
        assert!(Declined.answered(true).is_err());
    }

    #[test]
    fn a_milestone_is_overdue_past_its_due_date_until_done() {
        let m = |due: NaiveDate, done: Option<NaiveDate>| Milestone {
            id: MilestoneId::new(),
            project_id: ProjectId::new(),
            title: "Survey".into(),
            due_on: due,
            owner: ProjectOrganisation {
                id: OrganisationId::new(),
                name: "Trust".into(),
                kind: OrganisationKind::Provider,
            },
            done_on: done,
            version: Version::FIRST,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let today = day(2026, 12, 2);
        assert!(m(day(2026, 12, 1), None).is_overdue(today));
        assert!(!m(day(2026, 12, 2), None).is_overdue(today));
        assert!(!m(day(2026, 12, 1), Some(day(2026, 12, 2))).is_overdue(today));
    }
}
