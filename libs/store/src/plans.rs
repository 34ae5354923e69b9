//! Action plans and their four stages: priority areas, goals, actions and progress updates.
//!
//! A deleted plan is kept (soft delete) but no query here returns it or its records: every
//! lookup of a child goes through its live plan in `libs/app`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use pcref_domain::{
    Action, ActionDraft, ActionId, ActionStatus, AllianceId, Cursor, Goal, GoalDraft, GoalId,
    OrganisationId, Page, PageLimit, Plan, PlanDraft, PlanFilter, PlanId, Priority, PriorityDraft,
    PriorityId, ProgressDraft, ProgressUpdate, ProgressUpdateId, StageGuidance, TemplateId, UserId,
    Version,
};

use crate::rows::{ActionRow, GoalRow, PlanRow, PriorityRow, ProgressUpdateRow};
use crate::schema::{
    actions, goal_competencies, goals, plans, priorities, priority_ethnic_categories,
    progress_updates, users,
};
use crate::{to_db_time, DbConnection, StoreError};

use crate::sql::{contains_pattern, lower};

fn guidance_json(guidance: &[StageGuidance]) -> Result<String, StoreError> {
    serde_json::to_string(guidance).map_err(|e| StoreError::Internal(e.to_string()))
}

// ---- plans --------------------------------------------------------------------------------

/// Where a new plan comes from.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub id: PlanId,
    pub organisation_id: OrganisationId,
    pub alliance_id: AllianceId,
    pub fields: &'a PlanDraft,
    pub template: Option<(TemplateId, String)>,
    pub guidance: &'a [StageGuidance],
}

pub fn insert_plan(
    conn: &mut DbConnection,
    new: NewPlan<'_>,
    now: DateTime<Utc>,
) -> Result<Plan, StoreError> {
    let row = PlanRow {
        id: new.id.to_string(),
        organisation_id: new.organisation_id.to_string(),
        alliance_id: new.alliance_id.to_string(),
        title: new.fields.title.clone(),
        service: new.fields.service.clone(),
        owner_user_id: new.fields.owner_user_id.map(|u| u.to_string()),
        status: new.fields.status.as_str().to_owned(),
        period_starts_on: new.fields.period_starts_on,
        period_ends_on: new.fields.period_ends_on,
        template_id: new.template.as_ref().map(|(id, _)| id.to_string()),
        template_name: new.template.map(|(_, name)| name),
        guidance: guidance_json(new.guidance)?,
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
        deleted_at: None,
    };
    diesel::insert_into(plans::table)
        .values(&row)
        .execute(conn)?;
    find_plan(conn, new.id)?.ok_or_else(|| StoreError::Internal("inserted plan vanished".into()))
}

/// A plan that has not been deleted.
pub fn find_plan(conn: &mut DbConnection, id: PlanId) -> Result<Option<Plan>, StoreError> {
    plans::table
        .left_join(users::table.on(plans::owner_user_id.eq(users::id.nullable())))
        .filter(plans::id.eq(id.to_string()))
        .filter(plans::deleted_at.is_null())
        .select((PlanRow::as_select(), users::display_name.nullable()))
        .first::<(PlanRow, Option<String>)>(conn)
        .optional()?
        .map(|(row, owner)| row.into_domain(owner))
        .transpose()
}

