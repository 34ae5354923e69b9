//! The four stages of a plan: priority areas, goals, actions and progress updates. Each
//! record is reached through its live plan, so a deleted plan's records are gone too, and the
//! plan's workspace decides who may read or change them.

use pcref_domain::{
    Action, ActionDraft, ActionId, ActionPatch, ActionStatus, ActionView, Cursor, Goal, GoalDraft,
    GoalId, GoalPatch, IfMatch, Page, PageLimit, Plan, PlanId, Priority, PriorityDraft, PriorityId,
    PriorityPatch, ProgressDraft, ProgressUpdate,
};
use pcref_store::plans::{self as store, ActionFilter, UpdateScope};
use pcref_store::DbConnection;
use serde_json::{json, Value};

use crate::audit::Change;
use crate::plans::{plan_for, record_workspace, reporting_cycle_days, today, visible_plan};
use crate::{check_if_match, check_optional_if_match, now, App, AppError, Principal};

fn priority_json(p: &Priority) -> Value {
    let f = &p.fields;
    json!({
        "id": p.id.to_string(),
        "plan_id": p.plan_id.to_string(),
        "statement": f.statement,
        "ethnic_categories": f.ethnic_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "service_area": f.service_area,
        "evidence": f.evidence,
        "communities_consulted": f.communities_consulted,
        "consultation_notes": f.consultation_notes,
        "version": p.version.0,
    })
}

fn goal_json(g: &Goal) -> Value {
    let f = &g.fields;
    json!({
        "id": g.id.to_string(),
        "plan_id": g.plan_id.to_string(),
        "statement": f.statement,
        "measure": f.measure,
        "baseline": f.baseline,
        "target": f.target,
        "deadline": f.deadline.map(|d| d.to_string()),
        "competencies": f.competencies.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "pillar": f.pillar.as_str(),
        "version": g.version.0,
    })
}

fn action_json(a: &Action) -> Value {
    let f = &a.fields;
    json!({
        "id": a.id.to_string(),
        "plan_id": a.plan_id.to_string(),
        "priority_id": f.priority_id.to_string(),
        "description": f.description,
        "measure": f.measure,
        "expected_outcome": f.expected_outcome,
        "starts_on": f.starts_on.map(|d| d.to_string()),
        "ends_on": f.ends_on.map(|d| d.to_string()),
        "lead_name": f.lead_name,
        "lead_role": f.lead_role,
        "cost_implications": f.cost_implications,
        "status": a.status.as_str(),
        "version": a.version.0,
    })
}

fn update_json(u: &ProgressUpdate) -> Value {
    let f = &u.fields;
    json!({
        "id": u.id.to_string(),
        "action_id": u.action_id.to_string(),
        "reported_on": f.reported_on.to_string(),
        "status": f.status.as_str(),
        "rag": f.rag.as_str(),
        "narrative": f.narrative,
        "evidence_url": f.evidence_url,
    })
}

/// A record of a plan's stage, found with its live plan and checked against the caller.
fn priority_for(
    conn: &mut DbConnection,
    p: &Principal,
    id: PriorityId,
    write: bool,
) -> Result<(Priority, Plan), AppError> {
    let priority = store::find_priority(conn, id)?.ok_or(AppError::NotFound("priority"))?;
    let plan =
        plan_for(conn, p, priority.plan_id, write).map_err(|e| rename_not_found(e, "priority"))?;
    Ok((priority, plan))
}

fn goal_for(
    conn: &mut DbConnection,
    p: &Principal,
    id: GoalId,
    write: bool,
) -> Result<(Goal, Plan), AppError> {
    let goal = store::find_goal(conn, id)?.ok_or(AppError::NotFound("goal"))?;
    let plan = plan_for(conn, p, goal.plan_id, write).map_err(|e| rename_not_found(e, "goal"))?;
    if !write {
        return Ok((goal, plan));
    }
    let goal = store::find_goal(conn, id)?.ok_or(AppError::NotFound("goal"))?;
    Ok((goal, plan))
}

fn action_for(
    conn: &mut DbConnection,
    p: &Principal,
    id: ActionId,
    write: bool,
) -> Result<(Action, Plan), AppError> {
    let action = store::find_action(conn, id)?.ok_or(AppError::NotFound("action"))?;
    let plan =
        plan_for(conn, p, action.plan_id, write).map_err(|e| rename_not_found(e, "action"))?;
    Ok((action, plan))
}

