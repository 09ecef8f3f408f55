//! The sender task of one Telegram person: drains their queue in order,
//! turning events into notices and relaying the partner's messages, and
//! records each delivery so a later owner never sends it again.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use tokio::sync::{mpsc, watch};

use super::activity::Activity;
use super::api::{SendError, TgApi};
use super::ids::TelegramChatId;
use super::meta::TgMeta;
use super::outbox::{Job, Queue};
use super::texts::{self, Notice};
use crate::actors::Deps;
use crate::actors::client::{CloseReason, Outgoing, end_room};
use crate::actors::matcher::CancelSearch;
use crate::domain::{EndReason, RoomId, Seq, StoredMessage, UserId};

/// How long an album's items are collected after the last one arrived.
/// Telegram posts them one update after another, milliseconds apart.
const ALBUM_GAP: Duration = Duration::from_millis(700);
/// Most items in one album (Telegram's own limit).
const ALBUM_MAX: usize = 10;
/// Pause before trying a delivery again after Telegram stayed unreachable.
const UNREACHABLE_PAUSE: Duration = Duration::from_secs(5);
/// How long a closing sender keeps delivering what was queued (shutdown).
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

pub struct Sender {
    pub(super) api: TgApi,
    pub(super) deps: Deps,
    /// The person this task speaks to, and their chat. Fixed.
    pub(super) me: UserId,
    pub(super) chat: TelegramChatId,
    /// Room -> highest seq delivered here: read from the store on the
    /// room's first message, then advanced by this task alone.
    delivered: HashMap<RoomId, Seq>,
    /// The room announced in `Hello`: a `Matched` for it right after is a
    /// restored session, not news for the person.
    hello_room: Option<RoomId>,
    /// Jobs read ahead while collecting an album.
    pending: VecDeque<Job>,
    /// Shared with `Sessions`: the person's state as events tell it.
    activity: Arc<Activity>,
    jobs: mpsc::Receiver<Job>,
    closed: watch::Receiver<Option<CloseReason>>,
}

impl Sender {
    /// Starts the task on the current actix arbiter; returns the notice handle.
    pub fn spawn(
        api: TgApi,
        deps: Deps,
        me: UserId,
        chat: TelegramChatId,
        q: Queue,
        activity: Arc<Activity>,
    ) -> Handles {
        let Queue {
            outbox,
            notices,
            jobs,
            closed,
        } = q;
        let sender = Sender {
            api,
            deps,
            me,
            chat,
            delivered: HashMap::new(),
            hello_room: None,
            pending: VecDeque::new(),
            activity,
            jobs,
            closed,
        };
        actix::spawn(sender.run());
        Handles { outbox, notices }
    }

    async fn run(mut self) {
        loop {
            let job = match self.pending.pop_front() {
                Some(job) => job,
                None => {
                    tokio::select! {
                        biased;
                        changed = self.closed.changed() => {
                            let reason = if changed.is_ok() { *self.closed.borrow() } else { None };
                            // A new owner (maybe on another replica) delivers
                            // from the store now; sending on would double up.
                            if reason != Some(CloseReason::TakenOver) {
                                self.drain().await;
                            }
                            return;
                        }
                        job = self.jobs.recv() => match job {
                            Some(job) => job,
                            None => return,
                        },
                    }
                }
            };
            self.handle(job).await;
        }
    }

    /// Delivers what is queued, within `DRAIN_LIMIT`.
    async fn drain(&mut self) {
        let work = async {
            while let Some(job) = self
                .pending
                .pop_front()
                .or_else(|| self.jobs.try_recv().ok())
            {
                self.handle(job).await;
            }
        };
        if tokio::time::timeout(DRAIN_LIMIT, work).await.is_err() {
            tracing::info!(user = %self.me, "telegram sender closed with work queued");
        }
    }

    async fn handle(&mut self, job: Job) {
        if let Job::Event(event) = &job {
            self.activity.observe(event);
        }
        match job {
            Job::Notice(n) => self.notify(n).await,
            Job::Event(Outgoing::Hello { room, .. }) => self.hello_room = room,
            Job::Event(Outgoing::Matched { room }) if self.hello_room == Some(room) => {
                self.hello_room = None;
            }
            Job::Event(Outgoing::Message { message, .. }) => self.relay(*message).await,
            Job::Event(event) => {
                if let Some(n) = texts::event_notice(&event) {
                    self.notify(n).await;
                }
            }
        }
    }

    /// Sends a notice; a person who blocked the bot leaves their room.
    pub(super) async fn notify(&mut self, n: Notice) {
        let mut req = self.api.bot.send_message(self.chat.chat_id(), n.text);
        req.payload_mut().reply_markup = n.buttons.markup().map(Into::into);
        match self.api.call(Some(self.chat), req).await {
            Ok(_) => {}
            Err(SendError::Blocked) => self.blocked().await,
            Err(e) => tracing::warn!(user = %self.me, error = %e, "notice not sent"),
        }
    }

    /// The person blocked the bot (403): end their room so the partner
    /// hears it, and take them out of the queue.
    pub(super) async fn blocked(&mut self) {
        tracing::info!(user = %self.me, "telegram person unreachable; ending their chat");
        person_blocked(&self.deps, self.me).await;
    }

    async fn relay(&mut self, first: StoredMessage) {
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

/// The sending ends handed to the actor and the transport.
pub struct Handles {
    pub outbox: super::outbox::TelegramOutbox,
    pub notices: mpsc::Sender<Job>,
}

/// Ends `user`'s room as `Blocked` (the partner is told) and cancels their search.
pub async fn person_blocked(deps: &Deps, user: UserId) {
    deps.matcher.do_send(CancelSearch { user });
    match deps.store.active_room(user).await {
        Ok(Some(room)) => {
            if let Err(e) = end_room(deps, room.id, user, EndReason::Blocked).await {
                tracing::warn!(room = %room.id, error = %e, "could not end a blocked person's room");
            }
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "could not read a blocked person's room")
        }
    }
}
