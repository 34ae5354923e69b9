use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    Alliance, AllianceId, Cursor, Name, Page, PageLimit, UserId, Version,
    DEFAULT_REPORTING_CYCLE_DAYS,
};

use crate::rows::AllianceRow;
use crate::schema::{alliances, memberships};
use crate::{to_db_time, DbConnection, StoreError};

pub fn insert(
    conn: &mut DbConnection,
    id: AllianceId,
    name: &Name,
    now: DateTime<Utc>,
) -> Result<Alliance, StoreError> {
    let row = AllianceRow {
        id: id.to_string(),
        name: name.as_str().to_owned(),
        name_key: name.key(),
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
        reporting_cycle_days: DEFAULT_REPORTING_CYCLE_DAYS as i32,
    };
    diesel::insert_into(alliances::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

pub fn find(conn: &mut DbConnection, id: AllianceId) -> Result<Option<Alliance>, StoreError> {
    alliances::table
        .find(id.to_string())
        .select(AllianceRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

pub fn find_by_name(conn: &mut DbConnection, name: &Name) -> Result<Option<Alliance>, StoreError> {
    alliances::table
        .filter(alliances::name_key.eq(name.key()))
        .select(AllianceRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// The alliances in which the user holds an active membership of any kind.
pub fn list_for_user(
    conn: &mut DbConnection,
    user: UserId,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Alliance>, StoreError> {
    let mine = memberships::table
        .filter(memberships::user_id.eq(user.to_string()))
        .filter(memberships::status.eq("active"))
        .select(memberships::alliance_id);
    let mut query = alliances::table
        .filter(alliances::id.eq_any(mine))
        .select(AllianceRow::as_select())
        .order(alliances::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(alliances::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<Alliance>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |a| Cursor::after(a.id)))
}

/// Serialises concurrent writers that check alliance-wide invariants (such as "one alliance
/// admin remains"): on PostgreSQL the row lock is held until the transaction ends; on SQLite
/// the write transaction already holds the database lock.
pub fn lock(conn: &mut DbConnection, id: AllianceId) -> Result<(), StoreError> {
    diesel::update(alliances::table.find(id.to_string()))
        .set(alliances::version.eq(alliances::version))
        .execute(conn)?;
    Ok(())
}

/// Writes the alliance's name and reporting cycle if it is still at `expected`; `None` when
/// someone changed it first.
pub fn update(
    conn: &mut DbConnection,
    id: AllianceId,
    expected: Version,
    name: &Name,
    reporting_cycle_days: u32,
    now: DateTime<Utc>,
) -> Result<Option<Alliance>, StoreError> {
    // Its name is shown with memberships and with published plans.
    crate::changes::mark(crate::Kept::Identity);
    crate::changes::mark(crate::Kept::Library);
    let cycle = i32::try_from(reporting_cycle_days)
        .map_err(|_| StoreError::Internal("reporting cycle out of range".into()))?;
    let changed = diesel::update(
        alliances::table
            .find(id.to_string())
            .filter(alliances::version.eq(expected.0)),
    )
    .set((
        alliances::name.eq(name.as_str()),
        alliances::name_key.eq(name.key()),
        alliances::reporting_cycle_days.eq(cycle),
        alliances::version.eq(expected.next().0),
        alliances::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}
