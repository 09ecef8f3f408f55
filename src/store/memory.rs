//! In-memory store for the embedded default and fast unit tests. One mutex
//! over plain maps: every operation is short and never awaits while holding it.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Utc;

use super::{Appended, COMPLAINT_EVIDENCE_MESSAGES, MessageCopies, NewMessage, Store, StoreError};
use crate::domain::{
    ComplaintId, EndReason, MessageKind, Platform, ReportReason, Room, RoomId, Seq, StoredMessage,
    UserId,
};

#[derive(Default)]
struct State {
    users: HashMap<(Platform, String), UserId>,
    rooms: HashMap<RoomId, Room>,
    /// user -> their active room; the one-room invariant lives here.
    active: HashMap<UserId, RoomId>,
    messages: HashMap<RoomId, Vec<StoredMessage>>,
    /// (sender, client_msg_id) -> (room, seq) for idempotent appends.
    idempotency: HashMap<(UserId, String), (RoomId, Seq)>,
    complaints: Vec<Complaint>,
    banned: HashMap<UserId, ()>,
    /// (room, seq) -> (receiver's platform message id, delivered at).
    deliveries: HashMap<(RoomId, Seq), (Option<i64>, chrono::DateTime<Utc>)>,
    /// Keys of fully processed platform updates.
    processed_updates: std::collections::HashSet<String>,
    /// People whose media go out under a spoiler cover.
    spoiler_default: std::collections::HashSet<UserId>,
    /// People waiting for a replica to adopt them, oldest first.
    orphans: Vec<(UserId, Platform, String)>,
}

#[allow(dead_code)] // Read by the admin API and data exports.
struct Complaint {
    id: ComplaintId,
    room: RoomId,
    reporter: UserId,
    reported: UserId,
    reason: String,
    evidence: Vec<StoredMessage>,
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

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.lock().map(|_| ())
    }

    async fn upsert_user(&self, platform: Platform, pid: &str) -> Result<UserId, StoreError> {
        let mut s = self.lock()?;
        Ok(*s
            .users
            .entry((platform, pid.to_owned()))
            .or_insert_with(UserId::new))
    }

    async fn find_user(&self, platform: Platform, pid: &str) -> Result<Option<UserId>, StoreError> {
        Ok(self.lock()?.users.get(&(platform, pid.to_owned())).copied())
    }

    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
        let mut s = self.lock()?;
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
        let Some(room) = s.rooms.get_mut(&id) else {
            return Err(StoreError::NoSuchRoom);
        };
        if !room.is_active() {
            return Ok(None);
        }
        room.ended_at = Some(Utc::now());
        room.end_reason = Some(reason);
        room.ended_by = by;
        let ended = room.clone();
        s.active.remove(&ended.a);
        s.active.remove(&ended.b);
        Ok(Some(ended))
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
        log.push(StoredMessage {
            room: msg.room,
            seq,
            sender: msg.sender,
            kind: msg.kind,
            text: msg.text,
            client_msg_id: msg.client_msg_id,
            created_at: Utc::now(),
            extra: Box::new(msg.extra),
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
                    .filter(|m| m.seq > after)
                    .take(limit)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn file_complaint(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
    ) -> Result<ComplaintId, StoreError> {
        let mut s = self.lock()?;
        let reported = s
            .rooms
            .get(&room)
            .and_then(|r| r.partner_of(reporter))
            .ok_or(StoreError::NoSuchRoom)?;
        let evidence = s
            .messages
            .get(&room)
            .map(|log| {
                let from = log.len().saturating_sub(COMPLAINT_EVIDENCE_MESSAGES);
                log[from..].to_vec()
            })
            .unwrap_or_default();
        let id = ComplaintId::new();
        s.complaints.push(Complaint {
            id,
            room,
            reporter,
            reported,
            reason: reason.as_str().to_owned(),
            evidence,
        });
        Ok(id)
    }

    async fn is_banned(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(self.lock()?.banned.contains_key(&user))
    }

    async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        if message(&s, room, seq).is_none() {
            return Err(StoreError::NoSuchRoom);
        }
        s.deliveries
            .insert((room, seq), (receiver_platform_msg_id, Utc::now()));
        Ok(())
    }

    async fn message_copies(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<MessageCopies>, StoreError> {
        let s = self.lock()?;
        let Some(m) = message(&s, room, seq) else {
            return Ok(None);
        };
        let delivery = s.deliveries.get(&(room, seq));
        Ok(Some(MessageCopies {
            sender: m.sender,
            sender_platform_msg_id: m.extra.sender_platform_msg_id,
            receiver_platform_msg_id: delivery.and_then(|d| d.0),
            delivered_at: delivery.map(|d| d.1),
        }))
    }

    async fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Result<Option<Seq>, StoreError> {
        let s = self.lock()?;
        let Some(log) = s.messages.get(&room) else {
            return Ok(None);
        };
        let found = log.iter().find(|m| {
            if matches!(m.kind, MessageKind::Edit | MessageKind::Reaction) {
                return false;
            }
            if m.sender == user {
                m.extra.sender_platform_msg_id == Some(platform_msg_id)
            } else {
                s.deliveries.get(&(room, m.seq)).and_then(|d| d.0) == Some(platform_msg_id)
            }
        });
        Ok(found.map(|m| m.seq))
    }

    async fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Result<Seq, StoreError> {
        let s = self.lock()?;
        let last = s.messages.get(&room).and_then(|log| {
            log.iter()
                .rev()
                .find(|m| m.sender != receiver && s.deliveries.contains_key(&(room, m.seq)))
        });
        Ok(last.map_or(Seq::ZERO, |m| m.seq))
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
        let mut s = self.lock()?;
        s.orphans.retain(|(u, _, _)| *u != user);
        s.orphans
            .push((user, platform, platform_user_id.to_owned()));
        Ok(())
    }

    async fn claim_orphans(
        &self,
        platform: Platform,
        limit: usize,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let mut s = self.lock()?;
        let mut claimed = Vec::new();
        s.orphans.retain(|(user, p, pid)| {
            if *p == platform && claimed.len() < limit {
                claimed.push((*user, pid.clone()));
                false
            } else {
                true
            }
        });
        Ok(claimed)
    }
}

/// Message `seq` of `room`; seqs start at 1 and are dense, so it is an index.
fn message(s: &State, room: RoomId, seq: Seq) -> Option<&StoredMessage> {
    let index = usize::try_from(seq.0.checked_sub(1)?).ok()?;
    s.messages.get(&room)?.get(index)
}
