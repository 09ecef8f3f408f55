//! In-memory store for the embedded default and fast unit tests. One mutex
//! over plain maps: every operation is short and never awaits while holding it.

mod delivery;
mod moderation;
mod privacy;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{
    ActiveBan, Appended, AuditEntry, Complaint, ComplaintStatus, ComplaintSummary, Filed,
    MessageCopies, NewBan, NewMessage, PageCursor, Profile, Store, StoreCounts, StoreError,
    UserModeration,
};
use crate::domain::{
    AutobanPolicy, ComplaintId, EndReason, Platform, ReportReason, Room, RoomId, Seq,
    StoredMessage, UserId,
};

#[derive(Default)]
struct State {
    identities: HashMap<(Platform, String), UserId>,
    users: HashMap<UserId, UserRecord>,
    rooms: HashMap<RoomId, Room>,
    /// user -> their active room; the one-room invariant lives here.
    active: HashMap<UserId, RoomId>,
    messages: HashMap<RoomId, Vec<MessageRecord>>,
    /// (sender, client_msg_id) -> (room, seq) for idempotent appends.
    idempotency: HashMap<(UserId, String), (RoomId, Seq)>,
    complaints: Vec<Complaint>,
    bans: Vec<BanRecord>,
    /// Every moderator action, oldest first.
    audit_log: Vec<super::AuditEntry>,
    /// (room, seq) -> (receiver's platform message id, delivered at).
    deliveries: HashMap<(RoomId, Seq), (Option<i64>, chrono::DateTime<Utc>)>,
    /// Keys of fully processed platform updates.
    processed_updates: std::collections::HashSet<String>,
    /// People whose media go out under a spoiler cover.
    spoiler_default: std::collections::HashSet<UserId>,
    /// People waiting for a replica to adopt them, oldest first.
    orphans: Vec<(UserId, Platform, String)>,
}

struct UserRecord {
    platform: Platform,
    /// `None` once deleted.
    platform_user_id: Option<String>,
    profile: Profile,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

struct MessageRecord {
    message: StoredMessage,
    /// Content emptied by retention or deletion.
    purged: bool,
}

struct BanRecord {
    ban: NewBan,
    /// Issued by the report threshold (counts for escalation).
    automatic: bool,
    created_at: DateTime<Utc>,
    /// When and by whom it was lifted (unban).
    lifted: Option<(DateTime<Utc>, String)>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        // A poisoned lock means a panic mid-update; refuse rather than serve
        // possibly half-written state.
        self.state
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store poisoned".into()))
    }
}

impl State {
    fn end_room(&mut self, id: RoomId, by: Option<UserId>, reason: EndReason) -> Option<Room> {
        let room = self.rooms.get_mut(&id).filter(|r| r.is_active())?;
        room.ended_at = Some(Utc::now());
        room.end_reason = Some(reason);
        room.ended_by = by;
        let ended = room.clone();
        self.active.remove(&ended.a);
        self.active.remove(&ended.b);
        Some(ended)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.lock().map(|_| ())
    }

    async fn upsert_user(&self, platform: Platform, pid: &str) -> Result<UserId, StoreError> {
        let mut s = self.lock()?;
        let now = Utc::now();
        if let Some(&id) = s.identities.get(&(platform, pid.to_owned())) {
            if let Some(u) = s.users.get_mut(&id) {
                u.last_seen_at = now;
            }
            return Ok(id);
        }
        let id = UserId::new();
        s.identities.insert((platform, pid.to_owned()), id);
        s.users.insert(
            id,
            UserRecord {
                platform,
                platform_user_id: Some(pid.to_owned()),
                profile: Profile::default(),
                created_at: now,
                last_seen_at: now,
            },
        );
        Ok(id)
    }

    async fn find_user(&self, platform: Platform, pid: &str) -> Result<Option<UserId>, StoreError> {
        Ok(self
            .lock()?
            .identities
            .get(&(platform, pid.to_owned()))
            .copied())
    }

