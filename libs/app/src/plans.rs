//! Action plans in a provider's private workspace, and the templates they are made from.
//! Every check is `policy::read_workspace` / `write_workspace`: nobody outside the provider
//! sees any of it.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use pcref_domain::{
    ActionDraft, ActionStatus, Competency, Cursor, EthnicCategory, GoalDraft, IfMatch,
    MembershipStatus, OrganisationId, Page, PageLimit, Pillar, Plan, PlanDocument, PlanDraft,
    PlanFilter, PlanId, PlanPatch, PriorityDraft, Role, Template, TemplateAction, TemplateContent,
    TemplateGoal, TemplateId, TemplatePriority, UserId, ValidationError, BUILT_IN_TEMPLATE_ID,
};
use pcref_store::memberships::MembershipScope;
use pcref_store::plans::{self as store, ActionFilter, NewPlan, UpdateScope};
use pcref_store::templates::{self, NewTemplate};
use pcref_store::{alliances, memberships, organisations, DbConnection};
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::kept::KeptMap;
use crate::{check_if_match, check_optional_if_match, now, policy, App, AppError, Principal};

/// How long a plan read from the database may be served from memory (see `kept`): a change made
/// through another server is seen within this; through this one, at once.
const PLANS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) type KeptPlans = KeptMap<PlanId, Arc<Plan>>;

pub(crate) fn kept_plans() -> KeptPlans {
    KeptMap::new(PLANS_FRESH_FOR, 10_000)
}

/// A new plan: its fields, and the template to copy the structure of, if any.
#[derive(Debug, Clone)]
pub struct NewPlanRequest {
    pub fields: PlanDraft,
    pub template_id: Option<TemplateId>,
}

/// A template to save from a plan.
#[derive(Debug, Clone)]
pub struct NewTemplateRequest {
    pub from_plan_id: PlanId,
    pub name: String,
    pub description: Option<String>,
}

/// Today, as the date that decides overdue and stale.
pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The live plan with this id, if the caller may read (or, with `write`, change) its
/// workspace. Hidden and missing plans answer alike. Takes no lock: for checks and reads.
pub(crate) fn visible_plan(
    conn: &mut DbConnection,
    p: &Principal,
    id: PlanId,
    write: bool,
) -> Result<Plan, AppError> {
    let plan = store::find_plan(conn, id)?.ok_or(AppError::NotFound("plan"))?;
    if write {
        policy::write_workspace(p, plan.organisation_id, "plan")?;
    } else {
        policy::read_workspace(p, plan.organisation_id, "plan")?;
    }
    Ok(plan)
}

/// As [`visible_plan`]; with `write`, inside a write transaction, it also takes the plan's
/// lock and reads the plan again under it.
pub(crate) fn plan_for(
    conn: &mut DbConnection,
    p: &Principal,
    id: PlanId,
    write: bool,
) -> Result<Plan, AppError> {
    let plan = visible_plan(conn, p, id, write)?;
    if !write {
        return Ok(plan);
    }
    // Writers to one plan take turns, and what they checked stays true until they commit:
    // lock, then read again what may have changed before the lock.
    if !store::lock_plan(conn, id)? {
        return Err(AppError::NotFound("plan"));
    }
    store::find_plan(conn, id)?.ok_or(AppError::NotFound("plan"))
}

/// Records a change to a workspace: visible to the provider's admins only.
pub(crate) fn record_workspace(
    conn: &mut DbConnection,
    p: &Principal,
    plan: &Plan,
    change: Change<'_>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(p),
        now(),
        AuditScope::Workspace(plan.alliance_id, plan.organisation_id),
        change,
    )?;
    Ok(())
}

pub(crate) fn plan_json(plan: &Plan) -> Value {
    let f = &plan.fields;
    json!({
        "id": plan.id.to_string(),
        "organisation_id": plan.organisation_id.to_string(),
        "title": f.title,
        "service": f.service,
        "owner_user_id": f.owner_user_id.map(|u| u.to_string()),
        "status": f.status.as_str(),
        "period_starts_on": f.period_starts_on.map(|d| d.to_string()),
        "period_ends_on": f.period_ends_on.map(|d| d.to_string()),
        "template_id": plan.template_id.map(|t| t.to_string()),
        "version": plan.version.0,
    })
}

/// The owner must be an active member of the provider's workspace.
fn check_owner(
    conn: &mut DbConnection,
    plan_org: (pcref_domain::AllianceId, OrganisationId),
    owner: Option<UserId>,
) -> Result<(), AppError> {
    let Some(owner) = owner else {
        return Ok(());
    };
    let membership = memberships::find_in_scope(
        conn,
        owner,
        MembershipScope::Organisation(plan_org.0, plan_org.1),
    )?;
    let is_member = membership.is_some_and(|m| {
        m.status == MembershipStatus::Active
            && matches!(
                m.role,
                Role::ProviderAdmin | Role::ProviderEditor | Role::ProviderViewer
            )
    });
    if is_member {
        Ok(())
    } else {
        Err(AppError::invalid(
            "owner_user_id",
            "must be the user id of an active member of this provider",
        ))
    }
}

