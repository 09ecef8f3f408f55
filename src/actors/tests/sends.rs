//! Sends: a person's messages are stored off their actor, so what their
//! partner sends reaches them while their own message waits for the store;
//! their messages keep the order sent, and a command after a message waits
//! for it.

use async_trait::async_trait;
use tokio::sync::Semaphore;

use super::*;
use crate::domain::{Room, StoredMessage};
use crate::store::{Appended, NewMessage, RoomLog, StoreError};

/// The in-memory room log, except that `held`'s appends wait at a gate
/// (one permit per append let through) and say when they got there: before
/// the message is stored, or (`stored_first`) after.
struct GatedLog {
    inner: Arc<dyn RoomLog>,
    held: UserId,
    stored_first: bool,
    gate: Arc<Semaphore>,
    waiting: mpsc::UnboundedSender<()>,
}

#[async_trait]
impl RoomLog for GatedLog {
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
    async fn upsert_user(&self, platform: Platform, id: &str) -> Result<UserId, StoreError> {
        self.inner.upsert_user(platform, id).await
    }
    async fn find_user(&self, platform: Platform, id: &str) -> Result<Option<UserId>, StoreError> {
        self.inner.find_user(platform, id).await
    }
    async fn identity(&self, user: UserId) -> Result<Option<(Platform, String)>, StoreError> {
        self.inner.identity(user).await
    }
    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
        self.inner.create_room(a, b).await
    }
    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        self.inner.room(id).await
    }
    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError> {
        self.inner.active_room(user).await
    }
    async fn end_room(
        &self,
        id: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Result<Option<Room>, StoreError> {
        self.inner.end_room(id, by, reason).await
    }
    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        if msg.sender != self.held {
            return self.inner.append_message(msg).await;
        }
        let stored = if self.stored_first {
            Some(self.inner.append_message(msg.clone()).await)
        } else {
            None
        };
        let _ = self.waiting.send(());
        self.gate.acquire().await.unwrap().forget();
        match stored {
            Some(stored) => stored,
            None => self.inner.append_message(msg).await,
        }
    }
    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.inner.messages_after(room, after, limit).await
    }
    async fn end_idle_rooms(&self, idle: Duration, limit: usize) -> Result<Vec<Room>, StoreError> {
        self.inner.end_idle_rooms(idle, limit).await
    }
}

/// A and B paired on a core whose store holds A's appends at a gate.
struct Held {
    deps: Deps,
    a: Person,
    b: Person,
    room: RoomId,
    gate: Arc<Semaphore>,
    waiting: mpsc::UnboundedReceiver<()>,
}

async fn held_pair() -> Held {
    held_pair_storing_first(false).await
}

async fn held_pair_storing_first(stored_first: bool) -> Held {
    let mut store = Stores::in_memory();
    let a_user = store.rooms.upsert_user(Platform::Web, "a").await.unwrap();
    let gate = Arc::new(Semaphore::new(0));
    let (tx, waiting) = mpsc::unbounded_channel();
    store.rooms = Arc::new(GatedLog {
        inner: store.rooms.clone(),
        held: a_user,
        stored_first,
        gate: gate.clone(),
        waiting: tx,
    });
    let deps = core_on(store).0;
    let mut a = Person::connect(&deps, a_user, SessionToken::generate()).await;
    let mut b = Person::join(&deps).await;
    a.search().await;
    b.search().await;
    let room = a.matched().await;
    assert_eq!(b.matched().await, room);
    Held {
        deps,
        a,
        b,
        room,
        gate,
        waiting,
    }
}

/// A text from `p` with the client id `id`, as a command.
fn text(id: &str) -> Command {
    Command {
        cmd: ClientCommand::Send {
            body: crate::domain::MessageBody::text(format!("text {id}")).unwrap(),
            origin: Default::default(),
            reply_to: None,
            id: crate::domain::ClientMsgId::parse(id.into()).unwrap(),
        },
    }
}

#[actix::test]
async fn the_partners_message_arrives_while_ones_own_waits_for_the_store() {
    let mut h = held_pair().await;
    // Queued in A's mailbox now; answered once stored.
    let _answer = h.a.addr.send(text("a1"));
    h.waiting.recv().await.unwrap();

    h.b.say("from b", "b1").await;

    // A gets B's message although A's own is still being stored.
    let seq = loop {
        match h.a.next().await {
            Outgoing::Message { seq, .. } => break seq,
            Outgoing::Ack { .. } => panic!("A's message was acked before it was stored"),
            _ => {}
        }
    };
    assert_eq!(seq, Seq(1));
    h.gate.add_permits(1);
    loop {
        if let Outgoing::Ack { seq, .. } = h.a.next().await {
            assert_eq!(seq, Seq(2));
            break;
        }
    }
}

