//! The store: durable state behind seven small ports (`ports/`, a file
//! each): the room log (people, rooms, messages; the log that makes
//! acknowledgements durable, "stored before ack"), moderation, oversight,
//! privacy, the Telegram log, Telegram settings and matching.
//!
//! The actors only see [`Stores`], one `Arc<dyn Port>` per port; the
//! in-memory adapter serves the embedded default and unit tests, Postgres
//! serves production. Both are held to the same behaviour, port by port, by
//! `tests/it/store_conformance.rs`.

mod export;
mod memory;
mod ports;
pub mod postgres;
mod records;
mod retention;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::{ClientMsgId, MessageBody, Origin, RoomId, Seq, StoredMessage, UserId};

pub use export::{
    BanExport, BlockExport, ComplaintExport, MessageExport, RatingExport, RoomExport,
    SettingsExport, UserExport,
};
pub use memory::MemoryStore;
pub use ports::{Matching, Moderation, Oversight, Privacy, RoomLog, TelegramLog, TelegramSettings};
pub use postgres::{PgConfig, PgStore};
pub use records::{
    ActiveBan, AuditAction, AuditEntry, BanRecordView, Complaint, ComplaintStatus,
    ComplaintSummary, Filed, NewBan, PageCursor, Profile, SearchContext, StoreCounts,
    UserModeration,
};
pub use retention::spawn_retention;

/// The audit log's `detail` holds at most this many characters (the
/// column's limit).
pub const AUDIT_DETAIL_CHARS: usize = 600;

/// How many of a room's last messages a complaint keeps as evidence.
pub const COMPLAINT_EVIDENCE_MESSAGES: usize = 20;

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// The room has ended, or the sender is not one of its participants.
    #[error("room is not active for this sender")]
    RoomClosed,
    /// One of the two people already has an active room ("one room").
    #[error("a participant already has an active room")]
    AlreadyInRoom,
    #[error("no such room")]
    NoSuchRoom,
    #[error("no such user")]
    NoSuchUser,
    #[error("no such complaint")]
    NoSuchComplaint,
    /// The backend is unreachable, timed out, or lost a race it can win
    /// next time (deadlock, serialization failure): a retry can help.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store holds or was handed something it cannot work with (a
    /// corrupt row, a value that does not serialize, a broken invariant):
    /// the same call will fail the same way, so retrying does not help.
    #[error("store failed: {0}")]
    Internal(String),
}

/// A message to append to a room's log.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: RoomId,
    pub sender: UserId,
    pub body: MessageBody,
    pub origin: Origin,
    /// The earlier message of the room this one answers.
    pub reply_to: Option<Seq>,
    /// Idempotency key, unique per sender.
    pub client_msg_id: ClientMsgId,
}

/// Both copies of one stored message: the sender's original and the copy
/// the receiver (the sender's partner in the room) was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCopies {
    pub sender: UserId,
    /// [`StoredMessage::sender_platform_msg_id`] as appended.
    pub sender_platform_msg_id: Option<i64>,
    /// Set by `record_delivery`; `None` for a web receiver or a message the
    /// receiver's platform could not take.
    pub receiver_platform_msg_id: Option<i64>,
    /// Set by `record_delivery`; `None` while not yet delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl MessageCopies {
    /// The message id of this message in `user`'s own chat, if known.
    pub fn platform_msg_id_for(&self, user: UserId) -> Option<i64> {
        if user == self.sender {
            self.sender_platform_msg_id
        } else {
            self.receiver_platform_msg_id
        }
    }
}

impl NewMessage {
    /// The record this message becomes once stored at `seq` at `created_at`.
    pub(crate) fn stored(self, seq: Seq, created_at: DateTime<Utc>) -> StoredMessage {
        StoredMessage {
            room: self.room,
            seq,
            sender: self.sender,
            body: self.body,
            origin: self.origin,
            reply_to: self.reply_to,
            client_msg_id: self.client_msg_id,
            created_at,
        }
    }
}

/// Result of an append: the message as stored (its place in the room and
/// the store's `created_at`), and whether it was already stored by an
/// earlier attempt (then nothing changed and `message` is that first copy).
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    pub message: StoredMessage,
    pub duplicate: bool,
}

impl Appended {
    pub fn seq(&self) -> Seq {
        self.message.seq
    }
}

/// The store's ports, each shared; cheap to clone. Built from one adapter
/// that implements them all ([`Stores::new`]).
#[derive(Clone)]
pub struct Stores {
    pub rooms: Arc<dyn RoomLog>,
    pub moderation: Arc<dyn Moderation>,
    pub oversight: Arc<dyn Oversight>,
    pub privacy: Arc<dyn Privacy>,
    pub telegram: Arc<dyn TelegramLog>,
    pub telegram_settings: Arc<dyn TelegramSettings>,
    pub matching: Arc<dyn Matching>,
}

impl Stores {
    pub fn new<S>(adapter: Arc<S>) -> Self
    where
        S: RoomLog + Moderation + Oversight + Privacy + TelegramLog + TelegramSettings + Matching,
    {
        Self {
            rooms: adapter.clone(),
            moderation: adapter.clone(),
            oversight: adapter.clone(),
            privacy: adapter.clone(),
            telegram: adapter.clone(),
            telegram_settings: adapter.clone(),
            matching: adapter,
        }
    }

    /// The embedded default: everything in memory.
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryStore::new()))
    }
}
