//! Request and response bodies of joint projects, their participants, milestones and updates.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::types::{Example, MaybeUndefined};
use poem_openapi::Object;
use uuid::Uuid;

use pcref_domain as domain;
use pcref_domain::ValidationError;

use crate::feedback_types::RedactionReport;
use crate::plan_types::{
    choices, day, opt_para, para, patch_value, texts, title, Choice, Date, Fields,
};
use crate::types::{
    AtLeastOne, EthnicCode, LineOf, OptionalParagraphOf, OrganisationKind, ParagraphOf, Ruled, Text,
};

// ---- requests -----------------------------------------------------------------------------

/// A project's SMART aim, written as a goal is.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewProjectAim {
    /// What will change.
    pub statement: ParagraphOf<10_000>,
    /// How the change is measured.
    pub measure: ParagraphOf<10_000>,
    /// Where the measure stands now; omit when the project is to establish it.
    pub baseline: Option<OptionalParagraphOf<10_000>>,
    pub target: ParagraphOf<10_000>,
    /// The date by which the target is met: a SMART aim is time-bound.
    pub deadline: Date,
}

impl NewProjectAim {
    fn parse(&self, f: &mut Fields) -> Option<domain::ProjectAim> {
        let statement = f.take(para("aim.statement", &self.statement));
        let measure = f.take(para("aim.measure", &self.measure));
        let baseline = f.take(opt_para("aim.baseline", &self.baseline));
        let target = f.take(para("aim.target", &self.target));
        let deadline = f.take(domain::plan_date("aim.deadline", self.deadline.0));
        Some(domain::ProjectAim {
            statement: statement?,
            measure: measure?,
            baseline: baseline?,
            target: target?,
            deadline: deadline?,
        })
    }
}

/// A joint project to propose.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewProject {
    /// One line of 1–200 characters.
    pub title: LineOf<200>,
    pub aim: NewProjectAim,
    /// The organisation of the alliance (provider or VCSE) that leads it; it takes part from
    /// the start.
    pub lead_organisation_id: Uuid,
    /// The phase it starts in (default `intelligence_gathering`).
    pub phase: Option<Choice<domain::ProjectPhase>>,
    /// The specific ethnic groups it is about, as NHS ethnic category codes (see
    /// `/api/v1/reference/ethnic-categories`): at least one; broad groups are refused.
    pub ethnic_categories: Ruled<Vec<Ruled<Text, EthnicCode>>, AtLeastOne>,
    /// The competencies it develops: at least one (see `/api/v1/reference/competencies`).
    pub competencies: Ruled<Vec<Choice<domain::Competency>>, AtLeastOne>,
    pub pillar: Choice<domain::Pillar>,
    pub starts_on: Date,
    /// The planned end: on or after `starts_on`.
    pub ends_on: Date,
    /// Published plans of the alliance's library it builds on (at most 50).
    pub publication_ids: Option<Vec<Uuid>>,
    /// Learning items of the alliance's library it builds on (at most 50).
    pub learning_item_ids: Option<Vec<Uuid>>,
}

fn ethnic_groups(
    raw: &[Ruled<Text, EthnicCode>],
) -> Result<Vec<domain::EthnicCategory>, ValidationError> {
    domain::project_ethnic_groups("ethnic_categories", &texts(raw))
}

fn competencies(
    raw: &[Choice<domain::Competency>],
) -> Result<Vec<domain::Competency>, ValidationError> {
    domain::project_competencies("competencies", &choices(raw))
}

fn publication_links(raw: &[Uuid]) -> Result<Vec<domain::PublicationId>, ValidationError> {
    domain::project_links(
        "publication_ids",
        raw.iter().map(|u| domain::PublicationId(*u)).collect(),
    )
}

fn learning_links(raw: &[Uuid]) -> Result<Vec<domain::LearningItemId>, ValidationError> {
    domain::project_links(
        "learning_item_ids",
        raw.iter().map(|u| domain::LearningItemId(*u)).collect(),
    )
}

