//! The search queue port: join atomically pairs with the oldest compatible
//! waiting person or enqueues. Global (Redis) in production, in-process here.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::BusError;
use crate::domain::{Profile, SearchPrefs, UserId, accepts};

/// A person waiting for a partner: who they are and whom they want (after
/// any relaxation), whom they must never meet now (people they blocked or
/// who blocked them, recent partners), and whether their reputation is low.
/// The Redis queue keeps this JSON as is and reads the same fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub user: UserId,
    #[serde(default)]
    pub prefs: SearchPrefs,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<UserId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub low_rep: bool,
}

impl QueueEntry {
    /// A searcher with no profile and no preferences.
    pub fn anyone(user: UserId) -> Self {
        Self {
            user,
            ..Self::default()
        }
    }

    /// Whether these two may be paired: each accepts the other, and
    /// neither must avoid the other.
    pub fn compatible(&self, other: &QueueEntry) -> bool {
        self.user != other.user
            && !self.avoid.contains(&other.user)
            && !other.avoid.contains(&self.user)
            && accepts(&self.profile, &self.prefs, &other.profile, &other.prefs)
            && accepts(&other.profile, &other.prefs, &self.profile, &self.prefs)
    }
}

/// Among the waiting (oldest first), the one `entry` is paired with: the
/// oldest compatible one of the same reputation class (low or not), else
/// the oldest compatible one. People of low reputation are thus paired
/// among themselves first. The Redis script picks the same way.
pub fn pick<'a>(
    waiting: impl Iterator<Item = &'a QueueEntry>,
    entry: &QueueEntry,
) -> Option<usize> {
    let mut other_class = None;
    for (i, e) in waiting.enumerate() {
        if !entry.compatible(e) {
            continue;
        }
        if e.low_rep == entry.low_rep {
            return Some(i);
        }
        other_class.get_or_insert(i);
    }
    other_class
}

/// Searches again for someone whose queue entry was lost (wired by startup
/// to the Matcher's `Search`).
pub type Rejoin = Arc<dyn Fn(QueueEntry) + Send + Sync>;

#[async_trait]
pub trait SearchQueue: Send + Sync + 'static {
    /// Atomically: if an earlier compatible person waits, remove and return
    /// them (FIFO among the compatible, see [`pick`]); otherwise enqueue
    /// `entry`. Joining twice keeps one place in the queue (the first one)
    /// with the newer entry's profile and preferences (a relaxation), and
    /// looks for a partner again with them.
    async fn join(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError>;

    /// As [`join`](Self::join), for someone who should still be waiting (a
    /// relaxation of their search): if they are no longer queued (paired or
    /// gone meanwhile) nothing changes and the answer is `None`.
    async fn rejoin(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError>;

    /// Puts a person back at the head of the queue (after a pairing that the
    /// store refused for their partner), unless they are already queued.
    async fn requeue_front(&self, entry: QueueEntry) -> Result<(), BusError>;

    /// Removes a person from the queue; true if they were waiting.
    async fn leave(&self, user: UserId) -> Result<bool, BusError>;

    /// People waiting now (for metrics and tests).
    async fn waiting(&self) -> Result<usize, BusError>;

    /// Tells a queue that can lose entries (a shared one: Redis restarted
    /// without persistence, this replica presumed dead) how to search again
    /// for the people it had queued. An in-process queue never loses any.
    fn set_rejoin(&self, _rejoin: Rejoin) {}
}

#[derive(Default)]
pub struct MemoryQueue {
    waiting: Mutex<VecDeque<QueueEntry>>,
}

impl MemoryQueue {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, VecDeque<QueueEntry>>, BusError> {
        self.waiting
            .lock()
            .map_err(|_| BusError::Unavailable("memory queue poisoned".into()))
    }
}

#[async_trait]
impl SearchQueue for MemoryQueue {
    async fn join(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError> {
        let mut q = self.lock()?;
        let queued = q.iter().position(|e| e.user == entry.user);
        if let Some(i) = queued {
            q[i] = entry.clone();
        }
        match pick(q.iter(), &entry) {
            Some(i) => {
                let partner = q.remove(i);
                q.retain(|e| e.user != entry.user);
                Ok(partner)
            }
            None => {
                if queued.is_none() {
                    q.push_back(entry);
                }
                Ok(None)
            }
        }
    }

    async fn rejoin(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError> {
        if !self.lock()?.iter().any(|e| e.user == entry.user) {
            return Ok(None);
        }
        self.join(entry).await
    }

    async fn requeue_front(&self, entry: QueueEntry) -> Result<(), BusError> {
        let mut q = self.lock()?;
        if !q.iter().any(|e| e.user == entry.user) {
            q.push_front(entry);
        }
        Ok(())
    }

    async fn leave(&self, user: UserId) -> Result<bool, BusError> {
        let mut q = self.lock()?;
        let before = q.len();
        q.retain(|e| e.user != user);
        Ok(q.len() != before)
    }

    async fn waiting(&self) -> Result<usize, BusError> {
        Ok(self.lock()?.len())
    }
}
