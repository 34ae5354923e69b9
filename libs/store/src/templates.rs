//! Plan templates: the built-in one (seeded by a migration) and those organisations save.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    Cursor, OrganisationId, Page, PageLimit, PlanId, Template, TemplateContent, TemplateId, UserId,
};

use crate::rows::TemplateRow;
use crate::schema::templates;
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
    };
    diesel::insert_into(templates::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn find(conn: &mut DbConnection, id: TemplateId) -> Result<Option<Template>, StoreError> {
    templates::table
        .find(id.to_string())
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
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
    Ok(Page::from_overfetch(rows, limit, |t| Cursor::after(t.id)))
}
