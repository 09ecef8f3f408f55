//! What only the Postgres store has: migrations raced by several replicas,
//! several replicas writing one room, and an outage it must survive.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chathub::domain::{
    ClientMsgId, Content, MessageBody, MessageText, Platform, RoomId, Seq, UserId,
};
use chathub::store::postgres::run_migrations;
use chathub::store::{NewMessage, PgConfig, PgStore, RoomLog, StoreError, TelegramLog};
use common::pg::TestDb;
use common::pg_proxy::PgProxy;

fn msg(room: RoomId, sender: UserId, id: String) -> NewMessage {
    NewMessage {
        room,
        sender,
        body: MessageBody::text("hi".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        client_msg_id: ClientMsgId::parse(id).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_apply_migrations_once() {
    let db = TestDb::create().await;
    let runs: Vec<_> = (0..4)
        .map(|_| tokio::spawn(run_migrations_owned(db.url.clone())))
        .collect();
    let mut applied = 0;
    for r in runs {
        applied += r.await.unwrap().unwrap();
    }
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(
        applied, migrations,
        "one replica applied each migration, the others waited"
    );
    assert_eq!(run_migrations(&db.url).await.unwrap(), 0);
}

async fn run_migrations_owned(url: String) -> anyhow::Result<usize> {
    run_migrations(&url).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_writing_one_room_keep_the_sequence_gapless() {
    let db = TestDb::create().await;
    let one = db.store().await;
    let two = db.store().await;
    let a = one.upsert_user(Platform::Web, "a").await.unwrap();
    let b = two.upsert_user(Platform::Web, "b").await.unwrap();
    let room = one.create_room(a, b).await.unwrap().id;

    // Each person on their own replica; every message also retried at once
    // through the other replica (a client that reconnected elsewhere).
    let mut tasks = Vec::new();
    for i in 0..60 {
        for (store, who) in [(&one, a), (&two, b), (&two, a), (&one, b)] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.append_message(msg(room, who, format!("m{i}"))).await
            }));
        }
    }
    let mut seqs = HashSet::new();
    for t in tasks {
        seqs.insert(t.await.unwrap().unwrap().seq());
    }

    let stored: Vec<_> = one
        .messages_after(room, Seq::ZERO, 1000)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(
        stored,
        (1..=120).collect::<Vec<_>>(),
        "each message once, no gaps"
    );
    assert_eq!(seqs.len(), 120, "retries got the seq of the first attempt");
}

/// Batches that hold many rooms at once, from two replicas locking the same
/// rooms: every message lands in its own room, each room's sequence stays
/// gapless, and no batch deadlocks with the other replica's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_batching_many_rooms_keep_each_room_its_own_messages() {
    // Arrange: 12 rooms of two people each.
    let db = TestDb::create().await;
    let one = db.store().await;
    let two = db.store().await;
    let mut rooms = Vec::new();
    for r in 0..12 {
        let a = one
            .upsert_user(Platform::Web, &format!("a{r}"))
            .await
            .unwrap();
        let b = one
            .upsert_user(Platform::Web, &format!("b{r}"))
            .await
            .unwrap();
        rooms.push((one.create_room(a, b).await.unwrap().id, a, b));
    }

    // Act: everybody sends at once, each person through one replica, so
    // both replicas' batches span most rooms.
    let mut tasks = Vec::new();
    for i in 0..15 {
        for (r, &(room, a, b)) in rooms.iter().enumerate() {
            for (store, who, side) in [(&one, a, "a"), (&two, b, "b")] {
                let store = store.clone();
                let id = format!("r{r}-{side}-{i}");
                tasks.push(tokio::spawn(async move {
                    store.append_message(msg(room, who, id)).await
                }));
            }
        }
    }
    for t in tasks {
        t.await.unwrap().expect("every append succeeds");
    }

    // Assert: each room holds exactly its own 30 messages, seqs 1..=30.
    for (r, &(room, a, b)) in rooms.iter().enumerate() {
        let stored = one.messages_after(room, Seq::ZERO, 1000).await.unwrap();
        let seqs: Vec<i64> = stored.iter().map(|m| m.seq.0).collect();
        assert_eq!(seqs, (1..=30).collect::<Vec<_>>(), "room {r}: gapless");
        for m in &stored {
            let id = m.client_msg_id.as_str();
            let side = if m.sender == a { "a" } else { "b" };
            assert!(
                m.sender == a || m.sender == b,
                "room {r}: a stranger's message"
            );
            assert!(
                id.starts_with(&format!("r{r}-{side}-")),
                "room {r} holds {id}, sent by {side}"
            );
        }
    }
}

