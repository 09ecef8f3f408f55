//! The oversight port: what moderators and operators read.

use async_trait::async_trait;

use crate::domain::UserId;
use crate::store::{AuditEntry, PageCursor, StoreCounts, StoreError, UserModeration};

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
