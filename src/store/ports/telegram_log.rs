//! The Telegram log port: the platform copies of each message and their
//! delivery, processed updates, orphans.

use async_trait::async_trait;

use crate::domain::{Platform, RoomId, Seq, UserId};
use crate::store::{MessageCopies, StoreError};

/// Telegram bookkeeping: the platform copies of each message and their
/// delivery, processed updates and orphans waiting for a replica to adopt
/// them.
#[async_trait]
pub trait TelegramLog: Send + Sync + 'static {
    /// Marks message `seq` of `room` as delivered to its receiver (the
    /// sender's partner): sets `receiver_platform_msg_id` (the id of the
    /// receiver's copy on their platform, `None` when there is no copy, e.g.
    /// a message their platform refused) and `delivered_at = now()`.
    /// Idempotent: a second call overwrites with the same meaning. Returns
    /// `NoSuchRoom` if the message does not exist. Called right after the
    /// platform accepted the copy, so a new owner of the receiver never sends
    /// it again ("once and in order").
    async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError>;

    /// Both copies of message `seq` of `room`, or `None` if no such message.
    /// Used to point edits, replies and reactions at the right copy.
    async fn message_copies(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<MessageCopies>, StoreError>;

    /// The seq of the message of `room` whose copy in `user`'s chat has
    /// platform id `platform_msg_id`: a message `user` sent with that
    /// `sender_platform_msg_id`, or one `user` received with that
    /// `receiver_platform_msg_id`. Edits and reaction kinds never match
    /// (they have no copy of their own). Postgres: two indexed lookups,
    /// (room, sender, sender_platform_msg_id) and (room, receiver_platform_msg_id).
    async fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Result<Option<Seq>, StoreError>;

    /// The highest seq of `room` sent by `receiver`'s partner that
    /// `record_delivery` marked delivered; `Seq::ZERO` if none. A new owner of
    /// the receiver starts delivering after it.
    async fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Result<Seq, StoreError>;

    /// Whether an incoming platform update with idempotency `key` (Telegram:
    /// `tg:<update_id>`) was fully processed already.
    async fn update_processed(&self, key: &str) -> Result<bool, StoreError>;

    /// Records that the update with `key` was fully processed, so a
    /// redelivery changes nothing. Idempotent. Records may be dropped after
    /// 48 hours (Telegram gives up redelivering after 24).
    async fn record_update_processed(&self, key: &str) -> Result<(), StoreError>;

    /// Records that `user` (reached on `platform` as `platform_user_id`)
    /// lost the replica that spoke for them while searching or chatting (it
    /// shut down), so that another replica adopts them. Idempotent: one
    /// record per user, the latest identity wins.
    async fn mark_orphaned(
        &self,
        user: UserId,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<(), StoreError>;

    /// Removes and returns up to `limit` orphans of `platform`, oldest first;
    /// each record goes to exactly one caller, also with several replicas
    /// claiming at once (Postgres: `DELETE ... WHERE user_id IN (SELECT ...
    /// FOR UPDATE SKIP LOCKED LIMIT $n) RETURNING user_id, platform_user_id`).
    async fn claim_orphans(
        &self,
        platform: Platform,
        limit: usize,
    ) -> Result<Vec<(UserId, String)>, StoreError>;
}
