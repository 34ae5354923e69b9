//! Connections, the pool, transactions and migrations — one code path for SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::changes::{self, Epochs, Kept};
use crate::StoreError;

/// A connection to either backend. Queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Which backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An embedded SQLite file.
    Sqlite { path: PathBuf },
    /// A PostgreSQL server; the URL is passed to libpq as given (plus a connect timeout).
    Postgres { url: String },
}

impl DatabaseUrl {
    /// `sqlite://data/hub.db` (relative), `sqlite:///var/lib/hub.db` (absolute), or
    /// `postgres://…` / `postgresql://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, StoreError> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: raw.to_owned(),
            });
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() || path.starts_with(':') || path.contains('?') {
                return Err(StoreError::Config(format!(
                    "database URL {raw:?} names no SQLite file; write sqlite://data/pcref-hub.db (relative) or sqlite:///var/lib/pcref-hub/hub.db (absolute)"
                )));
            }
            return Ok(DatabaseUrl::Sqlite {
                path: PathBuf::from(path),
            });
        }
        Err(StoreError::Config(format!(
            "database URL {:?} must start with sqlite:// or postgres://",
            redact_url(raw)
        )))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL as safe to print: a PostgreSQL password is replaced by `***`.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres { url } => redact_url(url),
        }
    }
}

/// The passwords a database URL carries (in its user info or as `password=` in its query),
/// as written and percent-decoded. Found by plain text search, so that a URL that does not
/// even parse is still redacted.
fn secrets_of(url: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if let Some((userinfo, _host)) = authority.rsplit_once('@') {
            if let Some((_user, password)) = userinfo.split_once(':') {
                found.push(password.to_owned());
            }
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=') {
                if key.eq_ignore_ascii_case("password") {
                    found.push(value.to_owned());
                }
            }
        }
    }
    let decoded: Vec<String> = found
        .iter()
        .flat_map(|s| {
            let pair = format!("x={s}");
            url::form_urlencoded::parse(pair.as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    found.extend(decoded);
    found.retain(|s| !s.is_empty());
    // Longest first, so that a password containing another is replaced whole.
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

/// `text` with every password of `url` replaced by `***`.
fn redact(text: &str, url: &str) -> String {
    secrets_of(url)
        .iter()
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "***")
        })
}

fn redact_url(url: &str) -> String {
    redact(url, url)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Pool and connection settings.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    /// How long to wait for a connection, at start-up and from the pool.
    pub connect_timeout: Duration,
}

/// SQLite's page cache per connection, in KiB.
const SQLITE_CACHE_KIB: u32 = 8 * 1024;

/// Opens connections by the URL's scheme. diesel's own `MultiConnection::establish` tries
/// each backend in turn and hides the real error; this one reports it.
#[derive(Debug, Clone)]
struct ConnectionManager {
    url: DatabaseUrl,
    connect_timeout: Duration,
}

impl ConnectionManager {
    fn establish(&self) -> Result<DbConnection, StoreError> {
        match &self.url {
            DatabaseUrl::Sqlite { path } => {
                let path_str = path.to_str().ok_or_else(|| {
                    StoreError::Config(format!("SQLite path {} is not UTF-8", path.display()))
                })?;
                let mut conn = SqliteConnection::establish(path_str).map_err(|e| {
                    StoreError::Connect(format!("cannot open SQLite file {}: {e}", path.display()))
                })?;
                // busy_timeout first: switching to WAL needs a lock another process may hold.
                // synchronous=FULL: a commit that was acknowledged survives a power cut.
                // cache_size: 8 MiB of pages per connection instead of SQLite's 2 MiB, so that
                // the library's rows and the hot indexes stay cached (at most 8 MiB times the
                // pool's size, well inside the memory budget).
                let busy_ms = self.connect_timeout.as_millis().max(1000);
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy_ms};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB};"
                ))
                .map_err(|e| {
                    StoreError::Connect(format!(
                        "cannot configure SQLite file {}: {e}",
                        path.display()
                    ))
                })?;
                crate::sql::lower_utils::register_impl(&mut conn, |text: String| {
                    text.to_lowercase()
                })
                .map_err(|e| {
                    StoreError::Connect(format!("cannot register SQL functions on SQLite: {e}"))
                })?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres { url } => {
                let url = with_connect_timeout(url, self.connect_timeout);
                let conn = PgConnection::establish(&url).map_err(|e| {
                    // libpq may quote parts of the URL back, the password included.
                    StoreError::Connect(format!(
                        "cannot connect to PostgreSQL at {}: {}",
                        self.url.display(),
                        redact(e.to_string().trim(), &url)
                    ))
                })?;
                Ok(DbConnection::Postgresql(conn))
            }
        }
    }
}

