//! The sender task of one Telegram person: drains their queue in order,
//! turning events into notices and relaying the partner's messages, and
//! records each delivery so a later owner never sends it again. It sends
//! only while it holds the person's outbox lease (`handover`), so a sender
//! on the replica the person just left and one on the replica they moved
//! to never both send.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::Requester;
use teloxide::requests::{HasPayload, Output, Request};
use tokio::sync::{mpsc, watch};

use super::activity::Activity;
use super::api::{Gate, SendError, TgApi};
use super::handover::{ACQUIRE_POLL, Handover, Hold};
use super::ids::TelegramChatId;
use super::outbox::{Job, Queue};
use super::texts::{self, Notice};
use crate::actors::Deps;
use crate::actors::client::{CloseReason, Outgoing};
use crate::actors::matcher::CancelSearch;
use crate::domain::{EndReason, Platform, RoomId, Seq, UserId};
use crate::i18n::tr;

/// How long a closing sender keeps delivering what was queued (shutdown).
const DRAIN_LIMIT: Duration = Duration::from_secs(5);

pub struct Sender {
    pub(super) api: TgApi,
    pub(super) deps: Deps,
    /// The person this task speaks to, and their chat. Fixed.
    pub(super) me: UserId,
    pub(super) chat: TelegramChatId,
    /// Room -> highest seq another holder of the person's outbox lease
    /// delivered into this chat, read from the store on the room's first
    /// message after the lease was (re)taken. A fence, not a cursor: the
    /// actor hands each message over once and in order (its cursor is the
    /// only one), so what this task delivers itself needs no counting; the
    /// fence keeps it from repeating what a sender elsewhere (the replica
    /// the person came from, still finishing its last call) delivered.
    pub(super) fence: HashMap<RoomId, Seq>,
    /// Rooms whose sender was already told that their partner is behind.
    pub(super) told_delayed: HashSet<RoomId>,
    /// Jobs read ahead while collecting an album, and jobs put back when
    /// the gate closed before they went out.
    pub(super) pending: VecDeque<Job>,
    /// Shared with `Sessions`: the person's state as events tell it.
    pub(super) activity: Arc<Activity>,
    pub(super) jobs: mpsc::Receiver<Job>,
    pub(super) closed: watch::Receiver<Option<CloseReason>>,
    /// This sender's hold on the person's outbox lease.
    hold: Hold,
    /// Open while the lease is ours (and, when draining, until the deadline).
    pub(super) gate: Gate,
    /// Dropped when the task ends: `Sessions::senders_done` counts on it.
    _alive: watch::Receiver<()>,
    /// When the last chat action (typing) went out (see `typing`).
    pub(super) last_chat_action: Option<tokio::time::Instant>,
}

impl Sender {
    /// Starts the task on the current actix arbiter; returns the notice handle.
    pub fn spawn(
        api: TgApi,
        deps: Deps,
        handover: Handover,
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
        let Handover { leases, alive } = handover;
        let hold = Hold::new(leases, me);
        let sender = Sender {
            api,
            deps,
            me,
            chat,
            fence: HashMap::new(),
            told_delayed: HashSet::new(),
            pending: VecDeque::new(),
            activity,
            jobs,
            closed,
            gate: Gate::new(hold.watch()),
            hold,
            _alive: alive,
            last_chat_action: None,
        };
        actix::spawn(sender.run());
        Handles { outbox, notices }
    }

    async fn run(mut self) {
        loop {
            if !self.hold.held() && !self.take_lease().await {
                // Closed before the lease was ours: the holder (or, after
                // a crash, the next owner) delivers from the store.
                break;
            }
            let job = match self.pending.pop_front() {
                Some(job) => job,
                None => {
                    tokio::select! {
                        biased;
                        changed = self.closed.changed() => {
                            if changed.is_ok() {
                                self.drain().await;
                            }
                            break;
                        }
                        job = self.jobs.recv() => match job {
                            Some(job) => job,
                            None => break,
                        },
                    }
                }
            };
            self.handle(job).await;
        }
        self.hold.release().await;
    }

    /// Waits for the person's outbox lease; false if the actor closed first.
    /// Whatever another sender delivered meanwhile is read afresh.
    async fn take_lease(&mut self) -> bool {
        loop {
            if self.closed.borrow().is_some() {
                return false;
            }
            if self.hold.try_acquire().await {
                self.fence.clear();
                return true;
            }
            tokio::select! {
                () = tokio::time::sleep(ACQUIRE_POLL) => {}
                changed = self.closed.changed() => if changed.is_err() { return false },
            }
        }
    }

    /// Delivers what is queued, within `DRAIN_LIMIT`, then lets the next
    /// owner (if any) go on from the store. A call under way at the
    /// deadline is finished and recorded, never cut off.
    async fn drain(&mut self) {
        self.gate
            .close_at(tokio::time::Instant::now() + DRAIN_LIMIT);
        while self.gate.open() {
            let Some(job) = self
                .pending
                .pop_front()
                .or_else(|| self.jobs.try_recv().ok())
            else {
                return;
            };
            self.handle(job).await;
        }
        tracing::info!(user = %self.me, "telegram sender closed with work queued");
    }

    async fn handle(&mut self, job: Job) {
        if let Job::Event(_) = &job {
            self.activity.touch();
        }
        match job {
            Job::Notice(n) => self.notify(n).await,
            Job::Event(Outgoing::Message { message, .. }) => self.relay(*message).await,
            Job::Event(Outgoing::Typing { .. }) => self.partner_typing().await,
            Job::Event(event) => {
                if let Some(n) = texts::event_notice(self.activity.lang(), &event) {
                    self.notify(n).await;
                }
            }
        }
    }

    /// A call into this person's chat, while the gate is open.
    pub(super) async fn call<R>(&self, req: R) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError>,
        R::Payload: super::methods::Called,
    {
        self.api
            .call_gated(Some(self.chat), req, Some(&self.gate))
            .await
    }

    /// Sends a notice; a person who blocked the bot leaves their room. A
    /// notice the gate stopped waits at the head of the queue.
    pub(super) async fn notify(&mut self, n: Notice) {
        let mut req = self
            .api
            .bot
            .send_message(self.chat.chat_id(), n.text.clone());
        req.payload_mut().reply_markup = n.buttons.markup(self.activity.lang()).map(Into::into);
        match self.call(req).await {
            Ok(_) => {}
            Err(SendError::Revoked) => self.pending.push_front(Job::Notice(n)),
            Err(SendError::Blocked) => self.blocked().await,
            Err(e) => tracing::warn!(user = %self.me, error = %e, "notice not sent"),
        }
    }

    /// The message `key` for another person's chat (the sender of a
    /// message this person's chat could not take), in the language they
    /// chose with /language, else English: their app's language is known
    /// only to the replica serving their updates.
    pub(super) async fn other_text(&self, chat: TelegramChatId, key: &str) -> String {
        let store = &self.deps.store;
        let lang = match store
            .rooms
            .find_user(Platform::Telegram, &chat.platform_user_id())
            .await
        {
            Ok(Some(user)) => store.telegram_settings.ui_lang(user).await.ok().flatten(),
            _ => None,
        };
        tr(lang.unwrap_or_default(), key)
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
    match deps.store.rooms.active_room(user).await {
        Ok(Some(room)) => {
            if let Err(e) = deps.end_room(room.id, Some(user), EndReason::Blocked).await {
                tracing::warn!(room = %room.id, error = %e, "could not end a blocked person's room");
            }
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(user = %user, error = %e, "could not read a blocked person's room")
        }
    }
}
