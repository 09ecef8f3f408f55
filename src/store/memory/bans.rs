//! Bans for the in-memory store: the automatic ban rule, bans, unbans and
//! the ban in force.

use chrono::{DateTime, SubsecRound, Utc};

use super::{BanRecord, State};
use crate::domain::{AutobanPolicy, BanLength, UserId};
use crate::store::{ActiveBan, AuditAction, ComplaintStatus, NewBan, StoreError};

/// Who the audit log names for automatic bans.
pub(crate) const AUTOBAN_ACTOR: &str = "autoban";

/// Rounding slack when comparing a sum of fractional weights to the threshold.
const WEIGHT_EPSILON: f64 = 1e-9;

impl State {
    /// The threshold rule of [`crate::store::Moderation::file_report`].
    pub(super) fn autoban(
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
}

impl BanRecord {
    fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.lifted.is_none() && self.ban.until.is_none_or(|until| until > now)
    }
}
