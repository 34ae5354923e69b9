use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{AccessToken, AccessTokenId, Cursor, Page, PageLimit, TokenName, User, UserId};

use crate::rows::{AccessTokenRow, UserRow};
use crate::schema::{access_tokens, users};
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
