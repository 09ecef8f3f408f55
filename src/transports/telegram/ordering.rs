//! Delivering the partner's messages in seq order and once: what the store
//! says was delivered is skipped, album items are gathered into one call,
//! and each delivery is recorded right after Telegram accepted it (so a
//! duplicate after a crash or takeover is limited to that one call).

use std::time::Duration;

use super::api::SendError;
use super::ids::TelegramChatId;
use super::outbox::Job;
use super::sender::Sender;
use super::texts::{self, Notice};
use crate::actors::client::Outgoing;
use crate::bus::{BusEvent, Topic};
use crate::domain::{Seq, StoredMessage};
use crate::i18n::tr;
use teloxide::prelude::Requester;

/// How long an album's items are collected after the last one arrived.
/// Telegram posts them one update after another, milliseconds apart.
const ALBUM_GAP: Duration = Duration::from_millis(1000);
/// Most items in one album (Telegram's own limit).
const ALBUM_MAX: usize = 10;
/// Pause before trying a delivery again after Telegram stayed unreachable.
const UNREACHABLE_PAUSE: Duration = Duration::from_secs(5);
/// Tries to record one delivery before giving up (and risking a repeat by
/// the next owner).
const RECORD_ATTEMPTS: u32 = 3;
const RECORD_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Jobs queued for a person past which their partner is told that their
/// messages arrive late: at about one message a second into a chat, this
/// many are several seconds behind.
pub const DELAYED_BACKLOG: usize = 5;

impl Sender {
    pub(super) async fn relay(&mut self, first: StoredMessage) {
        if self.already_delivered(&first).await {
            return;
        }
        self.tell_if_delayed(&first).await;
        let group = first.body.album().map(str::to_owned);
        let mut batch = vec![first];
        if let Some(group) = group {
            self.collect_album(&group, &mut batch).await;
        }
        loop {
            let result = if batch.len() == 1 {
                self.deliver_one(&batch[0]).await.map(|id| vec![id])
            } else {
                self.deliver_album(&batch).await
            };
            match result {
                Ok(ids) => {
                    for (msg, id) in batch.iter().zip(ids) {
                        self.mark_delivered(msg, id).await;
                    }
                    return;
                }
                Err(SendError::Revoked) => {
                    // Not sent: back to the head of the queue, for when the
                    // lease is ours again (then the store says what the
                    // other holder delivered meanwhile).
                    for msg in batch.into_iter().rev() {
                        self.pending.push_front(Job::Event(Outgoing::Message {
                            seq: msg.seq,
                            message: Box::new(msg),
                        }));
                    }
                    return;
                }
                Err(SendError::Blocked) => return self.blocked().await,
                Err(SendError::Unchanged) => {
                    for msg in &batch {
                        self.mark_delivered(msg, None).await;
                    }
                    return;
                }
                Err(SendError::Refused(reason)) => {
                    // Telegram will never take it (the original was deleted,
                    // say): tell both people, and do not try again.
                    tracing::warn!(user = %self.me, %reason, "message could not be delivered");
                    for msg in &batch {
                        self.mark_delivered(msg, None).await;
                    }
                    let text = tr(self.activity.lang(), texts::UNDELIVERABLE);
                    self.notify(Notice::plain(text)).await;
                    if let Some(origin) = batch[0].origin.telegram() {
                        self.tell_sender(origin.chat).await;
                    }
                    return;
                }
                Err(SendError::Unreachable(e)) => {
                    // Not lost: keep this message at the head of the queue.
                    tracing::warn!(user = %self.me, error = %e, "telegram unreachable; retrying delivery");
                    tokio::time::sleep(UNREACHABLE_PAUSE).await;
                    if self.closed.borrow().is_some() {
                        return;
                    }
                }
            }
        }
    }

