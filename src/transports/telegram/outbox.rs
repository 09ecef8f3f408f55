//! The ClientActor's outbox for a Telegram person: a bounded queue of jobs
//! (actor events, and the transport's own notices, in one order) drained by
//! the sender task.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::activity::Activity;
use super::texts::Notice;
use crate::actors::client::{CloseReason, Outbox, OutboxFull, Outgoing, PersonState};

/// Jobs waiting for one person. At ~1 message/s into a chat this is many
/// minutes of a partner's typing; past it the actor closes (TooSlow) and a
/// later owner catches up from the store.
pub const OUTBOX_CAPACITY: usize = 1024;

/// Something to say to one Telegram person.
#[derive(Debug)]
pub enum Job {
    /// An event of their ClientActor.
    Event(Outgoing),
    /// A reply of the transport itself (help, settings, refusals).
    Notice(Notice),
}

pub struct TelegramOutbox {
    tx: mpsc::Sender<Job>,
    close: watch::Sender<Option<CloseReason>>,
    /// Shared with `Sessions`: whether the person may be let go.
    activity: Arc<Activity>,
}

impl Outbox for TelegramOutbox {
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull> {
        self.tx.try_send(Job::Event(event)).map_err(|_| OutboxFull)
    }

    fn close(&mut self, reason: CloseReason) {
        let _ = self.close.send(Some(reason));
    }

    fn state_changed(&mut self, state: &PersonState) {
        self.activity.set_busy(*state != PersonState::Idle);
    }

    fn platform(&self) -> crate::domain::Platform {
        crate::domain::Platform::Telegram
    }
}

/// The queue's ends: the actor's outbox, a handle for notices, and the
/// sender task's receivers.
pub struct Queue {
    pub outbox: TelegramOutbox,
    pub notices: mpsc::Sender<Job>,
    pub jobs: mpsc::Receiver<Job>,
    pub closed: watch::Receiver<Option<CloseReason>>,
}

pub fn queue(activity: Arc<Activity>) -> Queue {
    let (tx, jobs) = mpsc::channel(OUTBOX_CAPACITY);
    let (close, closed) = watch::channel(None);
    Queue {
        outbox: TelegramOutbox {
            tx: tx.clone(),
            close,
            activity,
        },
        notices: tx,
        jobs,
        closed,
    }
}
