//! Joint projects: proposed by the alliance admin or a provider, led by one organisation of the
//! alliance, with providers and VCSE partners invited to take part; milestones and RAG updates
//! from the organisations taking part; the five-step phase history. Every member of the
//! alliance follows them (see `policy` for who may do what).
//!
//! Update narratives are redacted on the way in with a redactor that knows the people of every
//! organisation taking part and their withheld terms; only the redacted text is stored, and
//! the report of what was replaced goes back to the writer.

use chrono::{DateTime, NaiveDate, Utc};
use pcref_anonymise::{Redactor, Report};
use pcref_domain::{
    AllianceId, Attribution, Cursor, IfMatch, LearningItemId, Milestone, MilestoneDraft,
    MilestoneId, MilestonePatch, OrganisationId, Page, PageLimit, Participant, ParticipationStatus,
    Project, ProjectAim, ProjectDraft, ProjectFilter, ProjectId, ProjectPatch, ProjectPhase,
    ProjectUpdate, ProjectUpdateDraft, PublicationId, Scope, ValidationError,
};
use pcref_store::projects::{self as store, MilestoneFields, NewProject, NewUpdate};
use pcref_store::publications as publication_store;
use pcref_store::DbConnection;
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::feedback::acted_by;
use crate::{check_if_match, now, policy, App, AppError, Caller};

/// The day the hub works in (UTC): what is overdue and stale is decided against it.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// A project to propose.
#[derive(Debug, Clone)]
pub struct NewProjectRequest {
    pub fields: ProjectDraft,
    /// The phase it starts in.
    pub phase: ProjectPhase,
}

/// A record after a write, and what redaction did to the texts sent: for the writer's eyes
/// only.
#[derive(Debug, Clone)]
pub struct Redacted<T> {
    pub record: T,
    pub report: Report,
}

fn find(conn: &mut DbConnection, id: ProjectId) -> Result<Project, AppError> {
    store::find_project(conn, id, today())?.ok_or(AppError::NotFound("project"))
}

/// The project for a change: its row locked for the rest of the transaction, so that changes
/// and updates to one project happen one after another.
fn find_locked(conn: &mut DbConnection, id: ProjectId) -> Result<Project, AppError> {
    if !store::lock_project(conn, id)? {
        return Err(AppError::NotFound("project"));
    }
    find(conn, id)
}

fn find_milestone(conn: &mut DbConnection, id: MilestoneId) -> Result<Milestone, AppError> {
    store::find_milestone(conn, id)?.ok_or(AppError::NotFound("milestone"))
}

// ---- checks against the alliance's records ----------------------------------------------------

/// The organisation must be one of the alliance's (provider or VCSE). Another alliance's reads
/// exactly like an id that does not exist.
fn alliance_organisation(
    conn: &mut DbConnection,
    alliance: AllianceId,
    field: &str,
    id: OrganisationId,
) -> Result<Result<(), ValidationError>, AppError> {
    Ok(match pcref_store::organisations::find(conn, id)? {
        Some(org) if org.alliance_id == alliance => Ok(()),
        _ => Err(ValidationError::new(
            field,
            "no organisation with this id is in the alliance",
        )),
    })
}

