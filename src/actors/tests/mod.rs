//! Unit tests of the actor core on the in-memory adapters, by area:
//! pairing (next/stop, the one-room invariant under concurrent searches),
//! delivery (order, acks, the record as stored), sends (stored off the
//! actor, in order) and connections (takeover, sync, how a transport starts
//! a person).

mod connections;
mod delivery;
mod moderation;
mod pairing;
mod sends;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use tokio::sync::mpsc;

use super::client::{
    ClientActor, ClientCommand, CloseReason, Command, Outbox, OutboxFull, Outgoing, PersonState,
    Start,
};
use super::hub::Hub;
use super::matcher::{Matcher, QueueLength};
use super::{Deps, Limits};
use crate::bus::{Bus, MemoryBus, MemoryPresence, MemoryQueue, SearchQueue};
use crate::domain::{EndReason, MatchPolicy, Platform, RoomId, Seq, SessionToken, UserId};
use crate::store::Stores;

const WITHIN: Duration = Duration::from_secs(5);

/// Hands what the actor tells the transport to the test: its events, and
/// the state changes it reports.
struct ChannelOutbox {
    events: mpsc::UnboundedSender<Outgoing>,
    states: mpsc::UnboundedSender<PersonState>,
}

impl Outbox for ChannelOutbox {
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull> {
        self.events.send(event).map_err(|_| OutboxFull)
    }
    fn close(&mut self, _reason: CloseReason) {}
    fn state_changed(&mut self, state: &PersonState) {
        let _ = self.states.send(state.clone());
    }
}

fn core() -> Deps {
    core_with_queue().0
}

/// The core, and the search queue its Matcher uses (to look inside it).
fn core_with_queue() -> (Deps, Arc<MemoryQueue>) {
    core_on(Stores::in_memory())
}

/// The core on `store` (in-memory adapters, some of them wrapped by a test).
fn core_on(store: Stores) -> (Deps, Arc<MemoryQueue>) {
    core_on_bus(store, |bus| bus)
}

/// As [`core_on`], with the in-process bus wrapped by `wrap`.
fn core_on_bus(
    store: Stores,
    wrap: impl FnOnce(Arc<MemoryBus>) -> Arc<dyn Bus>,
) -> (Deps, Arc<MemoryQueue>) {
    let (bus, signals) = MemoryBus::new();
    let bus = wrap(Arc::new(bus));
    let presence = Arc::new(MemoryPresence::new());
    let hub = Hub::new(
        store.clone(),
        bus.clone(),
        presence.clone(),
        signals,
        Duration::from_secs(60),
        Vec::new(),
    )
    .start();
    let queue = Arc::new(MemoryQueue::new());
    // No rematch cooldown: the storm below re-pairs the same people many
    // times, which is what it is about.
    let policy = MatchPolicy {
        cooldown: Duration::ZERO,
        ..MatchPolicy::default()
    };
    let matcher = Matcher::new(queue.clone(), store.clone(), bus.clone(), policy).start();
    let deps = Deps {
        store,
        bus,
        presence,
        hub,
        matcher,
        limits: Limits {
            flood_per_sec: 10_000,
            flood_burst: 10_000,
            search_max: std::time::Duration::from_secs(600),
        },
        autoban: Arc::new(crate::domain::AutobanPolicy::default()),
        matching: policy,
        complaints: None,
    };
    (deps, queue)
}

struct Person {
    user: UserId,
    addr: Addr<ClientActor>,
    rx: mpsc::UnboundedReceiver<Outgoing>,
    /// Every state change the actor reported to its transport, in order.
    states: mpsc::UnboundedReceiver<PersonState>,
}

impl Person {
    async fn join(deps: &Deps) -> Person {
        let token = SessionToken::generate();
        let user = deps
            .store
            .rooms
            .upsert_user(Platform::Web, token.as_str())
            .await
            .unwrap();
        Person::connect(deps, user, token).await
    }

    /// Another connection of the same person (it takes the person over).
    async fn reconnect(&self, deps: &Deps) -> Person {
        Person::connect(deps, self.user, SessionToken::generate()).await
    }

    async fn connect(deps: &Deps, user: UserId, token: SessionToken) -> Person {
        let mut p = Person::start(deps, user, Start::session(token, None));
        assert!(matches!(p.next().await, Outgoing::Hello { room: None, .. }));
        p
    }

    /// Starts an actor for `user` as a transport would, greeting unread.
    fn start(deps: &Deps, user: UserId, start: Start) -> Person {
        let (events, rx) = mpsc::unbounded_channel();
        let (states_tx, states) = mpsc::unbounded_channel();
        let outbox = ChannelOutbox {
            events,
            states: states_tx,
        };
        let addr = ClientActor::new(user, start, deps.clone(), Box::new(outbox)).start();
        Person {
            user,
            addr,
            rx,
            states,
        }
    }

    async fn next(&mut self) -> Outgoing {
        tokio::time::timeout(WITHIN, self.rx.recv())
            .await
            .unwrap()
            .unwrap()
    }

    async fn cmd(&self, cmd: ClientCommand) {
        let _ = self.addr.send(Command { cmd }).await.unwrap();
    }

    /// Sends a text as the person, with `id` as its client message id.
    async fn say(&self, text: &str, id: &str) {
        self.cmd(ClientCommand::Send {
            body: crate::domain::MessageBody::text(text.into()).unwrap(),
            origin: Default::default(),
            reply_to: None,
            id: crate::domain::ClientMsgId::parse(id.into()).unwrap(),
        })
        .await;
    }

    async fn search(&self) {
        self.cmd(ClientCommand::Search { prefs: None }).await;
    }

    /// Skips to the next `Matched` and returns its room.
    async fn matched(&mut self) -> RoomId {
        loop {
            if let Outgoing::Matched { room } = self.next().await {
                return room;
            }
        }
    }
}

/// Two people who searched and were paired; returns them and their room.
async fn paired(deps: &Deps) -> (Person, Person, RoomId) {
    let mut a = Person::join(deps).await;
    let mut b = Person::join(deps).await;
    a.search().await;
    b.search().await;
    let (ra, rb) = (a.matched().await, b.matched().await);
    assert_eq!(ra, rb);
    (a, b, ra)
}