impl NewProject {
    pub fn parse(&self) -> Result<pcref_app::NewProjectRequest, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(title("title", &self.title));
        let aim = self.aim.parse(&mut f);
        let phase = f.take(self.phase.as_ref().map(|p| p.parse("phase")).transpose());
        let groups = f.take(ethnic_groups(&self.ethnic_categories));
        let competencies = f.take(competencies(&self.competencies));
        let pillar = f.take(self.pillar.parse("pillar"));
        let starts_on = f.take(domain::plan_date("starts_on", self.starts_on.0));
        let ends_on = f.take(domain::plan_date("ends_on", self.ends_on.0));
        let publications = f.take(publication_links(
            self.publication_ids.as_deref().unwrap_or_default(),
        ));
        let learning = f.take(learning_links(
            self.learning_item_ids.as_deref().unwrap_or_default(),
        ));
        let draft = match (
            title,
            aim,
            groups,
            competencies,
            pillar,
            starts_on,
            ends_on,
            publications,
            learning,
        ) {
            (
                Some(title),
                Some(aim),
                Some(ethnic_categories),
                Some(competencies),
                Some(pillar),
                Some(starts_on),
                Some(ends_on),
                Some(publication_ids),
                Some(learning_item_ids),
            ) => f.take(
                domain::ProjectDraft {
                    title,
                    aim,
                    lead_organisation_id: domain::OrganisationId(self.lead_organisation_id),
                    ethnic_categories,
                    competencies,
                    pillar,
                    starts_on,
                    ends_on,
                    publication_ids,
                    learning_item_ids,
                }
                .check(),
            ),
            _ => None,
        };
        f.finish()?;
        match draft {
            Some(fields) => Ok(pcref_app::NewProjectRequest {
                fields,
                phase: phase
                    .flatten()
                    .unwrap_or(domain::ProjectPhase::IntelligenceGathering),
            }),
            None => Err(vec![ValidationError::new("body", "is not a valid project")]),
        }
    }
}

/// Changes to a project: only the fields sent change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct ProjectChanges {
    pub title: Option<LineOf<200>>,
    /// Replaces the whole aim.
    pub aim: Option<NewProjectAim>,
    /// A new lead: an organisation of the alliance, which takes part from now.
    pub lead_organisation_id: Option<Uuid>,
    /// Moves the project to this phase, entered today (its phase history keeps the way).
    pub phase: Option<Choice<domain::ProjectPhase>>,
    pub ethnic_categories: Option<Ruled<Vec<Ruled<Text, EthnicCode>>, AtLeastOne>>,
    pub competencies: Option<Ruled<Vec<Choice<domain::Competency>>, AtLeastOne>>,
    pub pillar: Option<Choice<domain::Pillar>>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// Replaces the list.
    pub publication_ids: Option<Vec<Uuid>>,
    /// Replaces the list.
    pub learning_item_ids: Option<Vec<Uuid>>,
}

impl ProjectChanges {
    pub fn parse(&self) -> Result<domain::ProjectPatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(self.title.as_ref().map(|t| title("title", t)).transpose());
        let aim = match &self.aim {
            Some(aim) => aim.parse(&mut f),
            None => None,
        };
        let phase = f.take(self.phase.as_ref().map(|p| p.parse("phase")).transpose());
        let groups = f.take(
            self.ethnic_categories
                .as_ref()
                .map(|g| ethnic_groups(g))
                .transpose(),
        );
        let competencies = f.take(
            self.competencies
                .as_ref()
                .map(|c| competencies(c))
                .transpose(),
        );
        let pillar = f.take(self.pillar.as_ref().map(|p| p.parse("pillar")).transpose());
        let starts_on = f.take(
            self.starts_on
                .as_ref()
                .map(|d| domain::plan_date("starts_on", d.0))
                .transpose(),
        );
        let ends_on = f.take(
            self.ends_on
                .as_ref()
                .map(|d| domain::plan_date("ends_on", d.0))
                .transpose(),
        );
        let publications = f.take(
            self.publication_ids
                .as_deref()
                .map(publication_links)
                .transpose(),
        );
        let learning = f.take(
            self.learning_item_ids
                .as_deref()
                .map(learning_links)
                .transpose(),
        );
        f.finish()?;
        Ok(domain::ProjectPatch {
            title: title.flatten(),
            aim,
            lead_organisation_id: self.lead_organisation_id.map(domain::OrganisationId),
            phase: phase.flatten(),
            ethnic_categories: groups.flatten(),
            competencies: competencies.flatten(),
            pillar: pillar.flatten(),
            starts_on: starts_on.flatten(),
            ends_on: ends_on.flatten(),
            publication_ids: publications.flatten(),
            learning_item_ids: learning.flatten(),
        })
    }
}

