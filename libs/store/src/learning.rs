//! The alliance's learning library: case studies as stored (texts already redacted), with the
//! names of their organisation, alliance and author joined in for the use cases to decide
//! what each reader sees.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Attribution, Cursor, LearningDraft, LearningFilter, LearningItem, LearningItemId,
    OrganisationId, Page, PageLimit, Tags, UserId, Version,
};

use crate::rows::{parse, parse_opt};
use crate::schema::{alliances, learning_items, organisations, users};
use crate::sql::contains_pattern;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = learning_items)]
struct NewRow {
    id: String,
    alliance_id: String,
    organisation_id: String,
    attribution: String,
    title: String,
    summary: String,
    reflections: String,
    tags: String,
    publication_id: Option<String>,
    action_id: Option<String>,
    search_text: String,
    created_by: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// The columns a reader needs: everything but the search text.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = learning_items)]
struct ItemRow {
    id: String,
    alliance_id: String,
    organisation_id: String,
    attribution: String,
    title: String,
    summary: String,
    reflections: String,
    tags: String,
    publication_id: Option<String>,
    action_id: Option<String>,
    created_by: Option<String>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// An item and the names joined to it: organisation name and kind, alliance name, author.
type Joined = (ItemRow, String, String, String, Option<String>);

fn into_domain(
    (row, organisation_name, organisation_kind, alliance_name, author_name): Joined,
) -> Result<LearningItem, StoreError> {
    let tags = Tags::parse(&row.tags);
    Ok(LearningItem {
        id: parse("learning_items.id", &row.id)?,
        alliance_id: parse("learning_items.alliance_id", &row.alliance_id)?,
        alliance_name,
        organisation_id: parse("learning_items.organisation_id", &row.organisation_id)?,
        organisation_name,
        organisation_kind: parse("organisations.kind", &organisation_kind)?,
        fields: LearningDraft {
            title: row.title,
            categories: tags.categories,
            competencies: tags.competencies,
            ethnic_categories: tags.ethnic_categories,
            summary: row.summary,
            reflections: row.reflections,
            attribution: parse("learning_items.attribution", &row.attribution)?,
            publication_id: parse_opt(
                "learning_items.publication_id",
                row.publication_id.as_deref(),
            )?,
            action_id: parse_opt("learning_items.action_id", row.action_id.as_deref())?,
        },
        created_by: parse_opt("learning_items.created_by", row.created_by.as_deref())?,
        author_name,
        version: Version(row.version),
        created_at: from_db_time(row.created_at),
        updated_at: from_db_time(row.updated_at),
    })
}

/// The select every read shares, as a macro so that each query keeps its own concrete type
/// (a boxed listing and a plain lookup).
macro_rules! joined_items {
    () => {
        learning_items::table
            .inner_join(organisations::table)
            .inner_join(alliances::table.on(alliances::id.eq(learning_items::alliance_id)))
            .left_join(users::table.on(users::id.nullable().eq(learning_items::created_by)))
            .select((
                ItemRow::as_select(),
                organisations::name,
                organisations::kind,
                alliances::name,
                users::display_name.nullable(),
            ))
    };
}

/// A new case study, its texts already redacted.
pub struct NewLearningItem<'a> {
    pub alliance_id: AllianceId,
    pub organisation_id: OrganisationId,
    pub fields: &'a LearningDraft,
    /// `None` for an API client's contribution.
    pub created_by: Option<UserId>,
}

pub fn insert_learning_item(
    conn: &mut DbConnection,
    new: NewLearningItem<'_>,
    now: DateTime<Utc>,
) -> Result<LearningItem, StoreError> {
    let id = LearningItemId::new();
    let f = new.fields;
    let at = to_db_time(now);
    let row = NewRow {
        id: id.to_string(),
        alliance_id: new.alliance_id.to_string(),
        organisation_id: new.organisation_id.to_string(),
        attribution: f.attribution.as_str().to_owned(),
        title: f.title.clone(),
        summary: f.summary.clone(),
        reflections: f.reflections.clone(),
        tags: f.tags().to_text(),
        publication_id: f.publication_id.map(|p| p.to_string()),
        action_id: f.action_id.map(|a| a.to_string()),
        search_text: f.search_text(),
        created_by: new.created_by.map(|u| u.to_string()),
        version: Version::FIRST.0,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(learning_items::table)
        .values(&row)
        .execute(conn)?;
    find_learning_item(conn, id)?
        .ok_or_else(|| StoreError::Internal("inserted learning item vanished".into()))
}

pub fn find_learning_item(
    conn: &mut DbConnection,
    id: LearningItemId,
) -> Result<Option<LearningItem>, StoreError> {
    let found: Option<Joined> = joined_items!()
        .filter(learning_items::id.eq(id.to_string()))
        .first(conn)
        .optional()?;
    found.map(into_domain).transpose()
}

/// Replaces the item's fields if it is still at `expected`; `None` when someone changed it
/// first.
pub fn update_learning_item(
    conn: &mut DbConnection,
    id: LearningItemId,
    expected: Version,
    fields: &LearningDraft,
    now: DateTime<Utc>,
) -> Result<Option<LearningItem>, StoreError> {
    let changed = diesel::update(
        learning_items::table
            .find(id.to_string())
            .filter(learning_items::version.eq(expected.0)),
    )
    .set((
        learning_items::attribution.eq(fields.attribution.as_str()),
        learning_items::title.eq(&fields.title),
        learning_items::summary.eq(&fields.summary),
        learning_items::reflections.eq(&fields.reflections),
        learning_items::tags.eq(fields.tags().to_text()),
        learning_items::publication_id.eq(fields.publication_id.map(|p| p.to_string())),
        learning_items::action_id.eq(fields.action_id.map(|a| a.to_string())),
        learning_items::search_text.eq(fields.search_text()),
        learning_items::version.eq(expected.next().0),
        learning_items::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find_learning_item(conn, id)
}

/// The library: an alliance's case studies, newest first.
pub fn list_learning(
    conn: &mut DbConnection,
    alliance: AllianceId,
    filter: &LearningFilter,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<LearningItem>, StoreError> {
    let mut query = joined_items!()
        .filter(learning_items::alliance_id.eq(alliance.to_string()))
        .order(learning_items::id.desc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    for tag in filter.tags() {
        query = query.filter(learning_items::tags.like(tag.like_pattern()));
    }
    if let Some(text) = &filter.text {
        for word in text.split_whitespace() {
            query = query.filter(
                learning_items::search_text
                    .like(contains_pattern(word))
                    .escape('\\'),
            );
        }
    }
    if let Some(org) = filter.organisation_id {
        // An organisation's anonymous items are never found by its id.
        query = query
            .filter(learning_items::organisation_id.eq(org.to_string()))
            .filter(learning_items::attribution.eq(Attribution::Named.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(learning_items::id.lt(after.as_str().to_owned()));
    }
    let items = query
        .load::<Joined>(conn)?
        .into_iter()
        .map(into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(items, limit, |i| Cursor::after(i.id)))
}
