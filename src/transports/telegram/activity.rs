//! Whether a Telegram person's actor may be let go: not while they search
//! or chat (their partner's messages and their match must reach them), and
//! not soon after their last update.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::actors::client::Outgoing;

pub struct Activity {
    /// Searching or in a room, as the actor's events last said. Written by
    /// the person's sender task only.
    busy: AtomicBool,
    /// Last update from the person or event for them.
    last: Mutex<Instant>,
}

impl Activity {
    pub fn new() -> Self {
        Self {
            busy: AtomicBool::new(false),
            last: Mutex::new(Instant::now()),
        }
    }

    pub fn touch(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = Instant::now();
        }
    }

    /// Follows the person's state through their actor's events.
    pub fn observe(&self, event: &Outgoing) {
        let busy = match event {
            Outgoing::Hello { room, .. } => room.is_some(),
            Outgoing::Searching | Outgoing::SearchStatus { .. } | Outgoing::Matched { .. } => true,
            Outgoing::Stopped
            | Outgoing::PartnerLeft { .. }
            | Outgoing::Reported { .. }
            | Outgoing::SearchStopped => false,
            _ => {
                self.touch();
                return;
            }
        };
        self.busy.store(busy, Ordering::SeqCst);
        self.touch();
    }

    /// How long the person has been idle; `None` while busy.
    pub fn idle_for(&self, now: Instant) -> Option<Duration> {
        if self.busy.load(Ordering::SeqCst) {
            return None;
        }
        let last = *self.last.lock().ok()?;
        Some(now.saturating_duration_since(last))
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}