/// An organisation to invite.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewParticipant {
    /// An organisation of the alliance: a provider or a VCSE partner.
    pub organisation_id: Uuid,
}

/// A milestone to add.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewMilestone {
    /// One line of 1–200 characters.
    pub title: LineOf<200>,
    pub due_on: Date,
    /// An organisation taking part; default: yours when you write for exactly one taking part,
    /// otherwise the lead.
    pub owner_organisation_id: Option<Uuid>,
    /// When it was done, if it already is: not in the future.
    pub done_on: Option<Date>,
}

impl NewMilestone {
    pub fn parse(&self) -> Result<domain::MilestoneDraft, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(title("title", &self.title));
        let due_on = f.take(domain::plan_date("due_on", self.due_on.0));
        let today = pcref_app::today();
        let done_on = f.take(
            self.done_on
                .as_ref()
                .map(|d| domain::done_on("done_on", d.0, today))
                .transpose(),
        );
        f.finish()?;
        Ok(domain::MilestoneDraft {
            title: title.unwrap_or_default(),
            due_on: due_on.unwrap_or(today),
            owner_organisation_id: self.owner_organisation_id.map(domain::OrganisationId),
            done_on: done_on.flatten(),
        })
    }
}

/// Changes to a milestone: only the fields sent change.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MilestoneChanges {
    pub title: Option<LineOf<200>>,
    pub due_on: Option<Date>,
    /// An organisation taking part.
    pub owner_organisation_id: Option<Uuid>,
    /// The day it was done (not in the future); `null` reopens it.
    pub done_on: MaybeUndefined<Date>,
}

impl MilestoneChanges {
    pub fn parse(&self) -> Result<domain::MilestonePatch, Vec<ValidationError>> {
        let mut f = Fields::default();
        let title = f.take(self.title.as_ref().map(|t| title("title", t)).transpose());
        let due_on = f.take(
            self.due_on
                .as_ref()
                .map(|d| domain::plan_date("due_on", d.0))
                .transpose(),
        );
        let today = pcref_app::today();
        let done_on = f.take(match patch_value(&self.done_on) {
            Some(Some(d)) => domain::done_on("done_on", d.0, today).map(|d| Some(Some(d))),
            Some(None) => Ok(Some(None)),
            None => Ok(None),
        });
        f.finish()?;
        Ok(domain::MilestonePatch {
            title: title.flatten(),
            due_on: due_on.flatten(),
            owner_organisation_id: self.owner_organisation_id.map(domain::OrganisationId),
            done_on: done_on.flatten(),
        })
    }
}

/// An update on a project from an organisation taking part. The narrative is redacted before
/// it is stored (names of the people of the organisations taking part, their withheld terms,
/// email addresses, phone numbers, NHS numbers, postcodes); the answer's `redaction_report`
/// lists what was replaced.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields, example)]
pub struct NewProjectUpdate {
    /// Your judgement of progress in the period.
    pub rag: Choice<domain::Rag>,
    /// What happened: 1–5,000 characters.
    pub narrative: ParagraphOf<5_000>,
    /// The phase the project has moved to, if it has (the same phase is no change).
    pub phase: Option<Choice<domain::ProjectPhase>>,
    /// The day it reports on (default today): not in the future, not before the project
    /// starts, not before the latest update's (409).
    pub reported_on: Option<Date>,
    /// The organisation reporting: needed only when you write for more than one organisation
    /// taking part.
    pub organisation_id: Option<Uuid>,
}