    async fn identity(&self, user: UserId) -> Result<Option<(Platform, String)>, StoreError> {
        let s = self.lock()?;
        Ok(s.users.get(&user).and_then(|u| {
            u.platform_user_id
                .as_ref()
                .map(|pid| (u.platform, pid.clone()))
        }))
    }

    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
        let mut s = self.lock()?;
        // A deleted person (no identity left) gets no new room.
        let usable = |u: &UserId| s.users.get(u).is_some_and(|r| r.platform_user_id.is_some());
        if !usable(&a) || !usable(&b) {
            return Err(StoreError::NoSuchUser);
        }
        if a == b || s.active.contains_key(&a) || s.active.contains_key(&b) {
            return Err(StoreError::AlreadyInRoom);
        }
        let room = Room {
            id: RoomId::new(),
            a,
            b,
            started_at: Utc::now(),
            ended_at: None,
            end_reason: None,
            ended_by: None,
        };
        s.active.insert(a, room.id);
        s.active.insert(b, room.id);
        s.rooms.insert(room.id, room.clone());
        Ok(room)
    }

    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        Ok(self.lock()?.rooms.get(&id).cloned())
    }

    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError> {
        let s = self.lock()?;
        Ok(s.active.get(&user).and_then(|id| s.rooms.get(id)).cloned())
    }

    async fn end_room(
        &self,
        id: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Result<Option<Room>, StoreError> {
        let mut s = self.lock()?;
        if !s.rooms.contains_key(&id) {
            return Err(StoreError::NoSuchRoom);
        }
        Ok(s.end_room(id, by, reason))
    }

    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        let mut s = self.lock()?;
        let key = (msg.sender, msg.client_msg_id.as_str().to_owned());
        if let Some(&(_, seq)) = s.idempotency.get(&key) {
            return Ok(Appended {
                seq,
                duplicate: true,
            });
        }
        let member = s
            .rooms
            .get(&msg.room)
            .is_some_and(|r| r.is_active() && r.partner_of(msg.sender).is_some());
        if !member {
            return Err(StoreError::RoomClosed);
        }
        let log = s.messages.entry(msg.room).or_default();
        let seq = Seq(log.len() as i64 + 1);
        log.push(MessageRecord {
            message: StoredMessage {
                room: msg.room,
                seq,
                sender: msg.sender,
                kind: msg.kind,
                text: msg.text,
                client_msg_id: msg.client_msg_id,
                created_at: Utc::now(),
                extra: Box::new(msg.extra),
            },
            purged: false,
        });
        s.idempotency.insert(key, (msg.room, seq));
        Ok(Appended {
            seq,
            duplicate: false,
        })
    }

    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let s = self.lock()?;
        Ok(s.messages
            .get(&room)
            .map(|log| {
                log.iter()
                    .filter(|m| m.message.seq > after)
                    .take(limit)
                    .map(|m| m.message.clone())
                    .collect()
            })
            .unwrap_or_default())
    }

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

    async fn ban(&self, ban: NewBan) -> Result<(), StoreError> {
        self.lock()?.ban(ban)
    }

    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        self.lock()?.unban(user, by)
    }

    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError> {
        Ok(self.lock()?.active_ban(user, Utc::now()))
    }

    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError> {
        Ok(self.lock()?.complaints_page(status, after, limit))
    }

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

    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.lock()?.purge_expired(cutoff))
    }

    async fn export_user(&self, user: UserId) -> Result<Option<serde_json::Value>, StoreError> {
        let s = self.lock()?;
        s.export_user(user)
            .map(|e| serde_json::to_value(e).map_err(|e| StoreError::Unavailable(e.to_string())))
            .transpose()
    }

    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        let mut s = self.lock()?;
        let existed = s.delete_user(user);
        if existed {
            s.audit(by, super::AuditAction::Delete, Some(user), None, "");
        }
        Ok(existed)
    }

    async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.lock()?
            .record_delivery(room, seq, receiver_platform_msg_id)
    }

    async fn message_copies(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<MessageCopies>, StoreError> {
        Ok(self.lock()?.message_copies(room, seq))
    }

    async fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Result<Option<Seq>, StoreError> {
        Ok(self
            .lock()?
            .find_by_platform_msg_id(room, user, platform_msg_id))
    }

    async fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Result<Seq, StoreError> {
        Ok(self.lock()?.last_delivered_seq(room, receiver))
    }

    async fn update_processed(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.lock()?.processed_updates.contains(key))
    }

    async fn record_update_processed(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?.processed_updates.insert(key.to_owned());
        Ok(())
    }

    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(self.lock()?.spoiler_default.contains(&user))
    }

    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        if on {
            s.spoiler_default.insert(user);
        } else {
            s.spoiler_default.remove(&user);
        }
        Ok(())
    }

    async fn mark_orphaned(
        &self,
        user: UserId,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<(), StoreError> {
        self.lock()?.mark_orphaned(user, platform, platform_user_id);
        Ok(())
    }

    async fn claim_orphans(
        &self,
        platform: Platform,
        limit: usize,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        Ok(self.lock()?.claim_orphans(platform, limit))
    }
}