/// A template the organisation may use: built in, or its own.
fn usable_template(
    conn: &mut DbConnection,
    org: OrganisationId,
    id: TemplateId,
) -> Result<Option<Template>, AppError> {
    Ok(templates::find(conn, id)?
        .filter(|t| t.organisation_id.is_none() || t.organisation_id == Some(org)))
}

/// Copies a template's priorities, goals and actions into a new plan.
fn copy_structure(
    conn: &mut DbConnection,
    plan: PlanId,
    content: &TemplateContent,
) -> Result<(usize, usize, usize), AppError> {
    let at = now();
    let corrupt = |e: ValidationError| AppError::Internal(format!("template content: {e}"));
    let mut priority_ids = Vec::new();
    for tp in &content.priorities {
        let codes: Vec<&str> = tp.ethnic_categories.iter().map(String::as_str).collect();
        let draft = PriorityDraft {
            statement: tp.statement.clone(),
            ethnic_categories: EthnicCategory::parse_list("ethnic_categories", &codes)
                .map_err(corrupt)?,
            service_area: tp.service_area.clone(),
            evidence: tp.evidence.clone(),
            communities_consulted: false,
            consultation_notes: None,
        };
        priority_ids.push(store::insert_priority(conn, plan, &draft, at)?.id);
    }
    for tg in &content.goals {
        let names: Vec<&str> = tg.competencies.iter().map(String::as_str).collect();
        let draft = GoalDraft {
            statement: tg.statement.clone(),
            measure: tg.measure.clone(),
            baseline: tg.baseline.clone(),
            target: tg.target.clone(),
            deadline: None,
            competencies: Competency::parse_list("competencies", &names).map_err(corrupt)?,
            pillar: Pillar::parse_for("pillar", &tg.pillar).map_err(corrupt)?,
        };
        store::insert_goal(conn, plan, &draft, at)?;
    }
    for ta in &content.actions {
        let priority_id = *priority_ids.get(ta.priority).ok_or_else(|| {
            AppError::Internal(format!(
                "template action refers to priority {} of {}",
                ta.priority,
                priority_ids.len()
            ))
        })?;
        let draft = ActionDraft {
            priority_id,
            description: ta.description.clone(),
            measure: ta.measure.clone(),
            expected_outcome: ta.expected_outcome.clone(),
            starts_on: None,
            ends_on: None,
            lead_name: None,
            lead_role: ta.lead_role.clone(),
            cost_implications: ta.cost_implications.clone(),
        };
        store::insert_action(conn, plan, &draft, ActionStatus::NotStarted, at)?;
    }
    Ok((
        content.priorities.len(),
        content.goals.len(),
        content.actions.len(),
    ))
}

/// A plan's structure as a template keeps it: no dates, no leads' names, no progress.
fn structure_of(conn: &mut DbConnection, plan: &Plan) -> Result<TemplateContent, AppError> {
    let priorities = store::list_priorities(conn, plan.id, None, None)?.items;
    let goals = store::list_goals(conn, plan.id, None, None)?.items;
    let actions = store::list_actions(conn, plan.id, &ActionFilter::default(), None, None)?.items;
    let stages = if plan.guidance.is_empty() {
        match templates::find(conn, BUILT_IN_TEMPLATE_ID)? {
            Some(t) => t.content.stages,
            None => Vec::new(),
        }
    } else {
        plan.guidance.clone()
    };
    Ok(TemplateContent {
        stages,
        priorities: priorities
            .iter()
            .map(|p| TemplatePriority {
                statement: p.fields.statement.clone(),
                ethnic_categories: p
                    .fields
                    .ethnic_categories
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                service_area: p.fields.service_area.clone(),
                evidence: p.fields.evidence.clone(),
            })
            .collect(),
        goals: goals
            .iter()
            .map(|g| TemplateGoal {
                statement: g.fields.statement.clone(),
                measure: g.fields.measure.clone(),
                baseline: g.fields.baseline.clone(),
                target: g.fields.target.clone(),
                competencies: g
                    .fields
                    .competencies
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                pillar: g.fields.pillar.as_str().to_owned(),
            })
            .collect(),
        actions: actions
            .iter()
            .filter_map(|a| {
                let index = priorities
                    .iter()
                    .position(|p| p.id == a.fields.priority_id)?;
                Some(TemplateAction {
                    priority: index,
                    description: a.fields.description.clone(),
                    measure: a.fields.measure.clone(),
                    expected_outcome: a.fields.expected_outcome.clone(),
                    lead_role: a.fields.lead_role.clone(),
                    cost_implications: a.fields.cost_implications.clone(),
                })
            })
            .collect(),
    })
}