impl NewProjectUpdate {
    pub fn parse(&self) -> Result<domain::ProjectUpdateDraft, Vec<ValidationError>> {
        let mut f = Fields::default();
        let rag = f.take(self.rag.parse("rag"));
        let narrative = f.take(domain::paragraph(
            "narrative",
            self.narrative.as_str(),
            domain::MAX_PROJECT_TEXT,
        ));
        let phase = f.take(self.phase.as_ref().map(|p| p.parse("phase")).transpose());
        let today = pcref_app::today();
        let reported_on = f.take(day("reported_on", &self.reported_on).and_then(|d| {
            d.map(|d| domain::reported_on("reported_on", d, today))
                .transpose()
        }));
        f.finish()?;
        Ok(domain::ProjectUpdateDraft {
            rag: rag.unwrap_or(domain::Rag::Amber),
            narrative: narrative.unwrap_or_default(),
            phase: phase.flatten(),
            reported_on: reported_on.flatten(),
            organisation_id: self.organisation_id.map(domain::OrganisationId),
        })
    }
}

// ---- responses ----------------------------------------------------------------------------

/// A project's SMART aim.
#[derive(Debug, Clone, Object)]
pub struct ProjectAim {
    pub statement: String,
    pub measure: String,
    pub baseline: Option<String>,
    pub target: String,
    pub deadline: NaiveDate,
}

/// An organisation of the alliance, as a project names it.
#[derive(Debug, Clone, Object)]
pub struct ProjectOrganisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
}

impl From<domain::ProjectOrganisation> for ProjectOrganisation {
    fn from(o: domain::ProjectOrganisation) -> Self {
        ProjectOrganisation {
            id: o.id.as_uuid(),
            name: o.name,
            kind: o.kind.into(),
        }
    }
}

/// An organisation invited to take part, and its answer.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Participant {
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
    /// `invited` → `accepted` or `declined` (a declined organisation may be invited again).
    pub status: Choice<domain::ParticipationStatus>,
    /// The lead organisation (always `accepted`).
    pub lead: bool,
    pub invited_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<domain::Participant> for Participant {
    fn from(p: domain::Participant) -> Self {
        Participant {
            organisation_id: p.organisation.id.as_uuid(),
            organisation_name: p.organisation.name,
            organisation_kind: p.organisation.kind.into(),
            status: Choice::of(p.status),
            lead: p.lead,
            invited_at: p.invited_at,
            responded_at: p.responded_at,
        }
    }
}

/// A project's participants, the lead first, then by invitation.
#[derive(Debug, Clone, Object)]
pub struct ParticipantList {
    pub items: Vec<Participant>,
}

/// A phase the project has been in.
#[derive(Debug, Clone, Object)]
pub struct PhaseEntry {
    pub phase: Choice<domain::ProjectPhase>,
    pub entered_on: NaiveDate,
    /// The day the next phase was entered; `null` for the current one.
    pub left_on: Option<NaiveDate>,
}

/// A published plan the project builds on.
#[derive(Debug, Clone, Object)]
pub struct LinkedPublication {
    /// `GET /api/v1/publications/{id}`.
    pub publication_id: Uuid,
    pub title: String,
    pub version: i64,
}

/// A learning item the project builds on.
#[derive(Debug, Clone, Object)]
pub struct LinkedLearningItem {
    /// `GET /api/v1/learning/{id}`.
    pub id: Uuid,
    pub title: String,
}

/// How many milestones the project has, has done, and has overdue.
#[derive(Debug, Clone, Object)]
pub struct MilestoneCounts {
    pub total: u32,
    pub done: u32,
    /// Not done and past their due date.
    pub overdue: u32,
}

/// A joint project.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Project {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub title: String,
    pub aim: ProjectAim,
    pub lead_organisation: ProjectOrganisation,
    /// Where it is in the five-step model.
    pub phase: Choice<domain::ProjectPhase>,
    /// The day it entered its current phase.
    pub phase_entered_on: NaiveDate,
    /// Every phase it has been in, oldest first.
    pub phase_history: Vec<PhaseEntry>,
    /// NHS ethnic category codes.
    pub ethnic_categories: Vec<String>,
    pub competencies: Vec<Choice<domain::Competency>>,
    pub pillar: Choice<domain::Pillar>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The latest update's RAG; `null` before the first update.
    pub rag: Option<Choice<domain::Rag>>,
    /// The day the latest update reports on.
    pub last_update_on: Option<NaiveDate>,
    /// The reporting period today falls in: a calendar quarter such as `2026-Q4`.
    pub current_period: String,
    /// Started, and no update reports on a day of the current period.
    pub stale: bool,
    pub milestones: MilestoneCounts,
    /// The lead first, then by invitation.
    pub participants: Vec<Participant>,
    pub published_plans: Vec<LinkedPublication>,
    pub learning_items: Vec<LinkedLearningItem>,
    /// Send back as `If-Match: "<version>"` (also served as `ETag`). Posting an update,
    /// inviting or answering, and adding or changing a milestone change it too.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In the answer to proposing or changing it only: what redaction replaced in the title
    /// and aim sent (names of the people of the organisations taking part, their withheld
    /// terms, email addresses, phone numbers, NHS numbers, postcodes).
    #[oai(skip_serializing_if_is_none)]
    pub redaction_report: Option<RedactionReport>,
}

