//! Publishing action plans to the alliance: the preview (exactly what the alliance will see,
//! with every redaction and warning), the publication of an immutable version, withdrawal,
//! and the alliance's library of published plans.
//!
//! Anonymity: an anonymous publication's organisation, plan and publisher stay on the server.
//! The library filters a provider's publications by id only when they are named, orders by
//! publication time alone, and answers everybody but the publisher alike.

use std::sync::{Arc, OnceLock};

use pcref_anonymise::{Redactor, Report};
use pcref_domain::{
    ActionView, AllianceId, Attribution, Cursor, IfMatch, OrganisationId, Page, PageLimit,
    PlanDocument, PlanId, ProgressUpdate, Publication, PublicationFilter, PublicationId,
    PublicationSeriesId, PublicationSummary, PublishedAction, PublishedDocument, PublishedGoal,
    PublishedPriority, PublishedUpdate, Scope, ValidationError,
};
use pcref_store::publications::{self as store, NewPublication};
use pcref_store::{DbConnection, Kept};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::Change;
use crate::kept::KeptMap;
use crate::plans::{plan_for, read_plan_document, record_workspace, visible_plan};
use crate::{now, policy, Acting, App, AppError, Caller, Principal};

/// How long a page of the library may be served from memory: a plan published or withdrawn
/// through another server shows here within this (through this one, at once).
const LIBRARY_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// A page of an alliance's library as found.
#[derive(Debug)]
pub struct LibraryPage {
    pub page: Page<PublicationSummary>,
    /// The page as its API writes it, written once by the first request that serves it.
    pub json: OnceLock<bytes::Bytes>,
}

/// What a page of the library is found by: the same for every caller who may read it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LibraryQuery {
    alliance: AllianceId,
    filter: PublicationFilter,
    after: Option<Cursor>,
    limit: PageLimit,
}

pub(crate) type KeptLibrary = KeptMap<LibraryQuery, Arc<LibraryPage>>;

pub(crate) fn kept_library() -> KeptLibrary {
    KeptMap::new(LIBRARY_FRESH_FOR, 4096)
}

/// What the alliance would see of a plan, and what anonymisation did to get there.
#[derive(Debug, Clone)]
pub struct PublishPreview {
    pub attribution: Attribution,
    /// The series and version the plan would be published as.
    pub series_id: PublicationSeriesId,
    pub version: u32,
    pub document: PublishedDocument,
    pub report: Report,
    /// Names this exact preview: publishing with it as `If-Match` publishes exactly this.
    pub etag: String,
}

/// The publisher's choices.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub attribution: Attribution,
    /// The publisher has read the preview's warnings.
    pub acknowledge_warnings: bool,
    /// Why the plan is published although a priority's communities were not consulted.
    pub consultation_exception: Option<String>,
}

/// The redactor for what an organisation shares: the names its workspace knows, its
/// deny-list and, when it shares anonymously, its own name.
pub(crate) fn redactor_for(
    conn: &mut DbConnection,
    org: OrganisationId,
    org_name: &str,
    attribution: Attribution,
) -> Result<Redactor, AppError> {
    let names = store::workspace_names(conn, org)?;
    let (terms, _) = store::find_withheld_terms(conn, org)?;
    let redactor = Redactor::new(names, terms);
    Ok(match attribution {
        Attribution::Named => redactor,
        Attribution::Anonymous => redactor.with_organisation_names([org_name]),
    })
}

