//! Feedback items and their responses, as stored (texts already redacted), with the names of
//! the organisations and people involved joined in for the use cases to decide what each
//! reader sees. A page of items costs a fixed number of queries, whatever its length: the
//! items, their responses, and the names they refer to.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    month_of, AllianceId, ApiClientId, Cursor, EthnicCategory, FeedbackActor, FeedbackChannel,
    FeedbackDraft, FeedbackFilter, FeedbackItem, FeedbackItemId, FeedbackResponse,
    FeedbackResponseId, FeedbackStatus, FeedbackSubmitter, FeedbackView, LinkedAction,
    OrganisationId, OrganisationKind, Page, PageLimit, Tags, UserId,
};

use crate::rows::{parse, parse_opt};
use crate::schema::{api_clients, feedback_items, feedback_responses, organisations, users};
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback_items)]
struct ItemRow {
    id: String,
    alliance_id: String,
    submitted_by_organisation_id: String,
    submitted_by: Option<String>,
    submitted_by_client: Option<String>,
    about_organisation_id: Option<String>,
    theme: String,
    tags: String,
    channel: String,
    summary: String,
    received_on: NaiveDate,
    status: String,
    submitted_at: NaiveDateTime,
    acknowledged_at: Option<NaiveDateTime>,
    first_responded_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback_responses)]
struct ResponseRow {
    id: String,
    feedback_id: String,
    text: String,
    publication_id: Option<String>,
    action_id: Option<String>,
    action_title: Option<String>,
    responded_by: Option<String>,
    responded_by_client: Option<String>,
    responded_at: NaiveDateTime,
}

/// Who acts: a person, or an API client acting for its organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActedBy {
    Person(UserId),
    Client(ApiClientId),
}

impl ActedBy {
    pub(crate) fn columns(self) -> (Option<String>, Option<String>) {
        match self {
            ActedBy::Person(u) => (Some(u.to_string()), None),
            ActedBy::Client(c) => (None, Some(c.to_string())),
        }
    }
}

/// A new item, its summary already redacted.
pub struct NewFeedback<'a> {
    pub alliance_id: AllianceId,
    pub submitted_by_organisation_id: OrganisationId,
    pub submitted_by: ActedBy,
    pub fields: &'a FeedbackDraft,
}