impl<T: Into<Project>> From<pcref_app::Redacted<T>> for Project {
    fn from(r: pcref_app::Redacted<T>) -> Self {
        Project {
            redaction_report: Some((&r.report).into()),
            ..r.record.into()
        }
    }
}

impl From<domain::Project> for Project {
    fn from(p: domain::Project) -> Self {
        let today = pcref_app::today();
        Project {
            stale: p.is_stale(today),
            current_period: domain::Quarter::containing(today).label(),
            id: p.id.as_uuid(),
            alliance_id: p.alliance_id.as_uuid(),
            title: p.title,
            aim: ProjectAim {
                statement: p.aim.statement,
                measure: p.aim.measure,
                baseline: p.aim.baseline,
                target: p.aim.target,
                deadline: p.aim.deadline,
            },
            lead_organisation: p.lead.into(),
            phase: Choice::of(p.phase),
            phase_entered_on: p.phase_entered_on,
            phase_history: p
                .phase_history
                .into_iter()
                .map(|e| PhaseEntry {
                    phase: Choice::of(e.phase),
                    entered_on: e.entered_on,
                    left_on: e.left_on,
                })
                .collect(),
            ethnic_categories: p
                .ethnic_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            competencies: p.competencies.into_iter().map(Choice::of).collect(),
            pillar: Choice::of(p.pillar),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            rag: p.rag.map(Choice::of),
            last_update_on: p.last_update_on,
            milestones: MilestoneCounts {
                total: p.milestones.total,
                done: p.milestones.done,
                overdue: p.milestones.overdue,
            },
            participants: p.participants.into_iter().map(Into::into).collect(),
            published_plans: p
                .published_plans
                .into_iter()
                .map(|l| LinkedPublication {
                    publication_id: l.publication_id.as_uuid(),
                    title: l.title,
                    version: l.version,
                })
                .collect(),
            learning_items: p
                .learning_items
                .into_iter()
                .map(|l| LinkedLearningItem {
                    id: l.id.as_uuid(),
                    title: l.title,
                })
                .collect(),
            version: p.version.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
            redaction_report: None,
        }
    }
}

crate::types::page_type!(
    /// A page of the alliance's joint projects, newest first.
    ProjectPage of Project
);

/// A project's milestone.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Milestone {
    pub id: Uuid,
    pub project_id: Uuid,
    pub title: String,
    pub due_on: NaiveDate,
    /// The organisation taking part that owns it.
    pub owner_organisation: ProjectOrganisation,
    pub done_on: Option<NaiveDate>,
    /// Not done and past its due date.
    pub overdue: bool,
    /// Send back as `If-Match: "<version>"` (also served as `ETag`).
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// In the answer to adding or changing it only: what redaction replaced in the title sent.
    #[oai(skip_serializing_if_is_none)]
    pub redaction_report: Option<RedactionReport>,
}

impl From<pcref_app::Redacted<domain::Milestone>> for Milestone {
    fn from(r: pcref_app::Redacted<domain::Milestone>) -> Self {
        Milestone {
            redaction_report: Some((&r.report).into()),
            ..r.record.into()
        }
    }
}

impl From<domain::Milestone> for Milestone {
    fn from(m: domain::Milestone) -> Self {
        Milestone {
            overdue: m.is_overdue(pcref_app::today()),
            id: m.id.as_uuid(),
            project_id: m.project_id.as_uuid(),
            title: m.title,
            due_on: m.due_on,
            owner_organisation: m.owner.into(),
            done_on: m.done_on,
            version: m.version.0,
            created_at: m.created_at,
            updated_at: m.updated_at,
            redaction_report: None,
        }
    }
}