/// A hidden or deleted plan makes its records not found under their own name.
fn rename_not_found(e: AppError, what: &'static str) -> AppError {
    match e {
        AppError::NotFound(_) => AppError::NotFound(what),
        other => other,
    }
}

/// An action's priority must be one of the same plan's.
fn check_priority_in_plan(
    conn: &mut DbConnection,
    plan: PlanId,
    priority: PriorityId,
) -> Result<(), AppError> {
    match store::find_priority(conn, priority)? {
        Some(found) if found.plan_id == plan => Ok(()),
        _ => Err(AppError::invalid(
            "priority_id",
            "must be the id of a priority area of this plan",
        )),
    }
}

/// An action with its overdue and stale flags.
pub type ActionWithFlags = ActionView;

/// A progress update as posted; `reported_on` defaults to today.
#[derive(Debug, Clone)]
pub struct NewProgressUpdate {
    pub reported_on: Option<chrono::NaiveDate>,
    pub status: ActionStatus,
    pub rag: pcref_domain::Rag,
    pub narrative: String,
    pub evidence_url: Option<String>,
}

/// Filters for a plan's actions.
#[derive(Debug, Clone, Default)]
pub struct ActionQuery {
    pub priority_id: Option<PriorityId>,
    pub status: Option<ActionStatus>,
    pub overdue: Option<bool>,
}

impl App {
    // ---- stage 1: priority areas --------------------------------------------------------

