//! Unit tests of the actor core on the in-memory adapters: pairing,
//! next/stop, and the one-room invariant under many concurrent searches.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use tokio::sync::mpsc;

use super::client::{
    ClientActor, ClientCommand, CloseReason, Command, Outbox, OutboxFull, Outgoing, Resume,
};
use super::hub::Hub;
use super::matcher::{Matcher, QueueLength};
use super::{Deps, Limits};
use crate::bus::{MemoryBus, MemoryPresence, MemoryQueue, SearchQueue};
use crate::domain::{EndReason, MatchPolicy, Platform, RoomId, Seq, SessionToken, UserId};
use crate::store::Stores;

const WITHIN: Duration = Duration::from_secs(5);

struct ChannelOutbox(mpsc::UnboundedSender<Outgoing>);

impl Outbox for ChannelOutbox {
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull> {
        self.0.send(event).map_err(|_| OutboxFull)
    }
    fn close(&mut self, _reason: CloseReason) {}
}

fn core() -> Deps {
    core_with_queue().0
}

/// The core, and the search queue its Matcher uses (to look inside it).
fn core_with_queue() -> (Deps, Arc<MemoryQueue>) {
    let store = Stores::in_memory();
    let (bus, signals) = MemoryBus::new();
    let bus = Arc::new(bus);
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
        let (tx, rx) = mpsc::unbounded_channel();
        let resume = Resume {
            resumed: false,
            last_seq: Seq::ZERO,
        };
        let addr = ClientActor::new(
            user,
            token,
            resume,
            deps.clone(),
            Box::new(ChannelOutbox(tx)),
        )
        .start();
        let mut p = Person { user, addr, rx };
        assert!(matches!(p.next().await, Outgoing::Hello { room: None, .. }));
        p
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

#[actix::test]
async fn two_searchers_are_paired_into_one_room() {
    let deps = core();

    let (a, b, ra) = paired(&deps).await;

    let room = deps.store.rooms.active_room(a.user).await.unwrap().unwrap();
    assert_eq!(room.id, ra);
    assert_eq!(room.partner_of(a.user), Some(b.user));
}

#[actix::test]
async fn next_ends_the_room_and_searches_again_stop_leaves_the_queue() {
    let deps = core();
    let (mut a, mut b, room) = paired(&deps).await;

    a.cmd(ClientCommand::Next).await;

    loop {
        if let Outgoing::PartnerLeft { room: r, reason } = b.next().await {
            assert_eq!((r, reason), (room, EndReason::Next));
            break;
        }
    }
    assert!(matches!(a.next().await, Outgoing::SearchStatus { .. }));
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 1);
    assert!(
        deps.store
            .rooms
            .active_room(a.user)
            .await
            .unwrap()
            .is_none()
    );

    a.cmd(ClientCommand::Stop).await;
    assert!(matches!(a.next().await, Outgoing::Stopped));
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 0);
}

#[actix::test]
async fn nobody_is_ever_in_two_rooms_under_concurrent_search_next_stop() {
    let (deps, queue) = core_with_queue();
    let mut people = Vec::new();
    for _ in 0..60 {
        people.push(Person::join(&deps).await);
    }

    // Everyone fires search / next / stop in an interleaving that differs per
    // person, all at once.
    let mut sends = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let addr = p.addr.clone();
        sends.push(actix::spawn(async move {
            let script = [
                ClientCommand::Search { prefs: None },
                ClientCommand::Next,
                ClientCommand::Next,
                ClientCommand::Stop,
                ClientCommand::Search { prefs: None },
                ClientCommand::Next,
            ];
            for (k, cmd) in script.into_iter().enumerate() {
                if (i + k) % 3 != 0 || k == 0 || k == 4 {
                    let _ = addr.send(Command { cmd }).await;
                }
            }
        }));
    }
    for s in sends {
        s.await.unwrap();
    }

    // Assert on the store, the source of truth: every active room's two
    // participants both point at it, and nobody is in two.
    let mut active: HashMap<UserId, RoomId> = HashMap::new();
    for p in &people {
        if let Some(room) = deps.store.rooms.active_room(p.user).await.unwrap() {
            let partner = room.partner_of(p.user).unwrap();
            let theirs = deps
                .store
                .rooms
                .active_room(partner)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(theirs.id, room.id, "partners agree on their room");
            assert!(active.insert(p.user, room.id).is_none());
        }
    }
    let rooms: HashSet<RoomId> = active.values().copied().collect();
    assert_eq!(
        rooms.len() * 2,
        active.len(),
        "every active room has exactly two people"
    );
    // Whoever is in a room is not also queued.
    for user in active.keys() {
        assert!(
            !queue.leave(*user).await.unwrap(),
            "someone in a room is still queued"
        );
    }
}

