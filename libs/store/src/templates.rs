//! Plan templates: the built-in one (seeded by a migration), those organisations save, the
//! ones they share with their alliance (a redacted copy, kept as JSON beside the original) and
//! the copies others adopt from those.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Cursor, OrganisationId, Page, PageLimit, PlanId, SharedTemplateContent, Template,
    TemplateContent, TemplateId, TemplateOrigin, UserId,
};

use crate::rows::{parse, TemplateRow};
use crate::schema::{organisations, template_adoptions, templates};
use crate::sql::{contains_pattern, lower};
use crate::{to_db_time, DbConnection, StoreError};

pub struct NewTemplate<'a> {
    pub organisation_id: OrganisationId,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub source_plan_id: PlanId,
    pub content: &'a TemplateContent,
    pub created_by: UserId,
}

pub fn insert(
    conn: &mut DbConnection,
    new: NewTemplate<'_>,
    now: DateTime<Utc>,
) -> Result<Template, StoreError> {
    let row = TemplateRow {
        id: TemplateId::new().to_string(),
        organisation_id: Some(new.organisation_id.to_string()),
        name: new.name.to_owned(),
        description: new.description.map(str::to_owned),
        source_plan_id: Some(new.source_plan_id.to_string()),
        content: serde_json::to_string(new.content)
            .map_err(|e| StoreError::Internal(e.to_string()))?,
        created_by: Some(new.created_by.to_string()),
        created_at: to_db_time(now),
        shared_at: None,
        shared_content: None,
        adopted_from_id: None,
    };
    diesel::insert_into(templates::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// A template with its adoptions counted and, for an adopted copy, its origin.
pub fn find(conn: &mut DbConnection, id: TemplateId) -> Result<Option<Template>, StoreError> {
    let Some(row) = templates::table
        .find(id.to_string())
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(complete(conn, vec![row.try_into()?])?.pop())
}

/// Fills in what the row alone does not hold: how many organisations adopted each shared
/// template, and where each adopted copy came from. Two queries whatever the number.
fn complete(conn: &mut DbConnection, mut list: Vec<Template>) -> Result<Vec<Template>, StoreError> {
    let shared: Vec<String> = list
        .iter()
        .filter(|t| t.shared_at.is_some())
        .map(|t| t.id.to_string())
        .collect();
    if !shared.is_empty() {
        let counts: HashMap<String, i64> = template_adoptions::table
            .filter(template_adoptions::template_id.eq_any(&shared))
            .group_by(template_adoptions::template_id)
            .select((template_adoptions::template_id, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        for t in &mut list {
            if let Some(n) = counts.get(&t.id.to_string()) {
                t.adoptions = u32::try_from(*n).unwrap_or(u32::MAX);
            }
        }
    }
    let origins: Vec<String> = list
        .iter()
        .filter_map(|t| t.adopted_from_id.map(|id| id.to_string()))
        .collect();
    if !origins.is_empty() {
        let found: Vec<(String, Option<String>, String, String)> = templates::table
            .inner_join(
                organisations::table
                    .on(templates::organisation_id.eq(organisations::id.nullable())),
            )
            .filter(templates::id.eq_any(&origins))
            .select((
                templates::id,
                templates::shared_content,
                organisations::id,
                organisations::name,
            ))
            .load(conn)?;
        let mut by_id = HashMap::new();
        for (id, shared, organisation_id, organisation_name) in found {
            // Only the name as shared: the original's own name is its owner's business. An
            // original that is no longer shared leaves the copy without a named origin.
            let Some(shared) = shared else { continue };
            let shared: SharedTemplateContent = serde_json::from_str(&shared).map_err(|e| {
                StoreError::Corrupt(format!("templates.shared_content of {id}: {e}"))
            })?;
            let origin = TemplateOrigin {
                id: parse("templates.id", &id)?,
                name: shared.name,
                organisation_id: parse("organisations.id", &organisation_id)?,
                organisation_name,
            };
            by_id.insert(origin.id, origin);
        }
        for t in &mut list {
            t.adopted_from = t.adopted_from_id.and_then(|id| by_id.get(&id).cloned());
        }
    }
    Ok(list)
}

/// The built-in templates and those of the given organisations, oldest first (the built-in
/// ones have the smallest ids, so they come first).
pub fn list_visible(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Template>, StoreError> {
    let orgs: Vec<String> = organisations.iter().map(ToString::to_string).collect();
    let mut query = templates::table
        .filter(
            templates::organisation_id
                .is_null()
                .or(templates::organisation_id.eq_any(orgs)),
        )
        .select(TemplateRow::as_select())
        .order(templates::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(templates::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<Template>, _>>()?;
    let mut page = Page::from_overfetch(rows, limit, |t| Cursor::after(t.id));
    page.items = complete(conn, page.items)?;
    Ok(page)
}

// ---- sharing and adopting -----------------------------------------------------------------

/// The organisation's templates that are shared now, oldest first.
pub fn list_shared_of(
    conn: &mut DbConnection,
    organisation: OrganisationId,
) -> Result<Vec<Template>, StoreError> {
    templates::table
        .filter(templates::organisation_id.eq(organisation.to_string()))
        .filter(templates::shared_content.is_not_null())
        .select(TemplateRow::as_select())
        .order(templates::id.asc())
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Stores the redacted copy the alliance sees. The first share sets `shared_at`; sharing
/// again replaces the copy and keeps the date (and so the template's place in the list).
pub fn share(
    conn: &mut DbConnection,
    id: TemplateId,
    shared: &SharedTemplateContent,
    shared_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(shared).map_err(|e| StoreError::Internal(e.to_string()))?;
    diesel::update(templates::table.find(id.to_string()))
        .set((
            templates::shared_content.eq(Some(json)),
            templates::shared_at.eq(Some(to_db_time(shared_at))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the organisation already adopted the template.
pub fn has_adopted(
    conn: &mut DbConnection,
    template: TemplateId,
    organisation: OrganisationId,
) -> Result<bool, StoreError> {
    let found: i64 = template_adoptions::table
        .filter(template_adoptions::template_id.eq(template.to_string()))
        .filter(template_adoptions::organisation_id.eq(organisation.to_string()))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// An organisation adopting a shared template.
pub struct NewAdoption<'a> {
    pub original: TemplateId,
    pub organisation_id: OrganisationId,
    /// The original's shared copy, which becomes the adopter's own template.
    pub shared: &'a SharedTemplateContent,
    pub adopted_by: UserId,
}

/// Copies the shared content into a new template of the adopter and records the adoption
/// (one per organisation and template: a second one fails as a duplicate).
pub fn adopt(
    conn: &mut DbConnection,
    new: NewAdoption<'_>,
    now: DateTime<Utc>,
) -> Result<Template, StoreError> {
    let id = TemplateId::new();
    let row = TemplateRow {
        id: id.to_string(),
        organisation_id: Some(new.organisation_id.to_string()),
        name: new.shared.name.clone(),
        description: new.shared.description.clone(),
        source_plan_id: None,
        content: serde_json::to_string(&new.shared.content)
            .map_err(|e| StoreError::Internal(e.to_string()))?,
        created_by: Some(new.adopted_by.to_string()),
        created_at: to_db_time(now),
        shared_at: None,
        shared_content: None,
        adopted_from_id: Some(new.original.to_string()),
    };
    diesel::insert_into(templates::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(template_adoptions::table)
        .values((
            template_adoptions::template_id.eq(new.original.to_string()),
            template_adoptions::organisation_id.eq(new.organisation_id.to_string()),
            template_adoptions::adopted_template_id.eq(id.to_string()),
            template_adoptions::adopted_by.eq(Some(new.adopted_by.to_string())),
            template_adoptions::adopted_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or_else(|| StoreError::Internal("adopted template vanished".into()))
}

/// How many rows the shared-template search reads at a time when it filters by words.
const SEARCH_BATCH: i64 = 200;

/// The templates shared in an alliance, newest shared first (then by id), as their owners
/// hold them (the caller shows the shared copy). `words`, all of which must appear in the
/// shared name or description, case-insensitively. `after` is the position the previous page
/// ended at (its last item's shared time and id, `Cursor::at`): it holds whatever has become of
/// that template since.
pub fn list_shared(
    conn: &mut DbConnection,
    alliance: AllianceId,
    words: &[String],
    after: Option<&(DateTime<Utc>, String)>,
    limit: PageLimit,
) -> Result<Page<Template>, StoreError> {
    let alliance = alliance.to_string();
    let mut position: Option<(NaiveDateTime, String)> =
        after.map(|(at, id)| (at.naive_utc(), id.clone()));
    let wanted = usize::try_from(limit.get()).unwrap_or(usize::MAX) + 1;
    let lowered: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    // Without words every row read is a match: read exactly one page (and one more row).
    let batch = if lowered.is_empty() {
        i64::from(limit.get()) + 1
    } else {
        SEARCH_BATCH
    };
    let mut found = Vec::new();
    loop {
        let mut query = templates::table
            .inner_join(
                organisations::table
                    .on(templates::organisation_id.eq(organisations::id.nullable())),
            )
            .filter(organisations::alliance_id.eq(&alliance))
            .filter(templates::shared_at.is_not_null())
            .filter(templates::shared_content.is_not_null())
            .select(TemplateRow::as_select())
            .order((templates::shared_at.desc(), templates::id.desc()))
            .limit(batch)
            .into_boxed();
        // The words are in the stored JSON (as JSON writes them) wherever they are in the
        // shared name or description: the database narrows the rows down, and the exact test
        // (name and description only, not the content) is made below.
        for word in &lowered {
            query = query.filter(
                lower(templates::shared_content.assume_not_null())
                    .like(contains_pattern(&as_in_json(word)))
                    .escape('\\'),
            );
        }
        if let Some((at, id)) = &position {
            query = query.filter(
                templates::shared_at.lt(*at).or(templates::shared_at
                    .eq(*at)
                    .and(templates::id.lt(id.clone()))),
            );
        }
        let rows: Vec<TemplateRow> = query.load(conn)?;
        let read = rows.len();
        for row in rows {
            position = row.shared_at.map(|at| (at, row.id.clone()));
            let template: Template = row.try_into()?;
            let matches = template.shared.as_ref().is_some_and(|shared| {
                let text = format!(
                    "{}\n{}",
                    shared.name,
                    shared.description.as_deref().unwrap_or_default()
                )
                .to_lowercase();
                lowered.iter().all(|w| text.contains(w.as_str()))
            });
            if matches {
                found.push(template);
                if found.len() == wanted {
                    break;
                }
            }
        }
        if found.len() == wanted || i64::try_from(read).unwrap_or(0) < batch || position.is_none() {
            break;
        }
    }
    let mut page = Page::from_overfetch(found, limit, |t| {
        Cursor::at(t.shared_at.unwrap_or_default(), t.id)
    });
    page.items = complete(conn, page.items)?;
    Ok(page)
}

/// A word as it appears inside a JSON string (quotes and backslashes escaped).
fn as_in_json(word: &str) -> String {
    let quoted = serde_json::to_string(word).unwrap_or_else(|_| format!("\"{word}\""));
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(word)
        .to_owned()
}
