//! The cap on open WebSockets per replica (`CHATHUB_MAX_CONNECTIONS`): each
//! costs an actor, two tasks and buffers, so past the cap a handshake gets
//! a clear 503 (the load balancer or the page tries again) instead of the
//! replica running out of memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Shared by every worker of the replica.
#[derive(Clone, Debug)]
pub struct ConnectionLimit {
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One open connection; dropping it frees its place.
pub struct ConnectionSlot(Arc<AtomicUsize>);

impl ConnectionLimit {
    pub fn new(max: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    /// A place for one more connection, or `None` at the cap.
    pub fn acquire(&self) -> Option<ConnectionSlot> {
        // Increment only below the cap, so racing handshakes never overshoot.
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| ConnectionSlot(self.open.clone()))
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectionLimit;

    #[test]
    fn places_are_freed_when_dropped() {
        let limit = ConnectionLimit::new(2);
        let a = limit.acquire().unwrap();
        let _b = limit.acquire().unwrap();
        assert!(limit.acquire().is_none());
        drop(a);
        assert!(limit.acquire().is_some());
    }
}
