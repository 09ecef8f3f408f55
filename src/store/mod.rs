//! The store port: users, rooms, messages with per-room sequence numbers,
//! complaints. The log that makes acknowledgements durable (invariant 2).
//!
//! The actors only see `Arc<dyn Store>`; the in-memory implementation serves
//! the embedded default and unit tests, Postgres serves production. Both are
//! held to the same behaviour by `tests/store_conformance.rs`.

mod memory;
pub mod postgres;
mod records;
mod retention;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    ClientMsgId, ComplaintId, EndReason, MessageKind, Platform, ReportReason, Room, RoomId, Seq,
    StoredMessage, UserId,
};

pub use memory::MemoryStore;
pub use postgres::{PgConfig, PgStore};
pub use records::{
    BanExport, Complaint, ComplaintExport, ComplaintStatus, MessageExport, NewBan, Profile,
    RoomExport, UserExport,
};
pub use retention::spawn_retention;

/// How many of a room's last messages a complaint keeps as evidence.
pub const COMPLAINT_EVIDENCE_MESSAGES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The room has ended, or the sender is not one of its participants.
    #[error("room is not active for this sender")]
    RoomClosed,
    /// One of the two people already has an active room (invariant 1).
    #[error("a participant already has an active room")]
    AlreadyInRoom,
    #[error("no such room")]
    NoSuchRoom,
    #[error("no such user")]
    NoSuchUser,
    #[error("no such complaint")]
    NoSuchComplaint,
    /// The backend is unreachable, timed out or failed; safe to retry.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// A message to append to a room's log.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room: RoomId,
    pub sender: UserId,
    pub kind: MessageKind,
    pub text: String,
    /// Idempotency key, unique per sender.
    pub client_msg_id: ClientMsgId,
}

/// Result of an append: the message's place in the room, and whether it was
/// already stored by an earlier attempt (then nothing changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub seq: Seq,
    pub duplicate: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap reachability check for `/readyz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The user behind a platform identity, created on first sight.
    async fn upsert_user(
        &self,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<UserId, StoreError>;

    /// The user behind a platform identity, if known.
    async fn find_user(
        &self,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<Option<UserId>, StoreError>;

    /// Opens a room for two people; fails with `AlreadyInRoom` if either has
    /// an active room (or both are the same person), so the one-room
    /// invariant holds in the store itself, and with `NoSuchUser` if either
    /// is unknown.
    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError>;

    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;

    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError>;

    /// Ends a room. Returns the ended room if this call ended it, `None` if it
    /// had already ended (so exactly one caller announces the end).
    async fn end_room(
        &self,
        id: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Result<Option<Room>, StoreError>;

    /// Appends a message to an active room, assigning the next seq; a retry
    /// with the same (sender, client_msg_id) returns the first seq, even once
    /// the room has ended. `RoomClosed` if the room is not active or the
    /// sender is not in it. Messages stay in the store once acknowledged.
    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError>;

    /// Messages of a room with seq > `after`, oldest first, at most `limit`.
    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Files a complaint against the reporter's partner in `room`, keeping the
    /// room's last [`COMPLAINT_EVIDENCE_MESSAGES`] messages as evidence. One
    /// complaint per reporter and room: a retry returns the same id.
    async fn file_complaint(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
    ) -> Result<ComplaintId, StoreError>;

    /// A complaint with its evidence, if it exists.
    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError>;

    /// Closes a complaint (`Resolved` or `Dismissed`); from then on its
    /// evidence and the room's messages fall under retention again.
    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
    ) -> Result<(), StoreError>;

    /// Records a ban; `NoSuchUser` if the person is unknown.
    async fn ban(&self, ban: NewBan) -> Result<(), StoreError>;

    /// Whether a ban without end, or one ending in the future, holds.
    async fn is_banned(&self, user: UserId) -> Result<bool, StoreError>;

    /// Retention: empties text, media ids and captions of messages created
    /// before `cutoff`, except in rooms with an open complaint, and the
    /// evidence of complaints closed before `cutoff`. Returns how many
    /// messages were purged. Idempotent.
    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Everything stored about one person, for a data-protection request:
    /// profile, rooms, their own messages, complaints by and against them,
    /// bans. Partners appear only as opaque room participants, never with
    /// their messages. `None` if the user is unknown.
    async fn export_user(&self, user: UserId) -> Result<Option<serde_json::Value>, StoreError>;

    /// Erases a person: ends their active room, empties the content of their
    /// messages (also inside complaint evidence), forgets their platform
    /// identity and profile, lifts their bans. The opaque id stays as a
    /// tombstone so partners' rooms and sequence numbers remain whole.
    /// Returns whether the user existed.
    async fn delete_user(&self, user: UserId) -> Result<bool, StoreError>;
}
