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
use super::outbox::{Job, Queue};
use super::texts::{self, Notice};
use crate::actors::Deps;
use crate::actors::client::{CloseReason, Outgoing, end_room};
use crate::actors::matcher::CancelSearch;
use crate::domain::{EndReason, RoomId, Seq, UserId};

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
    pub(super) delivered: HashMap<RoomId, Seq>,
    /// The room announced in `Hello`: a `Matched` for it right after is a
    /// restored session, not news for the person.
    hello_room: Option<RoomId>,
    /// Jobs read ahead while collecting an album.
    pub(super) pending: VecDeque<Job>,
    /// Shared with `Sessions`: the person's state as events tell it.
    pub(super) activity: Arc<Activity>,
    pub(super) jobs: mpsc::Receiver<Job>,
    pub(super) closed: watch::Receiver<Option<CloseReason>>,
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