/// libpq waits forever for an unreachable host unless told otherwise.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let secs = timeout.as_secs().max(1);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={secs}")
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Postgresql(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
        }
    }
}

/// r2d2 reports connection errors through `log`; send them to `tracing` instead.
#[derive(Debug)]
struct TracingErrorHandler;

impl r2d2::HandleError<StoreError> for TracingErrorHandler {
    fn handle_error(&self, error: StoreError) {
        tracing::warn!(%error, "database connection error");
    }
}

/// The database: a pool of connections, used from async code without blocking the runtime.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    url: DatabaseUrl,
    /// SQLite only: the writer thread that group-commits this process's writes.
    writer: Option<crate::group_commit::Sender>,
    /// Move on when a committed write changed something the app keeps in memory.
    epochs: Epochs,
    /// One per pooled connection: a request waits for its turn here, as a parked task, rather
    /// than as a blocking-pool thread asleep on the pool (64 requests in flight would otherwise
    /// wake 64 threads on two cores).
    turns: std::sync::Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("url", &self.url.display())
            .finish()
    }
}

impl Db {
    /// Opens the database, failing fast with the real reason when it cannot be reached.
    /// Blocking: call it before the runtime serves requests, or from `spawn_blocking`.
    pub fn open(settings: &DbSettings) -> Result<Db, StoreError> {
        if let DatabaseUrl::Sqlite { path } = &settings.url {
            create_parent_folder(path)?;
        }
        let manager = ConnectionManager {
            url: settings.url.clone(),
            connect_timeout: settings.connect_timeout,
        };
        // One direct connection first: r2d2 would only say "timed out" after its wait.
        let first = manager.establish()?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(settings.connect_timeout)
            .test_on_check_out(false)
            .error_handler(Box::new(TracingErrorHandler))
            .build_unchecked(manager);
        let epochs = Epochs::default();
        let writer = match settings.url {
            DatabaseUrl::Sqlite { .. } => {
                let pool = pool.clone();
                Some(crate::group_commit::start(epochs.clone(), move || {
                    pool.get()
                        .map_err(|e| StoreError::Unavailable(e.to_string()))
                })?)
            }
            DatabaseUrl::Postgres { .. } => None,
        };
        Ok(Db {
            pool,
            url: settings.url.clone(),
            writer,
            epochs,
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(
                settings.max_connections.max(1) as usize,
            )),
        })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Where this database's epoch for `what` stands: it moves on, before the write is
    /// answered, whenever a committed write changed it (see [`Kept`]).
    pub fn epoch(&self, what: Kept) -> u64 {
        self.epochs.current(what)
    }

    /// Where the epoch of what is audited in this alliance stands: it moves on, before the
    /// write is answered, whenever a committed write audited a change in the alliance.
    pub fn audited_epoch(&self, alliance: pcref_domain::AllianceId) -> u64 {
        self.epochs.audited(alliance)
    }

    /// Applies pending migrations and returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.connection()?;
        run_migrations(&mut conn)
    }

    fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn read<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let turn = std::sync::Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Internal("the database's queue was closed".into()))?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let mut conn = db.connection()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in a write transaction: committed when `f` returns `Ok`, rolled back
    /// otherwise; answered only once the commit is durable.
    ///
    /// On PostgreSQL each write has its own transaction on a pooled connection (on the
    /// blocking thread pool). On SQLite, which lets one transaction write at a time, writes go
    /// to this process's writer thread, which runs the writes waiting at once in one
    /// transaction, each in its own savepoint, and commits them together (see
    /// `group_commit`): one `fsync` for the batch, the same outcome as running them one by one.
    pub async fn write<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let Some(writer) = &self.writer else {
            let epochs = self.epochs.clone();
            return self
                .read(move |conn| {
                    changes::reset();
                    let result = write_transaction(conn, f);
                    epochs.advance_marked();
                    result
                })
                .await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        writer
            .send(Box::new(crate::group_commit::Job { f, reply }))
            .map_err(|_| StoreError::Internal("the SQLite writer thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Internal("the SQLite writer thread dropped a write".into()))?
    }

    /// Whether the database answers a trivial query now.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| conn.batch_execute("SELECT 1").map_err(StoreError::from))
            .await
    }
}

