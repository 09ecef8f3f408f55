//! Complaints, bans, automatic bans and the audit log for the in-memory store.

use chrono::{DateTime, SubsecRound, Utc};

use async_trait::async_trait;

use super::{BanRecord, MemoryStore, State};
use crate::domain::{AutobanPolicy, BanLength, ComplaintId, ReportReason, RoomId, UserId};
use crate::store::{
    AUDIT_DETAIL_CHARS, ActiveBan, AuditAction, AuditEntry, COMPLAINT_EVIDENCE_MESSAGES, Complaint,
    ComplaintStatus, ComplaintSummary, Filed, Moderation, NewBan, PageCursor, StoreError,
};

/// Who the audit log names for automatic bans.
pub(crate) const AUTOBAN_ACTOR: &str = "autoban";

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

    /// The threshold rule of [`crate::store::Moderation::file_report`].
    fn autoban(
        &mut self,
        user: UserId,
        policy: &AutobanPolicy,
        now: DateTime<Utc>,
    ) -> Option<ActiveBan> {
        if self.active_ban(user, now).is_some() {
            return None;
        }
        let earlier: Vec<DateTime<Utc>> = self
            .bans
            .iter()
            .filter(|b| b.ban.user == user && b.automatic)
            .map(|b| b.created_at)
            .collect();
        let since = earlier.iter().max().copied();
        let window = chrono::Duration::from_std(policy.window).unwrap_or(chrono::Duration::MAX);
        let mut reporters: Vec<UserId> = self
            .complaints
            .iter()
            .filter(|c| c.reported == user && c.status != ComplaintStatus::Dismissed)
            .filter(|c| c.created_at > now - window && since.is_none_or(|s| c.created_at > s))
            .map(|c| c.reporter)
            .collect();
        reporters.sort();
        reporters.dedup();
        let weight: f64 = reporters
            .iter()
            .map(|r| {
                let dismissed = self
                    .complaints
                    .iter()
                    .filter(|c| c.reporter == *r && c.status == ComplaintStatus::Dismissed)
                    .count();
                1.0 / (1.0 + dismissed as f64)
            })
            .sum();
        if weight + WEIGHT_EPSILON < f64::from(policy.reports) {
            return None;
        }
        let until = match policy.step(earlier.len()) {
            BanLength::Permanent => None,
            BanLength::For(d) => Some((now + chrono::Duration::from_std(d).ok()?).trunc_subsecs(6)),
        };
        let reason = format!("automatic: {} distinct reporters", reporters.len());
        self.audit(
            AUTOBAN_ACTOR,
            AuditAction::Autoban,
            Some(user),
            None,
            &reason,
        );
        self.bans.push(BanRecord {
            ban: NewBan {
                user,
                until,
                reason,
                by: AUTOBAN_ACTOR.into(),
            },
            automatic: true,
            created_at: now,
            lifted: None,
        });
        Some(ActiveBan { until })
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

    pub(super) fn ban(&mut self, ban: NewBan) -> Result<(), StoreError> {
        // A deleted person (no identity left) cannot be banned.
        if self
            .users
            .get(&ban.user)
            .is_none_or(|u| u.platform_user_id.is_none())
        {
            return Err(StoreError::NoSuchUser);
        }
        let detail = match ban.until {
            Some(until) => format!("until {}: {}", until.to_rfc3339(), ban.reason),
            None => format!("permanent: {}", ban.reason),
        };
        self.audit(&ban.by, AuditAction::Ban, Some(ban.user), None, &detail);
        self.bans.push(BanRecord {
            ban,
            automatic: false,
            created_at: Utc::now(),
            lifted: None,
        });
        Ok(())
    }

    pub(super) fn unban(&mut self, user: UserId, by: &str) -> Result<bool, StoreError> {
        if !self.users.contains_key(&user) {
            return Err(StoreError::NoSuchUser);
        }
        let now = Utc::now();
        let mut lifted = false;
        for b in self
            .bans
            .iter_mut()
            .filter(|b| b.ban.user == user && b.in_force(now))
        {
            b.lifted = Some((now, by.to_owned()));
            lifted = true;
        }
        if lifted {
            self.audit(by, AuditAction::Unban, Some(user), None, "");
        }
        Ok(lifted)
    }

    pub(super) fn active_ban(&self, user: UserId, now: DateTime<Utc>) -> Option<ActiveBan> {
        self.bans
            .iter()
            .filter(|b| b.ban.user == user && b.in_force(now))
            .map(|b| ActiveBan { until: b.ban.until })
            .reduce(ActiveBan::longest)
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

impl BanRecord {
    fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.lifted.is_none() && self.ban.until.is_none_or(|until| until > now)
    }
}

/// Rounding slack when comparing a sum of fractional weights to the threshold.
const WEIGHT_EPSILON: f64 = 1e-9;

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
