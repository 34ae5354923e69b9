//! Sharing templates with the alliance, and adopting them.
//!
//! A provider shares one of its saved templates: its name, description and every text of its
//! content go through the same redactor as a named publication (names known to the workspace,
//! the organisation's withheld terms, emails, phone numbers, NHS numbers, postcodes), and the
//! redacted copy is stored beside the original. The rest of the alliance only ever reads that
//! copy; the owner keeps reading its own template. Another provider adopts the shared copy into
//! its own workspace, as a template of its own that remembers where it came from; the original
//! counts its adoptions.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use pcref_anonymise::{Redactor, Report};
use pcref_domain::{
    AllianceId, Attribution, OrganisationId, Page, PageLimit, Scope, SharedTemplateContent,
    StageGuidance, Template, TemplateAction, TemplateContent, TemplateGoal, TemplateId,
    TemplatePriority, BUILT_IN_TEMPLATE_ID,
};
use pcref_store::templates::{self, NewAdoption};
use pcref_store::{organisations, DbConnection};
use serde_json::json;

use crate::audit::{self, Actor, AuditScope, Change};
use crate::publishing::redactor_for;
use crate::{now, policy, App, AppError, Caller, Principal};

/// A template as just shared: the copy the alliance now reads, and what redaction did.
#[derive(Debug, Clone)]
pub struct SharedTemplate {
    /// The shared view ([`Template::shared_view`]).
    pub template: Template,
    pub report: Report,
}

/// The template with this id as the caller may read it: the built-in one as it is, an
/// organisation's own template in full to its own members, a shared one as its shared copy to
/// the rest of the alliance. To anybody else it does not exist, exactly like a missing id.
pub(crate) fn readable_template(
    conn: &mut DbConnection,
    p: &Principal,
    id: TemplateId,
) -> Result<Template, AppError> {
    let template = templates::find(conn, id)?.ok_or(AppError::NotFound("template"))?;
    let Some(owner) = template.organisation_id else {
        return Ok(template);
    };
    if policy::read_workspace(p, owner, "template").is_ok() {
        return Ok(template);
    }
    let Some(shared) = template.shared_view() else {
        return Err(AppError::NotFound("template"));
    };
    let organisation = organisations::find(conn, owner)?.ok_or(AppError::NotFound("template"))?;
    policy::read_shared_template(p, organisation.alliance_id)?;
    Ok(shared)
}

/// How an organisation's templates are redacted for sharing: with its redactor, except for
/// the platform's own stage texts (the built-in template's titles and prompts).
struct Sharing {
    redactor: Redactor,
    /// Stage texts are copied from the built-in template, never written by a workspace, and
    /// everybody reads them already: they are shared as they are. Run through the redactor,
    /// they could only be damaged (a member called "pcref admin" would turn "PCREF pillar"
    /// into "[redacted: person name] pillar").
    platform_texts: HashSet<String>,
}

impl Sharing {
    fn of(conn: &mut DbConnection, org: OrganisationId, org_name: &str) -> Result<Self, AppError> {
        let redactor = redactor_for(conn, org, org_name, Attribution::Named)?;
        let mut platform_texts = HashSet::new();
        if let Some(built_in) = templates::find(conn, BUILT_IN_TEMPLATE_ID)? {
            for stage in built_in.content.stages {
                platform_texts.insert(stage.title);
                platform_texts.extend(stage.prompts);
            }
        }
        Ok(Sharing {
            redactor,
            platform_texts,
        })
    }

    fn clean(&self, report: &mut Report, field: String, text: &str) -> String {
        self.redactor.clean(report, &field, text)
    }

    /// A stage's text: the platform's own as it is, anything else redacted.
    fn clean_stage(&self, report: &mut Report, field: String, text: &str) -> String {
        if self.platform_texts.contains(text) {
            text.to_owned()
        } else {
            self.clean(report, field, text)
        }
    }
}