#[actix::test]
async fn a_connection_taking_over_a_searcher_gets_their_match() {
    let deps = core();
    let a = Person::join(&deps).await;
    let mut b = Person::join(&deps).await;
    a.search().await;

    // A's next connection starts idle; A is still queued from the first.
    let mut a2 = a.reconnect(&deps).await;
    b.search().await;

    let room = a2.matched().await;
    assert_eq!(b.matched().await, room);
    let active = deps.store.rooms.active_room(a.user).await.unwrap().unwrap();
    assert_eq!(active.id, room, "the match was kept, not refused");

    // Stop from yet another fresh connection leaves the queue for good.
    let c = Person::join(&deps).await;
    c.search().await;
    let c2 = c.reconnect(&deps).await;
    c2.cmd(ClientCommand::Stop).await;
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 0);
}

#[actix::test]
async fn doorbells_that_cross_are_delivered_in_seq_order() {
    use crate::bus::{BusEvent, Topic};
    use crate::domain::{ClientMsgId, MessageBody, StoredMessage};

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    let doorbell = |seq: i64| BusEvent::Message {
        message: StoredMessage {
            room,
            seq: Seq(seq),
            sender: a.user,
            body: MessageBody::text(format!("m{seq}")).unwrap(),
            origin: Default::default(),
            reply_to: None,
            client_msg_id: ClientMsgId::parse(format!("m{seq}")).unwrap(),
            created_at: chrono::Utc::now(),
        },
    };

    // Seq 2's doorbell overtakes seq 1's (two replicas publishing).
    deps.bus
        .publish(Topic::Room(room), &doorbell(2))
        .await
        .unwrap();
    deps.bus
        .publish(Topic::Room(room), &doorbell(1))
        .await
        .unwrap();

    let mut seqs = Vec::new();
    while seqs.len() < 2 {
        if let Outgoing::Message { seq, .. } = b.next().await {
            seqs.push(seq.0);
        }
    }
    assert_eq!(seqs, vec![1, 2]);
}

#[actix::test]
async fn a_connection_whose_takeover_was_lost_closes_at_the_next_sync() {
    use super::client::CatchUp;

    let deps = core();
    let a = Person::join(&deps).await;
    // The person connected again elsewhere, but the `Takeover` doorbell
    // never arrived here: only presence knows.
    deps.presence
        .arrived(a.user, crate::domain::ClientId::new())
        .await
        .unwrap();

    a.addr.do_send(CatchUp);

    let deadline = std::time::Instant::now() + WITHIN;
    while a.addr.connected() {
        assert!(
            std::time::Instant::now() < deadline,
            "the stale connection stays open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix::test]
async fn the_latest_connection_stays_open_at_the_sync() {
    use super::client::CatchUp;

    let deps = core();
    let (a, mut b, _room) = paired(&deps).await;

    a.addr.send(CatchUp).await.unwrap();
    a.cmd(ClientCommand::Send {
        body: crate::domain::MessageBody::text("still here".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: crate::domain::ClientMsgId::parse("s1".into()).unwrap(),
    })
    .await;

    loop {
        if let Outgoing::Message { seq, .. } = b.next().await {
            assert_eq!(seq, Seq(1));
            break;
        }
    }
    assert!(a.addr.connected());
}

#[actix::test]
async fn an_ack_waits_until_the_partners_earlier_message_was_delivered() {
    use crate::domain::{ClientMsgId, MessageBody};
    use crate::store::NewMessage;

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    // A's message is stored as seq 1, its doorbell still on the way (it
    // never comes here).
    deps.store
        .rooms
        .append_message(NewMessage {
            room,
            sender: a.user,
            body: MessageBody::text("first".into()).unwrap(),
            origin: Default::default(),
            reply_to: None,
            client_msg_id: ClientMsgId::parse("a1".into()).unwrap(),
        })
        .await
        .unwrap();
    // B's message is stored as seq 2: B must see seq 1 before the ack for
    // seq 2, or a page resuming from "the highest seq seen" skips seq 1.
    b.cmd(ClientCommand::Send {
        body: MessageBody::text("second".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: ClientMsgId::parse("b1".into()).unwrap(),
    })
    .await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match b.next().await {
            Outgoing::Message { seq, .. } => seen.push(("message", seq.0)),
            Outgoing::Ack { seq, .. } => seen.push(("ack", seq.0)),
            _ => {}
        }
    }
    assert_eq!(seen, vec![("message", 1), ("ack", 2)]);
}

#[actix::test]
async fn the_partner_gets_the_message_as_stored() {
    use crate::domain::{ClientMsgId, MessageBody};

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    a.cmd(ClientCommand::Send {
        body: MessageBody::text("as stored".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: ClientMsgId::parse("d1".into()).unwrap(),
    })
    .await;
    let delivered = loop {
        if let Outgoing::Message { message, .. } = b.next().await {
            break message;
        }
    };
    // The doorbell's copy is the store's record, `created_at` included.
    let stored = deps
        .store
        .rooms
        .messages_after(room, Seq::ZERO, 10)
        .await
        .unwrap();
    assert_eq!(stored, vec![*delivered]);
}