/// An organisation's live plans, oldest first, filtered.
pub fn list_plans(
    conn: &mut DbConnection,
    organisation: OrganisationId,
    filter: &PlanFilter,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Plan>, StoreError> {
    let mut query = plans::table
        .left_join(users::table.on(plans::owner_user_id.eq(users::id.nullable())))
        .filter(plans::organisation_id.eq(organisation.to_string()))
        .filter(plans::deleted_at.is_null())
        .select((PlanRow::as_select(), users::display_name.nullable()))
        .order(plans::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(plans::status.eq(status.as_str()));
    }
    if let Some(categories) = &filter.ethnic_categories {
        let codes: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
        let naming = priorities::table
            .inner_join(priority_ethnic_categories::table)
            .filter(priority_ethnic_categories::code.eq_any(codes))
            .select(priorities::plan_id);
        query = query.filter(plans::id.eq_any(naming));
    }
    if let Some(competency) = filter.competency {
        let tied = goals::table
            .inner_join(goal_competencies::table)
            .filter(goal_competencies::competency.eq(competency.as_str()))
            .select(goals::plan_id);
        query = query.filter(plans::id.eq_any(tied));
    }
    if let Some(pillar) = filter.pillar {
        let under = goals::table
            .filter(goals::pillar.eq(pillar.as_str()))
            .select(goals::plan_id);
        query = query.filter(plans::id.eq_any(under));
    }
    if let Some(text) = &filter.text {
        let pattern = contains_pattern(text);
        let in_priorities = priorities::table
            .filter(
                lower(priorities::statement)
                    .like(pattern.clone())
                    .escape('\\'),
            )
            .select(priorities::plan_id);
        let in_goals = goals::table
            .filter(lower(goals::statement).like(pattern.clone()).escape('\\'))
            .select(goals::plan_id);
        query = query.filter(
            lower(plans::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(plans::service).like(pattern).escape('\\'))
                .or(plans::id.eq_any(in_priorities))
                .or(plans::id.eq_any(in_goals)),
        );
    }
    if let Some(after) = after {
        query = query.filter(plans::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load::<(PlanRow, Option<String>)>(conn)?
        .into_iter()
        .map(|(row, owner)| row.into_domain(owner))
        .collect::<Result<Vec<Plan>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |p| Cursor::after(p.id)))
}

/// Writes the plan's fields if it is still at `expected`; `None` when someone changed it first.
pub fn update_plan(
    conn: &mut DbConnection,
    id: PlanId,
    expected: Version,
    fields: &PlanDraft,
    now: DateTime<Utc>,
) -> Result<Option<Plan>, StoreError> {
    let changed = diesel::update(
        plans::table
            .find(id.to_string())
            .filter(plans::version.eq(expected.0))
            .filter(plans::deleted_at.is_null()),
    )
    .set((
        plans::title.eq(&fields.title),
        plans::service.eq(&fields.service),
        plans::owner_user_id.eq(fields.owner_user_id.map(|u| u.to_string())),
        plans::status.eq(fields.status.as_str()),
        plans::period_starts_on.eq(fields.period_starts_on),
        plans::period_ends_on.eq(fields.period_ends_on),
        plans::version.eq(expected.next().0),
        plans::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find_plan(conn, id)
}

/// Takes the plan's row lock for the rest of the transaction, so that writes to one plan and
/// its stages happen one after another (on SQLite the write transaction already holds the
/// database lock). `false` when the plan does not exist or is deleted.
pub fn lock_plan(conn: &mut DbConnection, id: PlanId) -> Result<bool, StoreError> {
    let locked = diesel::update(
        plans::table
            .find(id.to_string())
            .filter(plans::deleted_at.is_null()),
    )
    .set(plans::version.eq(plans::version))
    .execute(conn)?;
    Ok(locked == 1)
}

/// Marks the plan deleted if it is still at `expected`; its records stay, unreachable.
pub fn soft_delete_plan(
    conn: &mut DbConnection,
    id: PlanId,
    expected: Version,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        plans::table
            .find(id.to_string())
            .filter(plans::version.eq(expected.0))
            .filter(plans::deleted_at.is_null()),
    )
    .set((
        plans::deleted_at.eq(Some(to_db_time(now))),
        plans::version.eq(expected.next().0),
        plans::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

// ---- priority areas -----------------------------------------------------------------------

fn write_priority_codes(
    conn: &mut DbConnection,
    id: PriorityId,
    fields: &PriorityDraft,
) -> Result<(), StoreError> {
    diesel::delete(
        priority_ethnic_categories::table
            .filter(priority_ethnic_categories::priority_id.eq(id.to_string())),
    )
    .execute(conn)?;
    // One row at a time: batch inserts do not compile for both backends at once.
    for code in &fields.ethnic_categories {
        diesel::insert_into(priority_ethnic_categories::table)
            .values((
                priority_ethnic_categories::priority_id.eq(id.to_string()),
                priority_ethnic_categories::code.eq(code.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_priority(
    conn: &mut DbConnection,
    plan: PlanId,
    fields: &PriorityDraft,
    now: DateTime<Utc>,
) -> Result<Priority, StoreError> {
    let id = PriorityId::new();
    let row = PriorityRow {
        id: id.to_string(),
        plan_id: plan.to_string(),
        statement: fields.statement.clone(),
        service_area: fields.service_area.clone(),
        evidence: fields.evidence.clone(),
        communities_consulted: fields.communities_consulted,
        consultation_notes: fields.consultation_notes.clone(),
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
    };
    diesel::insert_into(priorities::table)
        .values(&row)
        .execute(conn)?;
    write_priority_codes(conn, id, fields)?;
    find_priority(conn, id)?
        .ok_or_else(|| StoreError::Internal("inserted priority vanished".into()))
}

fn priorities_with_codes(
    conn: &mut DbConnection,
    rows: Vec<PriorityRow>,
) -> Result<Vec<Priority>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let codes: Vec<(String, String)> = priority_ethnic_categories::table
        .filter(priority_ethnic_categories::priority_id.eq_any(ids))
        .select((
            priority_ethnic_categories::priority_id,
            priority_ethnic_categories::code,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let mine: Vec<String> = codes
                .iter()
                .filter(|(p, _)| *p == row.id)
                .map(|(_, c)| c.clone())
                .collect();
            row.into_domain(&mine)
        })
        .collect()
}

pub fn find_priority(
    conn: &mut DbConnection,
    id: PriorityId,
) -> Result<Option<Priority>, StoreError> {
    let row = priorities::table
        .find(id.to_string())
        .select(PriorityRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => priorities_with_codes(conn, vec![row])?.pop(),
        None => None,
    })
}

/// A plan's priority areas, oldest first; all of them when `limit` is `None`.
pub fn list_priorities(
    conn: &mut DbConnection,
    plan: PlanId,
    after: Option<&Cursor>,
    limit: Option<PageLimit>,
) -> Result<Page<Priority>, StoreError> {
    let mut query = priorities::table
        .filter(priorities::plan_id.eq(plan.to_string()))
        .select(PriorityRow::as_select())
        .order(priorities::id.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(priorities::id.gt(after.as_str().to_owned()));
    }
    if let Some(limit) = limit {
        query = query.limit(i64::from(limit.get()) + 1);
    }
    let rows = query.load(conn)?;
    let items = priorities_with_codes(conn, rows)?;
    Ok(paged(items, limit, |p| Cursor::after(p.id)))
}

fn paged<T>(items: Vec<T>, limit: Option<PageLimit>, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    match limit {
        Some(limit) => Page::from_overfetch(items, limit, cursor),
        None => Page {
            items,
            next_cursor: None,
        },
    }
}

pub fn update_priority(
    conn: &mut DbConnection,
    id: PriorityId,
    expected: Version,
    fields: &PriorityDraft,
    now: DateTime<Utc>,
) -> Result<Option<Priority>, StoreError> {
    let changed = diesel::update(
        priorities::table
            .find(id.to_string())
            .filter(priorities::version.eq(expected.0)),
    )
    .set((
        priorities::statement.eq(&fields.statement),
        priorities::service_area.eq(&fields.service_area),
        priorities::evidence.eq(&fields.evidence),
        priorities::communities_consulted.eq(fields.communities_consulted),
        priorities::consultation_notes.eq(&fields.consultation_notes),
        priorities::version.eq(expected.next().0),
        priorities::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    write_priority_codes(conn, id, fields)?;
    find_priority(conn, id)
}

/// Deletes the priority (and its ethnic categories, by cascade) if it is still at `expected`.
pub fn delete_priority(
    conn: &mut DbConnection,
    id: PriorityId,
    expected: Version,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        priorities::table
            .find(id.to_string())
            .filter(priorities::version.eq(expected.0)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

pub fn count_actions_for_priority(
    conn: &mut DbConnection,
    id: PriorityId,
) -> Result<i64, StoreError> {
    Ok(actions::table
        .filter(actions::priority_id.eq(id.to_string()))
        .count()
        .get_result(conn)?)
}

// ---- goals --------------------------------------------------------------------------------

fn write_goal_competencies(
    conn: &mut DbConnection,
    id: GoalId,
    fields: &GoalDraft,
) -> Result<(), StoreError> {
    diesel::delete(goal_competencies::table.filter(goal_competencies::goal_id.eq(id.to_string())))
        .execute(conn)?;
    for competency in &fields.competencies {
        diesel::insert_into(goal_competencies::table)
            .values((
                goal_competencies::goal_id.eq(id.to_string()),
                goal_competencies::competency.eq(competency.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_goal(
    conn: &mut DbConnection,
    plan: PlanId,
    fields: &GoalDraft,
    now: DateTime<Utc>,
) -> Result<Goal, StoreError> {
    let id = GoalId::new();
    let row = GoalRow {
        id: id.to_string(),
        plan_id: plan.to_string(),
        statement: fields.statement.clone(),
        measure: fields.measure.clone(),
        baseline: fields.baseline.clone(),
        target: fields.target.clone(),
        deadline: fields.deadline,
        pillar: fields.pillar.as_str().to_owned(),
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
    };
    diesel::insert_into(goals::table)
        .values(&row)
        .execute(conn)?;
    write_goal_competencies(conn, id, fields)?;
    find_goal(conn, id)?.ok_or_else(|| StoreError::Internal("inserted goal vanished".into()))
}

fn goals_with_competencies(
    conn: &mut DbConnection,
    rows: Vec<GoalRow>,
) -> Result<Vec<Goal>, StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let tied: Vec<(String, String)> = goal_competencies::table
        .filter(goal_competencies::goal_id.eq_any(ids))
        .select((goal_competencies::goal_id, goal_competencies::competency))
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let mine: Vec<String> = tied
                .iter()
                .filter(|(g, _)| *g == row.id)
                .map(|(_, c)| c.clone())
                .collect();
            row.into_domain(&mine)
        })
        .collect()
}

pub fn find_goal(conn: &mut DbConnection, id: GoalId) -> Result<Option<Goal>, StoreError> {
    let row = goals::table
        .find(id.to_string())
        .select(GoalRow::as_select())
        .first(conn)
        .optional()?;
    Ok(match row {
        Some(row) => goals_with_competencies(conn, vec![row])?.pop(),
        None => None,
    })
}

/// A plan's goals, oldest first; all of them when `limit` is `None`.
pub fn list_goals(
    conn: &mut DbConnection,
    plan: PlanId,
    after: Option<&Cursor>,
    limit: Option<PageLimit>,
) -> Result<Page<Goal>, StoreError> {
    let mut query = goals::table
        .filter(goals::plan_id.eq(plan.to_string()))
        .select(GoalRow::as_select())
        .order(goals::id.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(goals::id.gt(after.as_str().to_owned()));
    }
    if let Some(limit) = limit {
        query = query.limit(i64::from(limit.get()) + 1);
    }
    let rows = query.load(conn)?;
    let items = goals_with_competencies(conn, rows)?;
    Ok(paged(items, limit, |g| Cursor::after(g.id)))
}

pub fn update_goal(
    conn: &mut DbConnection,
    id: GoalId,
    expected: Version,
    fields: &GoalDraft,
    now: DateTime<Utc>,
) -> Result<Option<Goal>, StoreError> {
    let changed = diesel::update(
        goals::table
            .find(id.to_string())
            .filter(goals::version.eq(expected.0)),
    )
    .set((
        goals::statement.eq(&fields.statement),
        goals::measure.eq(&fields.measure),
        goals::baseline.eq(&fields.baseline),
        goals::target.eq(&fields.target),
        goals::deadline.eq(fields.deadline),
        goals::pillar.eq(fields.pillar.as_str()),
        goals::version.eq(expected.next().0),
        goals::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    write_goal_competencies(conn, id, fields)?;
    find_goal(conn, id)
}

/// Deletes the goal (and its competencies, by cascade) if it is still at `expected`.
pub fn delete_goal(
    conn: &mut DbConnection,
    id: GoalId,
    expected: Version,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        goals::table
            .find(id.to_string())
            .filter(goals::version.eq(expected.0)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

// ---- actions ------------------------------------------------------------------------------

pub fn insert_action(
    conn: &mut DbConnection,
    plan: PlanId,
    fields: &ActionDraft,
    status: ActionStatus,
    now: DateTime<Utc>,
) -> Result<Action, StoreError> {
    let row = ActionRow {
        id: ActionId::new().to_string(),
        plan_id: plan.to_string(),
        priority_id: fields.priority_id.to_string(),
        description: fields.description.clone(),
        measure: fields.measure.clone(),
        expected_outcome: fields.expected_outcome.clone(),
        starts_on: fields.starts_on,
        ends_on: fields.ends_on,
        lead_name: fields.lead_name.clone(),
        lead_role: fields.lead_role.clone(),
        cost_implications: fields.cost_implications.clone(),
        status: status.as_str().to_owned(),
        last_update_on: None,
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
    };
    diesel::insert_into(actions::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn find_action(conn: &mut DbConnection, id: ActionId) -> Result<Option<Action>, StoreError> {
    actions::table
        .find(id.to_string())
        .select(ActionRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// Filters for a plan's actions.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub priority_id: Option<PriorityId>,
    pub status: Option<ActionStatus>,
    /// `(true, day)`: only actions overdue on that day (ended before it, not finished);
    /// `(false, day)`: only those that are not.
    pub overdue_on: Option<(bool, NaiveDate)>,
}

/// The statuses of an action nothing more is expected of (see `ActionStatus::is_finished`).
const FINISHED: [&str; 2] = ["complete", "dropped"];

/// A plan's actions, oldest first; all of them when `limit` is `None`.
pub fn list_actions(
    conn: &mut DbConnection,
    plan: PlanId,
    filter: &ActionFilter,
    after: Option<&Cursor>,
    limit: Option<PageLimit>,
) -> Result<Page<Action>, StoreError> {
    let mut query = actions::table
        .filter(actions::plan_id.eq(plan.to_string()))
        .select(ActionRow::as_select())
        .order(actions::id.asc())
        .into_boxed();
    if let Some(priority) = filter.priority_id {
        query = query.filter(actions::priority_id.eq(priority.to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(actions::status.eq(status.as_str()));
    }
    match filter.overdue_on {
        Some((true, today)) => {
            query = query
                .filter(actions::ends_on.lt(today))
                .filter(actions::status.ne_all(FINISHED));
        }
        Some((false, today)) => {
            query = query.filter(
                actions::ends_on
                    .is_null()
                    .or(actions::ends_on.ge(today))
                    .or(actions::status.eq_any(FINISHED)),
            );
        }
        None => {}
    }
    if let Some(after) = after {
        query = query.filter(actions::id.gt(after.as_str().to_owned()));
    }
    if let Some(limit) = limit {
        query = query.limit(i64::from(limit.get()) + 1);
    }
    let items = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<Action>, _>>()?;
    Ok(paged(items, limit, |a| Cursor::after(a.id)))
}

pub fn update_action(
    conn: &mut DbConnection,
    id: ActionId,
    expected: Version,
    fields: &ActionDraft,
    now: DateTime<Utc>,
) -> Result<Option<Action>, StoreError> {
    let changed = diesel::update(
        actions::table
            .find(id.to_string())
            .filter(actions::version.eq(expected.0)),
    )
    .set((
        actions::priority_id.eq(fields.priority_id.to_string()),
        actions::description.eq(&fields.description),
        actions::measure.eq(&fields.measure),
        actions::expected_outcome.eq(&fields.expected_outcome),
        actions::starts_on.eq(fields.starts_on),
        actions::ends_on.eq(fields.ends_on),
        actions::lead_name.eq(&fields.lead_name),
        actions::lead_role.eq(&fields.lead_role),
        actions::cost_implications.eq(&fields.cost_implications),
        actions::version.eq(expected.next().0),
        actions::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find_action(conn, id)
}

/// Deletes the action (and its progress updates, by cascade) if it is still at `expected`.
pub fn delete_action(
    conn: &mut DbConnection,
    id: ActionId,
    expected: Version,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        actions::table
            .find(id.to_string())
            .filter(actions::version.eq(expected.0)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

// ---- progress updates ---------------------------------------------------------------------

/// Records a progress update and brings the action's status and latest-update date in line
/// with its latest update (by date, then by when it was recorded).
pub fn insert_progress_update(
    conn: &mut DbConnection,
    action: &Action,
    fields: &ProgressDraft,
    author: UserId,
    now: DateTime<Utc>,
) -> Result<(ProgressUpdate, Action), StoreError> {
    let id = ProgressUpdateId::new();
    let row = ProgressUpdateRow {
        id: id.to_string(),
        action_id: action.id.to_string(),
        plan_id: action.plan_id.to_string(),
        reported_on: fields.reported_on,
        status: fields.status.as_str().to_owned(),
        rag: fields.rag.as_str().to_owned(),
        narrative: fields.narrative.clone(),
        evidence_url: fields.evidence_url.clone(),
        author_user_id: Some(author.to_string()),
        created_at: to_db_time(now),
    };
    diesel::insert_into(progress_updates::table)
        .values(&row)
        .execute(conn)?;
    let (latest_on, latest_status): (NaiveDate, String) = progress_updates::table
        .filter(progress_updates::action_id.eq(action.id.to_string()))
        .order((
            progress_updates::reported_on.desc(),
            progress_updates::id.desc(),
        ))
        .select((progress_updates::reported_on, progress_updates::status))
        .first(conn)?;
    diesel::update(actions::table.find(action.id.to_string()))
        .set((
            actions::status.eq(latest_status),
            actions::last_update_on.eq(Some(latest_on)),
            actions::version.eq(actions::version + 1),
            actions::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    let action = find_action(conn, action.id)?
        .ok_or_else(|| StoreError::Internal("updated action vanished".into()))?;
    let update = find_progress_update(conn, id)?
        .ok_or_else(|| StoreError::Internal("inserted update vanished".into()))?;
    Ok((update, action))
}

fn find_progress_update(
    conn: &mut DbConnection,
    id: ProgressUpdateId,
) -> Result<Option<ProgressUpdate>, StoreError> {
    progress_updates::table
        .left_join(users::table.on(progress_updates::author_user_id.eq(users::id.nullable())))
        .filter(progress_updates::id.eq(id.to_string()))
        .select((
            ProgressUpdateRow::as_select(),
            users::display_name.nullable(),
        ))
        .first::<(ProgressUpdateRow, Option<String>)>(conn)
        .optional()?
        .map(|(row, author)| row.into_domain(author))
        .transpose()
}

/// Progress updates, newest first (by the date reported on, then by when recorded): of one
/// action, or of a whole plan. All of them when `limit` is `None`.
pub fn list_progress_updates(
    conn: &mut DbConnection,
    scope: UpdateScope,
    after: Option<&Cursor>,
    limit: Option<PageLimit>,
) -> Result<Page<ProgressUpdate>, StoreError> {
    let mut query = progress_updates::table
        .left_join(users::table.on(progress_updates::author_user_id.eq(users::id.nullable())))
        .select((
            ProgressUpdateRow::as_select(),
            users::display_name.nullable(),
        ))
        .order((
            progress_updates::reported_on.desc(),
            progress_updates::id.desc(),
        ))
        .into_boxed();
    query = match scope {
        UpdateScope::Action(action) => {
            query.filter(progress_updates::action_id.eq(action.to_string()))
        }
        UpdateScope::Plan(plan) => query.filter(progress_updates::plan_id.eq(plan.to_string())),
    };
    if let Some(after) = after {
        // Resume after the cursor's update in (date desc, id desc) order.
        let mut last = progress_updates::table
            .find(after.as_str().to_owned())
            .select(progress_updates::reported_on)
            .into_boxed();
        // Only an update of the same list can be a cursor: another's would reveal its date.
        last = match scope {
            UpdateScope::Action(action) => {
                last.filter(progress_updates::action_id.eq(action.to_string()))
            }
            UpdateScope::Plan(plan) => last.filter(progress_updates::plan_id.eq(plan.to_string())),
        };
        let last = last.first::<NaiveDate>(conn).optional()?;
        if let Some(on) = last {
            query = query.filter(
                progress_updates::reported_on
                    .lt(on)
                    .or(progress_updates::reported_on
                        .eq(on)
                        .and(progress_updates::id.lt(after.as_str().to_owned()))),
            );
        }
    }
    if let Some(limit) = limit {
        query = query.limit(i64::from(limit.get()) + 1);
    }
    let items = query
        .load::<(ProgressUpdateRow, Option<String>)>(conn)?
        .into_iter()
        .map(|(row, author)| row.into_domain(author))
        .collect::<Result<Vec<ProgressUpdate>, _>>()?;
    Ok(paged(items, limit, |u| Cursor::after(u.id)))
}

#[derive(Debug, Clone, Copy)]
pub enum UpdateScope {
    Action(ActionId),
    Plan(PlanId),
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Talking"), "%talking%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
