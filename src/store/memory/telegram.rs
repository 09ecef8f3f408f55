//! Telegram bookkeeping of the in-memory store: which copy of a message each
//! side holds, what was delivered, processed updates, orphaned people.
//! (What each person chose is in `telegram_settings.rs`.)

use chrono::Utc;

use async_trait::async_trait;

use super::{MemoryStore, State};
use crate::domain::{Platform, RoomId, Seq, StoredMessage, UserId};
use crate::store::{MessageCopies, StoreError, TelegramLog};

impl State {
    /// Message `seq` of `room`; seqs start at 1 and are dense, so it is an index.
    fn message(&self, room: RoomId, seq: Seq) -> Option<&StoredMessage> {
        let index = usize::try_from(seq.0.checked_sub(1)?).ok()?;
        self.messages.get(&room)?.get(index).map(|r| &r.message)
    }

    pub(super) fn record_delivery(
        &mut self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError> {
        if self.message(room, seq).is_none() {
            return Err(StoreError::NoSuchRoom);
        }
        self.deliveries
            .insert((room, seq), (receiver_platform_msg_id, Utc::now()));
        Ok(())
    }

    pub(super) fn message_copies(&self, room: RoomId, seq: Seq) -> Option<MessageCopies> {
        let m = self.message(room, seq)?;
        let delivery = self.deliveries.get(&(room, seq));
        Some(MessageCopies {
            sender: m.sender,
            sender_platform_msg_id: m.sender_platform_msg_id(),
            receiver_platform_msg_id: delivery.and_then(|d| d.0),
            delivered_at: delivery.map(|d| d.1),
        })
    }

    pub(super) fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Option<Seq> {
        let log = self.messages.get(&room)?;
        log.iter()
            .map(|r| &r.message)
            .find(|m| {
                if m.body.target().is_some() {
                    return false;
                }
                if m.sender == user {
                    m.sender_platform_msg_id() == Some(platform_msg_id)
                } else {
                    self.deliveries.get(&(room, m.seq)).and_then(|d| d.0) == Some(platform_msg_id)
                }
            })
            .map(|m| m.seq)
    }

    pub(super) fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Seq {
        self.messages
            .get(&room)
            .and_then(|log| {
                log.iter()
                    .rev()
                    .map(|r| &r.message)
                    .find(|m| m.sender != receiver && self.deliveries.contains_key(&(room, m.seq)))
            })
            .map_or(Seq::ZERO, |m| m.seq)
    }

    pub(super) fn mark_orphaned(&mut self, user: UserId, platform: Platform, pid: &str) {
        self.orphans.retain(|(u, _, _)| *u != user);
        self.orphans.push((user, platform, pid.to_owned()));
    }

    pub(super) fn claim_orphans(
        &mut self,
        platform: Platform,
        limit: usize,
    ) -> Vec<(UserId, String)> {
        let mut claimed = Vec::new();
        self.orphans.retain(|(user, p, pid)| {
            if *p == platform && claimed.len() < limit {
                claimed.push((*user, pid.clone()));
                false
            } else {
                true
            }
        });
        claimed
    }
}

#[async_trait]
impl TelegramLog for MemoryStore {
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
