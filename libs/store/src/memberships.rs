use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AllianceId, Cursor, DisplayName, Membership, MembershipId, MembershipInContext,
    MembershipStatus, OrganisationId, Page, PageLimit, Role, UserId, Version,
};

use crate::rows::{parse_opt, MembershipRow, UserRow};
use crate::schema::{alliances, memberships, organisations, users};
use crate::{to_db_time, DbConnection, StoreError};

/// Where a membership is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipScope {
    Organisation(AllianceId, OrganisationId),
    Alliance(AllianceId),
}

impl MembershipScope {
    pub fn alliance_id(self) -> AllianceId {
        match self {
            MembershipScope::Organisation(a, _) | MembershipScope::Alliance(a) => a,
        }
    }

    pub fn organisation_id(self) -> Option<OrganisationId> {
        match self {
            MembershipScope::Organisation(_, o) => Some(o),
            MembershipScope::Alliance(_) => None,
        }
    }
}

/// Inserts a membership. `invited_as` is the name the inviter gave, shown while it is pending.
pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    scope: MembershipScope,
    role: Role,
    status: MembershipStatus,
    invited_as: Option<&DisplayName>,
    now: DateTime<Utc>,
) -> Result<Membership, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    let row = MembershipRow {
        id: MembershipId::new().to_string(),
        user_id: user.to_string(),
        alliance_id: scope.alliance_id().to_string(),
        organisation_id: scope.organisation_id().map(|o| o.to_string()),
        role: role.as_str().to_owned(),
        status: status.as_str().to_owned(),
        version: Version::FIRST.0,
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
        invited_display_name: invited_as.map(|n| n.as_str().to_owned()),
    };
    diesel::insert_into(memberships::table)
        .values(&row)
        .execute(conn)?;
    let id = row
        .id
        .parse()
        .map_err(|_| StoreError::Internal("fresh id".into()))?;
    find(conn, id)?.ok_or_else(|| StoreError::Internal("membership vanished after insert".into()))
}

pub fn find(conn: &mut DbConnection, id: MembershipId) -> Result<Option<Membership>, StoreError> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::id.eq(id.to_string()))
        .select((MembershipRow::as_select(), UserRow::as_select()))
        .first::<(MembershipRow, UserRow)>(conn)
        .optional()?
        .map(|(m, u)| m.into_domain(u))
        .transpose()
}

/// The user's membership in this scope, whatever its status.
pub fn find_in_scope(
    conn: &mut DbConnection,
    user: UserId,
    scope: MembershipScope,
) -> Result<Option<Membership>, StoreError> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::user_id.eq(user.to_string()))
        .filter(memberships::alliance_id.eq(scope.alliance_id().to_string()))
        .select((MembershipRow::as_select(), UserRow::as_select()))
        .into_boxed();
    query = match scope.organisation_id() {
        Some(org) => query.filter(memberships::organisation_id.eq(org.to_string())),
        None => query.filter(memberships::organisation_id.is_null()),
    };
    query
        .first::<(MembershipRow, UserRow)>(conn)
        .optional()?
        .map(|(m, u)| m.into_domain(u))
        .transpose()
}

/// Memberships held in this scope (an organisation's members, or the alliance-level ones).
pub fn list_in_scope(
    conn: &mut DbConnection,
    scope: MembershipScope,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<Membership>, StoreError> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::alliance_id.eq(scope.alliance_id().to_string()))
        .select((MembershipRow::as_select(), UserRow::as_select()))
        .order(memberships::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    query = match scope.organisation_id() {
        Some(org) => query.filter(memberships::organisation_id.eq(org.to_string())),
        None => query.filter(memberships::organisation_id.is_null()),
    };
    if let Some(after) = after {
        query = query.filter(memberships::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load::<(MembershipRow, UserRow)>(conn)?
        .into_iter()
        .map(|(m, u)| m.into_domain(u))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |m| Cursor::after(m.id)))
}

/// Every active membership of a user, with the alliance's and organisation's names: what the
/// user may act as, and what `GET /me` shows.
pub fn active_for_user(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Vec<MembershipInContext>, StoreError> {
    let rows = memberships::table
        .inner_join(users::table)
        .inner_join(alliances::table)
        .left_join(organisations::table)
        .filter(memberships::user_id.eq(user.to_string()))
        .filter(memberships::status.eq(MembershipStatus::Active.as_str()))
        .order(memberships::id.asc())
        .select((
            MembershipRow::as_select(),
            UserRow::as_select(),
            alliances::name,
            organisations::name.nullable(),
            organisations::kind.nullable(),
        ))
        .load::<(
            MembershipRow,
            UserRow,
            String,
            Option<String>,
            Option<String>,
        )>(conn)?;
    rows.into_iter()
        .map(|(m, u, alliance_name, organisation_name, kind)| {
            Ok(MembershipInContext {
                membership: m.into_domain(u)?,
                alliance_name,
                organisation_name,
                organisation_kind: parse_opt("organisations.kind", kind.as_deref())?,
            })
        })
        .collect()
}

/// Changes the role if the membership is still at `expected`; `None` when it changed first.
pub fn set_role(
    conn: &mut DbConnection,
    id: MembershipId,
    expected: Version,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Option<Membership>, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    let changed = diesel::update(
        memberships::table
            .find(id.to_string())
            .filter(memberships::version.eq(expected.0)),
    )
    .set((
        memberships::role.eq(role.as_str()),
        memberships::version.eq(expected.next().0),
        memberships::updated_at.eq(to_db_time(now)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Marks an invited membership as taken up.
pub fn activate(
    conn: &mut DbConnection,
    id: MembershipId,
    now: DateTime<Utc>,
) -> Result<Option<Membership>, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    diesel::update(memberships::table.find(id.to_string()))
        .set((
            memberships::status.eq(MembershipStatus::Active.as_str()),
            memberships::version.eq(memberships::version + 1),
            memberships::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    find(conn, id)
}

/// Re-invites a pending membership under a (possibly new) role and name.
pub fn reinvite(
    conn: &mut DbConnection,
    id: MembershipId,
    role: Role,
    invited_as: &DisplayName,
    now: DateTime<Utc>,
) -> Result<Option<Membership>, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    diesel::update(memberships::table.find(id.to_string()))
        .set((
            memberships::role.eq(role.as_str()),
            memberships::invited_display_name.eq(invited_as.as_str()),
            memberships::version.eq(memberships::version + 1),
            memberships::updated_at.eq(to_db_time(now)),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: MembershipId) -> Result<bool, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    let deleted = diesel::delete(memberships::table.find(id.to_string())).execute(conn)?;
    Ok(deleted == 1)
}

/// How many active memberships hold `role` in this scope (for example: can anyone still
/// administer the alliance; does this organisation have an admin of its own).
pub fn count_active(
    conn: &mut DbConnection,
    scope: MembershipScope,
    role: Role,
) -> Result<i64, StoreError> {
    let mut query = memberships::table
        .filter(memberships::alliance_id.eq(scope.alliance_id().to_string()))
        .filter(memberships::role.eq(role.as_str()))
        .filter(memberships::status.eq(MembershipStatus::Active.as_str()))
        .count()
        .into_boxed();
    query = match scope.organisation_id() {
        Some(org) => query.filter(memberships::organisation_id.eq(org.to_string())),
        None => query.filter(memberships::organisation_id.is_null()),
    };
    Ok(query.get_result(conn)?)
}
