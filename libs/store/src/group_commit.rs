//! Group commit for SQLite: concurrent writers' transactions share one durable commit.
//!
//! SQLite lets one transaction write at a time, and with `synchronous=FULL` each commit waits
//! for an `fsync` of the WAL (0.5–3 ms on the disks we run on). One transaction per request
//! therefore caps writes at a few hundred a second, however cheap the statements are.
//!
//! Instead, every write of this process is handed to one writer thread. The thread takes the
//! writes that are waiting, opens one `BEGIN IMMEDIATE` transaction, runs each write inside its
//! own savepoint (a write that fails is rolled back to its savepoint and leaves no trace, as
//! if it had had its own transaction), then commits once — one `fsync` for the whole batch —
//! and only then answers each waiting caller. Nothing is acknowledged before the commit that
//! makes it durable has returned: `synchronous=FULL` stays, and a batch whose commit fails
//! answers every write in it with that error (none of them is kept).
//!
//! The writes of a batch run one after another on one connection, in arrival order, so each
//! sees the ones before it exactly as it would had they committed separately: the outcome is
//! the same as running them serially, which is what SQLite's single write lock did anyway.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::Connection;

use crate::changes::{self, Epochs};
use crate::{DbConnection, StoreError};

/// The most writes that share one commit. A batch is whatever is waiting when the previous
/// commit returns, up to this many; the cap bounds how long the first of them waits.
const MAX_BATCH: usize = 256;

/// A write handed to the writer thread.
pub(crate) trait WriteJob: Send {
    /// Runs the write in a savepoint of the batch's transaction. Returns how to answer its
    /// caller once the batch's fate is known, and whether the transaction is still usable.
    fn run(self: Box<Self>, conn: &mut DbConnection) -> (Box<dyn Answer>, TxState);
    /// Answers the caller with an error without running the write.
    fn fail(self: Box<Self>, error: StoreError);
}

/// The answer to one write, sent when the batch's commit has returned.
pub(crate) trait Answer: Send {
    fn send(self: Box<Self>, committed: Result<(), String>);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxState {
    /// The savepoint was released or rolled back: the batch goes on.
    Usable,
    /// The transaction cannot go on (SQLite rolled it back, or a savepoint could not be
    /// undone): the whole batch is rolled back and every write in it fails.
    Broken,
}

pub(crate) struct Job<F, T, E> {
    pub(crate) f: F,
    pub(crate) reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

struct Reply<T, E> {
    result: Result<T, E>,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<T: Send, E: From<StoreError> + Send> Answer for Reply<T, E> {
    fn send(self: Box<Self>, committed: Result<(), String>) {
        let result = match committed {
            // Committed: the write's own outcome stands (a failed write left nothing).
            Ok(()) => self.result,
            // Not committed: nothing of the batch was kept. Even a write that failed is told
            // so, since its failure may have come from a write before it that is now undone.
            Err(message) => Err(E::from(StoreError::Unavailable(message))),
        };
        // The caller may have gone away (its request cancelled): nothing to do then.
        let _ = self.reply.send(result);
    }
}

impl<F, T, E> WriteJob for Job<F, T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &mut DbConnection) -> (Box<dyn Answer>, TxState) {
        let Job { f, reply } = *self;
        let answer =
            |result: Result<T, E>| -> Box<dyn Answer> { Box::new(Reply { result, reply }) };
        // Depth 1 inside the batch's transaction: a savepoint.
        if let Err(e) = <DbConnection as Connection>::TransactionManager::begin_transaction(conn) {
            return (answer(Err(E::from(StoreError::from(e)))), TxState::Broken);
        }
        match catch_unwind(AssertUnwindSafe(|| f(conn))) {
            Ok(Ok(value)) => {
                match <DbConnection as Connection>::TransactionManager::commit_transaction(conn) {
                    Ok(()) => (answer(Ok(value)), TxState::Usable),
                    Err(e) => (answer(Err(E::from(StoreError::from(e)))), TxState::Broken),
                }
            }
            Ok(Err(error)) => {
                let state = rollback_savepoint(conn);
                (answer(Err(error)), state)
            }
            Err(_panic) => {
                // The write's statements may be half done: undo them, and trust nothing else
                // about this transaction.
                let _ = rollback_savepoint(conn);
                (
                    answer(Err(E::from(StoreError::Internal(
                        "a database write panicked".into(),
                    )))),
                    TxState::Broken,
                )
            }
        }
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.reply.send(Err(E::from(error)));
    }
}

fn rollback_savepoint(conn: &mut DbConnection) -> TxState {
    match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
        Ok(()) => TxState::Usable,
        Err(e) => {
            tracing::error!(error = %e, "rolling a write back to its savepoint failed");
            TxState::Broken
        }
    }
}

/// The sending side of the writer thread; the thread ends when every sender is dropped.
pub(crate) type Sender = mpsc::Sender<Box<dyn WriteJob>>;

/// Starts the writer thread. `connect` gives it a connection for each batch (from the pool,
/// which replaces broken connections).
pub(crate) fn start<C, G>(epochs: Epochs, connect: G) -> Result<Sender, StoreError>
where
    G: Fn() -> Result<C, StoreError> + Send + 'static,
    C: std::ops::DerefMut<Target = DbConnection>,
{
    let (tx, rx) = mpsc::channel::<Box<dyn WriteJob>>();
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let mut conn = match connect() {
                    Ok(conn) => conn,
                    Err(error) => {
                        let message = error.to_string();
                        for job in batch {
                            job.fail(StoreError::Unavailable(message.clone()));
                        }
                        continue;
                    }
                };
                run_batch(&mut conn, &epochs, batch);
            }
        })
        .map_err(|e| StoreError::Internal(format!("cannot start the SQLite writer thread: {e}")))?;
    Ok(tx)
}

/// Runs a batch in one transaction and answers every write in it after the commit.
fn run_batch(conn: &mut DbConnection, epochs: &Epochs, batch: Vec<Box<dyn WriteJob>>) {
    changes::reset();
    let begun = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c),
    };
    if let Err(e) = begun {
        let message = StoreError::from(e).to_string();
        for job in batch {
            job.fail(StoreError::Unavailable(message.clone()));
        }
        return;
    }
    let mut answers: Vec<Box<dyn Answer>> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    let mut broken = false;
    for job in jobs.by_ref() {
        let (answer, state) = job.run(conn);
        answers.push(answer);
        if state == TxState::Broken {
            broken = true;
            break;
        }
    }
    let committed = if broken {
        rollback_all(conn);
        Err("the write could not be completed; nothing was saved, try again".to_owned())
    } else {
        match <DbConnection as Connection>::TransactionManager::commit_transaction(conn) {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::error!(error = %e, "group commit failed");
                rollback_all(conn);
                Err(format!("commit failed: {e}"))
            }
        }
    };
    // Before any answer: whoever hears that a token was revoked finds it refused.
    epochs.advance_marked();
    for answer in answers {
        answer.send(committed.clone());
    }
    // Writes not run because the transaction broke before them: they never started.
    for job in jobs {
        job.fail(StoreError::Unavailable(
            "the write could not be started; nothing was saved, try again".into(),
        ));
    }
}

/// Rolls the batch's transaction back whatever state diesel believes it is in.
fn rollback_all(conn: &mut DbConnection) {
    while <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .is_some()
    {
        if <DbConnection as Connection>::TransactionManager::rollback_transaction(conn).is_err() {
            break;
        }
    }
    // If diesel's bookkeeping and SQLite disagree, make sure no transaction stays open.
    if let DbConnection::Sqlite(c) = conn {
        let _ = c.batch_execute("ROLLBACK");
    }
}