/// A project's milestones by due date.
#[derive(Debug, Clone, Object)]
pub struct MilestoneList {
    pub items: Vec<Milestone>,
}

/// An update from an organisation taking part.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ProjectUpdate {
    pub id: Uuid,
    pub project_id: Uuid,
    /// The organisation that reports.
    pub organisation: ProjectOrganisation,
    /// The person's display name, or the API client's name.
    pub author: String,
    /// The reporting period it reports on: a calendar quarter such as `2026-Q4`.
    pub period: String,
    pub reported_on: NaiveDate,
    pub rag: Choice<domain::Rag>,
    /// As stored: redacted.
    pub narrative: String,
    /// The phase the project was in, when the update moved it.
    pub phase_from: Option<Choice<domain::ProjectPhase>>,
    /// The phase the update moved the project to.
    pub phase: Option<Choice<domain::ProjectPhase>>,
    pub created_at: DateTime<Utc>,
    /// In the answer to posting it only: what redaction replaced in the narrative sent.
    #[oai(skip_serializing_if_is_none)]
    pub redaction_report: Option<RedactionReport>,
}

impl From<domain::ProjectUpdate> for ProjectUpdate {
    fn from(u: domain::ProjectUpdate) -> Self {
        ProjectUpdate {
            period: u.period().label(),
            id: u.id.as_uuid(),
            project_id: u.project_id.as_uuid(),
            organisation: u.organisation.into(),
            author: u.author.name().to_owned(),
            reported_on: u.reported_on,
            rag: Choice::of(u.rag),
            narrative: u.narrative,
            phase_from: u.phase_from.map(Choice::of),
            phase: u.phase.map(Choice::of),
            created_at: u.created_at,
            redaction_report: None,
        }
    }
}

impl From<pcref_app::Redacted<domain::ProjectUpdate>> for ProjectUpdate {
    fn from(r: pcref_app::Redacted<domain::ProjectUpdate>) -> Self {
        ProjectUpdate {
            redaction_report: Some((&r.report).into()),
            ..r.record.into()
        }
    }
}

crate::types::page_type!(
    /// A page of a project's updates, newest first.
    ProjectUpdatePage of ProjectUpdate
);

/// The list's query parameters, parsed; every bad one is reported at once.
#[allow(clippy::too_many_arguments)]
pub(crate) fn project_filter(
    phase: Option<String>,
    rag: Option<String>,
    participant: Option<Uuid>,
    ethnic_category: Option<String>,
    competency: Option<String>,
    overdue: Option<bool>,
    stale: Option<bool>,
) -> Result<domain::ProjectFilter, Vec<ValidationError>> {
    let mut f = Fields::default();
    let phase = f.take(
        phase
            .as_deref()
            .map(|p| domain::ProjectPhase::parse_for("phase", p))
            .transpose(),
    );
    let rag = f.take(
        rag.as_deref()
            .map(|r| domain::Rag::parse_for("rag", r))
            .transpose(),
    );
    let ethnic_category = f.take(
        ethnic_category
            .as_deref()
            .map(|c| domain::EthnicCategory::parse_specific("ethnic_category", c))
            .transpose(),
    );
    let competency = f.take(
        competency
            .as_deref()
            .map(|c| domain::Competency::parse_for("competency", c))
            .transpose(),
    );
    f.finish()?;
    Ok(domain::ProjectFilter {
        phase: phase.flatten(),
        rag: rag.flatten(),
        participant: participant.map(domain::OrganisationId),
        ethnic_category: ethnic_category.flatten(),
        competency: competency.flatten(),
        overdue,
        stale,
    })
}

// ---- examples -----------------------------------------------------------------------------

