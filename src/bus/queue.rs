//! The search queue port: join atomically pairs with the oldest compatible
//! waiting person or enqueues. Global (Redis) in production, in-process here.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::BusError;
use crate::domain::{SearchPrefs, UserId};

/// A person waiting for a partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub user: UserId,
    pub prefs: SearchPrefs,
}

/// Searches again for someone whose queue entry was lost (wired by startup
/// to the Matcher's `Search`).
pub type Rejoin = Arc<dyn Fn(QueueEntry) + Send + Sync>;

#[async_trait]
pub trait SearchQueue: Send + Sync + 'static {
    /// Atomically: if an earlier compatible person waits, remove and return
    /// them (FIFO among the compatible); otherwise enqueue `entry`. Joining
    /// twice keeps one place in the queue (the first one).
    async fn join(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError>;

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
        if q.iter().any(|e| e.user == entry.user) {
            return Ok(None);
        }
        let found = q.iter().position(|e| e.prefs.compatible(&entry.prefs));
        match found {
            Some(i) => Ok(q.remove(i)),
            None => {
                q.push_back(entry);
                Ok(None)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(lang: Option<&str>) -> QueueEntry {
        QueueEntry {
            user: UserId::new(),
            prefs: SearchPrefs {
                lang: lang.map(str::to_owned),
            },
        }
    }

    #[tokio::test]
    async fn joining_twice_never_pairs_with_self() {
        let q = MemoryQueue::new();
        let a = entry(None);
        assert_eq!(q.join(a.clone()).await.unwrap(), None);
        assert_eq!(q.join(a.clone()).await.unwrap(), None);
        assert_eq!(q.waiting().await.unwrap(), 1);
        assert!(q.leave(a.user).await.unwrap());
        assert!(!q.leave(a.user).await.unwrap());
    }
}