impl App {
    // ---- templates ----------------------------------------------------------------------

    /// The built-in templates and those of every provider the caller works in.
    pub async fn list_templates(
        &self,
        p: &Principal,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Template>, AppError> {
        let workspaces: Vec<OrganisationId> = p
            .memberships
            .iter()
            .filter_map(|m| m.membership.organisation_id)
            .filter(|org| policy::read_workspace(p, *org, "template").is_ok())
            .collect();
        self.db
            .read(move |conn| {
                Ok(templates::list_visible(
                    conn,
                    &workspaces,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    /// A template as the caller may read it: in full to its own organisation's members, as
    /// the redacted copy it shared to the rest of its alliance, not at all to anybody else.
    pub async fn get_template(&self, p: &Principal, id: TemplateId) -> Result<Template, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| crate::template_sharing::readable_template(conn, &p, id))
            .await
    }

    /// Saves a plan's structure as a template of its organisation.
    pub async fn save_template(
        &self,
        p: &Principal,
        org: OrganisationId,
        request: NewTemplateRequest,
    ) -> Result<Template, AppError> {
        policy::write_workspace(p, org, "organisation")?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let plan = store::find_plan(conn, request.from_plan_id)?
                    .filter(|plan| plan.organisation_id == org)
                    .ok_or_else(|| {
                        AppError::invalid(
                            "from_plan_id",
                            "no plan with this id in this organisation's workspace",
                        )
                    })?;
                let content = structure_of(conn, &plan)?;
                let template = templates::insert(
                    conn,
                    NewTemplate {
                        organisation_id: org,
                        name: &request.name,
                        description: request.description.as_deref(),
                        source_plan_id: plan.id,
                        content: &content,
                        created_by: p.user.id,
                    },
                    now(),
                )?;
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "template.created",
                        target_type: "template",
                        target_id: template.id.to_string(),
                        before: None,
                        after: Some(json!({
                            "id": template.id.to_string(),
                            "name": template.name,
                            "source_plan_id": plan.id.to_string(),
                            "priorities": content.priorities.len(),
                            "goals": content.goals.len(),
                            "actions": content.actions.len(),
                        })),
                    },
                )?;
                Ok(template)
            })
            .await
    }

    // ---- plans --------------------------------------------------------------------------

