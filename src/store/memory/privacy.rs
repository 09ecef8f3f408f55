//! Retention, export and deletion for the in-memory store; the same rules as
//! `postgres::retention` and `postgres::privacy`, checked by the conformance
//! suite.

use chrono::{DateTime, Utc};

use async_trait::async_trait;

use super::{MemoryStore, State};
use crate::domain::{Columns, EndReason, UserId};
use crate::store::{
    AuditAction, BanExport, BlockExport, Complaint, ComplaintExport, ComplaintStatus,
    MessageExport, Privacy, Profile, RatingExport, RoomExport, SettingsExport, StoreError,
    UserExport,
};

fn complaint_export(c: &Complaint) -> ComplaintExport {
    ComplaintExport {
        id: c.id,
        room: c.room,
        reason: c.reason.clone(),
        status: c.status,
        created_at: c.created_at,
        resolved_at: c.resolved_at,
    }
}

impl State {
    pub(super) fn purge_expired(&mut self, cutoff: DateTime<Utc>) -> u64 {
        let held: std::collections::HashSet<_> = self
            .complaints
            .iter()
            .filter(|c| c.status == ComplaintStatus::Open)
            .map(|c| c.room)
            .collect();
        let mut purged = 0;
        for (room, log) in &mut self.messages {
            if held.contains(room) {
                continue;
            }
            for m in log
                .iter_mut()
                .filter(|m| !m.purged && m.message.created_at < cutoff)
            {
                purge(&mut m.message);
                m.purged = true;
                purged += 1;
            }
        }
        for c in &mut self.complaints {
            if c.resolved_at.is_some_and(|at| at < cutoff) {
                c.evidence.clear();
            }
        }
        purged
    }

    pub(super) fn export_user(&self, user: UserId) -> Option<UserExport> {
        let u = self.users.get(&user)?;
        let mut rooms: Vec<_> = self
            .rooms
            .values()
            .filter(|r| r.partner_of(user).is_some())
            .collect();
        rooms.sort_by_key(|r| (r.started_at, r.id));
        let messages = rooms
            .iter()
            .flat_map(|r| self.messages.get(&r.id).into_iter().flatten())
            .filter(|m| m.message.sender == user)
            .map(|m| MessageExport {
                room: m.message.room,
                seq: m.message.seq,
                kind: m.message.body.kind(),
                text: (!m.purged).then(|| Columns::of(&m.message).text),
                created_at: m.message.created_at,
            })
            .collect();
        let mut blocks: Vec<BlockExport> = self
            .blocks
            .iter()
            .filter(|((blocker, _), _)| *blocker == user)
            .map(|(&(_, blocked), &created_at)| BlockExport {
                blocked,
                created_at,
            })
            .collect();
        blocks.sort_by_key(|b| (b.created_at, b.blocked));
        let mut ratings: Vec<RatingExport> = self
            .ratings
            .iter()
            .filter(|((rater, _), _)| *rater == user)
            .map(|(&(_, room), r)| RatingExport {
                room,
                score: r.score,
                rated_at: r.rated_at,
            })
            .collect();
        ratings.sort_by_key(|r| (r.rated_at, r.room));
        Some(UserExport {
            id: user,
            platform: u.platform,
            platform_user_id: u.platform_user_id.clone(),
            created_at: u.created_at,
            last_seen_at: u.last_seen_at,
            profile: u.profile.clone(),
            settings: SettingsExport {
                ui_lang: self.ui_langs.get(&user).map(|l| l.code().to_owned()),
                protect_content: self.protected.contains(&user),
                media_spoiler_default: u.profile.default_media_spoiler,
            },
            rooms: rooms
                .iter()
                .map(|r| RoomExport {
                    id: r.id,
                    started_at: r.started_at,
                    ended_at: r.ended_at,
                    end_reason: r.end_reason,
                    ended_by_me: r.ended_by == Some(user),
                })
                .collect(),
            messages,
            complaints_filed: self
                .complaints
                .iter()
                .filter(|c| c.reporter == user)
                .map(complaint_export)
                .collect(),
            complaints_received: self
                .complaints
                .iter()
                .filter(|c| c.reported == user)
                .map(complaint_export)
                .collect(),
            bans: self
                .bans
                .iter()
                .filter(|b| b.ban.user == user)
                .map(|b| BanExport {
                    until: b.ban.until,
                    reason: b.ban.reason.clone(),
                    created_at: b.created_at,
                })
                .collect(),
            blocks,
            ratings,
        })
    }

    pub(super) fn delete_user(&mut self, user: UserId) -> bool {
        let Some(record) = self.users.get_mut(&user) else {
            return false;
        };
        if let Some(pid) = record.platform_user_id.take() {
            self.identities.remove(&(record.platform, pid));
        }
        record.profile = Profile::default();
        if let Some(room) = self.active.get(&user).copied() {
            self.end_room(room, None, EndReason::Moderation);
        }
        for m in self
            .messages
            .values_mut()
            .flatten()
            .filter(|m| m.message.sender == user)
        {
            purge(&mut m.message);
            m.purged = true;
        }
        for e in self
            .complaints
            .iter_mut()
            .flat_map(|c| c.evidence.iter_mut())
            .filter(|e| e.sender == user)
        {
            scrub_text(e);
        }
        self.bans.retain(|b| b.ban.user != user);
        self.protected.remove(&user);
        self.ui_langs.remove(&user);
        self.blocks.retain(|&(blocker, _), _| blocker != user);
        let given: Vec<_> = self
            .ratings
            .keys()
            .filter(|(rater, _)| *rater == user)
            .copied()
            .collect();
        for key in given {
            if let Some(r) = self.ratings.remove(&key) {
                self.count_rating(r.rated, r.score, -1);
            }
        }
        true
    }
}

#[async_trait]
impl Privacy for MemoryStore {
    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.lock()?.purge_expired(cutoff))
    }

    async fn export_user(
        &self,
        user: UserId,
        by: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let mut s = self.lock()?;
        let Some(export) = s.export_user(user) else {
            return Ok(None);
        };
        let doc = serde_json::to_value(export).map_err(|e| StoreError::Internal(e.to_string()))?;
        s.audit(by, AuditAction::Export, Some(user), None, "");
        Ok(Some(doc))
    }

    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        let mut s = self.lock()?;
        let existed = s.delete_user(user);
        if existed {
            s.audit(by, AuditAction::Delete, Some(user), None, "");
        }
        Ok(existed)
    }
}

/// Empties `msg` as PostgreSQL's purge does (its content columns cleared;
/// the origin stays, as `sender_platform_msg_id` does there).
fn purge(msg: &mut crate::domain::StoredMessage) {
    // A body this store holds always reads back from its own columns.
    if let Ok(body) = Columns::purged(msg) {
        msg.body = body;
    }
}

/// Empties the `text` of a message kept as complaint evidence, as
/// PostgreSQL's scrub does to the evidence JSON.
fn scrub_text(msg: &mut crate::domain::StoredMessage) {
    let mut cols = Columns::of(msg);
    cols.text.clear();
    if let Ok((body, _, _)) = cols.read() {
        msg.body = body;
    }
}
