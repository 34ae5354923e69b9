//! The alliance's learning library: good-practice case studies contributed by providers and
//! VCSE partners.
//!
//! Texts are redacted on the way in, with the same redactor as a publication of the
//! contributing organisation (names its people go by, its withheld terms, and its own name
//! when the item is anonymous): only the redacted text is stored, so nothing has to be
//! remembered to redact it again on the way out. Small numbers about people must be
//! acknowledged before anything is stored.
//!
//! Anonymity: an anonymous item's organisation and author stay on the server, the library
//! finds an organisation's items by its id only when they are named, and everybody but the
//! contributing organisation's writers gets the same refusal when trying to change an item,
//! so that no answer tells whose an anonymous item is.

use pcref_anonymise::Report;
use pcref_domain::{
    AllianceId, Attribution, Cursor, IfMatch, LearningDraft, LearningFilter, LearningItem,
    LearningItemId, LearningPatch, OrganisationId, Page, PageLimit, Scope, ValidationError,
};
use pcref_store::learning::{self as store, NewLearningItem};
use pcref_store::publications as publication_store;
use pcref_store::DbConnection;
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::publishing::redactor_for;
use crate::{check_if_match, now, policy, Acting, App, AppError, Caller, Principal};

/// A case study to contribute, as the contributor wrote it (before redaction).
#[derive(Debug, Clone)]
pub struct NewLearningRequest {
    /// Which of the caller's organisations contributes it; needed only when the caller
    /// contributes for more than one in the alliance.
    pub organisation_id: Option<OrganisationId>,
    pub fields: LearningDraft,
    /// The contributor has read the warnings about small numbers of people.
    pub acknowledge_warnings: bool,
}

/// Changes to a case study, as the contributor wrote them (before redaction).
#[derive(Debug, Clone)]
pub struct LearningChangeRequest {
    pub patch: LearningPatch,
    pub acknowledge_warnings: bool,
}

/// A case study as stored after a contribution or a change, and what redaction did to the
/// texts sent: for the contributor's eyes only.
#[derive(Debug, Clone)]
pub struct ContributedLearning {
    pub item: LearningItem,
    pub report: Report,
}

// ---- for whom a contribution is made -------------------------------------------------------
//
// Who may read, contribute and edit is decided in `policy` (`read_library`,
// `contribute_learning`, `edit_learning`).