pub fn insert_feedback(
    conn: &mut DbConnection,
    new: NewFeedback<'_>,
    now: DateTime<Utc>,
) -> Result<FeedbackItemId, StoreError> {
    let id = FeedbackItemId::new();
    let f = new.fields;
    let (by, by_client) = new.submitted_by.columns();
    let row = ItemRow {
        id: id.to_string(),
        alliance_id: new.alliance_id.to_string(),
        submitted_by_organisation_id: new.submitted_by_organisation_id.to_string(),
        submitted_by: by,
        submitted_by_client: by_client,
        about_organisation_id: f.about_organisation_id.map(|o| o.to_string()),
        theme: f.theme.clone(),
        tags: ethnic_tags(&f.ethnic_categories),
        channel: f.channel.as_str().to_owned(),
        summary: f.summary.clone(),
        received_on: f.received_on,
        status: FeedbackStatus::Received.as_str().to_owned(),
        submitted_at: to_db_time(now),
        acknowledged_at: None,
        first_responded_at: None,
        closed_at: None,
    };
    diesel::insert_into(feedback_items::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

fn ethnic_tags(categories: &[EthnicCategory]) -> String {
    Tags {
        ethnic_categories: categories.to_vec(),
        ..Tags::default()
    }
    .normalised()
    .to_text()
}

/// A new response, its text already redacted.
pub struct NewResponse<'a> {
    pub feedback_id: FeedbackItemId,
    pub text: &'a str,
    pub action: Option<&'a LinkedAction>,
    pub responded_by: ActedBy,
}

pub fn insert_response(
    conn: &mut DbConnection,
    new: NewResponse<'_>,
    now: DateTime<Utc>,
) -> Result<FeedbackResponseId, StoreError> {
    let id = FeedbackResponseId::new();
    let (by, by_client) = new.responded_by.columns();
    let row = ResponseRow {
        id: id.to_string(),
        feedback_id: new.feedback_id.to_string(),
        text: new.text.to_owned(),
        publication_id: new.action.map(|a| a.publication_id.to_string()),
        action_id: new.action.map(|a| a.action_id.to_string()),
        action_title: new.action.map(|a| a.title.clone()),
        responded_by: by,
        responded_by_client: by_client,
        responded_at: to_db_time(now),
    };
    diesel::insert_into(feedback_responses::table)
        .values(&row)
        .execute(conn)?;
    Ok(id)
}

/// Moves the item from `from` to `to`, dating the step, if it is still at `from`; `false` when
/// it is not (someone else moved it first). A further response (`responded` to `responded`)
/// changes nothing but checks the item is still open.
pub fn advance(
    conn: &mut DbConnection,
    id: FeedbackItemId,
    from: FeedbackStatus,
    to: FeedbackStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use FeedbackStatus::*;
    let target = feedback_items::table
        .find(id.to_string())
        .filter(feedback_items::status.eq(from.as_str()));
    let at = Some(to_db_time(now));
    let status = feedback_items::status.eq(to.as_str());
    let changed = match (from, to) {
        (Received, Acknowledged) => diesel::update(target)
            .set((status, feedback_items::acknowledged_at.eq(at)))
            .execute(conn)?,
        (Acknowledged, Responded) => diesel::update(target)
            .set((status, feedback_items::first_responded_at.eq(at)))
            .execute(conn)?,
        // A further response: the status stays; the update still takes the row's lock, so
        // that a close cannot slip in between the check and the response.
        (Responded, Responded) => diesel::update(target).set(status).execute(conn)?,
        (Responded, Closed) => diesel::update(target)
            .set((status, feedback_items::closed_at.eq(at)))
            .execute(conn)?,
        (from, to) => {
            return Err(StoreError::Internal(format!(
                "no feedback step from {from} to {to}"
            )))
        }
    };
    Ok(changed == 1)
}

pub fn find_feedback(
    conn: &mut DbConnection,
    id: FeedbackItemId,
) -> Result<Option<FeedbackItem>, StoreError> {
    let row: Option<ItemRow> = feedback_items::table
        .find(id.to_string())
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(assemble(conn, vec![row])?.pop())
}

/// Which items a reader sees in full: those its organisations submitted or are about, and,
/// for the alliance admin, those about the alliance as a whole. Everybody else in the
/// alliance sees closed items only (anonymised, which the use case does).
#[derive(Debug, Clone, Default)]
pub struct FullAccess {
    pub organisations: Vec<OrganisationId>,
    pub alliance_level: bool,
}

/// The items the reader sees in full, as one SQL condition (never NULL: an item about the
/// alliance as a whole has no `about_organisation_id`).
macro_rules! seen_in_full {
    ($orgs:expr, $admin_of:expr) => {
        feedback_items::submitted_by_organisation_id
            .eq_any($orgs)
            .or(feedback_items::about_organisation_id.is_not_null().and(
                feedback_items::about_organisation_id
                    .assume_not_null()
                    .eq_any($orgs),
            ))
            .or(feedback_items::about_organisation_id
                .is_null()
                .and(feedback_items::alliance_id.eq_any($admin_of)))
    };
}

/// An alliance's feedback items the reader may see (in full, or closed), newest first.
pub fn list_feedback(
    conn: &mut DbConnection,
    alliance: AllianceId,
    access: &FullAccess,
    filter: &FeedbackFilter,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<FeedbackItem>, StoreError> {
    let orgs: Vec<String> = access
        .organisations
        .iter()
        .map(ToString::to_string)
        .collect();
    let admin_of: Vec<String> = if access.alliance_level {
        vec![alliance.to_string()]
    } else {
        Vec::new()
    };
    let closed = FeedbackStatus::Closed.as_str();
    let mut query = feedback_items::table
        .filter(feedback_items::alliance_id.eq(alliance.to_string()))
        .select(ItemRow::as_select())
        .order(feedback_items::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    query = match filter.view {
        Some(FeedbackView::Full) => query.filter(seen_in_full!(&orgs, &admin_of)),
        Some(FeedbackView::Anonymised) => query
            .filter(feedback_items::status.eq(closed))
            .filter(diesel::dsl::not(seen_in_full!(&orgs, &admin_of))),
        None => query.filter(seen_in_full!(&orgs, &admin_of).or(feedback_items::status.eq(closed))),
    };
    if let Some(status) = filter.status {
        query = query.filter(feedback_items::status.eq(status.as_str()));
    }
    if let Some(about) = filter.about_organisation_id {
        query = query.filter(feedback_items::about_organisation_id.eq(about.to_string()));
    }
    if let Some(after) = after {
        query = query.filter(feedback_items::id.lt(after.as_str().to_owned()));
    }
    let rows: Vec<ItemRow> = query.load(conn)?;
    let items = assemble(conn, rows)?;
    Ok(Page::from_overfetch(items, limit, |i| Cursor::after(i.id)))
}

/// Rows into items: their responses and the names they refer to, each in one query.
fn assemble(conn: &mut DbConnection, rows: Vec<ItemRow>) -> Result<Vec<FeedbackItem>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let responses: Vec<ResponseRow> = feedback_responses::table
        .filter(feedback_responses::feedback_id.eq_any(&ids))
        .select(ResponseRow::as_select())
        .order(feedback_responses::id.asc())
        .load(conn)?;

    let mut org_ids = HashSet::new();
    let mut user_ids = HashSet::new();
    let mut client_ids = HashSet::new();
    for r in &rows {
        org_ids.insert(r.submitted_by_organisation_id.clone());
        org_ids.extend(r.about_organisation_id.clone());
        user_ids.extend(r.submitted_by.clone());
        client_ids.extend(r.submitted_by_client.clone());
    }
    for r in &responses {
        user_ids.extend(r.responded_by.clone());
        client_ids.extend(r.responded_by_client.clone());
    }
    let orgs: HashMap<String, (String, String)> = organisations::table
        .filter(organisations::id.eq_any(org_ids.into_iter().collect::<Vec<_>>()))
        .select((organisations::id, organisations::name, organisations::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kind)| (id, (name, kind)))
        .collect();
    let people: HashMap<String, String> = users::table
        .filter(users::id.eq_any(user_ids.into_iter().collect::<Vec<_>>()))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let clients: HashMap<String, String> = api_clients::table
        .filter(api_clients::id.eq_any(client_ids.into_iter().collect::<Vec<_>>()))
        .select((api_clients::id, api_clients::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();

    let actor =
        |user: Option<&str>, client: Option<&str>| -> Result<Option<FeedbackActor>, StoreError> {
            Ok(match (user, client) {
                (Some(u), _) => Some(FeedbackActor {
                    user_id: Some(parse("users.id", u)?),
                    api_client_id: None,
                    name: people.get(u).cloned().unwrap_or_default(),
                }),
                (None, Some(c)) => Some(FeedbackActor {
                    user_id: None,
                    api_client_id: Some(parse("api_clients.id", c)?),
                    name: clients.get(c).cloned().unwrap_or_default(),
                }),
                (None, None) => None,
            })
        };
    let org_name = |id: &str| -> Result<(String, OrganisationKind), StoreError> {
        let (name, kind) = orgs
            .get(id)
            .ok_or_else(|| StoreError::Corrupt(format!("feedback refers to organisation {id}")))?;
        Ok((name.clone(), parse("organisations.kind", kind)?))
    };

    let mut by_item: HashMap<String, Vec<FeedbackResponse>> = HashMap::new();
    for r in responses {
        let action = match (&r.publication_id, &r.action_id) {
            (Some(p), Some(a)) => Some(LinkedAction {
                publication_id: parse("feedback_responses.publication_id", p)?,
                action_id: parse("feedback_responses.action_id", a)?,
                title: r.action_title.clone().unwrap_or_default(),
            }),
            _ => None,
        };
        let response = FeedbackResponse {
            id: parse("feedback_responses.id", &r.id)?,
            text: r.text,
            action,
            responded_at: from_db_time(r.responded_at),
            responded_by: actor(r.responded_by.as_deref(), r.responded_by_client.as_deref())?,
        };
        by_item.entry(r.feedback_id).or_default().push(response);
    }

    rows.into_iter()
        .map(|row| {
            let (submitter_name, submitter_kind) = org_name(&row.submitted_by_organisation_id)?;
            let about = row
                .about_organisation_id
                .as_deref()
                .map(|id| -> Result<_, StoreError> {
                    Ok((
                        parse("feedback_items.about_organisation_id", id)?,
                        org_name(id)?.0,
                    ))
                })
                .transpose()?;
            Ok(FeedbackItem {
                id: parse("feedback_items.id", &row.id)?,
                alliance_id: parse("feedback_items.alliance_id", &row.alliance_id)?,
                view: FeedbackView::Full,
                submitter: Some(FeedbackSubmitter {
                    organisation_id: parse(
                        "feedback_items.submitted_by_organisation_id",
                        &row.submitted_by_organisation_id,
                    )?,
                    organisation_name: submitter_name,
                    organisation_kind: submitter_kind,
                    by: actor(
                        row.submitted_by.as_deref(),
                        row.submitted_by_client.as_deref(),
                    )?,
                }),
                about,
                theme: row.theme,
                ethnic_categories: Tags::parse(&row.tags).ethnic_categories,
                channel: parse::<FeedbackChannel>("feedback_items.channel", &row.channel)?,
                summary: row.summary,
                received_on: Some(row.received_on),
                received_month: month_of(row.received_on),
                status: parse("feedback_items.status", &row.status)?,
                submitted_at: Some(from_db_time(row.submitted_at)),
                acknowledged_at: row.acknowledged_at.map(from_db_time),
                first_responded_at: row.first_responded_at.map(from_db_time),
                closed_at: row.closed_at.map(from_db_time),
                responses: by_item.remove(&row.id).unwrap_or_default(),
            })
        })
        .collect()
}

// ---- the board's figures ------------------------------------------------------------------

/// How many of the alliance's items each provider (`None`: the alliance as a whole) has in
/// each status.
pub fn count_by_status(
    conn: &mut DbConnection,
    alliance: AllianceId,
) -> Result<Vec<(Option<OrganisationId>, FeedbackStatus, u64)>, StoreError> {
    let rows: Vec<(Option<String>, String, i64)> = feedback_items::table
        .filter(feedback_items::alliance_id.eq(alliance.to_string()))
        .group_by((
            feedback_items::about_organisation_id,
            feedback_items::status,
        ))
        .select((
            feedback_items::about_organisation_id,
            feedback_items::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(about, status, n)| {
            Ok((
                parse_opt("feedback_items.about_organisation_id", about.as_deref())?,
                parse("feedback_items.status", &status)?,
                u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("count {n}")))?,
            ))
        })
        .collect()
}

/// An item that has been responded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstResponse {
    /// The provider it is about; `None`: the alliance as a whole.
    pub about: Option<OrganisationId>,
    pub received_on: NaiveDate,
    pub first_responded_at: DateTime<Utc>,
}

/// Every item of the alliance that has been responded to.
pub fn first_responses(
    conn: &mut DbConnection,
    alliance: AllianceId,
) -> Result<Vec<FirstResponse>, StoreError> {
    let rows: Vec<(Option<String>, NaiveDate, Option<NaiveDateTime>)> = feedback_items::table
        .filter(feedback_items::alliance_id.eq(alliance.to_string()))
        .filter(feedback_items::first_responded_at.is_not_null())
        .select((
            feedback_items::about_organisation_id,
            feedback_items::received_on,
            feedback_items::first_responded_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(about, received, first)| first.map(|f| (about, received, f)))
        .map(|(about, received, first)| {
            Ok(FirstResponse {
                about: parse_opt("feedback_items.about_organisation_id", about.as_deref())?,
                received_on: received,
                first_responded_at: from_db_time(first),
            })
        })
        .collect()
}
