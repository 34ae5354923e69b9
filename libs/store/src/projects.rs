//! Joint projects, their participants, phase history, milestones, updates and links, as
//! stored (update narratives already redacted). A page of projects costs a fixed number of
//! queries, whatever its length: the projects, then their aims, participants, phases,
//! milestones and links, each in one query.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Attribution, Cursor, LearningItemId, LinkedLearning, LinkedPublication, Milestone,
    MilestoneCounts, MilestoneId, OrganisationId, Page, PageLimit, Participant,
    ParticipationStatus, PhaseEntry, Project, ProjectAim, ProjectDraft, ProjectFilter, ProjectId,
    ProjectOrganisation, ProjectPhase, ProjectUpdate, ProjectUpdateId, PublicationId, Quarter, Rag,
    Tag, Tags, UpdateAuthor, Version,
};

use crate::feedback::ActedBy;
use crate::rows::{parse, parse_opt};
use crate::schema::{
    api_clients, learning_items, organisations, project_aims, project_learning_items,
    project_milestones, project_participants, project_phases, project_publications,
    project_updates, projects, publications, users,
};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
struct ProjectRow {
    id: String,
    alliance_id: String,
    title: String,
    lead_organisation_id: String,
    tags: String,
    phase: String,
    phase_entered_on: NaiveDate,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    rag: Option<String>,
    last_update_on: Option<NaiveDate>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = project_aims, treat_none_as_null = true)]
struct AimRow {
    project_id: String,
    statement: String,
    measure: String,
    baseline: Option<String>,
    target: String,
    deadline: NaiveDate,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_participants)]
struct ParticipantRow {
    project_id: String,
    organisation_id: String,
    status: String,
    invited_at: NaiveDateTime,
    responded_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_phases)]
struct PhaseRow {
    id: String,
    project_id: String,
    phase: String,
    entered_on: NaiveDate,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_milestones)]
struct MilestoneRow {
    id: String,
    project_id: String,
    title: String,
    due_on: NaiveDate,
    owner_organisation_id: String,
    done_on: Option<NaiveDate>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = project_updates)]
struct UpdateRow {
    id: String,
    project_id: String,
    organisation_id: String,
    author_user: Option<String>,
    author_client: Option<String>,
    reported_on: NaiveDate,
    rag: String,
    narrative: String,
    phase_from: Option<String>,
    phase: Option<String>,
    created_at: NaiveDateTime,
}

fn project_tags(f: &ProjectDraft) -> String {
    Tags {
        ethnic_categories: f.ethnic_categories.clone(),
        competencies: f.competencies.clone(),
        pillars: vec![f.pillar],
        ..Tags::default()
    }
    .normalised()
    .to_text()
}

fn aim_row(id: ProjectId, f: &ProjectDraft) -> AimRow {
    AimRow {
        project_id: id.to_string(),
        statement: f.aim.statement.clone(),
        measure: f.aim.measure.clone(),
        baseline: f.aim.baseline.clone(),
        target: f.aim.target.clone(),
        deadline: f.aim.deadline,
    }
}

fn insert_phase(
    conn: &mut DbConnection,
    project: ProjectId,
    phase: ProjectPhase,
    entered_on: NaiveDate,
) -> Result<(), StoreError> {
    diesel::insert_into(project_phases::table)
        .values(PhaseRow {
            id: uuid::Uuid::now_v7().to_string(),
            project_id: project.to_string(),
            phase: phase.as_str().to_owned(),
            entered_on,
        })
        .execute(conn)?;
    Ok(())
}

