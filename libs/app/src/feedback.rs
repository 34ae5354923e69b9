//! Feedback items and their "you said, we did" loop: submitted by a provider or a VCSE partner
//! (or their API clients), about a provider or the alliance as a whole; acknowledged and
//! answered by the provider it is about (the alliance admin for the alliance), optionally
//! pointing to an action of its published plan; closed once answered.
//!
//! Texts are redacted on the way in: the theme and the summary with a redactor that knows the people of the
//! submitting organisation and of the provider it is about, both organisations' withheld terms
//! and the submitting organisation's name (so that a closed loop, read anonymised by the rest
//! of the alliance, does not name who brought it); a response with the same redactor. Only
//! the redacted text is stored; the report of what was replaced goes back to the writer.
//!
//! Who sees what is decided in `policy` (`feedback_view`): in full for the two organisations
//! involved (and the alliance admin for the alliance's own items); a closed loop anonymised
//! for everybody else in the alliance; an open one not at all.

use chrono::{DateTime, NaiveDate, Utc};
use pcref_anonymise::{control_table, Redactor, Report, Shown};
use pcref_domain::{
    ActionId, AllianceId, Cursor, FeedbackDraft, FeedbackFilter, FeedbackItem, FeedbackItemId,
    FeedbackStatus, FeedbackStep, FeedbackView, LinkedAction, Organisation, OrganisationId,
    OrganisationKind, Page, PageLimit, Scope, ValidationError,
};
use pcref_store::feedback::{self as store, ActedBy, FullAccess, NewFeedback, NewResponse};
use pcref_store::publications as publication_store;
use pcref_store::DbConnection;
use serde_json::{json, Value};

use crate::audit::{self, Actor, AuditScope, Change};
use crate::{now, policy, Acting, App, AppError, Caller};

/// A feedback item to submit, as the submitter wrote it (before redaction).
#[derive(Debug, Clone)]
pub struct NewFeedbackRequest {
    /// Which of the caller's organisations submits it; needed only when the caller submits
    /// for more than one in the alliance.
    pub submitted_by_organisation_id: Option<OrganisationId>,
    pub fields: FeedbackDraft,
}

/// A response to give, as its writer wrote it (before redaction).
#[derive(Debug, Clone)]
pub struct NewFeedbackResponseRequest {
    pub text: String,
    /// An action of the about-provider's published plan the response points to.
    pub action_id: Option<ActionId>,
}

/// An item after a submission or a response, and what redaction did to the text sent: for
/// the writer's eyes only.
#[derive(Debug, Clone)]
pub struct WrittenFeedback {
    pub item: FeedbackItem,
    pub report: Report,
}

// ---- the board's figures ------------------------------------------------------------------

/// The median number of days from receipt to first response, as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MedianDays {
    /// No item has been responded to yet.
    NoResponses,
    /// Withheld because the number of items it is about is suppressed.
    Withheld,
    Days(f64),
}

/// One line of the board's table: a provider, or the alliance as a whole (`about: None`).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackSummaryRow {
    pub about: Option<(OrganisationId, String)>,
    /// In the order of `FeedbackStatus::ALL`.
    pub by_status: Vec<(FeedbackStatus, Shown)>,
    pub total: Shown,
    pub median_days_to_first_response: MedianDays,
}

/// The board's figures for an alliance: one row per provider (by name) and one for the
/// alliance as a whole, every count under disclosure control, and the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackSummary {
    pub alliance_id: AllianceId,
    pub rows: Vec<FeedbackSummaryRow>,
    /// The whole alliance: counts by status (the table's column totals), the grand total and
    /// the median over every item.
    pub totals: FeedbackSummaryRow,
    pub as_of: DateTime<Utc>,
}

/// One row's true figures, before disclosure control.
#[derive(Debug, Clone, Default)]
struct TrueRow {
    about: Option<(OrganisationId, String)>,
    /// In the order of `FeedbackStatus::ALL`.
    counts: [u64; 4],
    /// Days from receipt to first response of each item responded to.
    days: Vec<i64>,
}