/// The shared copy of a template: every text redacted, the structure (ethnic categories,
/// competencies, pillars, which priority an action serves) kept. Fields are reported with the
/// paths of the template as the API shows it, such as `priorities[0].evidence`.
fn redact(template: &Template, sharing: &Sharing, report: &mut Report) -> SharedTemplateContent {
    let content = &template.content;
    let mut stages = Vec::new();
    for (i, stage) in content.stages.iter().enumerate() {
        let title = sharing.clean_stage(report, format!("stages[{i}].title"), &stage.title);
        let mut prompts = Vec::new();
        for (j, prompt) in stage.prompts.iter().enumerate() {
            prompts.push(sharing.clean_stage(report, format!("stages[{i}].prompts[{j}]"), prompt));
        }
        stages.push(StageGuidance {
            stage: stage.stage,
            title,
            prompts,
        });
    }
    let mut clean = |field: String, text: &str| sharing.clean(report, field, text);
    let name = clean("name".into(), &template.name);
    let description = template
        .description
        .as_deref()
        .map(|t| clean("description".into(), t));
    let mut priorities = Vec::new();
    for (i, p) in content.priorities.iter().enumerate() {
        let at = |name: &str| format!("priorities[{i}].{name}");
        priorities.push(TemplatePriority {
            statement: clean(at("statement"), &p.statement),
            ethnic_categories: p.ethnic_categories.clone(),
            service_area: p
                .service_area
                .as_deref()
                .map(|t| clean(at("service_area"), t)),
            evidence: p.evidence.as_deref().map(|t| clean(at("evidence"), t)),
        });
    }
    let mut goals = Vec::new();
    for (i, g) in content.goals.iter().enumerate() {
        let at = |name: &str| format!("goals[{i}].{name}");
        goals.push(TemplateGoal {
            statement: clean(at("statement"), &g.statement),
            measure: clean(at("measure"), &g.measure),
            baseline: g.baseline.as_deref().map(|t| clean(at("baseline"), t)),
            target: clean(at("target"), &g.target),
            competencies: g.competencies.clone(),
            pillar: g.pillar.clone(),
        });
    }
    let mut actions = Vec::new();
    for (i, a) in content.actions.iter().enumerate() {
        let at = |name: &str| format!("actions[{i}].{name}");
        actions.push(TemplateAction {
            priority: a.priority,
            description: clean(at("description"), &a.description),
            measure: a.measure.as_deref().map(|t| clean(at("measure"), t)),
            expected_outcome: a
                .expected_outcome
                .as_deref()
                .map(|t| clean(at("expected_outcome"), t)),
            lead_role: a.lead_role.as_deref().map(|t| clean(at("lead_role"), t)),
            cost_implications: a
                .cost_implications
                .as_deref()
                .map(|t| clean(at("cost_implications"), t)),
        });
    }
    SharedTemplateContent {
        name,
        description,
        content: TemplateContent {
            stages,
            priorities,
            goals,
            actions,
        },
    }
}

/// Makes the shared copy of each of the organisation's shared templates anew, with its names
/// and withheld terms as they are now: a term withheld after sharing leaves the alliance's
/// view at once, without anyone having to remember to share every template again. Copies
/// already adopted are the adopters' own and do not change. How many were refreshed.
pub(crate) fn refresh_shared_templates(
    conn: &mut DbConnection,
    org: OrganisationId,
    org_name: &str,
) -> Result<usize, AppError> {
    let shared = templates::list_shared_of(conn, org)?;
    if shared.is_empty() {
        return Ok(0);
    }
    let sharing = Sharing::of(conn, org, org_name)?;
    let mut refreshed = 0;
    for template in &shared {
        let copy = redact(template, &sharing, &mut Report::default());
        if template.shared.as_ref() != Some(&copy) {
            let shared_at = template.shared_at.unwrap_or_else(now);
            templates::share(conn, template.id, &copy, shared_at)?;
            refreshed += 1;
        }
    }
    Ok(refreshed)
}