async fn ping_within(store: &PgStore, limit: Duration) -> (Result<(), StoreError>, Duration) {
    let start = Instant::now();
    let res = tokio::time::timeout(limit, store.ping())
        .await
        .expect("the store answers within its own timeouts");
    (res, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_gives_retryable_errors_loses_nothing_and_heals() {
    let db = TestDb::create().await;
    let mut proxy = PgProxy::start().await;
    let store = PgStore::connect(&PgConfig {
        url: proxy.url(&db.url),
        pool_size: 4,
        writers: 1,
        room_idle: std::time::Duration::from_secs(900),
    })
    .await
    .unwrap();
    let a = store.upsert_user(Platform::Web, "a").await.unwrap();
    let b = store.upsert_user(Platform::Web, "b").await.unwrap();
    let room = store.create_room(a, b).await.unwrap().id;
    let acked = store
        .append_message(msg(room, a, "before".into()))
        .await
        .unwrap();

    // Stalled: calls give up within the store's timeouts.
    proxy.stall();
    let (res, took) = ping_within(&store, Duration::from_secs(15)).await;
    assert!(matches!(res, Err(StoreError::Unavailable(_))), "{res:?}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let res = store.append_message(msg(room, a, "during".into())).await;
    assert!(matches!(res, Err(StoreError::Unavailable(_))), "{res:?}");

    // Down: connections are refused; errors come fast.
    proxy.down().await;
    let (res, _) = ping_within(&store, Duration::from_secs(15)).await;
    assert!(matches!(res, Err(StoreError::Unavailable(_))), "{res:?}");

    // Back up on the same address: the pool heals without help.
    proxy.up().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while store.ping().await.is_err() {
        assert!(Instant::now() < deadline, "the store did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The client retries what failed; the acknowledged message is still there.
    let retried = store
        .append_message(msg(room, a, "during".into()))
        .await
        .unwrap();
    let after = store
        .append_message(msg(room, a, "after".into()))
        .await
        .unwrap();
    let seqs: Vec<_> = store
        .messages_after(room, Seq::ZERO, 10)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.seq.0, m.client_msg_id.as_str().to_owned()))
        .collect();
    assert_eq!(seqs[0], (acked.seq().0, "before".to_owned()));
    assert_eq!(seqs.len(), 3, "{seqs:?}");
    assert_eq!(seqs[1].0, retried.seq().0);
    assert_eq!(seqs[2], (after.seq().0, "after".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_database_refuses_fails_only_itself_not_its_batch() {
    let db = TestDb::create().await;
    let store = db.store().await;
    let mut people = Vec::new();
    for i in 0..20 {
        people.push(
            store
                .upsert_user(Platform::Web, &format!("p{i}"))
                .await
                .unwrap(),
        );
    }
    let mut rooms = Vec::new();
    for pair in people.chunks(2) {
        rooms.push(store.create_room(pair[0], pair[1]).await.unwrap().id);
    }
    // The store is below the input checks, so it can be handed a NUL: the
    // first four people send one in every message. All are queued at once,
    // so the writers batch clean and refused rows together.
    let mut tasks = Vec::new();
    for i in 0..20 {
        for (n, &who) in people.iter().enumerate() {
            let store = store.clone();
            let mut m = msg(rooms[n / 2], who, format!("m{i}"));
            let poisoned = n < 4;
            if poisoned {
                let bad = MessageText::trusted("bad\0text".into());
                m.body = MessageBody::trusted(Content::Text(bad));
            }
            tasks.push(tokio::spawn(async move {
                (poisoned, store.append_message(m).await)
            }));
        }
    }
    let (mut stored, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (false, Ok(_)) => stored += 1,
            (true, Err(_)) => refused += 1,
            (poisoned, other) => panic!("poisoned={poisoned}: {other:?}"),
        }
    }
    println!("stored {stored}, refused {refused}");
    assert_eq!((stored, refused), (320, 80));
    let mut kept = 0;
    for room in rooms {
        kept += store
            .messages_after(room, Seq::ZERO, 1000)
            .await
            .unwrap()
            .len();
    }
    assert_eq!(kept, 320, "every clean message stored once");
}

/// 4 rooms holding 10 messages each (from their first person), none
/// recorded as delivered.
async fn rooms_with_ten_messages(store: &PgStore) -> Vec<(RoomId, UserId)> {
    let mut rooms = Vec::new();
    for r in 0..4 {
        let a = store
            .upsert_user(Platform::Web, &format!("a{r}"))
            .await
            .unwrap();
        let b = store
            .upsert_user(Platform::Web, &format!("b{r}"))
            .await
            .unwrap();
        let room = store.create_room(a, b).await.unwrap().id;
        for i in 0..10 {
            store
                .append_message(msg(room, a, format!("old{i}")))
                .await
                .unwrap();
        }
        rooms.push((room, a));
    }
    rooms
}

/// All at once, so that the writer batches them together: each room's 10
/// messages recorded as delivered (copy 1000 + seq), one record of a
/// message that does not exist, and 10 new messages per room, of which
/// the first room's first `refused` hold a NUL (the database refuses it;
/// the input checks above the store would have stopped it).
async fn record_and_append_at_once(
    store: &Arc<PgStore>,
    rooms: &[(RoomId, UserId)],
    refused: usize,
) -> AtOnce {
    let mut records = Vec::new();
    for &(room, _) in rooms {
        for seq in 1..=10 {
            let store = store.clone();
            records.push(tokio::spawn(async move {
                store
                    .record_delivery(room, Seq(seq), Some(1000 + seq))
                    .await
            }));
        }
    }
    let missing = {
        let store = store.clone();
        let room = rooms[0].0;
        tokio::spawn(async move { store.record_delivery(room, Seq(999), Some(1)).await })
    };
    let mut appends = Vec::new();
    for (r, &(room, a)) in rooms.iter().enumerate() {
        for i in 0..10 {
            let store = store.clone();
            let mut m = msg(room, a, format!("new{i}"));
            if r == 0 && i < refused {
                let bad = MessageText::trusted("bad\0text".into());
                m.body = MessageBody::trusted(Content::Text(bad));
            }
            appends.push(tokio::spawn(async move { store.append_message(m).await }));
        }
    }
    let mut outcomes = Vec::new();
    for r in records {
        outcomes.push(r.await.unwrap());
    }
    let missing = missing.await.unwrap();
    let (mut stored, mut refused) = (0, 0);
    for t in appends {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(_) => refused += 1,
        }
    }
    AtOnce {
        records: outcomes,
        missing,
        appends: (stored, refused),
    }
}

/// What the callers of `record_and_append_at_once` were answered.
struct AtOnce {
    records: Vec<Result<(), StoreError>>,
    missing: Result<(), StoreError>,
    /// Appends (stored, refused).
    appends: (usize, usize),
}

/// Every record of an old message answered and kept with its copy, the
/// missing one told so, `appends` (stored, refused), and each room's seqs
/// running 1..=`last`.
async fn assert_kept(
    store: &PgStore,
    rooms: &[(RoomId, UserId)],
    at_once: AtOnce,
    appends: (usize, usize),
    last: [i64; 4],
) {
    for r in at_once.records {
        r.expect("an existing message is recorded");
    }
    let missing = at_once.missing;
    assert!(
        matches!(missing, Err(StoreError::NoSuchRoom)),
        "{missing:?}"
    );
    assert_eq!(at_once.appends, appends, "(stored, refused)");
    for (&(room, _), last) in rooms.iter().zip(last) {
        for seq in 1..=10 {
            let copies = store.message_copies(room, Seq(seq)).await.unwrap().unwrap();
            assert_eq!(copies.receiver_platform_msg_id, Some(1000 + seq));
            assert!(copies.delivered_at.is_some(), "seq {seq} marked delivered");
        }
        let seqs: Vec<i64> = store
            .messages_after(room, Seq::ZERO, 1000)
            .await
            .unwrap()
            .iter()
            .map(|m| m.seq.0)
            .collect();
        assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "gapless");
    }
}

/// Telegram delivery records ride in the message writer's batches, in one
/// call with the appends: each record and each message still gets its own
/// outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_batched_with_appends_keep_their_own_outcomes() {
    // Arrange
    let db = TestDb::create().await;
    let store = db.store().await;
    let rooms = rooms_with_ten_messages(&store).await;

    // Act
    let at_once = record_and_append_at_once(&store, &rooms, 0).await;

    // Assert: every new message stored after the old ones.
    assert_kept(&store, &rooms, at_once, (40, 0), [20, 20, 20, 20]).await;
}

/// When the database refuses a row, the batch's call fails as a whole:
/// the records and the clean messages are then written apart, and only
/// the refused rows fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_row_fails_neither_the_records_nor_the_messages_batched_with_it() {
    // Arrange
    let db = TestDb::create().await;
    let store = db.store().await;
    let rooms = rooms_with_ten_messages(&store).await;

    // Act: 5 of the first room's new messages hold a NUL.
    let at_once = record_and_append_at_once(&store, &rooms, 5).await;

    // Assert: only those 5 are refused.
    assert_kept(&store, &rooms, at_once, (35, 5), [15, 20, 20, 20]).await;
}