/// Builds the table from the true counts and the days to first response of each row: the
/// counts pass through `control_table` (1–7 suppressed, others rounded to 5, secondary
/// suppression across rows, statuses and totals), and a row's median is withheld when its
/// total is suppressed.
fn summary_table(rows: Vec<TrueRow>) -> (Vec<FeedbackSummaryRow>, FeedbackSummaryRow) {
    let cells: Vec<Vec<u64>> = rows.iter().map(|r| r.counts.to_vec()).collect();
    let table = control_table(&cells);
    let median = |total: Shown, days: &mut Vec<i64>| match pcref_domain::median_days(days) {
        None => MedianDays::NoResponses,
        Some(_) if total.is_suppressed() => MedianDays::Withheld,
        Some(m) => MedianDays::Days(m),
    };
    let by_status = |shown: &[Shown]| -> Vec<(FeedbackStatus, Shown)> {
        FeedbackStatus::ALL
            .iter()
            .copied()
            .zip(shown.iter().copied())
            .collect()
    };
    let mut all_days: Vec<i64> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for (
        i,
        TrueRow {
            about, mut days, ..
        },
    ) in rows.into_iter().enumerate()
    {
        all_days.extend(&days);
        let total = table
            .row_totals
            .get(i)
            .copied()
            .unwrap_or(Shown::Suppressed);
        let cells = table.cells.get(i).map(Vec::as_slice).unwrap_or_default();
        out.push(FeedbackSummaryRow {
            about,
            by_status: by_status(cells),
            total,
            median_days_to_first_response: median(total, &mut days),
        });
    }
    let totals = FeedbackSummaryRow {
        about: None,
        by_status: by_status(&table.column_totals),
        total: table.grand_total,
        median_days_to_first_response: median(table.grand_total, &mut all_days),
    };
    (out, totals)
}

fn status_index(status: FeedbackStatus) -> usize {
    FeedbackStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default()
}

// ---- who acts for whom --------------------------------------------------------------------

pub(crate) fn acted_by(c: &Caller) -> ActedBy {
    match c {
        Caller::Person(p) => ActedBy::Person(p.user.id),
        Caller::Client(client) => ActedBy::Client(client.client.id),
    }
}

