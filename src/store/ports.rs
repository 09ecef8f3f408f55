//! The store's ports: one small trait per capability, each implemented by
//! both adapters (`memory`, `postgres`) where that capability's code lives.
//! Callers hold them through [`Stores`](super::Stores).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::SearchContext;
use super::{
    ActiveBan, Appended, AuditEntry, Complaint, ComplaintStatus, ComplaintSummary, Filed,
    MessageCopies, NewBan, NewMessage, PageCursor, StoreCounts, StoreError, UserModeration,
};
use crate::domain::{
    AutobanPolicy, ComplaintId, EndReason, Platform, Profile, ProfileUpdate, ReportReason, Room,
    RoomId, Score, SearchPrefs, Seq, StoredMessage, UiLang, UserId,
};

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

/// Complaints and bans: what reports file and moderators decide.
#[async_trait]
pub trait Moderation: Send + Sync + 'static {
    /// Files a complaint against the reporter's partner in `room`, keeping the
    /// room's last [`COMPLAINT_EVIDENCE_MESSAGES`] messages as evidence. One
    /// complaint per reporter and room: a retry returns the same id.
    async fn file_complaint(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
    ) -> Result<ComplaintId, StoreError> {
        Ok(self.file_report(room, reporter, reason, None).await?.id)
    }

    /// Files a complaint as [`file_complaint`](Self::file_complaint) does,
    /// counts it against the reported person (`complaints_received`) and,
    /// with `autoban`, bans them when the weighted distinct reporters since
    /// their last automatic ban and within the window reach the threshold
    /// (a reporter counts `1 / (1 + their dismissed reports)`). All in one
    /// transaction serialized per reported person, so concurrent reports on
    /// any replicas ban once; the automatic ban is audited as `autoban`.
    async fn file_report(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError>;

    /// A complaint with its evidence, if it exists.
    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError>;

    /// Closes a complaint (`Resolved` or `Dismissed`) on behalf of moderator
    /// `by`, auditing it in the same transaction; from then on its evidence
    /// and the room's messages fall under retention again.
    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError>;

    /// The complaints queue: complaints with `status`, oldest first, after
    /// `after`, at most `limit`.
    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError>;

    /// Records a ban and its audit entry in one transaction; `NoSuchUser`
    /// if the person is unknown or deleted.
    async fn ban(&self, ban: NewBan) -> Result<(), StoreError>;

    /// Lifts every ban in force on `user` (moderator `by`, audited in the
    /// same transaction). Returns whether any was in force; `NoSuchUser` if
    /// the person is unknown.
    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError>;

    /// The ban in force on `user` now, if any (the longest of overlapping ones).
    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError>;

    /// Whether a ban without end, or one ending in the future, holds.
    async fn is_banned(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(self.active_ban(user).await?.is_some())
    }
}

/// What moderators and operators read: one person's record, the audit
/// log, service-wide counts.
#[async_trait]
pub trait Oversight: Send + Sync + 'static {
    /// What moderators see of one person; `None` if unknown.
    async fn user_moderation(&self, user: UserId) -> Result<Option<UserModeration>, StoreError>;

    /// The audit log, newest first, before `before`, at most `limit`.
    async fn audit_page(
        &self,
        before: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Service-wide counts: of `online`, how many per platform; active
    /// rooms; messages stored in the last minute.
    async fn counts(&self, online: &[UserId]) -> Result<StoreCounts, StoreError>;

    /// Active rooms in the whole service: the part of `counts` that is
    /// cheap enough for every metrics scrape.
    async fn active_rooms(&self) -> Result<i64, StoreError>;
}

/// Data protection: retention, export and erasure of a person's data.
#[async_trait]
pub trait Privacy: Send + Sync + 'static {
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
    /// Audited (moderator `by`) in the same transaction. Returns whether the
    /// user existed.
    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError>;
}

/// Telegram bookkeeping: the platform copies of each message and their
/// delivery, processed updates, per-person settings and orphans waiting
/// for a replica to adopt them.
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

    /// The person's default for their own media: sent with a spoiler cover
    /// (`users.default_media_spoiler`). `false` for an unknown user.
    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError>;

    /// Sets the person's media spoiler default (`/spoiler_on`, `/spoiler_off`).
    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError>;

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
    /// Whether what the person sends reaches their partner protected
    /// (`users.protect_content`, `/protect`). `false` for an unknown user.
    async fn protect_content(&self, user: UserId) -> Result<bool, StoreError>;

    /// Turns the person's protection over (`/protect`) in one step, so two
    /// updates handled at once on two replicas flip it twice; returns the
    /// new setting. `NoSuchUser` for an unknown user.
    async fn toggle_protect_content(&self, user: UserId) -> Result<bool, StoreError>;

    /// The language the person chose for the hub's texts (`users.ui_lang`,
    /// `/language`); `None` if they never chose or are unknown.
    async fn ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError>;

    /// Stores the person's choice of language. `NoSuchUser` for an unknown user.
    async fn set_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError>;
}

/// Profiles, partner preferences, blocks and ratings: what matching reads
/// and what people say about whom they meet.
#[async_trait]
pub trait Matching: Send + Sync + 'static {
    /// The person's profile and stored preferences (defaults if never
    /// set); `NoSuchUser` if unknown or deleted.
    async fn profile(&self, user: UserId) -> Result<(Profile, SearchPrefs), StoreError>;

    /// Changes the named fields of the profile in one step; returns the
    /// whole profile as stored.
    async fn update_profile(
        &self,
        user: UserId,
        update: &ProfileUpdate,
    ) -> Result<Profile, StoreError>;

    /// Stores the person's partner preferences (used by every later search
    /// that names none).
    async fn set_prefs(&self, user: UserId, prefs: &SearchPrefs) -> Result<(), StoreError>;

    /// `blocker` never meets `blocked` again (either way round); repeating
    /// it changes nothing.
    async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError>;

    /// Rates `rater`'s partner in `room` (one rating per rater and room: a
    /// second replaces the first) and updates the partner's reputation in
    /// the same step; returns the partner. `NoSuchRoom` if `rater` was not
    /// in `room`.
    async fn rate(&self, rater: UserId, room: RoomId, score: Score) -> Result<UserId, StoreError>;

    /// The person's most recent room (active or ended), if any: whom
    /// `block` and `rate` mean on a connection that has not seen a chat.
    async fn last_room(&self, user: UserId) -> Result<Option<RoomId>, StoreError>;

    /// What one search needs, read at once: the profile and stored
    /// preferences, the reputation (ups minus downs), and everyone this
    /// person must not be paired with now (blocked either way, ever; or
    /// in a room together that was active within `cooldown`).
    async fn search_context(
        &self,
        user: UserId,
        cooldown: std::time::Duration,
    ) -> Result<SearchContext, StoreError>;
}