/// Runs `f` in one read transaction, so that every query it makes sees the same moment (on
/// SQLite a deferred transaction reads one snapshot of the WAL). Rolled back at the end: it
/// writes nothing.
pub fn read_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begun = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction(c),
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
    };
    begun.map_err(StoreError::from)?;
    let result = f(conn);
    if let Err(rollback) =
        <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
    {
        tracing::error!(%rollback, "rollback of a read transaction failed");
    }
    result
}

/// Runs `f` in a transaction that takes the write lock up front. On SQLite a deferred
/// transaction that reads and then writes fails with "database is locked" when another
/// writer got there first; `BEGIN IMMEDIATE` waits for the lock (busy_timeout) instead.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let begun = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    };
    begun.map_err(StoreError::from)?;
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) =
                <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(%rollback, "rollback failed");
            }
            Err(error)
        }
    }
}

fn create_parent_folder(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.exists() => {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Connect(format!(
                    "cannot create the folder {} for the SQLite database: {e}",
                    parent.display()
                ))
            })
        }
        _ => Ok(()),
    }
}

fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(failed)?
            .iter()
            .map(ToString::to_string)
            .collect(),
        DbConnection::Postgresql(c) => {
            // Several instances may start together against one PostgreSQL: take turns.
            diesel::sql_query("SELECT pg_advisory_lock(7274021911)").execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect())
                .map_err(failed);
            diesel::sql_query("SELECT pg_advisory_unlock(7274021911)").execute(c)?;
            result?
        }
    };
    Ok(applied)
}

/// The names of the migrations embedded for each backend, to check that they stay in step.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |source: EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    (names(SQLITE_MIGRATIONS), names(POSTGRES_MIGRATIONS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/pcref-hub.db").expect("valid"),
            DatabaseUrl::Sqlite {
                path: PathBuf::from("data/pcref-hub.db")
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/hub.db").expect("valid"),
            DatabaseUrl::Sqlite {
                path: PathBuf::from("/var/lib/hub.db")
            }
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u:p@db/hub")
                .expect("valid")
                .backend(),
            Backend::Postgres
        );
        assert!(DatabaseUrl::parse("mysql://db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn passwords_are_not_printed() {
        let url = DatabaseUrl::parse("postgres://hub:s3cret@db:5432/hub").expect("valid");
        assert_eq!(url.display(), "postgres://hub:***@db:5432/hub");
        let err = DatabaseUrl::parse("mysql://hub:s3cret@db").expect_err("unsupported");
        assert!(!err.to_string().contains("s3cret"));
        let query =
            DatabaseUrl::parse("postgres://db/hub?user=hub&password=TopSecret1").expect("valid");
        assert_eq!(query.display(), "postgres://db/hub?user=hub&password=***");
        assert_eq!(
            redact(
                "invalid percent-encoded token: \"s3cr%t\"",
                "postgres://hub:s3cr%t@db/hub"
            ),
            "invalid percent-encoded token: \"***\""
        );
        assert_eq!(
            redact("password p@ss rejected", "postgres://hub:p%40ss@db/hub"),
            "password *** rejected"
        );
    }

    #[test]
    fn connect_timeout_is_added_once() {
        let t = Duration::from_secs(5);
        assert_eq!(
            with_connect_timeout("postgres://h/db", t),
            "postgres://h/db?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=require", t),
            "postgres://h/db?sslmode=require&connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=2", t),
            "postgres://h/db?connect_timeout=2"
        );
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let (sqlite, postgres) = migration_names();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
