//! Remembered answers to creates sent with an `Idempotency-Key`.
//!
//! The memory lives in the database, not in the process, because several instances of the hub
//! share one PostgreSQL: a partner's retry may reach another instance than its first attempt.
//! A key is claimed by inserting its row (the primary key makes the claim atomic on both
//! backends), completed with the answer, or released so that a retry runs again.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{to_db_time, DbConnection, StoreError};

/// How long an answer is remembered; older keys count as unused.
pub const RETENTION_HOURS: i64 = 24;

/// A key being claimed: who sends it and what the request was.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub caller_hash: String,
    pub idem_key: String,
    pub method: String,
    pub path: String,
    pub request_hash: String,
}

/// The answer remembered for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    /// JSON object of the response headers worth replaying.
    pub headers: String,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was unused (or expired): this request owns it and must complete or release it.
    Claimed,
    /// An earlier request with this key and the same request hash is still being answered.
    InFlight,
    /// An earlier request with this key and the same request hash was answered like this.
    Answered(StoredAnswer),
    /// The key was used for a different request.
    Mismatch,
}

#[derive(Insertable)]
#[diesel(table_name = idempotency_keys)]
struct NewRow<'a> {
    caller_hash: &'a str,
    idem_key: &'a str,
    method: &'a str,
    path: &'a str,
    request_hash: &'a str,
    status: Option<i32>,
    headers: Option<String>,
    body: Option<String>,
    created_at: chrono::NaiveDateTime,
}

/// Claims `claim.idem_key` for `claim.caller_hash`, or reports what an earlier request with it
/// left. Runs outside a transaction on purpose: on PostgreSQL a failed INSERT aborts the
/// transaction it is in, and the duplicate is the expected case here, so each statement
/// commits on its own (the INSERT alone is what makes the claim atomic).
pub fn claim(
    conn: &mut DbConnection,
    claim: &NewClaim,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    // Expired keys of this caller are removed first, so that an expired key is unused again
    // and the table never holds more than a day of any caller's keys. Other callers' old rows
    // go when those callers next claim, or with `purge_expired`.
    let cutoff = to_db_time(now - Duration::hours(RETENTION_HOURS));
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::caller_hash.eq(&claim.caller_hash))
            .filter(idempotency_keys::created_at.lt(cutoff)),
    )
    .execute(conn)?;

    // A row can vanish between a refused INSERT and the read that follows (its request failed
    // and released the claim): then try the INSERT again. Twice is enough to win or lose.
    for _ in 0..3 {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values(&NewRow {
                caller_hash: &claim.caller_hash,
                idem_key: &claim.idem_key,
                method: &claim.method,
                path: &claim.path,
                request_hash: &claim.request_hash,
                status: None,
                headers: None,
                body: None,
                created_at: to_db_time(now),
            })
            .execute(conn);
        match inserted.map_err(StoreError::from) {
            Ok(_) => return Ok(Claim::Claimed),
            Err(StoreError::Duplicate { .. }) => {}
            Err(other) => return Err(other),
        }
        let existing = idempotency_keys::table
            .find((&claim.caller_hash, &claim.idem_key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status,
                idempotency_keys::headers,
                idempotency_keys::body,
            ))
            .first::<(String, Option<i32>, Option<String>, Option<String>)>(conn)
            .optional()?;
        let Some((request_hash, status, headers, body)) = existing else {
            continue;
        };
        if request_hash != claim.request_hash {
            return Ok(Claim::Mismatch);
        }
        return match status {
            None => Ok(Claim::InFlight),
            Some(status) => Ok(Claim::Answered(StoredAnswer {
                status: u16::try_from(status).map_err(|_| {
                    StoreError::Corrupt(format!("idempotency status {status} is not HTTP"))
                })?,
                headers: headers.unwrap_or_else(|| "{}".to_owned()),
                body: body.unwrap_or_default(),
            })),
        };
    }
    // Claimed and released by others three times in a row: report it as busy.
    Ok(Claim::InFlight)
}

/// Stores the answer of a claimed key.
pub fn complete(
    conn: &mut DbConnection,
    caller_hash: &str,
    idem_key: &str,
    answer: &StoredAnswer,
) -> Result<(), StoreError> {
    diesel::update(idempotency_keys::table.find((caller_hash, idem_key)))
        .filter(idempotency_keys::status.is_null())
        .set((
            idempotency_keys::status.eq(Some(i32::from(answer.status))),
            idempotency_keys::headers.eq(Some(&answer.headers)),
            idempotency_keys::body.eq(Some(&answer.body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Releases a claimed key that has no answer yet, so that a retry runs the request again.
pub fn release(
    conn: &mut DbConnection,
    caller_hash: &str,
    idem_key: &str,
) -> Result<(), StoreError> {
    diesel::delete(
        idempotency_keys::table
            .find((caller_hash, idem_key))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(conn)?;
    Ok(())
}

/// Removes every key older than the retention period; returns how many.
pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let cutoff = to_db_time(now - Duration::hours(RETENTION_HOURS));
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