/// The organisation a contribution is made for: the one named, which the caller must write
/// for, or the caller's only contributing organisation in the alliance.
fn contributing_organisation(
    p: &impl Acting,
    alliance: AllianceId,
    requested: Option<OrganisationId>,
) -> Result<OrganisationId, AppError> {
    policy::contribute_learning(p, alliance)?;
    let mine = policy::contributing_memberships(p, alliance);
    match requested {
        Some(org) => {
            if mine.iter().any(|(o, _)| *o == org) {
                return Ok(org);
            }
            let member_there = p
                .organisation_roles(alliance)
                .iter()
                .any(|(o, _, _)| *o == org);
            if member_there {
                Err(policy::not_a_contributor())
            } else {
                Err(AppError::invalid(
                    "organisation_id",
                    "you are not a member of this organisation of the alliance; contribute for one you write for",
                ))
            }
        }
        None => match mine.as_slice() {
            [(only, _)] => Ok(*only),
            many => Err(AppError::invalid(
                "organisation_id",
                format!(
                    "you contribute for {} organisations in this alliance ({}): say which with organisation_id",
                    many.len(),
                    many.iter()
                        .map(|(id, name)| format!("{name} = {id}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        },
    }
}

/// The item as this reader may see it: its author only for the contributing organisation's
/// own members (the API drops the organisation itself for an anonymous item).
fn for_reader(p: &impl Acting, mut item: LearningItem) -> LearningItem {
    if p.organisation_role(item.organisation_id).is_none() {
        item.created_by = None;
        item.author_name = None;
    }
    item
}

// ---- rules --------------------------------------------------------------------------------

/// The link to a published plan, when the item has one: a version in the library of the
/// same alliance (not withdrawn), the action one of its document's, and no link that would
/// tie a named record to an anonymous one of the same organisation.
fn check_link(
    conn: &mut DbConnection,
    alliance: AllianceId,
    org: OrganisationId,
    fields: &LearningDraft,
    links_changed: bool,
) -> Result<Vec<ValidationError>, AppError> {
    let Some(publication_id) = fields.publication_id else {
        return Ok(Vec::new());
    };
    let found = publication_store::find_publication(conn, publication_id)?;
    let unknown = || {
        ValidationError::new(
            "publication_id",
            "no published plan with this id is in the alliance's library",
        )
    };
    let Some(publication) = found else {
        return Ok(vec![unknown()]);
    };
    let s = &publication.summary;
    let mut errors = Vec::new();
    if links_changed {
        // Withdrawn or of another alliance: to the caller exactly like an unknown id. (A link
        // made earlier to a version withdrawn since does not stop other changes.)
        if s.alliance_id != alliance || s.withdrawn_at.is_some() {
            return Ok(vec![unknown()]);
        }
        if let Some(action) = fields.action_id {
            if !publication.document.has_action(&action.to_string()) {
                errors.push(ValidationError::new(
                    "action_id",
                    "is not an action of the linked published plan; use an id from its document's priorities[].actions[]",
                ));
            }
        }
    }
    if s.organisation_id == org && s.attribution != fields.attribution {
        let (plan, item) = match s.attribution {
            Attribution::Named => ("named", "an anonymous"),
            Attribution::Anonymous => ("anonymous", "a named"),
        };
        errors.push(ValidationError::new(
            "publication_id",
            format!(
                "this is your organisation's {plan} publication: linking it to {item} case study would tell readers whose the anonymous one is; link a publication with the same attribution, or none"
            ),
        ));
    }
    Ok(errors)
}

/// The warnings rule: small numbers about people must be read before anything is stored. The
/// refusal lists each warning against the field it is in, so that the contributor can read
/// them without storing anything first.
fn check_warnings(report: &Report, acknowledged: bool) -> Vec<ValidationError> {
    let warnings = report.warnings.len();
    if warnings == 0 || acknowledged {
        return Vec::new();
    }
    let mut errors: Vec<ValidationError> = report
        .warnings
        .iter()
        .map(|w| {
            ValidationError::new(
                w.field.clone(),
                format!("{} (at character {})", w.message, w.position),
            )
        })
        .collect();
    errors.push(ValidationError::new(
        "acknowledge_warnings",
        format!(
            "the text has {warnings} warning{} about small numbers of people that could identify someone: read {}, rephrase or send acknowledge_warnings: true",
            if warnings == 1 { "" } else { "s" },
            if warnings == 1 { "it" } else { "them" }
        ),
    ));
    errors
}

/// What the audit log keeps of an item (texts as stored: redacted).
fn learning_json(item: &LearningItem) -> Value {
    let f = &item.fields;
    json!({
        "id": item.id.to_string(),
        "organisation_id": item.organisation_id.to_string(),
        "attribution": f.attribution.as_str(),
        "title": f.title,
        "categories": f.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "competencies": f.competencies.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "ethnic_categories": f.ethnic_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "summary": f.summary,
        "reflections": f.reflections,
        "publication_id": f.publication_id.map(|p| p.to_string()),
        "action_id": f.action_id.map(|a| a.to_string()),
        "version": item.version.0,
    })
}

/// Records a change in the contributing organisation's own log: visible to its admins only,
/// so that an anonymous item stays anonymous.
fn record(
    conn: &mut DbConnection,
    p: &impl Acting,
    item: &LearningItem,
    change: Change<'_>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(p),
        now(),
        AuditScope::Workspace(item.alliance_id, item.organisation_id),
        change,
    )?;
    Ok(())
}

fn with_report(mut entry: Value, report: &Report) -> Value {
    entry["redactions"] = json!(report.redactions.len());
    entry["warnings_acknowledged"] = json!(report.warnings.len());
    entry
}

impl App {
    /// Whether the caller may contribute to the alliance's library (checked before reporting
    /// what is wrong with a request's body).
    pub async fn authorize_contribution(
        &self,
        p: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        p.require_scope(Scope::LearningWrite)?;
        policy::contribute_learning(p, alliance)
    }

    /// Whether the caller may change this item (checked before reporting what is wrong with
    /// the request's body).
    pub async fn authorize_learning_change(
        &self,
        p: &Principal,
        id: LearningItemId,
    ) -> Result<(), AppError> {
        let p = p.clone();
        self.db
            .read(move |conn| {
                let item = store::find_learning_item(conn, id)?
                    .ok_or(AppError::NotFound("learning item"))?;
                policy::edit_learning(&p, &item)
            })
            .await
    }

    /// Contributes a case study: its texts redacted, its link checked, its warnings
    /// acknowledged; stored and audited together.
    pub async fn contribute_learning(
        &self,
        p: &Caller,
        alliance: AllianceId,
        request: NewLearningRequest,
    ) -> Result<ContributedLearning, AppError> {
        p.require_scope(Scope::LearningWrite)?;
        let p = p.clone();
        self.db
            .write(move |conn| {
                let org_id = contributing_organisation(&p, alliance, request.organisation_id)?;
                let org = pcref_store::organisations::find(conn, org_id)?
                    .ok_or(AppError::NotFound("organisation"))?;
                let raw = request.fields.check()?;
                let mut errors = check_link(conn, alliance, org_id, &raw, true)?;
                let redactor = redactor_for(conn, org_id, &org.name, raw.attribution)?;
                let mut report = Report::default();
                let fields = LearningDraft {
                    title: redactor.clean(&mut report, "title", &raw.title),
                    summary: redactor.clean(&mut report, "summary", &raw.summary),
                    reflections: redactor.clean(&mut report, "reflections", &raw.reflections),
                    ..raw
                };
                errors.extend(check_warnings(&report, request.acknowledge_warnings));
                if !errors.is_empty() {
                    return Err(AppError::Invalid(errors));
                }
                let item = store::insert_learning_item(
                    conn,
                    NewLearningItem {
                        alliance_id: alliance,
                        organisation_id: org_id,
                        fields: &fields,
                        created_by: p.user_id(),
                    },
                    now(),
                )?;
                record(
                    conn,
                    &p,
                    &item,
                    Change {
                        action: "learning.created",
                        target_type: "learning_item",
                        target_id: item.id.to_string(),
                        before: None,
                        after: Some(with_report(learning_json(&item), &report)),
                    },
                )?;
                Ok(ContributedLearning {
                    item: for_reader(&p, item),
                    report,
                })
            })
            .await
    }

    /// Changes a case study (`If-Match` required). The texts sent are redacted like new
    /// ones; making an item anonymous redacts all its texts again with the organisation's
    /// own name. Readers who saw it named before still know whose it is.
    pub async fn change_learning(
        &self,
        p: &Principal,
        id: LearningItemId,
        if_match: Option<IfMatch>,
        request: LearningChangeRequest,
    ) -> Result<ContributedLearning, AppError> {
        let p = p.clone();
        self.db
            .write(move |conn| {
                let before = store::find_learning_item(conn, id)?
                    .ok_or(AppError::NotFound("learning item"))?;
                policy::edit_learning(&p, &before)?;
                check_if_match(if_match.as_ref(), before.version)?;
                let patch = &request.patch;
                let raw = before.fields.apply(patch)?;
                let mut errors = Vec::new();
                if patch.touches_links() || patch.attribution.is_some() {
                    errors.extend(check_link(
                        conn,
                        before.alliance_id,
                        before.organisation_id,
                        &raw,
                        patch.touches_links(),
                    )?);
                }
                let now_anonymous = raw.attribution == Attribution::Anonymous
                    && before.fields.attribution != Attribution::Anonymous;
                let mut report = Report::default();
                let mut fields = raw.clone();
                let texts: [(&str, bool, &mut String); 3] = [
                    ("title", patch.title.is_some(), &mut fields.title),
                    ("summary", patch.summary.is_some(), &mut fields.summary),
                    (
                        "reflections",
                        patch.reflections.is_some(),
                        &mut fields.reflections,
                    ),
                ];
                if now_anonymous || texts.iter().any(|(_, sent, _)| *sent) {
                    let redactor = redactor_for(
                        conn,
                        before.organisation_id,
                        &before.organisation_name,
                        raw.attribution,
                    )?;
                    for (field, sent, text) in texts {
                        if sent || now_anonymous {
                            *text = redactor.clean(&mut report, field, text);
                        }
                    }
                }
                errors.extend(check_warnings(&report, request.acknowledge_warnings));
                if !errors.is_empty() {
                    return Err(AppError::Invalid(errors));
                }
                if fields == before.fields {
                    return Ok(ContributedLearning {
                        item: for_reader(&p, before),
                        report,
                    });
                }
                let after = store::update_learning_item(conn, id, before.version, &fields, now())?
                    .ok_or(AppError::PreconditionFailed)?;
                record(
                    conn,
                    &p,
                    &after,
                    Change {
                        action: "learning.updated",
                        target_type: "learning_item",
                        target_id: id.to_string(),
                        before: Some(learning_json(&before)),
                        after: Some(with_report(learning_json(&after), &report)),
                    },
                )?;
                Ok(ContributedLearning {
                    item: for_reader(&p, after),
                    report,
                })
            })
            .await
    }

    pub async fn get_learning(
        &self,
        p: &Caller,
        id: LearningItemId,
    ) -> Result<LearningItem, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        let p = p.clone();
        self.db
            .read(move |conn| {
                let item = store::find_learning_item(conn, id)?
                    .ok_or(AppError::NotFound("learning item"))?;
                policy::read_library(&p, item.alliance_id, "learning item")?;
                Ok(for_reader(&p, item))
            })
            .await
    }

    /// The alliance's learning library, newest first.
    pub async fn learning_library(
        &self,
        p: &Caller,
        alliance: AllianceId,
        filter: LearningFilter,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<LearningItem>, AppError> {
        p.require_scope(Scope::LibraryRead)?;
        policy::read_library(p, alliance, "alliance")?;
        let p = p.clone();
        self.db
            .read(move |conn| {
                let page = store::list_learning(conn, alliance, &filter, after.as_ref(), limit)?;
                Ok(Page {
                    items: page.items.into_iter().map(|i| for_reader(&p, i)).collect(),
                    next_cursor: page.next_cursor,
                })
            })
            .await
    }
}