/// The organisation a submission is made for: the one named, which the caller must submit
/// for, or the caller's only submitting organisation in the alliance.
fn submitting_organisation(
    c: &Caller,
    alliance: AllianceId,
    requested: Option<OrganisationId>,
) -> Result<Result<OrganisationId, ValidationError>, AppError> {
    policy::submit_feedback(c, alliance)?;
    let mine = policy::feedback_submitting_organisations(c, alliance);
    const FIELD: &str = "submitted_by_organisation_id";
    match requested {
        Some(org) if mine.iter().any(|(o, _)| *o == org) => Ok(Ok(org)),
        Some(org) => {
            let member_there = c
                .organisation_roles(alliance)
                .iter()
                .any(|(o, _, _)| *o == org);
            if member_there {
                Err(policy::not_a_feedback_submitter())
            } else {
                Ok(Err(ValidationError::new(
                    FIELD,
                    "you do not act for this organisation of the alliance; submit for one you act for",
                )))
            }
        }
        None => match mine.as_slice() {
            [(only, _)] => Ok(Ok(*only)),
            many => Ok(Err(ValidationError::new(
                FIELD,
                format!(
                    "you submit feedback for {} organisations in this alliance ({}): say which with {FIELD}",
                    many.len(),
                    many.iter()
                        .map(|(id, name)| format!("{name} = {id}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))),
        },
    }
}

/// The provider an item is about must be a provider organisation of the same alliance. Another
/// alliance's organisation reads exactly like an id that does not exist.
fn check_about(
    conn: &mut DbConnection,
    alliance: AllianceId,
    about: Option<OrganisationId>,
) -> Result<Result<(), ValidationError>, AppError> {
    let Some(id) = about else {
        return Ok(Ok(()));
    };
    const FIELD: &str = "about_organisation_id";
    Ok(match pcref_store::organisations::find(conn, id)? {
        Some(org) if org.alliance_id == alliance && org.kind == OrganisationKind::Provider => {
            Ok(())
        }
        Some(org) if org.alliance_id == alliance => Err(ValidationError::new(
            FIELD,
            "is a VCSE organisation: feedback is about a provider of the alliance, or (without about_organisation_id) the alliance as a whole",
        )),
        _ => Err(ValidationError::new(
            FIELD,
            "no provider organisation with this id is in the alliance; leave it out for feedback about the alliance as a whole",
        )),
    })
}

/// The redactor for an item's texts: the names of the people of both organisations involved,
/// both organisations' withheld terms, and the submitting organisation's name (unless it is
/// also the provider the feedback is about, which every view names).
fn feedback_redactor(
    conn: &mut DbConnection,
    submitter: (OrganisationId, &str),
    about: Option<OrganisationId>,
) -> Result<Redactor, AppError> {
    let (submitter_id, submitter_name) = submitter;
    let mut names = publication_store::workspace_names(conn, submitter_id)?;
    let (mut terms, _) = publication_store::find_withheld_terms(conn, submitter_id)?;
    if let Some(about) = about.filter(|a| *a != submitter_id) {
        names.extend(publication_store::workspace_names(conn, about)?);
        terms.extend(publication_store::find_withheld_terms(conn, about)?.0);
    }
    let redactor = Redactor::new(names, terms);
    Ok(if about == Some(submitter_id) {
        redactor
    } else {
        redactor.with_organisation_names([submitter_name])
    })
}

/// An action of the about-provider's library: in the current (latest, not withdrawn) version
/// of one of its named published plans. An action of an anonymous publication is refused: a
/// response names the provider, so linking it would tell readers whose the plan is.
fn linked_action(
    conn: &mut DbConnection,
    item: &FeedbackItem,
    action: ActionId,
) -> Result<Result<LinkedAction, ValidationError>, AppError> {
    const FIELD: &str = "action_id";
    let Some((about, about_name)) = &item.about else {
        return Ok(Err(ValidationError::new(
            FIELD,
            "feedback about the alliance as a whole has no provider's plan to point to; leave action_id out",
        )));
    };
    let wanted = action.to_string();
    let mut in_anonymous = false;
    for publication in publication_store::current_publications_of(conn, *about)? {
        let found = publication
            .document
            .priorities
            .iter()
            .flat_map(|p| &p.actions)
            .find(|a| a.id == wanted);
        let Some(found) = found else {
            continue;
        };
        match publication.summary.attribution {
            pcref_domain::Attribution::Named => {
                return Ok(Ok(LinkedAction {
                    publication_id: publication.summary.id,
                    action_id: action,
                    title: found.description.clone(),
                }))
            }
            pcref_domain::Attribution::Anonymous => in_anonymous = true,
        }
    }
    Ok(Err(if in_anonymous {
        ValidationError::new(
            FIELD,
            "this action is in an anonymous publication: a response names the provider, so pointing to it would tell readers whose the plan is; publish the plan named to point to its actions",
        )
    } else {
        ValidationError::new(
            FIELD,
            format!(
                "is not an action of {about_name}'s published plans (the current version of each, not withdrawn); use an id from priorities[].actions[] of one of its publications in the alliance's library"
            ),
        )
    }))
}

// ---- reading ------------------------------------------------------------------------------

/// The item as this reader may see it; `NotFound` when it may not see it at all.
fn for_reader(c: &Caller, item: FeedbackItem) -> Result<FeedbackItem, AppError> {
    Ok(match policy::feedback_view(c, &item)? {
        FeedbackView::Full => item,
        FeedbackView::Anonymised => item.anonymised(),
    })
}

fn find(conn: &mut DbConnection, id: FeedbackItemId) -> Result<FeedbackItem, AppError> {
    store::find_feedback(conn, id)?.ok_or(AppError::NotFound("feedback item"))
}

// ---- audit --------------------------------------------------------------------------------

/// Where an item's steps are logged: the log of the provider it is about (read by its admins),
/// or the alliance's (read by the alliance admin) for an item about the alliance as a whole.
fn audit_scope(item: &FeedbackItem) -> AuditScope {
    match item.about_organisation_id() {
        Some(about) => AuditScope::Workspace(item.alliance_id, about),
        None => AuditScope::Alliance(item.alliance_id, None),
    }
}

fn time(t: Option<DateTime<Utc>>) -> Value {
    json!(t.map(|t| t.to_rfc3339()))
}

/// What the log keeps of an item (texts as stored: redacted).
fn feedback_json(item: &FeedbackItem) -> Value {
    json!({
        "id": item.id.to_string(),
        "submitted_by_organisation_id": item.submitter.as_ref().map(|s| s.organisation_id.to_string()),
        "about_organisation_id": item.about_organisation_id().map(|o| o.to_string()),
        "theme": item.theme,
        "ethnic_categories": item.ethnic_categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "channel": item.channel.as_str(),
        "summary": item.summary,
        "received_on": item.received_on.map(|d| d.to_string()),
        "status": item.status.as_str(),
        "submitted_at": time(item.submitted_at),
        "acknowledged_at": time(item.acknowledged_at),
        "first_responded_at": time(item.first_responded_at),
        "closed_at": time(item.closed_at),
        "responses": item.responses.len(),
    })
}

/// What the log keeps of a step: the status and its date.
fn step_json(item: &FeedbackItem) -> Value {
    json!({
        "status": item.status.as_str(),
        "acknowledged_at": time(item.acknowledged_at),
        "first_responded_at": time(item.first_responded_at),
        "closed_at": time(item.closed_at),
        "responses": item.responses.len(),
    })
}

fn record(
    conn: &mut DbConnection,
    c: &Caller,
    at: DateTime<Utc>,
    item: &FeedbackItem,
    action: &str,
    before: Option<Value>,
    after: Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        &Actor::of(c),
        at,
        audit_scope(item),
        Change {
            action,
            target_type: "feedback_item",
            target_id: item.id.to_string(),
            before,
            after: Some(after),
        },
    )?;
    Ok(())
}

/// A step's refusal by the item's status (409), in words the caller can act on.
fn refused(e: pcref_domain::StepRefused) -> AppError {
    AppError::Conflict(e.message)
}

/// Takes one step of the loop on a stored item, guarded by the status it was read in: a step
/// taken by someone else in between is a conflict, not a silent double step.
fn take_step(
    conn: &mut DbConnection,
    item: &FeedbackItem,
    step: FeedbackStep,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let next = item.status.after(step).map_err(refused)?;
    if store::advance(conn, item.id, item.status, next, at)? {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "this feedback item was changed by someone else at the same moment; read it again"
                .into(),
        ))
    }
}

impl App {
    /// Whether the caller may read the alliance's feedback (checked before reporting what is
    /// wrong with a list's filters).
    pub async fn authorize_feedback_reading(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::FeedbackRead)?;
        policy::read_feedback(c, alliance)
    }

    /// Whether the caller may submit feedback in the alliance (checked before reporting what
    /// is wrong with a request's body).
    pub async fn authorize_feedback_submission(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::FeedbackWrite)?;
        policy::submit_feedback(c, alliance)
    }

    /// Whether the caller may respond to this item (checked before reporting what is wrong
    /// with a request's body).
    pub async fn authorize_feedback_response(
        &self,
        c: &Caller,
        id: FeedbackItemId,
    ) -> Result<(), AppError> {
        c.require_scope(Scope::FeedbackWrite)?;
        let c = c.clone();
        self.db
            .read(move |conn| policy::respond_to_feedback(&c, &find(conn, id)?))
            .await
    }

    /// Submits a feedback item: the submitting organisation and the provider it is about
    /// checked, the theme and summary redacted; stored and audited together.
    pub async fn submit_feedback(
        &self,
        c: &Caller,
        alliance: AllianceId,
        request: NewFeedbackRequest,
    ) -> Result<WrittenFeedback, AppError> {
        c.require_scope(Scope::FeedbackWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let submitter =
                    submitting_organisation(&c, alliance, request.submitted_by_organisation_id)?;
                let raw = request.fields;
                let about = check_about(conn, alliance, raw.about_organisation_id)?;
                let submitter = match (submitter, about) {
                    (Ok(s), Ok(())) => s,
                    (s, a) => {
                        return Err(AppError::Invalid(
                            [s.err(), a.err()].into_iter().flatten().collect(),
                        ))
                    }
                };
                let submitter = pcref_store::organisations::find(conn, submitter)?
                    .ok_or(AppError::NotFound("organisation"))?;
                let redactor = feedback_redactor(
                    conn,
                    (submitter.id, &submitter.name),
                    raw.about_organisation_id,
                )?;
                let mut report = Report::default();
                let fields = FeedbackDraft {
                    theme: redactor.clean(&mut report, "theme", &raw.theme),
                    summary: redactor.clean(&mut report, "summary", &raw.summary),
                    ..raw
                };
                let at = now();
                let id = store::insert_feedback(
                    conn,
                    NewFeedback {
                        alliance_id: alliance,
                        submitted_by_organisation_id: submitter.id,
                        submitted_by: acted_by(&c),
                        fields: &fields,
                    },
                    at,
                )?;
                let item = find(conn, id)?;
                let mut after = feedback_json(&item);
                after["redactions"] = json!(report.redactions.len());
                after["warnings"] = json!(report.warnings.len());
                record(conn, &c, at, &item, "feedback.submitted", None, after)?;
                Ok(WrittenFeedback {
                    item: for_reader(&c, item)?,
                    report,
                })
            })
            .await
    }

    /// The alliance's feedback items the caller may see, newest first: in full those of its
    /// organisations (and, for the alliance admin, the alliance's own), and the closed loops
    /// of everybody else anonymised.
    pub async fn feedback_items(
        &self,
        c: &Caller,
        alliance: AllianceId,
        filter: FeedbackFilter,
        after: Option<Cursor>,
        limit: PageLimit,
    ) -> Result<Page<FeedbackItem>, AppError> {
        c.require_scope(Scope::FeedbackRead)?;
        policy::read_feedback(c, alliance)?;
        let (organisations, alliance_level) = policy::feedback_full_access(c, alliance);
        let access = FullAccess {
            organisations,
            alliance_level,
        };
        let c = c.clone();
        self.db
            .read(move |conn| {
                let page =
                    store::list_feedback(conn, alliance, &access, &filter, after.as_ref(), limit)?;
                Ok(Page {
                    // The query and `policy::feedback_view` draw the same line; should they
                    // ever disagree, the policy wins and the item is left out.
                    items: page
                        .items
                        .into_iter()
                        .filter_map(|i| for_reader(&c, i).ok())
                        .collect(),
                    next_cursor: page.next_cursor,
                })
            })
            .await
    }

    pub async fn get_feedback(
        &self,
        c: &Caller,
        id: FeedbackItemId,
    ) -> Result<FeedbackItem, AppError> {
        c.require_scope(Scope::FeedbackRead)?;
        let c = c.clone();
        self.db
            .read(move |conn| for_reader(&c, find(conn, id)?))
            .await
    }

    /// The provider (or the alliance admin) acknowledges an item just received.
    pub async fn acknowledge_feedback(
        &self,
        c: &Caller,
        id: FeedbackItemId,
    ) -> Result<FeedbackItem, AppError> {
        self.take_plain_step(
            c,
            id,
            FeedbackStep::Acknowledge,
            policy::respond_to_feedback,
            "feedback.acknowledged",
        )
        .await
    }

    /// A response ("we did"): redacted, optionally pointing to an action of the provider's
    /// published plan. The first one moves the item to `responded` and dates it.
    pub async fn respond_to_feedback(
        &self,
        c: &Caller,
        id: FeedbackItemId,
        request: NewFeedbackResponseRequest,
    ) -> Result<WrittenFeedback, AppError> {
        c.require_scope(Scope::FeedbackWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let before = find(conn, id)?;
                policy::respond_to_feedback(&c, &before)?;
                before
                    .status
                    .after(FeedbackStep::Respond)
                    .map_err(refused)?;
                let action = request
                    .action_id
                    .map(|a| linked_action(conn, &before, a))
                    .transpose()?
                    .transpose()?;
                let submitter = before.submitter.as_ref().ok_or_else(|| {
                    AppError::Internal("a stored item without its submitter".into())
                })?;
                let redactor = feedback_redactor(
                    conn,
                    (submitter.organisation_id, &submitter.organisation_name),
                    before.about_organisation_id(),
                )?;
                let mut report = Report::default();
                let text = redactor.clean(&mut report, "text", &request.text);
                let at = now();
                take_step(conn, &before, FeedbackStep::Respond, at)?;
                let response_id = store::insert_response(
                    conn,
                    NewResponse {
                        feedback_id: id,
                        text: &text,
                        action: action.as_ref(),
                        responded_by: acted_by(&c),
                    },
                    at,
                )?;
                let after = find(conn, id)?;
                let mut entry = step_json(&after);
                entry["response"] = json!({
                    "id": response_id.to_string(),
                    "text": text,
                    "publication_id": action.as_ref().map(|a| a.publication_id.to_string()),
                    "action_id": action.as_ref().map(|a| a.action_id.to_string()),
                    "redactions": report.redactions.len(),
                    "warnings": report.warnings.len(),
                });
                record(
                    conn,
                    &c,
                    at,
                    &after,
                    "feedback.responded",
                    Some(step_json(&before)),
                    entry,
                )?;
                Ok(WrittenFeedback {
                    item: for_reader(&c, after)?,
                    report,
                })
            })
            .await
    }

    /// Closes the loop of an item that has been responded to.
    pub async fn close_feedback(
        &self,
        c: &Caller,
        id: FeedbackItemId,
    ) -> Result<FeedbackItem, AppError> {
        self.take_plain_step(
            c,
            id,
            FeedbackStep::Close,
            policy::close_feedback,
            "feedback.closed",
        )
        .await
    }

    /// A step that carries nothing but its date (acknowledging, closing): checked by
    /// `allowed`, taken, and audited as `action`, in one transaction.
    async fn take_plain_step(
        &self,
        c: &Caller,
        id: FeedbackItemId,
        step: FeedbackStep,
        allowed: fn(&Caller, &FeedbackItem) -> Result<(), AppError>,
        action: &'static str,
    ) -> Result<FeedbackItem, AppError> {
        c.require_scope(Scope::FeedbackWrite)?;
        let c = c.clone();
        self.db
            .write(move |conn| {
                let before = find(conn, id)?;
                allowed(&c, &before)?;
                let at = now();
                take_step(conn, &before, step, at)?;
                let after = find(conn, id)?;
                record(
                    conn,
                    &c,
                    at,
                    &after,
                    action,
                    Some(step_json(&before)),
                    step_json(&after),
                )?;
                for_reader(&c, after)
            })
            .await
    }

    /// The board's figures: per provider and for the alliance as a whole, how many items are
    /// in each status and the median days from receipt to first response, under disclosure
    /// control. Every member of the alliance may read them.
    pub async fn feedback_summary(
        &self,
        c: &Caller,
        alliance: AllianceId,
    ) -> Result<FeedbackSummary, AppError> {
        c.require_scope(Scope::FeedbackRead)?;
        policy::read_feedback(c, alliance)?;
        self.db
            .read(move |conn| {
                let mut providers: Vec<Organisation> = Vec::new();
                let mut after: Option<Cursor> = None;
                loop {
                    let page = pcref_store::organisations::list_in_alliance(
                        conn,
                        alliance,
                        Some(OrganisationKind::Provider),
                        after.as_ref(),
                        PageLimit::parse(Some(PageLimit::MAX))?,
                    )?;
                    providers.extend(page.items);
                    match page.next_cursor {
                        Some(next) => after = Some(next),
                        None => break,
                    }
                }
                providers.sort_by_key(|p| p.name.to_lowercase());
                let mut rows: Vec<TrueRow> = providers
                    .into_iter()
                    .map(|p| TrueRow {
                        about: Some((p.id, p.name)),
                        ..TrueRow::default()
                    })
                    .chain([TrueRow::default()])
                    .collect();
                let row_of = |about: Option<OrganisationId>, rows: &[TrueRow]| {
                    rows.iter()
                        .position(|r| r.about.as_ref().map(|(id, _)| *id) == about)
                };
                for (about, status, n) in store::count_by_status(conn, alliance)? {
                    if let Some(i) = row_of(about, &rows) {
                        rows[i].counts[status_index(status)] += n;
                    }
                }
                for r in store::first_responses(conn, alliance)? {
                    if let Some(i) = row_of(r.about, &rows) {
                        rows[i]
                            .days
                            .push(days_between(r.received_on, r.first_responded_at));
                    }
                }
                let (rows, totals) = summary_table(rows);
                Ok(FeedbackSummary {
                    alliance_id: alliance,
                    rows,
                    totals,
                    as_of: now(),
                })
            })
            .await
    }
}

