//! In-memory store for the embedded default and fast unit tests. One mutex
//! over plain maps: every operation is short and never awaits while holding it.

mod bans;
mod matching;
mod moderation;
mod oversight;
mod privacy;
mod telegram;
mod telegram_settings;

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Appended, Complaint, NewBan, NewMessage, Profile, RoomLog, StoreError};
use crate::domain::{EndReason, Origin, Platform, Room, RoomId, Seq, StoredMessage, UserId};

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
    /// People waiting for a replica to adopt them, oldest first.
    orphans: Vec<(UserId, Platform, String)>,
    /// People whose copies go out with `protect_content` (`/protect`).
    protected: std::collections::HashSet<UserId>,
    /// Languages chosen with /language (`users.ui_lang`).
    ui_langs: HashMap<UserId, crate::domain::UiLang>,
    /// (blocker, blocked) -> when first blocked (as `blocks.created_at`).
    blocks: HashMap<(UserId, UserId), DateTime<Utc>>,
    /// (rater, room) -> their rating of the partner there.
    ratings: HashMap<(UserId, RoomId), RatingRecord>,
}

/// One rating given (`ratings` row).
struct RatingRecord {
    rated: UserId,
    score: crate::domain::Score,
    /// When given or last replaced.
    rated_at: DateTime<Utc>,
}

struct UserRecord {
    platform: Platform,
    /// `None` once deleted.
    platform_user_id: Option<String>,
    /// Also holds the media spoiler default (`/spoiler_on`), as the
    /// `users` row does.
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
        self.state.lock().map_err(|_| {
            tracing::error!("memory store poisoned");
            StoreError::Internal("memory store poisoned".into())
        })
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
        Some(self.with_last_seq(&ended))
    }

    /// `room` with its `last_seq` as the log stands now (the stored copy
    /// does not follow appends).
    fn with_last_seq(&self, room: &Room) -> Room {
        let stored = self.messages.get(&room.id).map_or(0, Vec::len);
        Room {
            last_seq: Seq(stored as i64),
            ..room.clone()
        }
    }
}

#[async_trait]
impl RoomLog for MemoryStore {
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
            last_seq: Seq::ZERO,
        };
        s.active.insert(a, room.id);
        s.active.insert(b, room.id);
        s.rooms.insert(room.id, room.clone());
        Ok(room)
    }

    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        let s = self.lock()?;
        Ok(s.rooms.get(&id).map(|r| s.with_last_seq(r)))
    }

    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError> {
        let s = self.lock()?;
        Ok(s.active
            .get(&user)
            .and_then(|id| s.rooms.get(id))
            .map(|r| s.with_last_seq(r)))
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
        if let Some(&(room, seq)) = s.idempotency.get(&key) {
            let first = s
                .messages
                .get(&room)
                .and_then(|log| log.iter().find(|m| m.message.seq == seq))
                .map(|m| m.message.clone())
                .ok_or_else(|| StoreError::Internal("idempotency key without message".into()))?;
            return Ok(Appended {
                message: first,
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
        let room = msg.room;
        let protect = s.protected.contains(&msg.sender);
        let log = s.messages.entry(room).or_default();
        let mut message = msg.stored(Seq(log.len() as i64 + 1), Utc::now());
        if let Origin::Telegram(origin) = &mut message.origin {
            origin.protect |= protect;
        }
        log.push(MessageRecord {
            message: message.clone(),
            purged: false,
        });
        s.idempotency.insert(key, (room, message.seq));
        Ok(Appended {
            message,
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

    async fn end_idle_rooms(
        &self,
        idle: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Room>, StoreError> {
        let mut s = self.lock()?;
        let idle = chrono::Duration::from_std(idle)
            .map_err(|_| StoreError::Internal("idle period out of range".into()))?;
        let cutoff = Utc::now() - idle;
        let due: Vec<RoomId> = s
            .rooms
            .values()
            .filter(|r| r.is_active())
            .filter(|r| {
                let newest = s
                    .messages
                    .get(&r.id)
                    .and_then(|log| log.last())
                    .map_or(r.started_at, |m| m.message.created_at);
                newest < cutoff
            })
            .map(|r| r.id)
            .take(limit)
            .collect();
        Ok(due
            .into_iter()
            .filter_map(|id| s.end_room(id, None, EndReason::Idle))
            .collect())
    }
}