const EXAMPLE_ALLIANCE: Uuid = Uuid::from_u128(0x0192_f0c1_8b7a_7cde_9f00_3c5e_2f1a_7b10);
const EXAMPLE_PROVIDER: Uuid = Uuid::from_u128(0x0192_f0c1_9c2e_7a41_b3d2_6f4e_1c0a_9d21);
const EXAMPLE_VCSE: Uuid = Uuid::from_u128(0x0192_f0c1_9d3f_7b52_84e3_7a5f_2d1b_0e32);
const EXAMPLE_PROJECT: Uuid = Uuid::from_u128(0x0193_9d42_3f60_7c71_9d8e_9f0a_1b2c_3e07);
const EXAMPLE_MILESTONE: Uuid = Uuid::from_u128(0x0193_9d42_4071_7d82_8e9f_0a1b_2c3d_4f08);
const EXAMPLE_UPDATE: Uuid = Uuid::from_u128(0x0193_9d42_4182_7e93_9f0a_1b2c_3d4e_5a09);
const EXAMPLE_PUBLICATION: Uuid = Uuid::from_u128(0x0193_9d42_4293_7fa4_8a1b_2c3d_4e5f_6b0a);

fn example_date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

fn example_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default()
}

fn example_provider() -> ProjectOrganisation {
    ProjectOrganisation {
        id: EXAMPLE_PROVIDER,
        name: "Trent Valley NHS Foundation Trust".into(),
        kind: OrganisationKind::Provider,
    }
}

fn example_vcse() -> ProjectOrganisation {
    ProjectOrganisation {
        id: EXAMPLE_VCSE,
        name: "Nottingham Community Voices".into(),
        kind: OrganisationKind::Vcse,
    }
}

impl Example for NewProjectAim {
    fn example() -> Self {
        NewProjectAim {
            statement: "Fewer Black adults detained under the Mental Health Act in the region"
                .into(),
            measure: "Detentions per 100,000 Black adults, against White British adults".into(),
            baseline: Some("Rate ratio 3.2 (2025/26)".into()),
            target: "Rate ratio below 2.0".into(),
            deadline: example_date("2028-03-31").into(),
        }
    }
}

impl Example for NewProject {
    fn example() -> Self {
        NewProject {
            title:
                "Why are people from Black backgrounds more likely to be detained in our region?"
                    .into(),
            aim: NewProjectAim::example(),
            lead_organisation_id: EXAMPLE_PROVIDER,
            phase: Some(Choice::of(domain::ProjectPhase::IntelligenceGathering)),
            ethnic_categories: vec!["M".into(), "N".into()].into(),
            competencies: vec![Choice::of(domain::Competency::CoProduction)].into(),
            pillar: Choice::of(domain::Pillar::Data),
            starts_on: example_date("2026-10-01").into(),
            ends_on: example_date("2028-03-31").into(),
            publication_ids: Some(vec![EXAMPLE_PUBLICATION]),
            learning_item_ids: None,
        }
    }
}

impl Example for ProjectChanges {
    fn example() -> Self {
        ProjectChanges {
            title: None,
            aim: None,
            lead_organisation_id: None,
            phase: Some(Choice::of(domain::ProjectPhase::AnalysisAndInterpretation)),
            ethnic_categories: None,
            competencies: None,
            pillar: None,
            starts_on: None,
            ends_on: Some(example_date("2028-06-30").into()),
            publication_ids: None,
            learning_item_ids: None,
        }
    }
}

impl Example for NewParticipant {
    fn example() -> Self {
        NewParticipant {
            organisation_id: EXAMPLE_VCSE,
        }
    }
}

impl Example for NewMilestone {
    fn example() -> Self {
        NewMilestone {
            title: "Community listening events held in three cities".into(),
            due_on: example_date("2027-03-31").into(),
            owner_organisation_id: Some(EXAMPLE_VCSE),
            done_on: None,
        }
    }
}

impl Example for MilestoneChanges {
    fn example() -> Self {
        MilestoneChanges {
            title: None,
            due_on: None,
            owner_organisation_id: None,
            done_on: MaybeUndefined::Value(example_date("2027-03-20").into()),
        }
    }
}

impl Example for NewProjectUpdate {
    fn example() -> Self {
        NewProjectUpdate {
            rag: Choice::of(domain::Rag::Amber),
            narrative: "Two of three listening events held; the third moved to January at the community's request.".into(),
            phase: Some(Choice::of(domain::ProjectPhase::AnalysisAndInterpretation)),
            reported_on: None,
            organisation_id: None,
        }
    }
}

