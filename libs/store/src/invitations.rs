use chrono::{DateTime, Utc};
use diesel::prelude::*;
use pcref_domain::{InvitationId, MembershipId, UserId};

use crate::rows::parse;
use crate::schema::invitations;
use crate::{from_db_time, to_db_time, DbConnection, StoreError};

/// An invitation as stored: the code itself is never kept, only its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: InvitationId,
    pub membership_id: MembershipId,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

pub fn insert(
    conn: &mut DbConnection,
    membership: MembershipId,
    code_hash: &str,
    created_by: Option<UserId>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Invitation, StoreError> {
    let id = InvitationId::new();
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(id.to_string()),
            invitations::membership_id.eq(membership.to_string()),
            invitations::code_hash.eq(code_hash),
            invitations::created_by.eq(created_by.map(|u| u.to_string())),
            invitations::created_at.eq(to_db_time(now)),
            invitations::expires_at.eq(to_db_time(expires_at)),
        ))
        .execute(conn)?;
    Ok(Invitation {
        id,
        membership_id: membership,
        expires_at,
        accepted_at: None,
    })
}

pub fn find_by_code_hash(
    conn: &mut DbConnection,
    code_hash: &str,
) -> Result<Option<Invitation>, StoreError> {
    let row = invitations::table
        .filter(invitations::code_hash.eq(code_hash))
        .select((
            invitations::id,
            invitations::membership_id,
            invitations::expires_at,
            invitations::accepted_at,
        ))
        .first::<(
            String,
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        )>(conn)
        .optional()?;
    row.map(|(id, membership_id, expires_at, accepted_at)| {
        Ok(Invitation {
            id: parse("invitations.id", &id)?,
            membership_id: parse("invitations.membership_id", &membership_id)?,
            expires_at: from_db_time(expires_at),
            accepted_at: accepted_at.map(from_db_time),
        })
    })
    .transpose()
}

/// Marks the invitation used. Returns false if it had already been used, so that two
/// simultaneous accepts cannot both succeed.
pub fn mark_accepted(
    conn: &mut DbConnection,
    id: InvitationId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        invitations::table
            .find(id.to_string())
            .filter(invitations::accepted_at.is_null()),
    )
    .set(invitations::accepted_at.eq(to_db_time(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Withdraws every unused code for a membership (when a new one is issued).
pub fn withdraw_pending(
    conn: &mut DbConnection,
    membership: MembershipId,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        invitations::table
            .filter(invitations::membership_id.eq(membership.to_string()))
            .filter(invitations::accepted_at.is_null()),
    )
    .execute(conn)?)
}
