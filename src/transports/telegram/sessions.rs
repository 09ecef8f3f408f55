//! The Telegram people this replica speaks for: one ClientActor and one
//! sender task each, started on their first update here. Starting one
//! publishes `Takeover`, so ownership of a person follows the webhook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix::{Actor, Addr};
use tokio::sync::{mpsc, watch};

use super::activity::Activity;
use super::api::TgApi;
use super::handover::{Handover, OutboxLeases};
use super::ids::TelegramChatId;
use super::outbox::{self, Job};
use super::sender::Sender;
use crate::actors::Deps;
use crate::actors::client::{ClientActor, Close, CloseReason, Start};
use crate::domain::{Seq, UserId};

/// A live person on this replica.
#[derive(Clone)]
pub struct Person {
    pub user: UserId,
    pub chat: TelegramChatId,
    pub addr: Addr<ClientActor>,
    /// The transport's own notices, queued behind the actor's events.
    pub notices: mpsc::Sender<Job>,
    /// Whether the actor may be let go (see `Sessions::sweep`).
    pub activity: Arc<Activity>,
}

pub struct Sessions {
    /// Written only by `start` and `sweep`; an entry whose actor stopped
    /// (taken over by another replica, shut down) is replaced on the next
    /// update.
    live: Mutex<HashMap<UserId, Person>>,
    /// Chat -> person, for the people in `live` (an update names a chat;
    /// knowing its person here saves a store write per update). Written
    /// with `live`, under its lock.
    chats: Mutex<HashMap<TelegramChatId, UserId>>,
    /// Who may send into each person's chat (shared by every replica).
    leases: Arc<dyn OutboxLeases>,
    /// Every sender task holds a receiver; `closed` on this completes once
    /// all of them ended (shutdown waits for their last calls).
    senders: watch::Sender<()>,
}

impl Sessions {
    pub fn new(leases: Arc<dyn OutboxLeases>) -> Self {
        Self {
            live: Mutex::default(),
            chats: Mutex::default(),
            leases,
            senders: watch::channel(()).0,
        }
    }

    /// Completes once every sender task of this replica has ended.
    pub async fn senders_done(&self) {
        self.senders.closed().await;
    }

    /// The person's live actor here, if any.
    pub fn live(&self, user: UserId) -> Option<Person> {
        let live = self.live.lock().ok()?;
        let p = live.get(&user).filter(|p| p.addr.connected())?;
        p.activity.touch();
        Some(p.clone())
    }

    /// The person of `chat` with a live actor here, if any.
    pub fn live_in_chat(&self, chat: TelegramChatId) -> Option<Person> {
        let user = *self.chats.lock().ok()?.get(&chat)?;
        self.live(user)
    }

    /// Starts an actor for the person (unless a live one appeared
    /// meanwhile). `delivered` is the last seq of their current room already
    /// delivered to them: the actor resumes after it, so a long chat is not
    /// replayed through the bounded queue. (Their room cannot change before
    /// the actor reads it: a new room needs a command of theirs, and
    /// Telegram sends one chat's updates one at a time.)
    pub fn start(
        &self,
        user: UserId,
        chat: TelegramChatId,
        delivered: Seq,
        api: &TgApi,
        deps: &Deps,
    ) -> Option<Person> {
        let mut live = self.live.lock().ok()?;
        if let Some(p) = live.get(&user)
            && p.addr.connected()
        {
            return Some(p.clone());
        }
        let activity = Arc::new(Activity::new());
        let handles = Sender::spawn(
            api.clone(),
            deps.clone(),
            Handover {
                leases: self.leases.clone(),
                alive: self.senders.subscribe(),
            },
            user,
            chat,
            outbox::queue(activity.clone()),
            activity.clone(),
        );
        // The sender skips what the store says was delivered once it holds
        // the person's outbox lease, which covers an earlier sender (here or
        // on another replica) still finishing its last call.
        // No session: a Telegram person is not greeted or acked, and their
        // restored room is no news to them.
        let start = Start::delivered_up_to(delivered);
        let addr = ClientActor::new(user, start, deps.clone(), Box::new(handles.outbox)).start();
        let person = Person {
            user,
            chat,
            addr,
            notices: handles.notices,
            activity,
        };
        live.insert(user, person.clone());
        if let Ok(mut chats) = self.chats.lock() {
            chats.insert(chat, user);
        }
        Some(person)
    }

    /// Forgets people whose actor stopped, and lets go of people idle for
    /// `idle_after` (their next update starts a new actor). Bounds memory
    /// to the people who are active; returns how many were let go.
    pub fn sweep(&self, idle_after: Duration) -> usize {
        let Ok(mut live) = self.live.lock() else {
            return 0;
        };
        let now = Instant::now();
        let before = live.len();
        live.retain(|_, p| {
            if !p.addr.connected() {
                return false;
            }
            if p.activity
                .idle_for(now)
                .is_some_and(|idle| idle >= idle_after)
            {
                p.addr.do_send(Close {
                    reason: CloseReason::Idle,
                });
                return false;
            }
            true
        });
        if let Ok(mut chats) = self.chats.lock() {
            chats.retain(|_, user| live.contains_key(user));
        }
        before - live.len()
    }

    /// People with a live actor here who are searching or chatting: those
    /// another replica must adopt when this one stops.
    pub fn busy(&self) -> Vec<(UserId, TelegramChatId)> {
        let now = Instant::now();
        self.live
            .lock()
            .map(|live| {
                live.values()
                    .filter(|p| p.addr.connected() && p.activity.idle_for(now).is_none())
                    .map(|p| (p.user, p.chat))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// People with a live actor here (metrics, tests).
    pub fn count(&self) -> usize {
        self.live
            .lock()
            .map(|l| l.values().filter(|p| p.addr.connected()).count())
            .unwrap_or(0)
    }
}
