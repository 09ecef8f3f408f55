//! Delivering the partner's messages in seq order and once: what the store
//! says was delivered is skipped, album items are gathered into one call,
//! and each delivery is recorded right after Telegram accepted it (so a
//! duplicate after a crash or takeover is limited to that one call).

use std::time::Duration;

use super::api::SendError;
use super::ids::TelegramChatId;
use super::meta::TgMeta;
use super::outbox::Job;
use super::sender::Sender;
use super::texts::{self, Notice};
use crate::actors::client::Outgoing;
use crate::domain::{Seq, StoredMessage};
use teloxide::prelude::Requester;

/// How long an album's items are collected after the last one arrived.
/// Telegram posts them one update after another, milliseconds apart.
const ALBUM_GAP: Duration = Duration::from_millis(1000);
/// Most items in one album (Telegram's own limit).
const ALBUM_MAX: usize = 10;
/// Pause before trying a delivery again after Telegram stayed unreachable.
const UNREACHABLE_PAUSE: Duration = Duration::from_secs(5);

impl Sender {
    pub(super) async fn relay(&mut self, first: StoredMessage) {
        if self.already_delivered(&first).await {
            return;
        }
        let group = TgMeta::of(&first.extra).and_then(|m| m.media_group);
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
                    self.notify(Notice::plain(texts::UNDELIVERABLE)).await;
                    if let Some(origin) = TgMeta::of(&batch[0].extra) {
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
                    if TgMeta::of(&message.extra)
                        .and_then(|m| m.media_group)
                        .as_deref()
                        == Some(group)
                        && message.room == batch[0].room =>
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
        let req = self
            .api
            .bot
            .send_message(chat.chat_id(), texts::NOT_DELIVERED_TO_PARTNER);
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "sender not told about an undeliverable message");
        }
    }

    async fn already_delivered(&mut self, msg: &StoredMessage) -> bool {
        let last = match self.delivered.get(&msg.room) {
            Some(seq) => *seq,
            None => {
                let seq = match self.deps.store.last_delivered_seq(msg.room, self.me).await {
                    Ok(seq) => seq,
                    Err(e) => {
                        tracing::warn!(user = %self.me, error = %e, "delivery cursor unknown");
                        Seq::ZERO
                    }
                };
                self.delivered.insert(msg.room, seq);
                seq
            }
        };
        msg.seq <= last
    }

    async fn mark_delivered(&mut self, msg: &StoredMessage, copy: Option<i64>) {
        self.delivered.insert(msg.room, msg.seq);
        if let Err(e) = self
            .deps
            .store
            .record_delivery(msg.room, msg.seq, copy)
            .await
        {
            tracing::warn!(room = %msg.room, seq = %msg.seq, error = %e, "delivery not recorded");
        }
    }
}