/// Replaces the project's links to published plans and learning items.
fn replace_links(
    conn: &mut DbConnection,
    project: ProjectId,
    f: &ProjectDraft,
) -> Result<(), StoreError> {
    let id = project.to_string();
    diesel::delete(project_publications::table.filter(project_publications::project_id.eq(&id)))
        .execute(conn)?;
    diesel::delete(
        project_learning_items::table.filter(project_learning_items::project_id.eq(&id)),
    )
    .execute(conn)?;
    // One row at a time: batch inserts do not compile for the two-backend connection, and a
    // project links to a handful of records.
    for p in &f.publication_ids {
        diesel::insert_into(project_publications::table)
            .values((
                project_publications::project_id.eq(&id),
                project_publications::publication_id.eq(p.to_string()),
            ))
            .execute(conn)?;
    }
    for l in &f.learning_item_ids {
        diesel::insert_into(project_learning_items::table)
            .values((
                project_learning_items::project_id.eq(&id),
                project_learning_items::learning_item_id.eq(l.to_string()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A new project: its row, aim, first phase, links, and the organisations taking part from the
/// start (the lead among them), all accepted.
pub struct NewProject<'a> {
    pub alliance_id: AllianceId,
    pub fields: &'a ProjectDraft,
    pub phase: ProjectPhase,
    pub taking_part: &'a [OrganisationId],
}

pub fn insert_project(
    conn: &mut DbConnection,
    new: NewProject<'_>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ProjectId, StoreError> {
    let id = ProjectId::new();
    let f = new.fields;
    let at = to_db_time(now);
    diesel::insert_into(projects::table)
        .values(ProjectRow {
            id: id.to_string(),
            alliance_id: new.alliance_id.to_string(),
            title: f.title.clone(),
            lead_organisation_id: f.lead_organisation_id.to_string(),
            tags: project_tags(f),
            phase: new.phase.as_str().to_owned(),
            phase_entered_on: today,
            starts_on: f.starts_on,
            ends_on: f.ends_on,
            rag: None,
            last_update_on: None,
            version: Version::FIRST.0,
            created_at: at,
            updated_at: at,
        })
        .execute(conn)?;
    diesel::insert_into(project_aims::table)
        .values(aim_row(id, f))
        .execute(conn)?;
    insert_phase(conn, id, new.phase, today)?;
    for org in new.taking_part {
        diesel::insert_into(project_participants::table)
            .values(ParticipantRow {
                project_id: id.to_string(),
                organisation_id: org.to_string(),
                status: ParticipationStatus::Accepted.as_str().to_owned(),
                invited_at: at,
                responded_at: Some(at),
            })
            .execute(conn)?;
    }
    replace_links(conn, id, f)?;
    Ok(id)
}

/// Changes a project's fields if it is still at `expected`; `false` when it is not. A new
/// phase is appended to the history, entered on `today`; a new lead takes part from now.
pub fn update_project(
    conn: &mut DbConnection,
    before: &Project,
    fields: &ProjectDraft,
    phase: ProjectPhase,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let id = before.id.to_string();
    let phase_changed = phase != before.phase;
    let changed = diesel::update(
        projects::table
            .find(&id)
            .filter(projects::version.eq(before.version.0)),
    )
    .set((
        projects::title.eq(&fields.title),
        projects::lead_organisation_id.eq(fields.lead_organisation_id.to_string()),
        projects::tags.eq(project_tags(fields)),
        projects::phase.eq(phase.as_str()),
        projects::phase_entered_on.eq(if phase_changed {
            today
        } else {
            before.phase_entered_on
        }),
        projects::starts_on.eq(fields.starts_on),
        projects::ends_on.eq(fields.ends_on),
        projects::version.eq(before.version.next().0),
        projects::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    diesel::update(project_aims::table.find(&id))
        .set(aim_row(before.id, fields))
        .execute(conn)?;
    if phase_changed {
        insert_phase(conn, before.id, phase, today)?;
    }
    if fields.lead_organisation_id != before.lead.id {
        take_part(conn, before.id, fields.lead_organisation_id, now)?;
    }
    let links_changed = fields.publication_ids != before.draft().publication_ids
        || fields.learning_item_ids != before.draft().learning_item_ids;
    if links_changed {
        replace_links(conn, before.id, fields)?;
    }
    Ok(true)
}

/// Makes the organisation an accepted participant (a new lead), whatever it was before.
fn take_part(
    conn: &mut DbConnection,
    project: ProjectId,
    org: OrganisationId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = to_db_time(now);
    let accepted = ParticipationStatus::Accepted.as_str();
    let changed =
        diesel::update(project_participants::table.find((project.to_string(), org.to_string())))
            .set((
                project_participants::status.eq(accepted),
                project_participants::responded_at.eq(Some(at)),
            ))
            .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(project_participants::table)
            .values(ParticipantRow {
                project_id: project.to_string(),
                organisation_id: org.to_string(),
                status: accepted.to_owned(),
                invited_at: at,
                responded_at: Some(at),
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Invites an organisation: a new participant, or a declined one asked again. `false` when it
/// is already invited or taking part.
pub fn invite(
    conn: &mut DbConnection,
    project: ProjectId,
    org: OrganisationId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let at = to_db_time(now);
    let key = (project.to_string(), org.to_string());
    let existing: Option<String> = project_participants::table
        .find(key.clone())
        .select(project_participants::status)
        .first(conn)
        .optional()?;
    let invited = ParticipationStatus::Invited.as_str();
    match existing.as_deref() {
        None => {
            diesel::insert_into(project_participants::table)
                .values(ParticipantRow {
                    project_id: key.0,
                    organisation_id: key.1,
                    status: invited.to_owned(),
                    invited_at: at,
                    responded_at: None,
                })
                .execute(conn)?;
            Ok(true)
        }
        Some(status) if status == ParticipationStatus::Declined.as_str() => {
            let changed = diesel::update(
                project_participants::table
                    .find(key)
                    .filter(project_participants::status.eq(status)),
            )
            .set((
                project_participants::status.eq(invited),
                project_participants::invited_at.eq(at),
                project_participants::responded_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
            Ok(changed == 1)
        }
        Some(_) => Ok(false),
    }
}

/// Records an invited organisation's answer if it is still `from`; `false` when it is not.
pub fn answer(
    conn: &mut DbConnection,
    project: ProjectId,
    org: OrganisationId,
    from: ParticipationStatus,
    to: ParticipationStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        project_participants::table
            .find((project.to_string(), org.to_string()))
            .filter(project_participants::status.eq(from.as_str())),
    )
    .set((
        project_participants::status.eq(to.as_str()),
        project_participants::responded_at.eq(Some(to_db_time(now))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Takes the project's row lock for the rest of the transaction (on SQLite the write
/// transaction already holds the database lock), so that updates and changes to one project
/// happen one after another. `false` when it does not exist.
pub fn lock_project(conn: &mut DbConnection, id: ProjectId) -> Result<bool, StoreError> {
    let locked = diesel::update(projects::table.find(id.to_string()))
        .set(projects::version.eq(projects::version))
        .execute(conn)?;
    Ok(locked == 1)
}

/// Gives the project a new version (and so a new `ETag`) when what it shows changed without
/// its own row changing: its participants or its milestones.
pub fn touch_project(
    conn: &mut DbConnection,
    id: ProjectId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(projects::table.find(id.to_string()))
        .set((
            projects::version.eq(projects::version + 1),
            projects::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_project(
    conn: &mut DbConnection,
    id: ProjectId,
    today: NaiveDate,
) -> Result<Option<Project>, StoreError> {
    let row: Option<ProjectRow> = projects::table
        .find(id.to_string())
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(assemble(conn, vec![row], today)?.pop())
}

/// An alliance's projects, newest first, narrowed by the filter.
pub fn list_projects(
    conn: &mut DbConnection,
    alliance: AllianceId,
    filter: &ProjectFilter,
    today: NaiveDate,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Project>, StoreError> {
    let mut query = projects::table
        .filter(projects::alliance_id.eq(alliance.to_string()))
        .select(ProjectRow::as_select())
        .order(projects::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(phase) = filter.phase {
        query = query.filter(projects::phase.eq(phase.as_str()));
    }
    if let Some(rag) = filter.rag {
        query = query.filter(projects::rag.eq(rag.as_str()));
    }
    if let Some(org) = filter.participant {
        query = query.filter(
            projects::id.eq_any(
                project_participants::table
                    .filter(project_participants::organisation_id.eq(org.to_string()))
                    .filter(project_participants::status.eq(ParticipationStatus::Accepted.as_str()))
                    .select(project_participants::project_id),
            ),
        );
    }
    if let Some(c) = filter.ethnic_category {
        query = query.filter(projects::tags.like(Tag::EthnicCategory(c).like_pattern()));
    }
    if let Some(c) = filter.competency {
        query = query.filter(projects::tags.like(Tag::Competency(c).like_pattern()));
    }
    // Per project, on the index of its milestones by due date.
    let has_overdue = diesel::dsl::exists(
        project_milestones::table
            .filter(project_milestones::project_id.eq(projects::id))
            .filter(project_milestones::done_on.is_null())
            .filter(project_milestones::due_on.lt(today)),
    );
    match filter.overdue {
        Some(true) => query = query.filter(has_overdue),
        Some(false) => query = query.filter(diesel::dsl::not(has_overdue)),
        None => {}
    }
    // The rule of `pcref_domain::project_is_stale`, in SQL.
    let period_start = Quarter::containing(today).starts_on();
    match filter.stale {
        Some(true) => {
            query = query
                .filter(projects::starts_on.le(today))
                .filter(projects::ends_on.ge(period_start))
                .filter(
                    projects::last_update_on
                        .is_null()
                        .or(projects::last_update_on.lt(period_start)),
                )
        }
        Some(false) => {
            query = query.filter(
                projects::starts_on
                    .gt(today)
                    .or(projects::ends_on.lt(period_start))
                    .or(projects::last_update_on
                        .is_not_null()
                        .and(projects::last_update_on.assume_not_null().ge(period_start))),
            )
        }
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(projects::id.lt(after.as_str().to_owned()));
    }
    let rows: Vec<ProjectRow> = query.load(conn)?;
    let items = assemble(conn, rows, today)?;
    Ok(Page::from_overfetch(items, limit, |p| Cursor::after(p.id)))
}

type Organisations = HashMap<String, ProjectOrganisation>;

fn load_organisations(
    conn: &mut DbConnection,
    ids: Vec<String>,
) -> Result<Organisations, StoreError> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((organisations::id, organisations::name, organisations::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| {
            Ok((
                id.clone(),
                ProjectOrganisation {
                    id: parse("organisations.id", &id)?,
                    name,
                    kind: parse("organisations.kind", &kind)?,
                },
            ))
        })
        .collect()
}

fn organisation(orgs: &Organisations, id: &str) -> Result<ProjectOrganisation, StoreError> {
    orgs.get(id)
        .cloned()
        .ok_or_else(|| StoreError::Corrupt(format!("a project refers to organisation {id}")))
}

/// Rows into projects: their aims, participants, phases, milestones and links, each in one
/// query.
fn assemble(
    conn: &mut DbConnection,
    rows: Vec<ProjectRow>,
    today: NaiveDate,
) -> Result<Vec<Project>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut aims: HashMap<String, AimRow> = project_aims::table
        .filter(project_aims::project_id.eq_any(&ids))
        .select(AimRow::as_select())
        .load::<AimRow>(conn)?
        .into_iter()
        .map(|a| (a.project_id.clone(), a))
        .collect();
    let participants: Vec<ParticipantRow> = project_participants::table
        .filter(project_participants::project_id.eq_any(&ids))
        .select(ParticipantRow::as_select())
        .order((
            project_participants::invited_at.asc(),
            project_participants::organisation_id.asc(),
        ))
        .load(conn)?;
    let phases: Vec<PhaseRow> = project_phases::table
        .filter(project_phases::project_id.eq_any(&ids))
        .select(PhaseRow::as_select())
        .order(project_phases::id.asc())
        .load(conn)?;
    let milestones: Vec<(String, NaiveDate, Option<NaiveDate>)> = project_milestones::table
        .filter(project_milestones::project_id.eq_any(&ids))
        .select((
            project_milestones::project_id,
            project_milestones::due_on,
            project_milestones::done_on,
        ))
        .load(conn)?;
    let linked_publications: Vec<(String, String, String, i32)> = project_publications::table
        .inner_join(publications::table)
        .filter(project_publications::project_id.eq_any(&ids))
        // A plan withdrawn since it was linked is no longer in the library.
        .filter(publications::withdrawn_at.is_null())
        .select((
            project_publications::project_id,
            publications::id,
            publications::title,
            publications::version,
        ))
        .order(publications::id.asc())
        .load(conn)?;
    let linked_learning: Vec<(String, String, String)> = project_learning_items::table
        .inner_join(learning_items::table)
        .filter(project_learning_items::project_id.eq_any(&ids))
        .select((
            project_learning_items::project_id,
            learning_items::id,
            learning_items::title,
        ))
        .order(learning_items::id.asc())
        .load(conn)?;
    let orgs = load_organisations(
        conn,
        participants
            .iter()
            .map(|p| p.organisation_id.clone())
            .collect(),
    )?;

    let mut by_project: HashMap<&str, Vec<Participant>> = HashMap::new();
    let leads: HashMap<&str, &str> = rows
        .iter()
        .map(|r| (r.id.as_str(), r.lead_organisation_id.as_str()))
        .collect();
    for p in &participants {
        let lead = leads.get(p.project_id.as_str()) == Some(&p.organisation_id.as_str());
        let participant = Participant {
            organisation: organisation(&orgs, &p.organisation_id)?,
            status: parse("project_participants.status", &p.status)?,
            lead,
            invited_at: from_db_time(p.invited_at),
            responded_at: p.responded_at.map(from_db_time),
        };
        let list = by_project.entry(p.project_id.as_str()).or_default();
        if lead {
            list.insert(0, participant);
        } else {
            list.push(participant);
        }
    }
    let mut history: HashMap<&str, Vec<PhaseEntry>> = HashMap::new();
    for p in &phases {
        let list = history.entry(p.project_id.as_str()).or_default();
        if let Some(last) = list.last_mut() {
            last.left_on = Some(p.entered_on);
        }
        list.push(PhaseEntry {
            phase: parse("project_phases.phase", &p.phase)?,
            entered_on: p.entered_on,
            left_on: None,
        });
    }
    let mut counts: HashMap<&str, MilestoneCounts> = HashMap::new();
    for (project, due, done) in &milestones {
        let c = counts.entry(project.as_str()).or_default();
        c.total += 1;
        if done.is_some() {
            c.done += 1;
        } else if *due < today {
            c.overdue += 1;
        }
    }
    let mut plans: HashMap<&str, Vec<LinkedPublication>> = HashMap::new();
    for (project, id, title, version) in &linked_publications {
        plans
            .entry(project.as_str())
            .or_default()
            .push(LinkedPublication {
                publication_id: parse::<PublicationId>("publications.id", id)?,
                title: title.clone(),
                version: i64::from(*version),
            });
    }
    let mut learning: HashMap<&str, Vec<LinkedLearning>> = HashMap::new();
    for (project, id, title) in &linked_learning {
        learning
            .entry(project.as_str())
            .or_default()
            .push(LinkedLearning {
                id: parse::<LearningItemId>("learning_items.id", id)?,
                title: title.clone(),
            });
    }

    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = row.id.as_str();
        let aim = aims
            .remove(key)
            .ok_or_else(|| StoreError::Corrupt(format!("project {key} has no aim")))?;
        let tags = Tags::parse(&row.tags);
        let participants = by_project.remove(key).unwrap_or_default();
        let lead = participants
            .iter()
            .find(|p| p.lead)
            .map(|p| p.organisation.clone())
            .ok_or_else(|| StoreError::Corrupt(format!("project {key} has no lead")))?;
        out.push(Project {
            id: parse("projects.id", &row.id)?,
            alliance_id: parse("projects.alliance_id", &row.alliance_id)?,
            title: row.title.clone(),
            aim: ProjectAim {
                statement: aim.statement,
                measure: aim.measure,
                baseline: aim.baseline,
                target: aim.target,
                deadline: aim.deadline,
            },
            lead,
            phase: parse("projects.phase", &row.phase)?,
            phase_entered_on: row.phase_entered_on,
            phase_history: history.remove(key).unwrap_or_default(),
            ethnic_categories: tags.ethnic_categories,
            competencies: tags.competencies,
            pillar: tags
                .pillars
                .first()
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("project {key} has no pillar")))?,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            rag: parse_opt::<Rag>("projects.rag", row.rag.as_deref())?,
            last_update_on: row.last_update_on,
            milestones: counts.remove(key).unwrap_or_default(),
            participants,
            published_plans: plans.remove(key).unwrap_or_default(),
            learning_items: learning.remove(key).unwrap_or_default(),
            version: Version(row.version),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        });
    }
    Ok(out)
}

// ---- milestones ----------------------------------------------------------------------------

/// A milestone's fields, its owner decided.
pub struct MilestoneFields<'a> {
    pub title: &'a str,
    pub due_on: NaiveDate,
    pub owner_organisation_id: OrganisationId,
    pub done_on: Option<NaiveDate>,
}

pub fn insert_milestone(
    conn: &mut DbConnection,
    project: ProjectId,
    f: &MilestoneFields<'_>,
    now: DateTime<Utc>,
) -> Result<MilestoneId, StoreError> {
    let id = MilestoneId::new();
    let at = to_db_time(now);
    diesel::insert_into(project_milestones::table)
        .values(MilestoneRow {
            id: id.to_string(),
            project_id: project.to_string(),
            title: f.title.to_owned(),
            due_on: f.due_on,
            owner_organisation_id: f.owner_organisation_id.to_string(),
            done_on: f.done_on,
            version: Version::FIRST.0,
            created_at: at,
            updated_at: at,
        })
        .execute(conn)?;
    Ok(id)
}

/// Changes a milestone if it is still at `expected`; `false` when it is not.
pub fn update_milestone(
    conn: &mut DbConnection,
    id: MilestoneId,
    expected: Version,
    f: &MilestoneFields<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        project_milestones::table
            .find(id.to_string())
            .filter(project_milestones::version.eq(expected.0)),
    )
    .set((
        project_milestones::title.eq(f.title),
        project_milestones::due_on.eq(f.due_on),
        project_milestones::owner_organisation_id.eq(f.owner_organisation_id.to_string()),
        project_milestones::done_on.eq(f.done_on),
        project_milestones::version.eq(expected.next().0),
        project_milestones::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

fn milestones_from(
    conn: &mut DbConnection,
    rows: Vec<MilestoneRow>,
) -> Result<Vec<Milestone>, StoreError> {
    let orgs = load_organisations(
        conn,
        rows.iter()
            .map(|r| r.owner_organisation_id.clone())
            .collect(),
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(Milestone {
                id: parse("project_milestones.id", &r.id)?,
                project_id: parse("project_milestones.project_id", &r.project_id)?,
                title: r.title,
                due_on: r.due_on,
                owner: organisation(&orgs, &r.owner_organisation_id)?,
                done_on: r.done_on,
                version: Version(r.version),
                created_at: from_db_time(r.created_at),
                updated_at: from_db_time(r.updated_at),
            })
        })
        .collect()
}

pub fn find_milestone(
    conn: &mut DbConnection,
    id: MilestoneId,
) -> Result<Option<Milestone>, StoreError> {
    let rows: Vec<MilestoneRow> = project_milestones::table
        .find(id.to_string())
        .select(MilestoneRow::as_select())
        .load(conn)?;
    Ok(milestones_from(conn, rows)?.pop())
}

/// A project's milestones by due date (then creation).
pub fn list_milestones(
    conn: &mut DbConnection,
    project: ProjectId,
) -> Result<Vec<Milestone>, StoreError> {
    let rows: Vec<MilestoneRow> = project_milestones::table
        .filter(project_milestones::project_id.eq(project.to_string()))
        .select(MilestoneRow::as_select())
        .order((
            project_milestones::due_on.asc(),
            project_milestones::id.asc(),
        ))
        .load(conn)?;
    milestones_from(conn, rows)
}

// ---- updates -------------------------------------------------------------------------------

/// A new update, its narrative already redacted, and the phase it moves the project to.
pub struct NewUpdate<'a> {
    pub project: &'a Project,
    pub organisation_id: OrganisationId,
    pub author: ActedBy,
    pub reported_on: NaiveDate,
    pub rag: Rag,
    pub narrative: &'a str,
    /// `Some` when the update moves the project to another phase.
    pub phase: Option<ProjectPhase>,
}

/// Stores an update and sets the project's RAG, latest update and (when it moves) phase, if the
/// project is still at the version read; `None` when it is not.
pub fn insert_update(
    conn: &mut DbConnection,
    new: NewUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<Option<ProjectUpdateId>, StoreError> {
    let project = new.project;
    let at = to_db_time(now);
    let phase = new.phase.unwrap_or(project.phase);
    let changed = diesel::update(
        projects::table
            .find(project.id.to_string())
            .filter(projects::version.eq(project.version.0)),
    )
    .set((
        projects::rag.eq(Some(new.rag.as_str())),
        projects::last_update_on.eq(Some(new.reported_on)),
        projects::phase.eq(phase.as_str()),
        projects::phase_entered_on.eq(if new.phase.is_some() {
            new.reported_on
        } else {
            project.phase_entered_on
        }),
        projects::version.eq(project.version.next().0),
        projects::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    if let Some(phase) = new.phase {
        insert_phase(conn, project.id, phase, new.reported_on)?;
    }
    let id = ProjectUpdateId::new();
    let (user, client) = new.author.columns();
    diesel::insert_into(project_updates::table)
        .values(UpdateRow {
            id: id.to_string(),
            project_id: project.id.to_string(),
            organisation_id: new.organisation_id.to_string(),
            author_user: user,
            author_client: client,
            reported_on: new.reported_on,
            rag: new.rag.as_str().to_owned(),
            narrative: new.narrative.to_owned(),
            phase_from: new.phase.map(|_| project.phase.as_str().to_owned()),
            phase: new.phase.map(|p| p.as_str().to_owned()),
            created_at: at,
        })
        .execute(conn)?;
    Ok(Some(id))
}

fn updates_from(
    conn: &mut DbConnection,
    rows: Vec<UpdateRow>,
) -> Result<Vec<ProjectUpdate>, StoreError> {
    let orgs = load_organisations(
        conn,
        rows.iter().map(|r| r.organisation_id.clone()).collect(),
    )?;
    let user_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.author_user.as_deref())
        .collect();
    let client_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.author_client.as_deref())
        .collect();
    let people: HashMap<String, String> = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let clients: HashMap<String, String> = api_clients::table
        .filter(api_clients::id.eq_any(client_ids))
        .select((api_clients::id, api_clients::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|r| {
            let author = match (&r.author_user, &r.author_client) {
                (Some(u), _) => UpdateAuthor::Person(
                    parse("project_updates.author_user", u)?,
                    people.get(u).cloned().unwrap_or_default(),
                ),
                (None, Some(c)) => UpdateAuthor::Client(
                    parse("project_updates.author_client", c)?,
                    clients.get(c).cloned().unwrap_or_default(),
                ),
                (None, None) => {
                    return Err(StoreError::Corrupt(format!(
                        "project update {} has no author",
                        r.id
                    )))
                }
            };
            Ok(ProjectUpdate {
                id: parse("project_updates.id", &r.id)?,
                project_id: parse("project_updates.project_id", &r.project_id)?,
                organisation: organisation(&orgs, &r.organisation_id)?,
                author,
                reported_on: r.reported_on,
                rag: parse("project_updates.rag", &r.rag)?,
                narrative: r.narrative,
                phase_from: parse_opt("project_updates.phase_from", r.phase_from.as_deref())?,
                phase: parse_opt("project_updates.phase", r.phase.as_deref())?,
                created_at: from_db_time(r.created_at),
            })
        })
        .collect()
}

pub fn find_update(
    conn: &mut DbConnection,
    id: ProjectUpdateId,
) -> Result<Option<ProjectUpdate>, StoreError> {
    let rows: Vec<UpdateRow> = project_updates::table
        .find(id.to_string())
        .select(UpdateRow::as_select())
        .load(conn)?;
    Ok(updates_from(conn, rows)?.pop())
}

/// A project's updates, newest first.
pub fn list_updates(
    conn: &mut DbConnection,
    project: ProjectId,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<ProjectUpdate>, StoreError> {
    let mut query = project_updates::table
        .filter(project_updates::project_id.eq(project.to_string()))
        .select(UpdateRow::as_select())
        .order(project_updates::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(project_updates::id.lt(after.as_str().to_owned()));
    }
    let rows: Vec<UpdateRow> = query.load(conn)?;
    let items = updates_from(conn, rows)?;
    Ok(Page::from_overfetch(items, limit, |u| Cursor::after(u.id)))
}

/// Records of the alliance's library a project may link to, with their attribution.
#[derive(Debug, Clone, Default)]
pub struct Linkable {
    /// Published plans of the alliance (any version, not withdrawn).
    pub publications: Vec<(PublicationId, Attribution)>,
    /// Learning items of the alliance.
    pub learning_items: Vec<(LearningItemId, Attribution)>,
}

/// Which of these publications and learning items are in the alliance's library.
pub fn linkable(
    conn: &mut DbConnection,
    alliance: AllianceId,
    publication_ids: &[PublicationId],
    learning_item_ids: &[LearningItemId],
) -> Result<Linkable, StoreError> {
    let mut found = Linkable::default();
    let wanted: Vec<String> = publication_ids.iter().map(ToString::to_string).collect();
    if !wanted.is_empty() {
        let rows: Vec<(String, String)> = publications::table
            .filter(publications::id.eq_any(&wanted))
            .filter(publications::alliance_id.eq(alliance.to_string()))
            .filter(publications::withdrawn_at.is_null())
            .select((publications::id, publications::attribution))
            .load(conn)?;
        for (id, attribution) in rows {
            found.publications.push((
                parse("publications.id", &id)?,
                parse("publications.attribution", &attribution)?,
            ));
        }
    }
    let wanted: Vec<String> = learning_item_ids.iter().map(ToString::to_string).collect();
    if !wanted.is_empty() {
        let rows: Vec<(String, String)> = learning_items::table
            .filter(learning_items::id.eq_any(&wanted))
            .filter(learning_items::alliance_id.eq(alliance.to_string()))
            .select((learning_items::id, learning_items::attribution))
            .load(conn)?;
        for (id, attribution) in rows {
            found.learning_items.push((
                parse("learning_items.id", &id)?,
                parse("learning_items.attribution", &attribution)?,
            ));
        }
    }
    Ok(found)
}