/// The lead is an organisation of the alliance; the links added (not those kept: a plan
/// withdrawn since it was linked does not stop other changes) are to named records of its
/// library. An anonymous record is refused: a project names its organisations, so linking it
/// could tell readers whose it is.
fn check_draft(
    conn: &mut DbConnection,
    alliance: AllianceId,
    f: &ProjectDraft,
    before: Option<&ProjectDraft>,
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    if let Err(e) = alliance_organisation(
        conn,
        alliance,
        "lead_organisation_id",
        f.lead_organisation_id,
    )? {
        problems.push(e);
    }
    let added_publications: Vec<PublicationId> = f
        .publication_ids
        .iter()
        .filter(|p| before.is_none_or(|b| !b.publication_ids.contains(p)))
        .copied()
        .collect();
    let added_learning: Vec<LearningItemId> = f
        .learning_item_ids
        .iter()
        .filter(|l| before.is_none_or(|b| !b.learning_item_ids.contains(l)))
        .copied()
        .collect();
    let found = store::linkable(conn, alliance, &added_publications, &added_learning)?;
    problems.extend(link_problems(
        "publication_ids",
        "a published plan",
        &added_publications,
        &found.publications,
    ));
    problems.extend(link_problems(
        "learning_item_ids",
        "a learning item",
        &added_learning,
        &found.learning_items,
    ));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// What is wrong with the first link that is not in the library or is anonymous.
fn link_problems<T: PartialEq + std::fmt::Display>(
    field: &str,
    what: &str,
    wanted: &[T],
    found: &[(T, Attribution)],
) -> Option<ValidationError> {
    wanted.iter().find_map(|id| {
        match found.iter().find(|(f, _)| f == id).map(|(_, a)| *a) {
            Some(Attribution::Named) => None,
            Some(Attribution::Anonymous) => Some(ValidationError::new(
                field,
                format!("{id} was shared anonymously: a project names the organisations taking part, so linking it could tell readers whose it is"),
            )),
            None => Some(ValidationError::new(
                field,
                format!("{id} is not {what} in the alliance's library (or it was withdrawn)"),
            )),
        }
    })
}

/// An organisation taking part in the project.
fn taking_part(project: &Project, field: &str, org: OrganisationId) -> Result<(), AppError> {
    if project.taking_part().any(|o| o.id == org) {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            "is not an organisation taking part in the project (one that accepted its invitation, or the lead)",
        ))
    }
}

/// The redactor for a project's texts (its title and aim, milestone titles, update
/// narratives): the names of the people of these organisations, and their withheld terms.
fn project_redactor(
    conn: &mut DbConnection,
    organisations: impl IntoIterator<Item = OrganisationId>,
) -> Result<Redactor, AppError> {
    let mut names = Vec::new();
    let mut terms = Vec::new();
    for org in organisations {
        names.extend(publication_store::workspace_names(conn, org)?);
        terms.extend(publication_store::find_withheld_terms(conn, org)?.0);
    }
    Ok(Redactor::new(names, terms))
}

/// Every organisation the project names (taking part, invited or declined): whoever it names,
/// its people's names are redacted from the project's texts.
fn named_organisations(project: &Project) -> Vec<OrganisationId> {
    project
        .participants
        .iter()
        .map(|p| p.organisation.id)
        .collect()
}

/// The project's texts as they may be stored: redacted.
fn redacted_draft(redactor: &Redactor, report: &mut Report, f: ProjectDraft) -> ProjectDraft {
    ProjectDraft {
        title: redactor.clean(report, "title", &f.title),
        aim: ProjectAim {
            statement: redactor.clean(report, "aim.statement", &f.aim.statement),
            measure: redactor.clean(report, "aim.measure", &f.aim.measure),
            baseline: f
                .aim
                .baseline
                .as_deref()
                .map(|b| redactor.clean(report, "aim.baseline", b)),
            target: redactor.clean(report, "aim.target", &f.aim.target),
            deadline: f.aim.deadline,
        },
        ..f
    }
}

// ---- audit --------------------------------------------------------------------------------

fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id.to_string(),
        "title": p.title,
        "aim": {
            "statement": p.aim.statement,
            "measure": p.aim.measure,
            "baseline": p.aim.baseline,
            "target": p.aim.target,
            "deadline": p.aim.deadline.to_string(),
        },
        "lead_organisation_id": p.lead.id.to_string(),
        "phase": p.phase.as_str(),
        "phase_entered_on": p.phase_entered_on.to_string(),
        "ethnic_categories": p.ethnic_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "competencies": p.competencies.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "pillar": p.pillar.as_str(),
        "starts_on": p.starts_on.to_string(),
        "ends_on": p.ends_on.to_string(),
        "publication_ids": p.published_plans.iter().map(|l| l.publication_id.to_string()).collect::<Vec<_>>(),
        "learning_item_ids": p.learning_items.iter().map(|l| l.id.to_string()).collect::<Vec<_>>(),
        "version": p.version.0,
    })
}

fn milestone_json(m: &Milestone) -> Value {
    json!({
        "id": m.id.to_string(),
        "project_id": m.project_id.to_string(),
        "title": m.title,
        "due_on": m.due_on.to_string(),
        "owner_organisation_id": m.owner.id.to_string(),
        "done_on": m.done_on.map(|d| d.to_string()),
        "version": m.version.0,
    })
}