/// Whole days from the day feedback was received to the day it was first responded to (UTC).
fn days_between(received: NaiveDate, first_response: DateTime<Utc>) -> i64 {
    (first_response.date_naive() - received).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Shown::{Count, Suppressed as S};

    fn row(name: &str, counts: [u64; 4], days: &[i64]) -> TrueRow {
        TrueRow {
            about: Some((OrganisationId::new(), name.to_owned())),
            counts,
            days: days.to_vec(),
        }
    }

    #[test]
    fn counts_are_controlled_and_medians_withheld_with_them() {
        // Riverside: 9 received (shown as 10); Hillside: 3 (suppressed); Lakeside: 2
        // (suppressed, so that Hillside's cannot be worked out from the totals); the
        // alliance as a whole: none.
        let (rows, totals) = summary_table(vec![
            row("Riverside", [9, 0, 0, 0], &[]),
            row("Hillside", [1, 0, 2, 0], &[3, 5]),
            row("Lakeside", [2, 0, 0, 0], &[]),
            TrueRow::default(),
        ]);
        assert_eq!(rows[0].total, Count(10));
        assert_eq!(rows[0].by_status[0], (FeedbackStatus::Received, Count(10)));
        assert_eq!(
            rows[0].median_days_to_first_response,
            MedianDays::NoResponses
        );
        assert_eq!(rows[1].total, S);
        assert_eq!(rows[1].median_days_to_first_response, MedianDays::Withheld);
        assert_eq!(rows[2].total, S);
        assert_eq!(rows[3].total, Count(0));
        assert_eq!(totals.total, Count(15), "14 rounds to 15");
        // Over every row: shown, because the grand total is.
        assert_eq!(totals.median_days_to_first_response, MedianDays::Days(4.0));
    }

    #[test]
    fn a_large_enough_row_shows_its_median() {
        let (rows, _) = summary_table(vec![
            row("Riverside", [0, 0, 4, 6], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            row("Hillside", [0, 0, 5, 5], &[2, 2, 2, 2, 2]),
        ]);
        assert_eq!(rows[0].total, Count(10));
        assert_eq!(rows[0].median_days_to_first_response, MedianDays::Days(5.5));
        assert_eq!(rows[1].median_days_to_first_response, MedianDays::Days(2.0));
    }

    #[test]
    fn days_are_counted_in_whole_days() {
        let received = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
        let first = DateTime::parse_from_rfc3339("2026-10-05T23:59:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(days_between(received, first), 4);
    }
}
