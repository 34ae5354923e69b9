use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{DisplayName, Email, User, UserId};

use crate::rows::UserRow;
use crate::schema::users;
use crate::{to_db_time, DbConnection, StoreError};

pub fn find_by_email(conn: &mut DbConnection, email: &Email) -> Result<Option<User>, StoreError> {
    users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

pub fn find(conn: &mut DbConnection, id: UserId) -> Result<Option<User>, StoreError> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(TryInto::try_into)
        .transpose()
}

pub fn insert(
    conn: &mut DbConnection,
    email: &Email,
    display_name: &DisplayName,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let row = UserRow {
        id: UserId::new().to_string(),
        email: email.as_str().to_owned(),
        display_name: display_name.as_str().to_owned(),
        created_at: to_db_time(now),
        updated_at: to_db_time(now),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    row.try_into()
}

/// The user with this email, created with `display_name` if there is none yet. An existing
/// user keeps the name they have: an inviter does not get to rename someone.
pub fn find_or_insert(
    conn: &mut DbConnection,
    email: &Email,
    display_name: &DisplayName,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    match find_by_email(conn, email)? {
        Some(user) => Ok(user),
        None => insert(conn, email, display_name, now),
    }
}

/// Serialises concurrent transactions about one account: on PostgreSQL the row lock is held
/// until the transaction ends; on SQLite the write transaction already holds the database lock.
pub fn lock(conn: &mut DbConnection, id: UserId) -> Result<(), StoreError> {
    diesel::update(users::table.find(id.to_string()))
        .set(users::updated_at.eq(users::updated_at))
        .execute(conn)?;
    Ok(())
}