    pub async fn list_priorities(
        &self,
        p: &Principal,
        plan: PlanId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Priority>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                plan_for(conn, &p, plan, false)?;
                Ok(store::list_priorities(
                    conn,
                    plan,
                    after.as_ref(),
                    Some(limit),
                )?)
            })
            .await
    }

    pub async fn create_priority(
        &self,
        p: &Principal,
        plan: PlanId,
        fields: PriorityDraft,
    ) -> Result<Priority, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let plan = plan_for(conn, &p, plan, true)?;
                let created = store::insert_priority(conn, plan.id, &fields, now())?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "priority.created",
                        target_type: "priority",
                        target_id: created.id.to_string(),
                        before: None,
                        after: Some(priority_json(&created)),
                    },
                )?;
                Ok(created)
            })
            .await
    }

    pub async fn get_priority(&self, p: &Principal, id: PriorityId) -> Result<Priority, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| Ok(priority_for(conn, &p, id, false)?.0))
            .await
    }

    pub async fn update_priority(
        &self,
        p: &Principal,
        id: PriorityId,
        if_match: Option<IfMatch>,
        patch: PriorityPatch,
    ) -> Result<Priority, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = priority_for(conn, &p, id, true)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let fields = before.fields.apply(&patch);
                if fields == before.fields {
                    return Ok(before);
                }
                let after = store::update_priority(conn, id, before.version, &fields, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "priority.updated",
                        target_type: "priority",
                        target_id: id.to_string(),
                        before: Some(priority_json(&before)),
                        after: Some(priority_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }

    /// Deletes a priority area that no action serves any more.
    pub async fn delete_priority(
        &self,
        p: &Principal,
        id: PriorityId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = priority_for(conn, &p, id, true)?;
                check_optional_if_match(if_match.as_ref(), before.version)?;
                let serving = store::count_actions_for_priority(conn, id)?;
                if serving > 0 {
                    return Err(AppError::Conflict(format!(
                        "{serving} action(s) serve this priority area: move them to another priority or delete them first"
                    )));
                }
                if !store::delete_priority(conn, id, before.version)? {
                    return Err(AppError::PreconditionFailed);
                }
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "priority.deleted",
                        target_type: "priority",
                        target_id: id.to_string(),
                        before: Some(priority_json(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }

    // ---- stage 2: goals -----------------------------------------------------------------

    pub async fn list_goals(
        &self,
        p: &Principal,
        plan: PlanId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Goal>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                plan_for(conn, &p, plan, false)?;
                Ok(store::list_goals(conn, plan, after.as_ref(), Some(limit))?)
            })
            .await
    }

    /// Creates a goal. A goal written by hand must be time-bound: its deadline is required.
    pub async fn create_goal(
        &self,
        p: &Principal,
        plan: PlanId,
        fields: GoalDraft,
    ) -> Result<Goal, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let plan = plan_for(conn, &p, plan, true)?;
                if fields.deadline.is_none() {
                    return Err(AppError::invalid(
                        "deadline",
                        "a SMART goal is time-bound: give the date by which the target is met",
                    ));
                }
                let created = store::insert_goal(conn, plan.id, &fields, now())?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "goal.created",
                        target_type: "goal",
                        target_id: created.id.to_string(),
                        before: None,
                        after: Some(goal_json(&created)),
                    },
                )?;
                Ok(created)
            })
            .await
    }

    pub async fn get_goal(&self, p: &Principal, id: GoalId) -> Result<Goal, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| Ok(goal_for(conn, &p, id, false)?.0))
            .await
    }

    pub async fn update_goal(
        &self,
        p: &Principal,
        id: GoalId,
        if_match: Option<IfMatch>,
        patch: GoalPatch,
    ) -> Result<Goal, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = goal_for(conn, &p, id, true)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let fields = before.fields.apply(&patch);
                if fields == before.fields {
                    return Ok(before);
                }
                let after = store::update_goal(conn, id, before.version, &fields, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "goal.updated",
                        target_type: "goal",
                        target_id: id.to_string(),
                        before: Some(goal_json(&before)),
                        after: Some(goal_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }

    pub async fn delete_goal(
        &self,
        p: &Principal,
        id: GoalId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = goal_for(conn, &p, id, true)?;
                check_optional_if_match(if_match.as_ref(), before.version)?;
                if !store::delete_goal(conn, id, before.version)? {
                    return Err(AppError::PreconditionFailed);
                }
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "goal.deleted",
                        target_type: "goal",
                        target_id: id.to_string(),
                        before: Some(goal_json(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }

    // ---- stage 3: actions ---------------------------------------------------------------

    pub async fn list_actions(
        &self,
        p: &Principal,
        plan: PlanId,
        query: ActionQuery,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<ActionWithFlags>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let plan = plan_for(conn, &p, plan, false)?;
                let cycle = reporting_cycle_days(conn, &plan)?;
                let today = today();
                let filter = ActionFilter {
                    priority_id: query.priority_id,
                    status: query.status,
                    overdue_on: query.overdue.map(|o| (o, today)),
                };
                let page =
                    store::list_actions(conn, plan.id, &filter, after.as_ref(), Some(limit))?;
                let items: Vec<ActionView> = page
                    .items
                    .into_iter()
                    .map(|a| ActionView::new(a, today, cycle))
                    .collect();
                Ok(Page {
                    items,
                    next_cursor: page.next_cursor,
                })
            })
            .await
    }

    pub async fn create_action(
        &self,
        p: &Principal,
        plan: PlanId,
        fields: ActionDraft,
        status: ActionStatus,
    ) -> Result<ActionWithFlags, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let plan = plan_for(conn, &p, plan, true)?;
                check_priority_in_plan(conn, plan.id, fields.priority_id)?;
                let created = store::insert_action(conn, plan.id, &fields, status, now())?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "action.created",
                        target_type: "action",
                        target_id: created.id.to_string(),
                        before: None,
                        after: Some(action_json(&created)),
                    },
                )?;
                let cycle = reporting_cycle_days(conn, &plan)?;
                Ok(ActionView::new(created, today(), cycle))
            })
            .await
    }

    pub async fn get_action(
        &self,
        p: &Principal,
        id: ActionId,
    ) -> Result<ActionWithFlags, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let (action, plan) = action_for(conn, &p, id, false)?;
                let cycle = reporting_cycle_days(conn, &plan)?;
                Ok(ActionView::new(action, today(), cycle))
            })
            .await
    }

    /// Changes an action's fields. Its status changes only through progress updates.
    pub async fn update_action(
        &self,
        p: &Principal,
        id: ActionId,
        if_match: Option<IfMatch>,
        patch: ActionPatch,
    ) -> Result<ActionWithFlags, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = action_for(conn, &p, id, true)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let fields = before.fields.apply(&patch)?;
                let cycle = reporting_cycle_days(conn, &plan)?;
                if fields == before.fields {
                    return Ok(ActionView::new(before, today(), cycle));
                }
                if fields.priority_id != before.fields.priority_id {
                    check_priority_in_plan(conn, plan.id, fields.priority_id)?;
                }
                let after = store::update_action(conn, id, before.version, &fields, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "action.updated",
                        target_type: "action",
                        target_id: id.to_string(),
                        before: Some(action_json(&before)),
                        after: Some(action_json(&after)),
                    },
                )?;
                Ok(ActionView::new(after, today(), cycle))
            })
            .await
    }

    /// Deletes an action and its progress updates; the audit log keeps both.
    pub async fn delete_action(
        &self,
        p: &Principal,
        id: ActionId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = action_for(conn, &p, id, true)?;
                check_optional_if_match(if_match.as_ref(), before.version)?;
                let updates =
                    store::list_progress_updates(conn, UpdateScope::Action(id), None, None)?.items;
                if !store::delete_action(conn, id, before.version)? {
                    return Err(AppError::PreconditionFailed);
                }
                let mut kept = action_json(&before);
                kept["progress_updates"] = updates.iter().map(update_json).collect();
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "action.deleted",
                        target_type: "action",
                        target_id: id.to_string(),
                        before: Some(kept),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }

    // ---- stage 4: progress updates ------------------------------------------------------

    pub async fn list_progress_updates(
        &self,
        p: &Principal,
        action: ActionId,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<ProgressUpdate>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                action_for(conn, &p, action, false)?;
                Ok(store::list_progress_updates(
                    conn,
                    UpdateScope::Action(action),
                    after.as_ref(),
                    Some(limit),
                )?)
            })
            .await
    }

    /// Posts a dated progress update; the action's status follows its latest update.
    /// `reported_on` defaults to today.
    pub async fn post_progress_update(
        &self,
        p: &Principal,
        action: ActionId,
        new: NewProgressUpdate,
    ) -> Result<(ProgressUpdate, ActionWithFlags), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (before, plan) = action_for(conn, &p, action, true)?;
                let today = today();
                let fields = ProgressDraft {
                    reported_on: new.reported_on.unwrap_or(today),
                    status: new.status,
                    rag: new.rag,
                    narrative: new.narrative,
                    evidence_url: new.evidence_url,
                }
                .check(today)?;
                let (update, after) =
                    store::insert_progress_update(conn, &before, &fields, p.user.id, now())?;
                let mut recorded = update_json(&update);
                recorded["action_status"] = json!({
                    "before": before.status.as_str(),
                    "after": after.status.as_str(),
                });
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "progress_update.created",
                        target_type: "progress_update",
                        target_id: update.id.to_string(),
                        before: None,
                        after: Some(recorded),
                    },
                )?;
                let cycle = reporting_cycle_days(conn, &plan)?;
                Ok((update, ActionView::new(after, today, cycle)))
            })
            .await
    }
}

