//! The bus port: room and person topics fanned out to every replica that
//! subscribed (a doorbell, at-most-once), plus the global search queue.
//!
//! Everything a replica needs to hear arrives on one bounded channel of
//! [`BusSignal`]s consumed by the Hub actor; a full channel makes the
//! listener wait, which is the backpressure towards Redis.

mod memory;
mod presence;
mod queue;
pub mod redis;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::{ClientId, EndReason, RoomId, StoredMessage, UserId};

pub use memory::MemoryBus;
pub use presence::{MemoryPresence, Presence};
pub use queue::{MemoryQueue, QueueEntry, Rejoin, SearchQueue};

/// Capacity of the channel from the bus listener to the Hub.
pub const BUS_CHANNEL_CAPACITY: usize = 4096;

/// The one infrastructure error of shared state: the bus, the search
/// queue, presence, and the Telegram budget and leases (all Redis, or their
/// in-process stand-ins). Always worth a retry later.
#[derive(Clone, Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus unavailable: {0}")]
    Unavailable(String),
}

/// Where an event is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "t", content = "id", rename_all = "snake_case")]
pub enum Topic {
    /// Everything that happens in one room.
    Room(RoomId),
    /// Control events for one person, wherever they are connected.
    User(UserId),
}

/// What travels on the bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusEvent {
    /// A message was stored in a room. The doorbell carries the message so
    /// the common case needs no read; receivers de-duplicate by seq and
    /// catch up from the store when they see a gap.
    Message { message: StoredMessage },
    /// A room ended; exactly one of these is published per room.
    RoomEnded {
        room: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    },
    /// The matcher paired `user` into `room`.
    Matched { user: UserId, room: RoomId },
    /// `user` connected again as `keep`; every other connection of theirs closes.
    Takeover { user: UserId, keep: ClientId },
    /// `user`'s messages in `room` reach their partner late (the partner's
    /// Telegram chat is paced, and a backlog built up).
    PartnerDelayed { user: UserId, room: RoomId },
    /// `user` was banned (`until = None`: permanently): every replica ends
    /// their room, takes them out of the queue, tells and closes their sessions.
    Banned {
        user: UserId,
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// `user` was erased on request: their sessions close.
    Deleted { user: UserId },
    /// `user`'s connection in `room` dropped; the grace period runs.
    PartnerAway { user: UserId, room: RoomId },
    /// `user` is connected in `room` again.
    PartnerBack { user: UserId, room: RoomId },
    /// `user` is typing in `room` (never stored).
    Typing { user: UserId, room: RoomId },
}

/// What the bus hands to the Hub.
#[derive(Debug)]
pub enum BusSignal {
    Event {
        topic: Topic,
        event: BusEvent,
    },
    /// The bus (re)connected: doorbells may have been missed, so every local
    /// client must catch up from the store.
    Resynced,
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    async fn publish(&self, topic: Topic, event: &BusEvent) -> Result<(), BusError>;
    async fn subscribe(&self, topic: Topic) -> Result<(), BusError>;
    async fn unsubscribe(&self, topic: Topic) -> Result<(), BusError>;
    /// Cheap reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), BusError>;
    /// Instance ids of the replicas alive now (for `/metrics` and admin);
    /// empty when the bus has no notion of replicas (in-process).
    async fn live_replicas(&self) -> Result<Vec<String>, BusError> {
        Ok(Vec::new())
    }
}