#[actix::test]
async fn messages_keep_the_order_sent_and_a_next_waits_for_them() {
    let mut h = held_pair().await;
    // Each is in A's mailbox as soon as it is sent, in this order.
    let first = h.a.addr.send(text("a1"));
    h.waiting.recv().await.unwrap();
    let second = h.a.addr.send(text("a2"));
    let next = h.a.addr.send(Command {
        cmd: ClientCommand::Next,
    });

    h.gate.add_permits(2);
    next.await.unwrap().unwrap();
    // A session client's messages are answered once queued; their seqs
    // come with the acks.
    assert_eq!(first.await.unwrap().unwrap(), None);
    assert_eq!(second.await.unwrap().unwrap(), None);
    let mut acked = Vec::new();
    while acked.len() < 2 {
        if let Outgoing::Ack { seq, .. } = h.a.next().await {
            acked.push(seq.0);
        }
    }
    assert_eq!(acked, vec![1, 2]);

    // Both were stored, in the order sent, before the room ended.
    let stored = h
        .deps
        .store
        .rooms
        .messages_after(h.room, Seq::ZERO, 10)
        .await
        .unwrap();
    let ids: Vec<&str> = stored.iter().map(|m| m.client_msg_id.as_str()).collect();
    assert_eq!(ids, vec!["a1", "a2"]);
    let mut got = Vec::new();
    loop {
        match h.b.next().await {
            Outgoing::Message { seq, .. } => got.push(seq.0),
            Outgoing::PartnerLeft { .. } => break,
            _ => {}
        }
    }
    assert_eq!(got, vec![1, 2], "B got both before the end");
}

#[actix::test]
async fn a_message_stored_before_the_partner_left_is_acked_before_partner_left() {
    let mut h = held_pair_storing_first(true).await;
    let _answer = h.a.addr.send(text("a1"));
    h.waiting.recv().await.unwrap();

    // A's message is stored; B stops before A's answer comes back.
    h.b.cmd(ClientCommand::Stop).await;
    h.gate.add_permits(1);

    let mut seen = Vec::new();
    while seen.last() != Some(&"partner_left") {
        match h.a.next().await {
            Outgoing::Ack { .. } => seen.push("ack"),
            Outgoing::PartnerLeft { .. } => seen.push("partner_left"),
            _ => {}
        }
    }
    assert_eq!(seen, vec!["ack", "partner_left"]);
}

#[actix::test]
async fn a_web_persons_typing_reaches_the_partner_while_their_message_waits_for_the_store() {
    // Arrange: A's message is held at the store.
    let mut h = held_pair().await;

    // Act: the page's reader is answered at once and sends typing next.
    // (The timeout only turns a reader stuck behind the store into a
    // failure instead of a hang.)
    let answer = h.a.addr.send(text("a1"));
    let answered = tokio::time::timeout(Duration::from_secs(30), answer)
        .await
        .expect("answered before the store")
        .unwrap();
    h.waiting.recv().await.unwrap();
    h.a.cmd(ClientCommand::Typing).await;

    // Assert: B sees A typing before A's message is stored; the ack and
    // the message follow once it is.
    assert!(matches!(answered, Ok(None)), "answered once queued");
    loop {
        match h.b.next().await {
            Outgoing::Typing { .. } => break,
            Outgoing::Message { .. } => panic!("the message came before the typing signal"),
            _ => {}
        }
    }
    h.gate.add_permits(1);
    loop {
        if let Outgoing::Ack { seq, .. } = h.a.next().await {
            assert_eq!(seq, Seq(1));
            break;
        }
    }
    loop {
        if let Outgoing::Message { seq, .. } = h.b.next().await {
            assert_eq!(seq, Seq(1));
            break;
        }
    }
}

#[actix::test]
async fn acks_keep_the_order_sent_when_the_store_answers_several_at_once() {
    // Arrange: A's messages pass the store's gate without waiting.
    let mut h = held_pair().await;
    h.gate.add_permits(5);

    // Act: five messages are in A's mailbox before the first is stored, so
    // their outcomes (and their doorbells) are all there at the actor's
    // next turn.
    let sent: Vec<_> = (1..=5)
        .map(|i| h.a.addr.send(text(&format!("a{i}"))))
        .collect();
    for answer in sent {
        assert_eq!(answer.await.unwrap().unwrap(), None);
    }

    // Assert: acknowledged in the order sent, with rising seqs.
    let mut acked = Vec::new();
    while acked.len() < 5 {
        if let Outgoing::Ack { id, seq } = h.a.next().await {
            acked.push((id, seq.0));
        }
    }
    let expected: Vec<(String, i64)> = (1..=5).map(|i| (format!("a{i}"), i)).collect();
    assert_eq!(acked, expected);
}
