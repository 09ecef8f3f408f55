//! The room log port: people, rooms and the messages of each room.

use async_trait::async_trait;

use crate::domain::{EndReason, Platform, Room, RoomId, Seq, StoredMessage, UserId};
use crate::store::{Appended, NewMessage, StoreError};

/// The room log: people, rooms and the messages of each room, with
/// per-room sequence numbers. The log that makes acknowledgements durable
/// ("stored before ack").
#[async_trait]
pub trait RoomLog: Send + Sync + 'static {
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

    /// The platform identity of a person; `None` if unknown or deleted.
    async fn identity(&self, user: UserId) -> Result<Option<(Platform, String)>, StoreError>;

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
    /// A Telegram message is stored protected when its sender has
    /// `/protect` on at that moment ([`TelegramSettings`]): the store
    /// applies the setting, so no caller reads it first.
    ///
    /// [`TelegramSettings`]: crate::store::TelegramSettings
    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError>;

    /// Messages of a room with seq > `after`, oldest first, at most `limit`.
    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Ends (reason `Idle`, by nobody) up to `limit` active rooms in which
    /// nothing was stored for `idle`, counted from the newest message or,
    /// without one, from the start. Returns the rooms this call ended: the
    /// check and the end are one step, so a room is ended by one caller on
    /// one replica, and a message stored meanwhile keeps its room open.
    async fn end_idle_rooms(
        &self,
        idle: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Room>, StoreError>;
}
