//! The moderation port: complaints and bans.

use async_trait::async_trait;

use crate::domain::{AutobanPolicy, ComplaintId, ReportReason, RoomId, UserId};
use crate::store::{
    ActiveBan, Complaint, ComplaintStatus, ComplaintSummary, Filed, NewBan, PageCursor, StoreError,
};

/// Complaints and bans: what reports file and moderators decide.
#[async_trait]
pub trait Moderation: Send + Sync + 'static {
    /// Files a complaint against the reporter's partner in `room`, keeping
    /// the room's last
    /// [`COMPLAINT_EVIDENCE_MESSAGES`](crate::store::COMPLAINT_EVIDENCE_MESSAGES)
    /// messages as evidence. One complaint per reporter and room: a retry
    /// returns the same id.
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
