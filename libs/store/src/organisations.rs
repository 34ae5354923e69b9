use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Cursor, Name, Organisation, OrganisationId, OrganisationKind, Page, PageLimit,
    Version,
};

use crate::rows::OrganisationRow;
use crate::schema::organisations;
use crate::{to_db_time, DbConnection, StoreError};

pub fn insert(
    conn: &mut DbConnection,
    alliance: AllianceId,
    name: &Name,
    kind: OrganisationKind,
    now: DateTime<Utc>,
) -> Result<Organisation, StoreError> {
    let row = OrganisationRow {
        id: OrganisationId::new().to_string(),
        alliance_id: alliance.to_string(),
        name: name.as_str().to_owned(),
        name_key: name.key(),
        kind: kind.as_str().to_owned(),
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn find(
    conn: &mut DbConnection,
    id: OrganisationId,
) -> Result<Option<Organisation>, StoreError> {
    organisations::table
        .find(id.to_string())
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

pub fn list_in_alliance(
    conn: &mut DbConnection,
    alliance: AllianceId,
    kind: Option<OrganisationKind>,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Organisation>, StoreError> {
    let mut query = organisations::table
        .filter(organisations::alliance_id.eq(alliance.to_string()))
        .select(OrganisationRow::as_select())
        .order(organisations::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(organisations::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<Organisation>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |o| Cursor::after(o.id)))
}

/// Renames the organisation if it is still at `expected`; `None` when someone changed it first.
pub fn rename(
    conn: &mut DbConnection,
    id: OrganisationId,
    expected: Version,
    name: &Name,
    now: DateTime<Utc>,
) -> Result<Option<Organisation>, StoreError> {
    // Its name is shown with memberships and with published plans.
    crate::changes::mark(crate::Kept::Identity);
    crate::changes::mark(crate::Kept::Library);
    let changed = diesel::update(
        organisations::table
            .find(id.to_string())
            .filter(organisations::version.eq(expected.0)),
    )
    .set((
        organisations::name.eq(name.as_str()),
        organisations::name_key.eq(name.key()),
        organisations::version.eq(expected.next().0),
        organisations::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

pub fn find_by_name(
    conn: &mut DbConnection,
    alliance: AllianceId,
    name: &Name,
) -> Result<Option<Organisation>, StoreError> {
    organisations::table
        .filter(organisations::alliance_id.eq(alliance.to_string()))
        .filter(organisations::name_key.eq(name.key()))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}