/// Projects are the alliance's: their entries go to the alliance's log.
fn record(
    conn: &mut DbConnection,
    c: &Caller,
    at: DateTime<Utc>,
    project: &Project,
    change: Change<'_>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(c),
        at,
        AuditScope::Alliance(project.alliance_id, None),
        change,
    )?;
    Ok(())
}

/// Changing a milestone: as adding one to its project; to whoever cannot see the project, the
/// milestone does not exist.
fn milestone_rule(c: &Caller, project: &Project) -> Result<(), AppError> {
    policy::read_project(c, project).map_err(|_| AppError::NotFound("milestone"))?;
    policy::write_milestones(c, project)
}

fn participant(project: &Project, org: OrganisationId) -> Result<Participant, AppError> {
    project
        .participants
        .iter()
        .find(|p| p.organisation.id == org)
        .cloned()
        .ok_or_else(|| AppError::Internal(format!("participant {org} vanished")))
}

impl App {
    // ---- projects -----------------------------------------------------------------------

    /// Whether the caller may read the alliance's projects (checked before the filters).
    pub async fn authorize_project_reading(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        policy::read_projects(c, alliance)
    }

    /// Whether the caller may propose a project (checked before the body).
    pub async fn authorize_project_proposal(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        policy::propose_project(c, alliance)
    }

    /// Checks one of `policy`'s rules against the stored project, the caller's scope first.
    async fn check_project(
        &self,
        c: &Caller,
        id: ProjectId,
        rule: fn(&Caller, &Project) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db.read(move |conn| rule(&c, &find(conn, id)?)).await
    }

    /// Whether the caller may change the project and invite to it (checked before the body).
    pub async fn authorize_project_change(
        &self,
        c: &Caller,
        id: ProjectId,
    ) -> Result<(), AppError> {
        self.check_project(c, id, policy::manage_project).await
    }

    /// Whether the caller may add milestones to the project (checked before the body).
    pub async fn authorize_milestone_writing(
        &self,
        c: &Caller,
        id: ProjectId,
    ) -> Result<(), AppError> {
        self.check_project(c, id, policy::write_milestones).await
    }