/// An id derived from others by a one-way hash, so that it can be recomputed but not traced
/// back: a new series' id from its plan, and a published record's id from its series and
/// its private id.
fn derived_id(parts: &[&[u8]]) -> uuid::Uuid {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The series and version a publication under `attribution` goes to: the next version of the
/// plan's latest series when it has the same attribution, otherwise version 1 of a new series.
/// Switching attribution always starts afresh, so that nothing links the two.
fn target_series(
    conn: &mut DbConnection,
    plan: PlanId,
    attribution: Attribution,
) -> Result<(PublicationSeriesId, u32), AppError> {
    let (latest, series_count) = store::latest_series(conn, plan)?;
    Ok(match latest {
        Some(series) if series.attribution == attribution => {
            (series.id, series.highest_version + 1)
        }
        _ => {
            let plan_id = plan.to_string();
            let n = series_count.to_be_bytes();
            let id = derived_id(&[
                b"series",
                plan_id.as_bytes(),
                attribution.as_str().as_bytes(),
                &n,
            ]);
            (PublicationSeriesId(id), 1)
        }
    })
}

/// The anonymised document of a plan: every text redacted, lead names and evidence links
/// dropped, only the latest progress update of each action kept (without its author). Its
/// records' ids are the series' own, so that no id links a publication to another series of
/// the same plan (one published by name, say) or to the workspace.
fn anonymise(
    doc: &PlanDocument,
    series: PublicationSeriesId,
    redactor: &Redactor,
    consultation_exception: Option<&str>,
    report: &mut Report,
) -> PublishedDocument {
    let series_key = series.to_string();
    let public_id =
        |private: uuid::Uuid| derived_id(&[series_key.as_bytes(), private.as_bytes()]).to_string();
    let mut clean = |field: String, text: &str| redactor.clean(report, &field, text);
    let plan = &doc.plan.fields;
    let title = clean("title".into(), &plan.title);
    let service = clean("service".into(), &plan.service);
    let consultation_exception =
        consultation_exception.map(|text| clean("consultation_exception".into(), text));
    let latest = |action: &ActionView| -> Option<&ProgressUpdate> {
        // `updates` is newest first.
        doc.updates.iter().find(|u| u.action_id == action.action.id)
    };
    let mut priorities = Vec::new();
    for (i, priority) in doc.priorities.iter().enumerate() {
        let f = &priority.fields;
        let at = |name: &str| format!("priorities[{i}].{name}");
        let mut actions = Vec::new();
        for view in doc
            .actions
            .iter()
            .filter(|a| a.action.fields.priority_id == priority.id)
        {
            let j = actions.len();
            let a = &view.action.fields;
            let at = |name: &str| format!("priorities[{i}].actions[{j}].{name}");
            actions.push(PublishedAction {
                id: public_id(view.action.id.as_uuid()),
                description: clean(at("description"), &a.description),
                measure: a.measure.as_deref().map(|t| clean(at("measure"), t)),
                expected_outcome: a
                    .expected_outcome
                    .as_deref()
                    .map(|t| clean(at("expected_outcome"), t)),
                starts_on: a.starts_on,
                ends_on: a.ends_on,
                lead_role: a.lead_role.as_deref().map(|t| clean(at("lead_role"), t)),
                cost_implications: a
                    .cost_implications
                    .as_deref()
                    .map(|t| clean(at("cost_implications"), t)),
                status: view.action.status.as_str().to_owned(),
                overdue: view.overdue,
                latest_update: latest(view).map(|u| PublishedUpdate {
                    reported_on: u.fields.reported_on,
                    status: u.fields.status.as_str().to_owned(),
                    rag: u.fields.rag.as_str().to_owned(),
                    narrative: clean(at("latest_update.narrative"), &u.fields.narrative),
                }),
            });
        }
        priorities.push(PublishedPriority {
            id: public_id(priority.id.as_uuid()),
            statement: clean(at("statement"), &f.statement),
            ethnic_categories: f
                .ethnic_categories
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            service_area: f
                .service_area
                .as_deref()
                .map(|t| clean(at("service_area"), t)),
            evidence: f.evidence.as_deref().map(|t| clean(at("evidence"), t)),
            communities_consulted: f.communities_consulted,
            consultation_notes: f
                .consultation_notes
                .as_deref()
                .map(|t| clean(at("consultation_notes"), t)),
            actions,
        });
    }
    let goals = doc
        .goals
        .iter()
        .enumerate()
        .map(|(i, goal)| {
            let f = &goal.fields;
            let at = |name: &str| format!("goals[{i}].{name}");
            PublishedGoal {
                id: public_id(goal.id.as_uuid()),
                statement: clean(at("statement"), &f.statement),
                measure: clean(at("measure"), &f.measure),
                baseline: f.baseline.as_deref().map(|t| clean(at("baseline"), t)),
                target: clean(at("target"), &f.target),
                deadline: f.deadline,
                competencies: f
                    .competencies
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                pillar: f.pillar.as_str().to_owned(),
            }
        })
        .collect();
    PublishedDocument {
        title,
        service,
        status: plan.status.as_str().to_owned(),
        period_starts_on: plan.period_starts_on,
        period_ends_on: plan.period_ends_on,
        consultation_exception,
        priorities,
        goals,
        as_of: doc.exported_on,
    }
}

/// The entity tag of a preview: a digest of everything that would be published.
fn preview_etag(
    attribution: Attribution,
    document: &PublishedDocument,
) -> Result<String, AppError> {
    let json = serde_json::to_vec(document).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut hasher = Sha256::new();
    hasher.update(attribution.as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(&json);
    let digest = hasher.finalize();
    Ok(format!(
        "p-{}",
        digest
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

fn preview(
    conn: &mut DbConnection,
    p: &Principal,
    id: PlanId,
    attribution: Attribution,
    consultation_exception: Option<&str>,
    write: bool,
) -> Result<(PublishPreview, PlanDocument), AppError> {
    if !write {
        // Previewing is part of publishing: for those who may publish.
        visible_plan(conn, p, id, true)?;
    }
    let doc = read_plan_document(conn, p, id, write)?;
    let redactor = redactor_for(
        conn,
        doc.plan.organisation_id,
        &doc.organisation_name,
        attribution,
    )?;
    let (series_id, version) = target_series(conn, id, attribution)?;
    let mut report = Report::default();
    let document = anonymise(
        &doc,
        series_id,
        &redactor,
        consultation_exception,
        &mut report,
    );
    let etag = preview_etag(attribution, &document)?;
    Ok((
        PublishPreview {
            attribution,
            series_id,
            version,
            document,
            report,
            etag,
        },
        doc,
    ))
}

/// The rules a plan must meet to be published, all reported at once.
fn check_publishable(
    doc: &PlanDocument,
    preview: &PublishPreview,
    request: &PublishRequest,
) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let not_consulted: Vec<String> = doc
        .priorities
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.fields.communities_consulted)
        .map(|(i, _)| format!("priorities[{i}]"))
        .collect();
    if !not_consulted.is_empty() && request.consultation_exception.is_none() {
        errors.push(ValidationError::new(
            "consultation_exception",
            format!(
                "{} say{} the affected communities were not consulted: consult them first, or state why the plan is published anyway",
                not_consulted.join(", "),
                if not_consulted.len() == 1 { "s" } else { "" }
            ),
        ));
    }
    let warnings = preview.report.warnings.len();
    if warnings > 0 && !request.acknowledge_warnings {
        errors.push(ValidationError::new(
            "acknowledge_warnings",
            format!(
                "the preview shows {warnings} warning{} about small numbers of people that could identify someone: read {}, change the plan or send acknowledge_warnings: true",
                if warnings == 1 { "" } else { "s" },
                if warnings == 1 { "it" } else { "them" }
            ),
        ));
    }
    errors
}

fn publication_json(summary: &PublicationSummary) -> serde_json::Value {
    json!({
        "id": summary.id.to_string(),
        "series_id": summary.series_id.to_string(),
        "version": summary.version,
        "plan_id": summary.plan_id.to_string(),
        "attribution": summary.attribution.as_str(),
        "title": summary.title,
        "withdrawn_at": summary.withdrawn_at.map(|t| t.to_rfc3339()),
    })
}

/// A publication the caller may see: any version to the publisher's own members, and only
/// versions not withdrawn to the rest of the alliance.
fn visible_publication(
    conn: &mut DbConnection,
    p: &impl Acting,
    id: PublicationId,
) -> Result<Publication, AppError> {
    let publication =
        store::find_publication(conn, id)?.ok_or(AppError::NotFound("publication"))?;
    let s = &publication.summary;
    policy::read_library(p, s.alliance_id, "publication")?;
    if s.withdrawn_at.is_some()
        && policy::read_workspace(p, s.organisation_id, "publication").is_err()
    {
        return Err(AppError::NotFound("publication"));
    }
    Ok(publication)
}

impl App {
    /// Whether the caller may read the alliance's library.
    pub async fn authorize_library(
        &self,
        p: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        p.require_scope(Scope::LibraryRead)?;
        policy::read_library(p, alliance, "alliance")
    }

    /// Whether the caller may withdraw this publication (checked before reporting what is
    /// wrong with the request's body).
    pub async fn authorize_withdrawal(
        &self,
        p: &Principal,
        id: PublicationId,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let publication = visible_publication(conn, &p, id)?;
                policy::withdraw_publication(&p, publication.summary.organisation_id)
            })
            .await
    }

    /// Exactly what the alliance would see if the plan were published now.
    pub async fn preview_publication(
        &self,
        p: &Principal,
        plan: PlanId,
        attribution: Attribution,
        consultation_exception: Option<String>,
    ) -> Result<PublishPreview, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                preview(
                    conn,
                    &p,
                    plan,
                    attribution,
                    consultation_exception.as_deref(),
                    false,
                )
                .map(|(preview, _)| preview)
            })
            .await
    }

    /// Publishes the plan as previewed: `If-Match` must carry the preview's `ETag`, so that
    /// what is published is exactly what the publisher saw.
    pub async fn publish_plan(
        &self,
        p: &Principal,
        plan: PlanId,
        if_match: Option<IfMatch>,
        request: PublishRequest,
    ) -> Result<Publication, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let (preview, doc) = preview(
                    conn,
                    &p,
                    plan,
                    request.attribution,
                    request.consultation_exception.as_deref(),
                    true,
                )?;
                match &if_match {
                    // `*` would publish whatever the plan holds now, unseen.
                    None | Some(IfMatch::Any) => return Err(AppError::PreconditionRequired),
                    Some(m) if !m.matches_tag(&preview.etag) => {
                        return Err(AppError::PreconditionFailed)
                    }
                    Some(_) => {}
                }
                // A plan without a priority area has nothing to publish: what the plan is, not
                // what the request says (409).
                if doc.priorities.is_empty() {
                    return Err(AppError::Conflict(
                        "add at least one priority area before publishing the plan".into(),
                    ));
                }
                let errors = check_publishable(&doc, &preview, &request);
                let other = match request.attribution {
                    Attribution::Named => Attribution::Anonymous,
                    Attribution::Anonymous => Attribution::Named,
                };
                if !errors.is_empty() {
                    return Err(AppError::Invalid(errors));
                }
                // A well-formed request the plan's library state refuses: 409.
                if store::count_visible(conn, plan, other)? > 0 {
                    return Err(AppError::Conflict(format!(
                        "this plan has {} versions in the library; withdraw them before publishing it {}, or readers could link the two",
                        other.as_str(),
                        request.attribution.as_str()
                    )));
                }
                let (series_id, version) = (preview.series_id, preview.version);
                let plan_record = &doc.plan;
                let publication = store::insert_publication(
                    conn,
                    NewPublication {
                        series_id,
                        version,
                        alliance_id: plan_record.alliance_id,
                        organisation_id: plan_record.organisation_id,
                        plan_id: plan,
                        attribution: request.attribution,
                        document: &preview.document,
                        published_by: p.user.id,
                    },
                    now(),
                )?;
                let mut after = publication_json(&publication.summary);
                after["redactions"] = json!(preview.report.redactions.len());
                after["warnings_acknowledged"] = json!(preview.report.warnings.len());
                after["consultation_exception"] = json!(preview.document.consultation_exception);
                record_workspace(
                    conn,
                    &p,
                    plan_record,
                    Change {
                        action: "publication.published",
                        target_type: "publication",
                        target_id: publication.summary.id.to_string(),
                        before: None,
                        after: Some(after),
                    },
                )?;
                Ok(publication)
            })
            .await
    }

    /// Every version published from a plan, withdrawn ones included: for its own workspace.
    pub async fn plan_publications(
        &self,
        p: &Principal,
        plan: PlanId,
    ) -> Result<Vec<PublicationSummary>, AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                plan_for(conn, &p, plan, false)?;
                Ok(store::list_for_plan(conn, plan)?)
            })
            .await
    }

    /// The alliance's library: the current version of every published plan, newest first.
    /// A page found moments ago is served again while the library has not changed (see
    /// `kept`): searches repeat, and each one reads every current plan's text.
    pub async fn published_plans(
        &self,
        p: &Caller,
        alliance: AllianceId,
        filter: PublicationFilter,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Arc<LibraryPage>, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        policy::read_library(p, alliance, "alliance")?;
        let query = LibraryQuery {
            alliance,
            filter,
            after,
            limit,
        };
        let epoch = self.db.epoch(Kept::Library);
        if let Some(page) = self.library.get(&query, epoch) {
            return Ok(page);
        }
        let q = query.clone();
        let page = self
            .db
            .read(move |conn| {
                Ok::<_, AppError>(store::list_library(
                    conn,
                    q.alliance,
                    &q.filter,
                    q.after.as_ref(),
                    q.limit,
                )?)
            })
            .await?;
        let page = Arc::new(LibraryPage {
            page,
            json: OnceLock::new(),
        });
        self.library.keep(query, epoch, Arc::clone(&page));
        Ok(page)
    }

    pub async fn get_publication(
        &self,
        p: &Caller,
        id: PublicationId,
    ) -> Result<Publication, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        let p = p.clone();
        self.db
            .read(move |conn| visible_publication(conn, &p, id))
            .await
    }

    /// The versions of a publication's series that the library shows, newest first.
    pub async fn publication_versions(
        &self,
        p: &Caller,
        id: PublicationId,
    ) -> Result<Vec<PublicationSummary>, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        let p = p.clone();
        self.db
            .read(move |conn| {
                let publication = visible_publication(conn, &p, id)?;
                Ok(store::list_series(
                    conn,
                    publication.summary.series_id,
                    false,
                )?)
            })
            .await
    }

    /// Hides a version from the library; the audit log keeps it.
    pub async fn withdraw_publication(
        &self,
        p: &Principal,
        id: PublicationId,
        reason: Option<String>,
    ) -> Result<Publication, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let found = visible_publication(conn, &p, id)?;
                let org: OrganisationId = found.summary.organisation_id;
                policy::withdraw_publication(&p, org)?;
                // Publishing and withdrawing one plan's versions take turns on its lock (a
                // deleted plan's versions can still be withdrawn), then read again under it.
                store::lock_plan_publications(conn, found.summary.plan_id)?;
                let before = visible_publication(conn, &p, id)?;
                if !store::withdraw(conn, &before.summary, now())? {
                    return Err(AppError::Conflict(
                        "this version is already withdrawn".into(),
                    ));
                }
                let after =
                    store::find_publication(conn, id)?.ok_or(AppError::NotFound("publication"))?;
                let mut after_json = publication_json(&after.summary);
                after_json["reason"] = json!(reason);
                crate::audit::record(
                    conn,
                    &crate::audit::Actor::of(&p),
                    now(),
                    crate::audit::AuditScope::Workspace(after.summary.alliance_id, org),
                    Change {
                        action: "publication.withdrawn",
                        target_type: "publication",
                        target_id: id.to_string(),
                        before: Some(publication_json(&before.summary)),
                        after: Some(after_json),
                    },
                )?;
                Ok(after)
            })
            .await
    }
}
