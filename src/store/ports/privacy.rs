//! The privacy port: retention, export and erasure.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::UserId;
use crate::store::StoreError;

/// Data protection: retention, export and erasure of a person's data.
#[async_trait]
pub trait Privacy: Send + Sync + 'static {
    /// Retention: empties text, media ids and captions of messages created
    /// before `cutoff`, except in rooms with an open complaint, and the
    /// evidence of complaints closed before `cutoff`. Returns how many
    /// messages were purged. Idempotent.
    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Everything stored about one person, for a data-protection request:
    /// profile and partner preferences, Telegram settings, rooms, their own
    /// messages, complaints by and against them, bans, the people they
    /// blocked and the ratings they gave. Partners appear only as opaque
    /// ids (rooms, people blocked), never with their messages. Reading it
    /// is a moderator action: audited (moderator `by`, action `export`) in
    /// the same transaction, read from one snapshot. `None` (and no audit
    /// entry) if the user is unknown.
    async fn export_user(
        &self,
        user: UserId,
        by: &str,
    ) -> Result<Option<serde_json::Value>, StoreError>;

    /// Erases a person: ends their active room, empties the content of their
    /// messages (also inside complaint evidence), forgets their platform
    /// identity, profile and settings, lifts their bans, and removes the
    /// blocks they made and the ratings they gave (the rated people's
    /// reputation recounted). The opaque id stays as a
    /// tombstone so partners' rooms and sequence numbers remain whole.
    /// Audited (moderator `by`) in the same transaction. Returns whether the
    /// user existed.
    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError>;
}