    /// Whether the caller may change the milestone (checked before the body): as adding one to
    /// its project. To whoever cannot see the project, the milestone does not exist.
    pub async fn authorize_milestone_change(
        &self,
        c: &Caller,
        id: MilestoneId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                let milestone = find_milestone(conn, id)?;
                milestone_rule(&c, &find(conn, milestone.project_id)?)
            })
            .await
    }

    /// Whether the caller may post an update to the project (checked before the body).
    pub async fn authorize_project_update(
        &self,
        c: &Caller,
        id: ProjectId,
    ) -> Result<(), AppError> {
        self.check_project(c, id, policy::post_project_update).await
    }

    /// Proposes a project: the lead and links checked; the lead takes part from the start, and
    /// so does the proposer's provider when it proposes for exactly one.
    pub async fn create_project(
        &self,
        c: &Caller,
        alliance: AllianceId,
        request: NewProjectRequest,
    ) -> Result<Redacted<Project>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                policy::propose_project(&c, alliance)?;
                check_draft(conn, alliance, &request.fields, None)?;
                let mut taking_part = vec![request.fields.lead_organisation_id];
                if let [proposer] = policy::proposing_providers(&c, alliance).as_slice() {
                    if *proposer != request.fields.lead_organisation_id {
                        taking_part.push(*proposer);
                    }
                }
                let redactor = project_redactor(conn, taking_part.iter().copied())?;
                let mut report = Report::default();
                let fields = redacted_draft(&redactor, &mut report, request.fields);
                let at = now();
                let id = store::insert_project(
                    conn,
                    NewProject {
                        alliance_id: alliance,
                        fields: &fields,
                        phase: request.phase,
                        taking_part: &taking_part,
                    },
                    at.date_naive(),
                    at,
                )?;
                let project = find(conn, id)?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: "project.created",
                        target_type: "project",
                        target_id: id.to_string(),
                        before: None,
                        after: Some(project_json(&project)),
                    },
                )?;
                Ok(Redacted {
                    record: project,
                    report,
                })
            })
            .await
    }

    /// The alliance's projects, newest first, narrowed by the filter.
    pub async fn projects(
        &self,
        c: &Caller,
        alliance: AllianceId,
        filter: ProjectFilter,
        cursor: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Project>, AppError> {
        self.authorize_project_reading(c, alliance).await?;
        self.db
            .read(move |conn| {
                Ok(store::list_projects(
                    conn,
                    alliance,
                    &filter,
                    today(),
                    cursor.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    pub async fn get_project(&self, c: &Caller, id: ProjectId) -> Result<Project, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                let project = find(conn, id)?;
                policy::read_project(&c, &project)?;
                Ok(project)
            })
            .await
    }

    /// Changes a project (`If-Match` required). A new phase is entered today; a new lead takes
    /// part from now.
    pub async fn update_project(
        &self,
        c: &Caller,
        id: ProjectId,
        if_match: Option<IfMatch>,
        patch: ProjectPatch,
    ) -> Result<Redacted<Project>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let before = find_locked(conn, id)?;
                policy::manage_project(&c, &before)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let mut organisations = named_organisations(&before);
                organisations.extend(patch.lead_organisation_id);
                let redactor = project_redactor(conn, organisations)?;
                let mut report = Report::default();
                let fields = redacted_draft(&redactor, &mut report, before.draft().apply(&patch)?);
                let phase = patch.phase.unwrap_or(before.phase);
                if fields == before.draft() && phase == before.phase {
                    return Ok(Redacted {
                        record: before,
                        report,
                    });
                }
                check_draft(conn, before.alliance_id, &fields, Some(&before.draft()))?;
                let at = now();
                if !store::update_project(conn, &before, &fields, phase, at.date_naive(), at)? {
                    return Err(AppError::PreconditionFailed);
                }
                let after = find(conn, id)?;
                record(
                    conn,
                    &c,
                    at,
                    &after,
                    Change {
                        action: "project.updated",
                        target_type: "project",
                        target_id: id.to_string(),
                        before: Some(project_json(&before)),
                        after: Some(project_json(&after)),
                    },
                )?;
                Ok(Redacted {
                    record: after,
                    report,
                })
            })
            .await
    }

    // ---- participants -------------------------------------------------------------------

    /// The organisations invited to the project and their answers, the lead first.
    pub async fn project_participants(
        &self,
        c: &Caller,
        id: ProjectId,
    ) -> Result<Vec<Participant>, AppError> {
        Ok(self.get_project(c, id).await?.participants)
    }

    /// Invites an organisation of the alliance (again, after it declined).
    pub async fn invite_to_project(
        &self,
        c: &Caller,
        id: ProjectId,
        org: OrganisationId,
    ) -> Result<Participant, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let project = find_locked(conn, id)?;
                policy::manage_project(&c, &project)?;
                alliance_organisation(conn, project.alliance_id, "organisation_id", org)?
                    .map_err(|e| AppError::Invalid(vec![e]))?;
                let at = now();
                if !store::invite(conn, id, org, at)? {
                    return Err(AppError::Conflict(
                        match project.participation(org) {
                            Some(ParticipationStatus::Accepted) => {
                                "this organisation already takes part in the project"
                            }
                            _ => "this organisation has already been invited and has not answered yet",
                        }
                        .to_owned(),
                    ));
                }
                store::touch_project(conn, id, at)?;
                let project = find(conn, id)?;
                let invited = participant(&project, org)?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: "project.participant_invited",
                        target_type: "project",
                        target_id: id.to_string(),
                        before: None,
                        after: Some(json!({
                            "organisation_id": org.to_string(),
                            "status": invited.status.as_str(),
                        })),
                    },
                )?;
                Ok(invited)
            })
            .await
    }

    /// An invited organisation accepts or declines.
    pub async fn answer_project_invitation(
        &self,
        c: &Caller,
        id: ProjectId,
        org: OrganisationId,
        accept: bool,
    ) -> Result<Participant, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let project = find_locked(conn, id)?;
                let from = policy::answer_project_invitation(&c, &project, org)?;
                let to = from.answered(accept).map_err(AppError::Conflict)?;
                let at = now();
                if !store::answer(conn, id, org, from, to, at)? {
                    return Err(AppError::Conflict(
                        "this invitation was answered by someone else at the same moment; read the participants again".into(),
                    ));
                }
                store::touch_project(conn, id, at)?;
                let project = find(conn, id)?;
                let answered = participant(&project, org)?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: if accept {
                            "project.participant_accepted"
                        } else {
                            "project.participant_declined"
                        },
                        target_type: "project",
                        target_id: id.to_string(),
                        before: Some(json!({
                            "organisation_id": org.to_string(),
                            "status": from.as_str(),
                        })),
                        after: Some(json!({
                            "organisation_id": org.to_string(),
                            "status": to.as_str(),
                        })),
                    },
                )?;
                Ok(answered)
            })
            .await
    }

    // ---- milestones ---------------------------------------------------------------------

    /// The project's milestones by due date.
    pub async fn project_milestones(
        &self,
        c: &Caller,
        id: ProjectId,
    ) -> Result<Vec<Milestone>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                policy::read_project(&c, &find(conn, id)?)?;
                Ok(store::list_milestones(conn, id)?)
            })
            .await
    }

    pub async fn create_milestone(
        &self,
        c: &Caller,
        id: ProjectId,
        draft: MilestoneDraft,
    ) -> Result<Redacted<Milestone>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let project = find_locked(conn, id)?;
                policy::write_milestones(&c, &project)?;
                let owner = match draft.owner_organisation_id {
                    Some(owner) => owner,
                    None => match policy::project_writing_organisations(&c, &project).as_slice() {
                        [only] => *only,
                        _ => project.lead.id,
                    },
                };
                taking_part(&project, "owner_organisation_id", owner)?;
                let redactor = project_redactor(conn, named_organisations(&project))?;
                let mut report = Report::default();
                let title = redactor.clean(&mut report, "title", &draft.title);
                let at = now();
                let milestone_id = store::insert_milestone(
                    conn,
                    id,
                    &MilestoneFields {
                        title: &title,
                        due_on: draft.due_on,
                        owner_organisation_id: owner,
                        done_on: draft.done_on,
                    },
                    at,
                )?;
                store::touch_project(conn, id, at)?;
                let milestone = find_milestone(conn, milestone_id)?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: "project.milestone_created",
                        target_type: "milestone",
                        target_id: milestone_id.to_string(),
                        before: None,
                        after: Some(milestone_json(&milestone)),
                    },
                )?;
                Ok(Redacted {
                    record: milestone,
                    report,
                })
            })
            .await
    }

    pub async fn update_milestone(
        &self,
        c: &Caller,
        id: MilestoneId,
        if_match: Option<IfMatch>,
        patch: MilestonePatch,
    ) -> Result<Redacted<Milestone>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                // The project's lock first, then the milestone as it stands under it.
                let project_id = find_milestone(conn, id)?.project_id;
                let project = find_locked(conn, project_id)?;
                milestone_rule(&c, &project)?;
                let before = find_milestone(conn, id)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let owner = patch.owner_organisation_id.unwrap_or(before.owner.id);
                if owner != before.owner.id {
                    taking_part(&project, "owner_organisation_id", owner)?;
                }
                let redactor = project_redactor(conn, named_organisations(&project))?;
                let mut report = Report::default();
                let title = patch
                    .title
                    .as_deref()
                    .map(|t| redactor.clean(&mut report, "title", t));
                let fields = MilestoneFields {
                    title: title.as_deref().unwrap_or(&before.title),
                    due_on: patch.due_on.unwrap_or(before.due_on),
                    owner_organisation_id: owner,
                    done_on: patch.done_on.unwrap_or(before.done_on),
                };
                let unchanged = fields.title == before.title
                    && fields.due_on == before.due_on
                    && owner == before.owner.id
                    && fields.done_on == before.done_on;
                if unchanged {
                    return Ok(Redacted {
                        record: before,
                        report,
                    });
                }
                let at = now();
                if !store::update_milestone(conn, id, before.version, &fields, at)? {
                    return Err(AppError::PreconditionFailed);
                }
                store::touch_project(conn, project_id, at)?;
                let after = find_milestone(conn, id)?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: "project.milestone_updated",
                        target_type: "milestone",
                        target_id: id.to_string(),
                        before: Some(milestone_json(&before)),
                        after: Some(milestone_json(&after)),
                    },
                )?;
                Ok(Redacted {
                    record: after,
                    report,
                })
            })
            .await
    }

    // ---- updates ------------------------------------------------------------------------

    /// The project's updates, newest first.
    pub async fn project_updates(
        &self,
        c: &Caller,
        id: ProjectId,
        cursor: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<ProjectUpdate>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .read(move |conn| {
                policy::read_project(&c, &find(conn, id)?)?;
                Ok(store::list_updates(conn, id, cursor.as_ref(), limit)?)
            })
            .await
    }

    /// Posts an update for an organisation taking part: the narrative redacted; the project's
    /// RAG, latest update and (when it moves) phase set with it.
    pub async fn post_project_update(
        &self,
        c: &Caller,
        id: ProjectId,
        draft: ProjectUpdateDraft,
    ) -> Result<Redacted<ProjectUpdate>, AppError> {
        c.require_scope(Scope::ProjectsWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let project = find_locked(conn, id)?;
                policy::post_project_update(&c, &project)?;
                let mine = policy::project_writing_organisations(&c, &project);
                const FIELD: &str = "organisation_id";
                let organisation = match (draft.organisation_id, mine.as_slice()) {
                    (Some(org), _) if mine.contains(&org) => org,
                    (Some(_), _) => {
                        return Err(AppError::invalid(
                            FIELD,
                            "you do not write for this organisation in this project; name one of yours that takes part",
                        ))
                    }
                    (None, [only]) => *only,
                    (None, many) => {
                        return Err(AppError::invalid(
                            FIELD,
                            format!(
                                "you write for {} organisations taking part in this project: say which reports with {FIELD} ({})",
                                many.len(),
                                many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                            ),
                        ))
                    }
                };
                let at = now();
                let today = at.date_naive();
                let reported_on = draft.reported_on.unwrap_or(today);
                pcref_domain::reported_on("reported_on", reported_on, today)?;
                if reported_on < project.starts_on {
                    return Err(AppError::invalid(
                        "reported_on",
                        format!(
                            "must be on or after the day the project starts ({})",
                            project.starts_on
                        ),
                    ));
                }
                if let Some(latest) = project.last_update_on.filter(|l| reported_on < *l) {
                    return Err(AppError::Conflict(format!(
                        "the project's latest update reports on {latest}: an update cannot report on an earlier day ({reported_on}), so that the latest one always sets the project's RAG and phase"
                    )));
                }
                let moves_to = draft.phase.filter(|p| *p != project.phase);
                if moves_to.is_some() && reported_on < project.phase_entered_on {
                    return Err(AppError::Conflict(format!(
                        "the project entered its current phase on {}: an update dated {reported_on} cannot move it on before that; report on {} or later",
                        project.phase_entered_on, project.phase_entered_on
                    )));
                }
                let redactor = project_redactor(conn, named_organisations(&project))?;
                let mut report = Report::default();
                let narrative = redactor.clean(&mut report, "narrative", &draft.narrative);
                let update_id = store::insert_update(
                    conn,
                    NewUpdate {
                        project: &project,
                        organisation_id: organisation,
                        author: acted_by(&c),
                        reported_on,
                        rag: draft.rag,
                        narrative: &narrative,
                        phase: moves_to,
                    },
                    at,
                )?
                .ok_or(AppError::PreconditionFailed)?;
                let update = store::find_update(conn, update_id)?
                    .ok_or(AppError::NotFound("project update"))?;
                record(
                    conn,
                    &c,
                    at,
                    &project,
                    Change {
                        action: "project.update_posted",
                        target_type: "project_update",
                        target_id: update_id.to_string(),
                        before: None,
                        after: Some(json!({
                            "project_id": id.to_string(),
                            "organisation_id": organisation.to_string(),
                            "reported_on": reported_on.to_string(),
                            "rag": draft.rag.as_str(),
                            "narrative": narrative,
                            "phase_from": moves_to.map(|_| project.phase.as_str()),
                            "phase": moves_to.map(|p| p.as_str()),
                            "redactions": report.redactions.len(),
                            "warnings": report.warnings.len(),
                        })),
                    },
                )?;
                Ok(Redacted {
                    record: update,
                    report,
                })
            })
            .await
    }
}