    /// Reads ahead for the rest of `group`; other jobs wait in `pending`.
    async fn collect_album(&mut self, group: &str, batch: &mut Vec<StoredMessage>) {
        while batch.len() < ALBUM_MAX {
            let next = match self.pending.pop_front() {
                Some(job) => Some(job),
                None => tokio::time::timeout(ALBUM_GAP, self.jobs.recv())
                    .await
                    .unwrap_or_default(),
            };
            let Some(job) = next else { return };
            match job {
                Job::Event(Outgoing::Message { message, .. })
                    if message.body.album() == Some(group) && message.room == batch[0].room =>
                {
                    batch.push(*message);
                }
                other => {
                    self.pending.push_front(other);
                    return;
                }
            }
        }
    }

    /// Tells the (Telegram) sender of a message that it did not arrive. Out
    /// of their queue's order on purpose: it is about a message long sent.
    async fn tell_sender(&self, chat: i64) {
        let chat = TelegramChatId::trusted(chat);
        let req = self.api.bot.send_message(
            chat.chat_id(),
            self.other_text(chat, texts::NOT_DELIVERED_TO_PARTNER).await,
        );
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "sender not told about an undeliverable message");
        }
    }

    async fn already_delivered(&mut self, msg: &StoredMessage) -> bool {
        let last = match self.fence.get(&msg.room) {
            Some(seq) => *seq,
            None => {
                let seq = match self
                    .deps
                    .store
                    .telegram
                    .last_delivered_seq(msg.room, self.me)
                    .await
                {
                    Ok(seq) => seq,
                    Err(e) => {
                        tracing::warn!(user = %self.me, error = %e, "delivery cursor unknown");
                        Seq::ZERO
                    }
                };
                self.fence.insert(msg.room, seq);
                seq
            }
        };
        msg.seq <= last
    }

    /// Records a delivery, trying a few times: the next holder of the lease
    /// trusts the record, so a lost one would be sent again.
    async fn mark_delivered(&self, msg: &StoredMessage, copy: Option<i64>) {
        for attempt in 1..=RECORD_ATTEMPTS {
            match self
                .deps
                .store
                .telegram
                .record_delivery(msg.room, msg.seq, copy)
                .await
            {
                Ok(()) => return,
                Err(e) if attempt == RECORD_ATTEMPTS => {
                    tracing::warn!(room = %msg.room, seq = %msg.seq, error = %e, "delivery not recorded");
                }
                Err(_) => tokio::time::sleep(RECORD_RETRY_PAUSE).await,
            }
        }
    }

    /// When more of the partner's messages wait here than Telegram lets
    /// through in a few seconds, the one who sent them is told, once per
    /// room (across replicas: the mark is in the store), that they arrive
    /// late; they are still delivered, in order. Out of their own queue's
    /// order on purpose, like `tell_sender`.
    async fn tell_if_delayed(&mut self, msg: &StoredMessage) {
        if msg.sender == self.me
            || self.jobs.len() + self.pending.len() < DELAYED_BACKLOG
            || !self.told_delayed.insert(msg.room)
        {
            return;
        }
        let key = format!("delayed:{}:{}", msg.room, msg.sender);
        let store = &self.deps.store;
        match store.telegram.update_processed(&key).await {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                tracing::debug!(room = %msg.room, error = %e, "delay notice skipped");
                return;
            }
        }
        if let Err(e) = store.telegram.record_update_processed(&key).await {
            tracing::debug!(room = %msg.room, error = %e, "delay notice skipped");
            return;
        }
        // A Telegram sender hears it at once, ahead of what queues for them
        // (it is about now); a web sender through their connection.
        if let Some(origin) = msg.origin.telegram() {
            let chat = TelegramChatId::trusted(origin.chat);
            let req = self.api.bot.send_message(
                chat.chat_id(),
                self.other_text(chat, texts::PARTNER_DELAYED).await,
            );
            if let Err(e) = self.api.call(Some(chat), req).await {
                tracing::debug!(room = %msg.room, error = %e, "delay notice not sent");
            }
            return;
        }
        let event = BusEvent::PartnerDelayed {
            user: msg.sender,
            room: msg.room,
        };
        if let Err(e) = self.deps.bus.publish(Topic::User(msg.sender), &event).await {
            tracing::debug!(room = %msg.room, error = %e, "delay notice not sent");
        }
    }
}
