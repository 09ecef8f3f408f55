//! The Telegram people this replica speaks for: one ClientActor and one
//! sender task each, started on their first update here. Starting one
//! publishes `Takeover`, so ownership of a person follows the webhook.

use std::collections::HashMap;
use std::sync::Mutex;

use actix::{Actor, Addr};
use tokio::sync::mpsc;

use super::api::TgApi;
use super::ids::TelegramChatId;
use super::outbox::{self, Job};
use super::sender::Sender;
use crate::actors::Deps;
use crate::actors::client::{ClientActor, Resume};
use crate::domain::{Seq, SessionToken, UserId};

/// A live person on this replica.
#[derive(Clone)]
pub struct Person {
    pub addr: Addr<ClientActor>,
    /// The transport's own notices, queued behind the actor's events.
    pub notices: mpsc::Sender<Job>,
}

#[derive(Default)]
pub struct Sessions {
    /// Written only by `person`; an entry whose actor stopped (taken over by
    /// another replica, shut down) is replaced on the next update.
    live: Mutex<HashMap<UserId, Person>>,
}

impl Sessions {
    /// The person's live actor here, started if there is none.
    pub fn person(
        &self,
        user: UserId,
        chat: TelegramChatId,
        api: &TgApi,
        deps: &Deps,
    ) -> Option<Person> {
        let mut live = self.live.lock().ok()?;
        if let Some(p) = live.get(&user)
            && p.addr.connected()
        {
            return Some(p.clone());
        }
        let handles = Sender::spawn(api.clone(), deps.clone(), user, chat, outbox::queue());
        // Not a resume: the sender skips what the store says was delivered,
        // which also covers a takeover from another replica.
        let resume = Resume {
            resumed: false,
            last_seq: Seq::ZERO,
        };
        let addr = ClientActor::new(
            user,
            SessionToken::generate(),
            resume,
            deps.clone(),
            Box::new(handles.outbox),
        )
        .start();
        let person = Person {
            addr,
            notices: handles.notices,
        };
        live.insert(user, person.clone());
        Some(person)
    }

    /// People with a live actor here (metrics, tests).
    pub fn count(&self) -> usize {
        self.live
            .lock()
            .map(|l| l.values().filter(|p| p.addr.connected()).count())
            .unwrap_or(0)
    }
}
