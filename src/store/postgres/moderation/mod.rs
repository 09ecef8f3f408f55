//! Moderation on PostgreSQL: reports with the automatic ban rule, bans and
//! unbans, the complaints queue (what moderators read is `oversight.rs`). Every
//! moderator action writes its audit entry in the transaction of the action.
//! Each responsibility has its file: `reports.rs` (filing, with the rule
//! in `autoban.rs`), `complaints.rs` (the queue and closing), `bans.rs`
//! (bans, unbans, the ban in force) and `audit.rs`; this file is the port.

mod audit;
mod autoban;
mod bans;
mod complaints;
mod reports;

use async_trait::async_trait;

pub(super) use bans::active_ban_on;
pub(super) use complaints::SummaryRow;

use super::PgStore;
use crate::domain::{AutobanPolicy, ComplaintId, ReportReason, RoomId, UserId};
use crate::store::{
    ActiveBan, Complaint, ComplaintStatus, ComplaintSummary, Filed, Moderation, NewBan, PageCursor,
    StoreError,
};

type DbResult<T> = Result<T, diesel::result::Error>;

#[async_trait]
impl Moderation for PgStore {
    async fn file_report(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError> {
        reports::file_report(self, room, reporter, reason, autoban).await
    }

    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError> {
        complaints::complaint(self, id).await
    }

    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError> {
        complaints::resolve_complaint(self, id, status, by).await
    }

    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError> {
        complaints::complaints_page(self, status, after, limit).await
    }

    async fn ban(&self, ban: NewBan) -> Result<(), StoreError> {
        bans::ban(self, ban).await
    }

    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        bans::unban(self, user, by).await
    }

    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError> {
        bans::active_ban(self, user).await
    }
}
