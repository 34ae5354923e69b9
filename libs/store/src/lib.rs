//! Storage: the diesel schema, rows, queries, the connection pool and migrations.
//!
//! Every query is written once against [`DbConnection`] and runs on SQLite and PostgreSQL.
//! Functions here take a connection and do no authorization: that is `libs/app`'s job.

mod changes;
mod db;
mod error;
mod group_commit;
mod rows;
pub mod schema;

pub mod alliances;
pub mod api_clients;
pub mod audit;
pub mod feedback;
pub mod idempotency;
pub mod invitations;
pub mod learning;
pub mod memberships;
pub mod organisations;
pub mod periods;
pub mod plans;
pub mod projects;
pub mod publications;
pub mod reports;
pub mod rollup;
pub mod templates;
pub mod tokens;
pub mod users;

pub use changes::Kept;
pub use db::{
    migration_names, read_transaction, write_transaction, Backend, DatabaseUrl, Db, DbConnection,
    DbSettings,
};
pub use error::StoreError;

/// SQL functions the queries use, the same on both backends.
pub(crate) mod sql {
    // On SQLite, `lower` is replaced on every connection by Rust's Unicode lower-casing (its
    // own only folds ASCII), so that a search finds "Équipe" whatever the case it is typed in.
    diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

    /// `%text%` for LIKE, lower-cased, with the pattern characters in `text` escaped by `\`.
    pub(crate) fn contains_pattern(text: &str) -> String {
        let mut escaped = String::with_capacity(text.len() + 2);
        escaped.push('%');
        for c in text.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        escaped.push('%');
        escaped
    }
}

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// The current time as stored: UTC, truncated to microseconds so that SQLite (which would keep
/// nanoseconds) and PostgreSQL (microseconds) hold the same value.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub(crate) fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(6).naive_utc()
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