impl App {
    /// Shares one of a provider's templates with its alliance, or shares it again: the
    /// redacted copy is made anew from the template and the organisation's current names and
    /// withheld terms (a member who joined since is then known by name), while its first
    /// sharing date and its adoptions stay. Copies already adopted are the adopters' own and
    /// do not change.
    pub async fn share_template(
        &self,
        p: &Principal,
        id: TemplateId,
    ) -> Result<SharedTemplate, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let template = templates::find(conn, id)?.ok_or(AppError::NotFound("template"))?;
                // Refusals for what the template is (built-in, an adopted copy) are conflicts
                // with its state, 409, as for a template already adopted.
                let Some(owner) = template.organisation_id else {
                    return Err(AppError::Conflict(
                        "the built-in template is everybody's already and cannot be shared".into(),
                    ));
                };
                let organisation =
                    organisations::find(conn, owner)?.ok_or(AppError::NotFound("template"))?;
                policy::share_template(&p, owner, organisation.alliance_id, template.is_shared())?;
                if let Some(origin) = template.adopted_from_id {
                    return Err(AppError::Conflict(format!(
                        "this template is a copy adopted from another organisation's shared template ({origin}): share the original, which the alliance can already adopt, so that every copy traces back to one source"
                    )));
                }
                let sharing = Sharing::of(conn, owner, &organisation.name)?;
                let mut report = Report::default();
                let shared = redact(&template, &sharing, &mut report);
                let again = template.shared_at.is_some();
                let shared_at = template.shared_at.unwrap_or_else(now);
                templates::share(conn, id, &shared, shared_at)?;
                let after = templates::find(conn, id)?
                    .ok_or_else(|| AppError::Internal("shared template vanished".into()))?;
                let view = after
                    .shared_view()
                    .ok_or_else(|| AppError::Internal("shared template has no shared copy".into()))?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    now(),
                    AuditScope::Workspace(organisation.alliance_id, owner),
                    Change {
                        action: "template.shared",
                        target_type: "template",
                        target_id: id.to_string(),
                        before: again.then(|| {
                            json!({
                                "id": id.to_string(),
                                "shared_at": template.shared_at.map(|t| t.to_rfc3339()),
                                "shared_name": template.shared.as_ref().map(|s| s.name.clone()),
                            })
                        }),
                        after: Some(json!({
                            "id": id.to_string(),
                            "shared_at": shared_at.to_rfc3339(),
                            "shared_name": view.name,
                            "shared_again": again,
                            "redactions": report.redactions.len(),
                            "warnings": report.warnings.len(),
                        })),
                    },
                )?;
                Ok(SharedTemplate {
                    template: view,
                    report,
                })
            })
            .await
    }

    /// The templates shared in an alliance, newest shared first, each as the alliance sees
    /// it (its owner included: this is the alliance's list). `words` must all appear in the
    /// shared name or description.
    pub async fn shared_templates(
        &self,
        p: &Caller,
        alliance: AllianceId,
        words: Vec<String>,
        after: Option<(DateTime<Utc>, String)>,
        limit: PageLimit,
    ) -> Result<Page<Template>, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        policy::list_shared_templates(p, alliance)?;
        let page = self
            .db
            .read(move |conn| {
                Ok::<_, AppError>(templates::list_shared(
                    conn,
                    alliance,
                    &words,
                    after.as_ref(),
                    limit,
                )?)
            })
            .await?;
        let mut items = Vec::with_capacity(page.items.len());
        for template in page.items {
            items.push(template.shared_view().ok_or_else(|| {
                AppError::Internal("a listed shared template has no shared copy".into())
            })?);
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// Copies a template another provider of the alliance shared into one of the caller's
    /// provider workspaces, as the shared copy reads: a template of the adopter's own, which
    /// records where it came from and can make plans like any other. Once per organisation.
    pub async fn adopt_template(
        &self,
        p: &Principal,
        id: TemplateId,
        org: OrganisationId,
    ) -> Result<Template, AppError> {
        // Decided by the caller's memberships alone, before anything about the template is
        // looked at: somebody who may not adopt into `org` learns nothing about templates.
        policy::adopt_template(p, org)?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let template = templates::find(conn, id)?.ok_or(AppError::NotFound("template"))?;
                // As for sharing: what the template is, or already is to the adopter, is a
                // conflict with its state (409).
                let Some(owner) = template.organisation_id else {
                    return Err(AppError::Conflict(
                        "the built-in template is everybody's already: create a plan from it with template_id".into(),
                    ));
                };
                let owner_org =
                    organisations::find(conn, owner)?.ok_or(AppError::NotFound("template"))?;
                let in_workspace = policy::read_workspace(&p, owner, "template").is_ok();
                let visible = in_workspace
                    || (template.is_shared()
                        && policy::read_shared_template(&p, owner_org.alliance_id).is_ok());
                if !visible {
                    return Err(AppError::NotFound("template"));
                }
                let adopter =
                    organisations::find(conn, org)?.ok_or(AppError::NotFound("organisation"))?;
                if owner == org {
                    return Err(AppError::Conflict(
                        "this template is already this organisation's own: create plans from it with template_id".into(),
                    ));
                }
                let Some(shared) = template.shared.as_ref() else {
                    // Only the owner's own members get here (to anybody else an unshared
                    // template does not exist).
                    return Err(AppError::Conflict(
                        "only a template shared with the alliance can be adopted: share it first".into(),
                    ));
                };
                if adopter.alliance_id != owner_org.alliance_id {
                    // Shared with another alliance: not there for this organisation.
                    return Err(AppError::NotFound("template"));
                }
                if templates::has_adopted(conn, id, org)? {
                    return Err(AppError::Conflict(format!(
                        "{} has already adopted this template; its copy is among its templates (GET /api/v1/templates)",
                        adopter.name
                    )));
                }
                let adopted = templates::adopt(
                    conn,
                    NewAdoption {
                        original: id,
                        organisation_id: org,
                        shared,
                        adopted_by: p.user.id,
                    },
                    now(),
                )?;
                audit::record(
                    conn,
                    &Actor::of(&p),
                    now(),
                    AuditScope::Workspace(adopter.alliance_id, org),
                    Change {
                        action: "template.adopted",
                        target_type: "template",
                        target_id: adopted.id.to_string(),
                        before: None,
                        after: Some(json!({
                            "id": adopted.id.to_string(),
                            "name": adopted.name,
                            "adopted_from_id": id.to_string(),
                            "adopted_from_organisation_id": owner.to_string(),
                            "priorities": adopted.content.priorities.len(),
                            "goals": adopted.content.goals.len(),
                            "actions": adopted.content.actions.len(),
                        })),
                    },
                )?;
                Ok(adopted)
            })
            .await
    }
}
