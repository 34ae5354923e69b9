//! Which committed writes changed what the app keeps in memory between requests.
//!
//! The app keeps a few read-mostly things (the principal behind a token, pages of the alliance's
//! library) so that a request costs no query, and must drop them as soon as a write changes
//! what they were read from: a revoked token or a removed member must be refused by the very
//! next request, a withdrawn publication must leave the library at once. The store functions
//! that make such changes mark the running write with what they changed; [`crate::Db::write`]
//! advances the database's epoch for it once the write's commit has returned, before it answers
//! the caller. Something read at an older epoch is then stale.
//!
//! The same holds per alliance for everything audited in it (every change a roll-up reads is
//! audited in the transaction that makes it): the live roll-up of a period is kept until its
//! alliance's audited epoch moves.
//!
//! A mark is per thread: a write runs from its start to its commit on one thread (a
//! blocking-pool thread, or SQLite's writer thread).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pcref_domain::AllianceId;

/// What a write can change that the app keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// What authenticating a request reads: tokens, memberships, and the names of the
    /// alliances and organisations shown with them.
    Identity,
    /// The alliance's library: which published versions are current, and the names shown
    /// with them.
    Library,
}

impl Kept {
    const ALL: [Kept; 2] = [Kept::Identity, Kept::Library];

    fn bit(self) -> u8 {
        match self {
            Kept::Identity => 1,
            Kept::Library => 2,
        }
    }

    fn index(self) -> usize {
        match self {
            Kept::Identity => 0,
            Kept::Library => 1,
        }
    }
}

thread_local! {
    static MARKED: Cell<u8> = const { Cell::new(0) };
    static AUDITED: RefCell<Vec<AllianceId>> = const { RefCell::new(Vec::new()) };
}

/// Called by the store functions that change something the app keeps.
pub(crate) fn mark(what: Kept) {
    MARKED.with(|m| m.set(m.get() | what.bit()));
}

/// Called when a change in this alliance is audited.
pub(crate) fn mark_audited(alliance: AllianceId) {
    AUDITED.with(|a| {
        let mut a = a.borrow_mut();
        if !a.contains(&alliance) {
            a.push(alliance);
        }
    });
}

/// Forgets any mark left on this thread: called as a write transaction begins.
pub(crate) fn reset() {
    MARKED.with(|m| m.set(0));
    AUDITED.with(|a| a.borrow_mut().clear());
}

/// One counter per [`Kept`] and one per alliance for what is audited in it, each moved on
/// after every committed write that changed it. Shared by the clones of one [`crate::Db`].
#[derive(Debug, Clone, Default)]
pub struct Epochs {
    kept: Arc<[AtomicU64; 2]>,
    audited: Arc<Mutex<HashMap<AllianceId, u64>>>,
}

impl Epochs {
    pub fn current(&self, what: Kept) -> u64 {
        self.kept[what.index()].load(Ordering::Acquire)
    }

    pub fn audited(&self, alliance: AllianceId) -> u64 {
        self.audited_map().get(&alliance).copied().unwrap_or(0)
    }

    fn audited_map(&self) -> std::sync::MutexGuard<'_, HashMap<AllianceId, u64>> {
        // Counters only: a panic elsewhere cannot leave one half-written.
        self.audited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves on the counters of what the write that just ended on this thread marked.
    pub(crate) fn advance_marked(&self) {
        let marked = MARKED.with(|m| m.replace(0));
        for what in Kept::ALL {
            if marked & what.bit() != 0 {
                self.kept[what.index()].fetch_add(1, Ordering::AcqRel);
            }
        }
        let audited = AUDITED.with(|a| std::mem::take(&mut *a.borrow_mut()));
        if !audited.is_empty() {
            let mut map = self.audited_map();
            for alliance in audited {
                *map.entry(alliance).or_insert(0) += 1;
            }
        }
    }
}
