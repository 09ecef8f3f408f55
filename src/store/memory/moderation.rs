//! Complaints and the audit log for the in-memory store, and its
//! moderation port; bans and the automatic ban rule are in `bans.rs`.

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};

use super::{MemoryStore, State};
use crate::domain::{AutobanPolicy, ComplaintId, ReportReason, RoomId, UserId};
use crate::store::{
    AUDIT_DETAIL_CHARS, ActiveBan, AuditAction, AuditEntry, COMPLAINT_EVIDENCE_MESSAGES, Complaint,
    ComplaintStatus, ComplaintSummary, Filed, Moderation, NewBan, PageCursor, StoreError,
};

impl State {
    pub(super) fn file_report(
        &mut self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError> {
        let reported = self
            .rooms
            .get(&room)
            .and_then(|r| r.partner_of(reporter))
            .ok_or(StoreError::NoSuchRoom)?;
        // A retried report is the same complaint (one per reporter and room).
        if let Some(c) = self
            .complaints
            .iter()
            .find(|c| c.room == room && c.reporter == reporter)
        {
            return Ok(Filed {
                id: c.id,
                reported,
                new: false,
                autoban: None,
            });
        }
        let evidence = self
            .messages
            .get(&room)
            .map(|log| {
                let from = log.len().saturating_sub(COMPLAINT_EVIDENCE_MESSAGES);
                log[from..].iter().map(|m| m.message.clone()).collect()
            })
            .unwrap_or_default();
        let id = ComplaintId::new();
        // Microseconds, like PostgreSQL, so page cursors round-trip.
        let now = Utc::now().trunc_subsecs(6);
        self.complaints.push(Complaint {
            id,
            room,
            reporter,
            reported,
            reason: reason.as_str().to_owned(),
            status: ComplaintStatus::Open,
            evidence,
            created_at: now,
            resolved_at: None,
        });
        if let Some(record) = self.users.get_mut(&reported) {
            record.profile.complaints_received += 1;
        }
        let autoban = match autoban {
            Some(policy) => self.autoban(reported, policy, now),
            None => None,
        };
        Ok(Filed {
            id,
            reported,
            new: true,
            autoban,
        })
    }

    pub(super) fn resolve_complaint(
        &mut self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError> {
        let c = self
            .complaints
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(StoreError::NoSuchComplaint)?;
        // Closing is final; closing twice keeps the first resolution.
        if status != ComplaintStatus::Open && c.status == ComplaintStatus::Open {
            c.status = status;
            c.resolved_at = Some(Utc::now());
            let (user, action) = (
                c.reported,
                if status == ComplaintStatus::Dismissed {
                    AuditAction::Dismiss
                } else {
                    AuditAction::Resolve
                },
            );
            self.audit(by, action, Some(user), Some(id), "");
        }
        Ok(())
    }

    pub(super) fn audit(
        &mut self,
        actor: &str,
        action: AuditAction,
        user: Option<UserId>,
        complaint: Option<ComplaintId>,
        detail: &str,
    ) {
        self.audit_log.push(AuditEntry {
            id: uuid::Uuid::now_v7(),
            at: Utc::now().trunc_subsecs(6),
            actor: actor.to_owned(),
            action,
            user,
            complaint,
            detail: detail.chars().take(AUDIT_DETAIL_CHARS).collect(),
        });
    }

    pub(super) fn summary(&self, c: &Complaint) -> ComplaintSummary {
        ComplaintSummary {
            id: c.id,
            created_at: c.created_at,
            reason: c.reason.clone(),
            status: c.status,
            reported: c.reported,
            reported_open: self
                .complaints
                .iter()
                .filter(|o| o.reported == c.reported && o.status == ComplaintStatus::Open)
                .count() as i64,
        }
    }

    pub(super) fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Vec<ComplaintSummary> {
        let mut matching: Vec<&Complaint> = self
            .complaints
            .iter()
            .filter(|c| c.status == status)
            .filter(|c| after.is_none_or(|a| (c.created_at, c.id.0) > (a.at, a.id)))
            .collect();
        matching.sort_by_key(|c| (c.created_at, c.id.0));
        matching
            .into_iter()
            .take(limit)
            .map(|c| self.summary(c))
            .collect()
    }
}

#[async_trait]
impl Moderation for MemoryStore {
    async fn file_report(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError> {
        self.lock()?.file_report(room, reporter, reason, autoban)
    }

    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError> {
        Ok(self.lock()?.complaints.iter().find(|c| c.id == id).cloned())
    }

    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError> {
        self.lock()?.resolve_complaint(id, status, by)
    }

    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError> {
        Ok(self.lock()?.complaints_page(status, after, limit))
    }

    async fn ban(&self, ban: NewBan) -> Result<(), StoreError> {
        self.lock()?.ban(ban)
    }

    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        self.lock()?.unban(user, by)
    }

    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError> {
        Ok(self.lock()?.active_ban(user, Utc::now()))
    }
}