impl Example for Participant {
    fn example() -> Self {
        Participant {
            organisation_id: EXAMPLE_VCSE,
            organisation_name: example_vcse().name,
            organisation_kind: OrganisationKind::Vcse,
            status: Choice::of(domain::ParticipationStatus::Accepted),
            lead: false,
            invited_at: example_time(),
            responded_at: Some(example_time()),
        }
    }
}

impl Example for Project {
    fn example() -> Self {
        let aim = NewProjectAim::example();
        Project {
            id: EXAMPLE_PROJECT,
            alliance_id: EXAMPLE_ALLIANCE,
            title: NewProject::example().title.as_str().to_owned(),
            aim: ProjectAim {
                statement: aim.statement.as_str().to_owned(),
                measure: aim.measure.as_str().to_owned(),
                baseline: Some("Rate ratio 3.2 (2025/26)".into()),
                target: aim.target.as_str().to_owned(),
                deadline: example_date("2028-03-31"),
            },
            lead_organisation: example_provider(),
            phase: Choice::of(domain::ProjectPhase::AnalysisAndInterpretation),
            phase_entered_on: example_date("2026-11-20"),
            phase_history: vec![
                PhaseEntry {
                    phase: Choice::of(domain::ProjectPhase::IntelligenceGathering),
                    entered_on: example_date("2026-10-01"),
                    left_on: Some(example_date("2026-11-20")),
                },
                PhaseEntry {
                    phase: Choice::of(domain::ProjectPhase::AnalysisAndInterpretation),
                    entered_on: example_date("2026-11-20"),
                    left_on: None,
                },
            ],
            ethnic_categories: vec!["M".into(), "N".into()],
            competencies: vec![Choice::of(domain::Competency::CoProduction)],
            pillar: Choice::of(domain::Pillar::Data),
            starts_on: example_date("2026-10-01"),
            ends_on: example_date("2028-03-31"),
            rag: Some(Choice::of(domain::Rag::Amber)),
            last_update_on: Some(example_date("2026-11-20")),
            current_period: "2026-Q4".into(),
            stale: false,
            milestones: MilestoneCounts {
                total: 3,
                done: 1,
                overdue: 0,
            },
            participants: vec![
                Participant {
                    organisation_id: EXAMPLE_PROVIDER,
                    organisation_name: example_provider().name,
                    organisation_kind: OrganisationKind::Provider,
                    status: Choice::of(domain::ParticipationStatus::Accepted),
                    lead: true,
                    invited_at: example_time(),
                    responded_at: Some(example_time()),
                },
                Participant::example(),
            ],
            published_plans: vec![LinkedPublication {
                publication_id: EXAMPLE_PUBLICATION,
                title: "Community mental health equity plan 2026/27".into(),
                version: 2,
            }],
            learning_items: Vec::new(),
            version: 4,
            created_at: example_time(),
            updated_at: example_time(),
            redaction_report: None,
        }
    }
}

impl Example for Milestone {
    fn example() -> Self {
        Milestone {
            id: EXAMPLE_MILESTONE,
            project_id: EXAMPLE_PROJECT,
            title: "Community listening events held in three cities".into(),
            due_on: example_date("2027-03-31"),
            owner_organisation: example_vcse(),
            done_on: None,
            overdue: false,
            version: 1,
            created_at: example_time(),
            updated_at: example_time(),
            redaction_report: None,
        }
    }
}

impl Example for ProjectUpdate {
    fn example() -> Self {
        ProjectUpdate {
            id: EXAMPLE_UPDATE,
            project_id: EXAMPLE_PROJECT,
            organisation: example_vcse(),
            author: "Community Voices importer".into(),
            period: "2026-Q4".into(),
            reported_on: example_date("2026-11-20"),
            rag: Choice::of(domain::Rag::Amber),
            narrative: "Two of three listening events held; the third moved to January at the community's request.".into(),
            phase_from: Some(Choice::of(domain::ProjectPhase::IntelligenceGathering)),
            phase: Some(Choice::of(domain::ProjectPhase::AnalysisAndInterpretation)),
            created_at: example_time(),
            redaction_report: None,
        }
    }
}