    pub async fn list_plans(
        &self,
        p: &Principal,
        org: OrganisationId,
        filter: PlanFilter,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<Plan>, AppError> {
        policy::read_workspace(p, org, "organisation")?;
        self.db
            .read(move |conn| {
                Ok(store::list_plans(
                    conn,
                    org,
                    &filter,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await
    }

    pub async fn create_plan(
        &self,
        p: &Principal,
        org: OrganisationId,
        request: NewPlanRequest,
    ) -> Result<Plan, AppError> {
        policy::write_workspace(p, org, "organisation")?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let organisation =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                let mut fields = request.fields;
                if fields.owner_user_id.is_none() {
                    fields.owner_user_id = Some(p.user.id);
                }
                check_owner(conn, (organisation.alliance_id, org), fields.owner_user_id)?;
                let template = match request.template_id {
                    Some(id) => Some(usable_template(conn, org, id)?.ok_or_else(|| {
                        AppError::invalid(
                            "template_id",
                            "no template with this id is available to this organisation; see GET /api/v1/templates",
                        )
                    })?),
                    None => None,
                };
                let id = PlanId::new();
                let empty = TemplateContent::default();
                let content = template.as_ref().map_or(&empty, |t| &t.content);
                let plan = store::insert_plan(
                    conn,
                    NewPlan {
                        id,
                        organisation_id: org,
                        alliance_id: organisation.alliance_id,
                        fields: &fields,
                        template: template.as_ref().map(|t| (t.id, t.name.clone())),
                        guidance: &content.stages,
                    },
                    now(),
                )?;
                let (priorities, goals, actions) = copy_structure(conn, id, content)?;
                let mut after = plan_json(&plan);
                after["copied"] = json!({
                    "priorities": priorities, "goals": goals, "actions": actions,
                });
                record_workspace(
                    conn,
                    &p,
                    &plan,
                    Change {
                        action: "plan.created",
                        target_type: "plan",
                        target_id: id.to_string(),
                        before: None,
                        after: Some(after),
                    },
                )?;
                Ok(plan)
            })
            .await
    }

    /// A plan, from memory when it was read moments ago and nothing has been audited in its
    /// alliance since (every change to a plan is audited in the transaction that makes it).
    pub async fn get_plan(&self, p: &Principal, id: PlanId) -> Result<Plan, AppError> {
        let kept = self
            .plans
            .get_with(&id, |plan| self.db.audited_epoch(plan.alliance_id));
        if let Some(plan) = kept {
            policy::read_workspace(p, plan.organisation_id, "plan")?;
            return Ok(Plan::clone(&plan));
        }
        let (p, db) = (p.clone(), self.db.clone());
        let (plan, epoch) = self
            .db
            .read(move |conn| {
                let seen = plan_for(conn, &p, id, false)?;
                let epoch = db.audited_epoch(seen.alliance_id);
                // Read again once the epoch is taken (a plan never changes alliance): a change
                // committed meanwhile is then either in what is kept or moves the epoch on.
                let plan = store::find_plan(conn, id)?.ok_or(AppError::NotFound("plan"))?;
                Ok::<_, AppError>((plan, epoch))
            })
            .await?;
        self.plans.keep(id, epoch, Arc::new(plan.clone()));
        Ok(plan)
    }

    pub async fn update_plan(
        &self,
        p: &Principal,
        id: PlanId,
        if_match: Option<IfMatch>,
        patch: PlanPatch,
    ) -> Result<Plan, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = plan_for(conn, &p, id, true)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let fields = before.fields.apply(&patch)?;
                if fields == before.fields {
                    return Ok(before);
                }
                if fields.owner_user_id != before.fields.owner_user_id {
                    check_owner(
                        conn,
                        (before.alliance_id, before.organisation_id),
                        fields.owner_user_id,
                    )?;
                }
                let after = store::update_plan(conn, id, before.version, &fields, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record_workspace(
                    conn,
                    &p,
                    &after,
                    Change {
                        action: "plan.updated",
                        target_type: "plan",
                        target_id: id.to_string(),
                        before: Some(plan_json(&before)),
                        after: Some(plan_json(&after)),
                    },
                )?;
                Ok(after)
            })
            .await
    }

    /// Soft-deletes a plan: it and its stages disappear from every read, and the audit log
    /// keeps it. `If-Match`, when sent, must match.
    pub async fn delete_plan(
        &self,
        p: &Principal,
        id: PlanId,
        if_match: Option<IfMatch>,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = plan_for(conn, &p, id, true)?;
                check_optional_if_match(if_match.as_ref(), before.version)?;
                if !store::soft_delete_plan(conn, id, before.version, now())? {
                    return Err(AppError::PreconditionFailed);
                }
                record_workspace(
                    conn,
                    &p,
                    &before,
                    Change {
                        action: "plan.deleted",
                        target_type: "plan",
                        target_id: id.to_string(),
                        before: Some(plan_json(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// The whole plan, for export: its stages, actions with their flags worked out for today,
    /// and every progress update, newest first.
    pub async fn plan_document(&self, p: &Principal, id: PlanId) -> Result<PlanDocument, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| read_plan_document(conn, &p, id, false))
            .await
    }
}

/// The whole plan as of today, read under the caller's right to see it (with `write`, inside
/// a write transaction, under the plan's lock).
pub(crate) fn read_plan_document(
    conn: &mut DbConnection,
    p: &Principal,
    id: PlanId,
    write: bool,
) -> Result<PlanDocument, AppError> {
    let plan = plan_for(conn, p, id, write)?;
    let organisation_name = organisations::find(conn, plan.organisation_id)?
        .map(|o| o.name)
        .unwrap_or_default();
    let cycle = reporting_cycle_days(conn, &plan)?;
    let today = today();
    let priorities = store::list_priorities(conn, id, None, None)?.items;
    let goals = store::list_goals(conn, id, None, None)?.items;
    let actions = store::list_actions(conn, id, &ActionFilter::default(), None, None)?
        .items
        .into_iter()
        .map(|a| pcref_domain::ActionView::new(a, today, cycle))
        .collect();
    let updates = store::list_progress_updates(conn, UpdateScope::Plan(id), None, None)?.items;
    Ok(PlanDocument {
        organisation_name,
        plan,
        priorities,
        goals,
        actions,
        updates,
        exported_on: today,
    })
}

/// The alliance's reporting cycle, which decides when an action is stale.
pub(crate) fn reporting_cycle_days(conn: &mut DbConnection, plan: &Plan) -> Result<u32, AppError> {
    Ok(alliances::find(conn, plan.alliance_id)?
        .map_or(pcref_domain::DEFAULT_REPORTING_CYCLE_DAYS, |a| {
            a.reporting_cycle_days
        }))
}
