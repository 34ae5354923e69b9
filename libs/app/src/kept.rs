//! Things read from the database and kept in memory between requests, so that a request for
//! something seen moments ago costs no query: the principal behind a token, a page of the
//! alliance's library, an action plan, a period's live roll-up.
//!
//! A kept value is served only while both hold:
//! - the database's epoch for what it was read from ([`pcref_store::Kept`]) has not moved since
//!   the read began: every committed write that changes it moves it before that write is
//!   answered, so within this server a revoked token, a removed member or a withdrawn
//!   publication shows in the very next request;
//! - it was read less than its map's `fresh_for` ago, which bounds what a change made by
//!   another server on the same PostgreSQL database (or by a `pcref-hub` command) could leave
//!   stale.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Entry<V> {
    epoch: u64,
    read_at: Instant,
    value: V,
}

/// Values by key, each with the epoch it was read at.
#[derive(Debug)]
pub(crate) struct KeptMap<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    fresh_for: Duration,
    /// Past this many entries the map starts again empty rather than grow.
    max_entries: usize,
}

impl<K: Eq + Hash, V: Clone> KeptMap<K, V> {
    pub(crate) fn new(fresh_for: Duration, max_entries: usize) -> Self {
        KeptMap {
            entries: Mutex::new(HashMap::new()),
            fresh_for,
            max_entries,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        // Entries are replaced whole: a panic elsewhere cannot leave one half-written.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value kept for `key`, if it was read at `epoch` (the current one) and is fresh.
    pub(crate) fn get<Q>(&self, key: &Q, epoch: u64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_with(key, |_| epoch)
    }

    /// As [`KeptMap::get`], for values whose epoch depends on what they are (the audited
    /// epoch of a plan's own alliance, say).
    pub(crate) fn get_with<Q>(&self, key: &Q, epoch_of: impl FnOnce(&V) -> u64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (value, read_at_epoch) = {
            let entries = self.lock();
            let e = entries.get(key)?;
            if e.read_at.elapsed() >= self.fresh_for {
                return None;
            }
            (e.value.clone(), e.epoch)
        };
        (epoch_of(&value) == read_at_epoch).then_some(value)
    }

    /// Keeps a value read at `epoch`: the epoch taken before the read began, so that a change
    /// committed while it ran leaves the entry stale rather than wrong.
    pub(crate) fn keep(&self, key: K, epoch: u64, value: V) {
        let mut entries = self.lock();
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                epoch,
                read_at: Instant::now(),
                value,
            },
        );
    }

    /// Changes the kept value in place (bookkeeping that the database recorded too).
    pub(crate) fn update<Q>(&self, key: &Q, f: impl FnOnce(&mut V))
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(e) = self.lock().get_mut(key) {
            f(&mut e.value);
        }
    }
}