/// A record of a workspace, named for an authorization check.
#[derive(Debug, Clone, Copy)]
pub enum WorkspaceRecord {
    Organisation(pcref_domain::OrganisationId),
    Plan(PlanId),
    Priority(PriorityId),
    Goal(GoalId),
    Action(ActionId),
}

impl App {
    /// Whether the caller may read (or, with `write`, change) this record of a workspace.
    /// Handlers ask before reporting what is wrong with a request's body, so that somebody
    /// outside the workspace learns nothing from the answer.
    pub async fn authorize(
        &self,
        p: &Principal,
        record: WorkspaceRecord,
        write: bool,
    ) -> Result<(), AppError> {
        if let WorkspaceRecord::Organisation(org) = record {
            // Decided by the caller's memberships alone.
            return if write {
                crate::policy::write_workspace(p, org, "organisation")
            } else {
                crate::policy::read_workspace(p, org, "organisation")
            };
        }
        let p = p.clone();
        self.db
            .read(move |conn| {
                let (plan, what) = match record {
                    WorkspaceRecord::Organisation(_) => return Ok(()),
                    WorkspaceRecord::Plan(id) => (id, "plan"),
                    WorkspaceRecord::Priority(id) => (
                        store::find_priority(conn, id)?
                            .ok_or(AppError::NotFound("priority"))?
                            .plan_id,
                        "priority",
                    ),
                    WorkspaceRecord::Goal(id) => (
                        store::find_goal(conn, id)?
                            .ok_or(AppError::NotFound("goal"))?
                            .plan_id,
                        "goal",
                    ),
                    WorkspaceRecord::Action(id) => (
                        store::find_action(conn, id)?
                            .ok_or(AppError::NotFound("action"))?
                            .plan_id,
                        "action",
                    ),
                };
                // A check only: no lock is taken outside the write that follows.
                visible_plan(conn, &p, plan, write)
                    .map(drop)
                    .map_err(|e| rename_not_found(e, what))
            })
            .await
    }
}
