//! Oversight in the in-memory store: one person's record, the audit log,
//! service-wide counts.

use async_trait::async_trait;
use chrono::Utc;

use super::{MemoryStore, State};
use crate::domain::UserId;
use crate::store::{
    AuditEntry, BanRecordView, ComplaintStatus, ComplaintSummary, Oversight, PageCursor,
    StoreCounts, StoreError, UserModeration,
};

impl State {
    pub(super) fn user_moderation(&self, user: UserId) -> Option<UserModeration> {
        let record = self.users.get(&user)?;
        let mut reports: Vec<ComplaintSummary> = self
            .complaints
            .iter()
            .filter(|c| c.reported == user)
            .map(|c| self.summary(c))
            .collect();
        reports.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id.0)));
        let bans = self
            .bans
            .iter()
            .filter(|b| b.ban.user == user)
            .map(|b| BanRecordView {
                until: b.ban.until,
                reason: b.ban.reason.clone(),
                by: b.ban.by.clone(),
                automatic: b.automatic,
                created_at: b.created_at,
                lifted_at: b.lifted.as_ref().map(|l| l.0),
                lifted_by: b.lifted.as_ref().map(|l| l.1.clone()),
            })
            .collect();
        Some(UserModeration {
            id: user,
            platform: record.platform,
            deleted: record.platform_user_id.is_none(),
            created_at: record.created_at,
            last_seen_at: record.last_seen_at,
            profile: record.profile.clone(),
            reports,
            dismissed_reports_filed: self
                .complaints
                .iter()
                .filter(|c| c.reporter == user && c.status == ComplaintStatus::Dismissed)
                .count() as i64,
            bans,
            active_ban: self.active_ban(user, Utc::now()),
        })
    }

    pub(super) fn audit_page(&self, before: Option<PageCursor>, limit: usize) -> Vec<AuditEntry> {
        let mut entries: Vec<&AuditEntry> = self
            .audit_log
            .iter()
            .filter(|e| before.is_none_or(|b| (e.at, e.id) < (b.at, b.id)))
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        entries.into_iter().take(limit).cloned().collect()
    }
}

#[async_trait]
impl Oversight for MemoryStore {
    async fn user_moderation(&self, user: UserId) -> Result<Option<UserModeration>, StoreError> {
        Ok(self.lock()?.user_moderation(user))
    }

    async fn audit_page(
        &self,
        before: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(self.lock()?.audit_page(before, limit))
    }

    async fn counts(&self, online: &[UserId]) -> Result<StoreCounts, StoreError> {
        let s = self.lock()?;
        let mut counts = StoreCounts::default();
        for user in online {
            if let Some(record) = s.users.get(user) {
                *counts
                    .by_platform
                    .entry(record.platform.as_str().to_owned())
                    .or_default() += 1;
            }
        }
        counts.active_rooms = s.rooms.values().filter(|r| r.is_active()).count() as i64;
        let since = Utc::now() - chrono::Duration::minutes(1);
        counts.messages_last_minute = s
            .messages
            .values()
            .flatten()
            .filter(|m| m.message.created_at > since)
            .count() as i64;
        Ok(counts)
    }

    async fn active_rooms(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()?
            .rooms
            .values()
            .filter(|r| r.is_active())
            .count() as i64)
    }
}
