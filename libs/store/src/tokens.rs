use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{
    AccessToken, AccessTokenId, Cursor, MembershipInContext, MembershipStatus, Page, PageLimit,
    TokenName, User, UserId,
};

use crate::rows::{parse_opt, AccessTokenRow, MembershipRow, UserRow};
use crate::schema::{access_tokens, alliances, memberships, organisations, users};
use crate::{to_db_time, DbConnection, StoreError};

pub fn insert(
    conn: &mut DbConnection,
    user: UserId,
    name: &TokenName,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<AccessToken, StoreError> {
    let row = AccessTokenRow {
        id: AccessTokenId::new().to_string(),
        user_id: user.to_string(),
        name: name.as_str().to_owned(),
        token_hash: token_hash.to_owned(),
        created_at: to_db_time(now),
        expires_at: to_db_time(expires_at),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(access_tokens::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The token with this hash and its owner, whatever its state (the caller checks expiry and
/// revocation, so that it can say which).
pub fn find_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(AccessToken, User)>, StoreError> {
    access_tokens::table
        .inner_join(users::table)
        .filter(access_tokens::token_hash.eq(token_hash))
        .select((AccessTokenRow::as_select(), UserRow::as_select()))
        .first::<(AccessTokenRow, UserRow)>(conn)
        .optional()?
        .map(|(t, u)| Ok((t.try_into()?, u.try_into()?)))
        .transpose()
}

/// As [`find_by_hash`], with the owner's active memberships (as
/// [`crate::memberships::active_for_user`] gives them) read in the same query: what
/// authenticating a request needs, in one statement instead of two.
pub fn find_by_hash_with_memberships(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(AccessToken, User, Vec<MembershipInContext>)>, StoreError> {
    type Found = (
        AccessTokenRow,
        UserRow,
        Option<MembershipRow>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Found> = access_tokens::table
        .inner_join(users::table)
        .left_join(
            memberships::table.on(memberships::user_id
                .eq(users::id)
                .and(memberships::status.eq(MembershipStatus::Active.as_str()))),
        )
        .left_join(alliances::table.on(alliances::id.eq(memberships::alliance_id)))
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(memberships::organisation_id)),
        )
        .filter(access_tokens::token_hash.eq(token_hash))
        .order(memberships::id.asc())
        .select((
            AccessTokenRow::as_select(),
            UserRow::as_select(),
            Option::<MembershipRow>::as_select(),
            alliances::name.nullable(),
            organisations::name.nullable(),
            organisations::kind.nullable(),
        ))
        .load(conn)?;
    let Some((token, user, _, _, _, _)) = rows.first() else {
        return Ok(None);
    };
    let token: AccessToken = token.clone().try_into()?;
    let owner: User = user.clone().try_into()?;
    let mut in_context = Vec::with_capacity(rows.len());
    for (_, user, membership, alliance_name, organisation_name, kind) in rows {
        let Some(membership) = membership else {
            continue;
        };
        let alliance_name = alliance_name.ok_or_else(|| {
            StoreError::Corrupt(format!("membership {} names no alliance", membership.id))
        })?;
        in_context.push(MembershipInContext {
            membership: membership.into_domain(user)?,
            alliance_name,
            organisation_name,
            organisation_kind: parse_opt("organisations.kind", kind.as_deref())?,
        });
    }
    Ok(Some((token, owner, in_context)))
}

pub fn list_for_user(
    conn: &mut DbConnection,
    user: UserId,
    after: Option<&Cursor>,
    limit: PageLimit,
) -> Result<Page<AccessToken>, StoreError> {
    let mut query = access_tokens::table
        .filter(access_tokens::user_id.eq(user.to_string()))
        .select(AccessTokenRow::as_select())
        .order(access_tokens::id.asc())
        .limit(i64::from(limit.get()) + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(access_tokens::id.gt(after.as_str().to_owned()));
    }
    let rows = query
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<AccessToken>, _>>()?;
    Ok(Page::from_overfetch(rows, limit, |t| Cursor::after(t.id)))
}

pub fn find_for_user(
    conn: &mut DbConnection,
    user: UserId,
    id: AccessTokenId,
) -> Result<Option<AccessToken>, StoreError> {
    access_tokens::table
        .find(id.to_string())
        .filter(access_tokens::user_id.eq(user.to_string()))
        .select(AccessTokenRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

/// Revokes the token if it is not revoked yet; returns whether this call revoked it.
pub fn revoke(
    conn: &mut DbConnection,
    id: AccessTokenId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    let changed = diesel::update(
        access_tokens::table
            .find(id.to_string())
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn touch_last_used(
    conn: &mut DbConnection,
    id: AccessTokenId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(access_tokens::table.find(id.to_string()))
        .set(access_tokens::last_used_at.eq(to_db_time(now)))
        .execute(conn)?;
    Ok(())
}

/// Whether the user holds a token that still works: someone is signed in as this account.
pub fn has_valid_token(
    conn: &mut DbConnection,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let count: i64 = access_tokens::table
        .filter(access_tokens::user_id.eq(user.to_string()))
        .filter(access_tokens::revoked_at.is_null())
        .filter(access_tokens::expires_at.gt(to_db_time(now)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Revokes every token of the user that is not revoked yet; returns those revoked.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<AccessToken>, StoreError> {
    crate::changes::mark(crate::Kept::Identity);
    let live = access_tokens::table
        .filter(access_tokens::user_id.eq(user.to_string()))
        .filter(access_tokens::revoked_at.is_null())
        .select(AccessTokenRow::as_select())
        .load(conn)?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<AccessToken>, _>>()?;
    diesel::update(
        access_tokens::table
            .filter(access_tokens::user_id.eq(user.to_string()))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(live)
}
