//! The Redis bus and queue against real Redis: two `connect`s stand for two
//! replicas. Each test uses its own key prefix (tests run in parallel on the
//! shared server) or its own `redis-server` when it needs to kill Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chathub::bus::redis::{RedisAdapters, RedisBus, RedisSettings};
use chathub::bus::{Bus, BusEvent, BusSignal, QueueEntry, SearchQueue, Topic};
use chathub::domain::{ClientMsgId, MessageKind, RoomId, SearchPrefs, Seq, StoredMessage, UserId};
use common::EXPECT_WITHIN;
use common::redis_server::{RedisServer, shared_redis_url, unique_prefix, wait_until};
use tokio::sync::mpsc;

async fn replica(url: &str, prefix: &str, name: &str) -> RedisAdapters {
    RedisBus::connect(RedisSettings::new(url, prefix, name))
        .await
        .expect("connects to Redis")
}

/// A replica with a fast heartbeat, for tests about dead replicas.
async fn fast_replica(url: &str, prefix: &str, name: &str) -> RedisAdapters {
    let mut settings = RedisSettings::new(url, prefix, name);
    settings.heartbeat = Duration::from_millis(100);
    settings.replica_ttl = Duration::from_millis(500);
    RedisBus::connect(settings)
        .await
        .expect("connects to Redis")
}

fn message(room: RoomId, seq: i64) -> BusEvent {
    BusEvent::Message {
        message: StoredMessage {
            room,
            seq: Seq(seq),
            sender: UserId::new(),
            kind: MessageKind::Text,
            text: format!("text {seq}"),
            client_msg_id: ClientMsgId::parse(format!("m{seq}")).unwrap(),
            created_at: chrono::Utc::now(),
        },
    }
}

/// The next event, skipping `Resynced`.
async fn next_event(rx: &mut mpsc::Receiver<BusSignal>) -> (Topic, BusEvent) {
    loop {
        let signal = tokio::time::timeout(EXPECT_WITHIN, rx.recv())
            .await
            .expect("an event within the deadline")
            .expect("bus open");
        if let BusSignal::Event { topic, event } = signal {
            return (topic, event);
        }
    }
}

async fn next_resynced(rx: &mut mpsc::Receiver<BusSignal>) {
    loop {
        let signal = tokio::time::timeout(EXPECT_WITHIN, rx.recv())
            .await
            .expect("Resynced within the deadline")
            .expect("bus open");
        if matches!(signal, BusSignal::Resynced) {
            return;
        }
    }
}

fn entry(lang: Option<&str>) -> QueueEntry {
    QueueEntry {
        user: UserId::new(),
        prefs: SearchPrefs {
            lang: lang.map(str::to_owned),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_the_other_replica_in_order_and_only_where_subscribed() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let mut a = replica(&url, &prefix, "a").await;
    let b = replica(&url, &prefix, "b").await;
    let other = replica(&url, &unique_prefix(), "other").await;
    let (room, quiet_room, user) = (RoomId::new(), RoomId::new(), UserId::new());
    a.bus.subscribe(Topic::Room(room)).await.unwrap();
    a.bus.subscribe(Topic::User(user)).await.unwrap();

    // Noise on an unsubscribed room and on another prefix must not arrive.
    b.bus
        .publish(Topic::Room(quiet_room), &message(quiet_room, 1))
        .await
        .unwrap();
    other
        .bus
        .publish(Topic::Room(room), &message(room, 999))
        .await
        .unwrap();
    for seq in 1..=300 {
        b.bus
            .publish(Topic::Room(room), &message(room, seq))
            .await
            .unwrap();
    }
    let matched = BusEvent::Matched { user, room };
    b.bus.publish(Topic::User(user), &matched).await.unwrap();

    for seq in 1..=300 {
        let (topic, event) = next_event(&mut a.signals).await;
        assert_eq!(topic, Topic::Room(room));
        assert_eq!(event, message_like(&event, room, seq), "in publish order");
    }
    assert_eq!(
        next_event(&mut a.signals).await,
        (Topic::User(user), matched)
    );
    assert!(a.bus.ping().await.is_ok());
}

/// `expected` with the fields that vary (sender, time) taken from `got`.
fn message_like(got: &BusEvent, room: RoomId, seq: i64) -> BusEvent {
    let BusEvent::Message { message: got } = got else {
        panic!("expected a message, got {got:?}");
    };
    let BusEvent::Message { mut message } = message(room, seq) else {
        unreachable!()
    };
    message.sender = got.sender;
    message.created_at = got.created_at;
    BusEvent::Message { message }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribe_stops_delivery() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let mut a = replica(&url, &prefix, "a").await;
    let b = replica(&url, &prefix, "b").await;
    let (left, stays) = (RoomId::new(), RoomId::new());
    a.bus.subscribe(Topic::Room(left)).await.unwrap();
    a.bus.subscribe(Topic::Room(stays)).await.unwrap();

    a.bus.unsubscribe(Topic::Room(left)).await.unwrap();
    b.bus
        .publish(Topic::Room(left), &message(left, 1))
        .await
        .unwrap();
    b.bus
        .publish(Topic::Room(stays), &message(stays, 1))
        .await
        .unwrap();

    // Same connection, same order: had `left` still been subscribed, its
    // event would have come first.
    let (topic, _) = next_event(&mut a.signals).await;
    assert_eq!(topic, Topic::Room(stays));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_redis_restart_every_topic_is_resubscribed_and_resynced() {
    let mut server = RedisServer::start().await;
    let prefix = unique_prefix();
    let mut a = replica(&server.url(), &prefix, "a").await;
    let b = replica(&server.url(), &prefix, "b").await;
    let (room, late_room) = (RoomId::new(), RoomId::new());
    a.bus.subscribe(Topic::Room(room)).await.unwrap();
    next_resynced(&mut a.signals).await; // the first connection's

    server.kill().await;

    // While Redis is down: publishing fails (a retryable error for the
    // sender, never a silent drop), readiness fails, and a new subscription
    // is refused but remembered.
    let err = b.bus.publish(Topic::Room(room), &message(room, 1)).await;
    assert!(err.is_err(), "publish must fail while Redis is down");
    wait_until("readiness fails", || async { a.bus.ping().await.is_err() }).await;
    assert!(a.bus.subscribe(Topic::Room(late_room)).await.is_err());

    server.restart().await;

    next_resynced(&mut a.signals).await;
    wait_until("publishing works again", || async {
        b.bus
            .publish(Topic::Room(room), &message(room, 2))
            .await
            .is_ok()
    })
    .await;
    b.bus
        .publish(Topic::Room(late_room), &message(late_room, 1))
        .await
        .unwrap();
    let mut seen = HashSet::new();
    while seen.len() < 2 {
        seen.insert(next_event(&mut a.signals).await.0);
    }
    assert_eq!(
        seen,
        HashSet::from([Topic::Room(room), Topic::Room(late_room)])
    );
    assert!(a.bus.ping().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_is_fifo_among_compatible_people_across_replicas() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let (a, b) = (
        replica(&url, &prefix, "a").await,
        replica(&url, &prefix, "b").await,
    );
    let (de, en1, en2) = (entry(Some("de")), entry(Some("en")), entry(Some("en")));
    assert_eq!(a.queue.join(de.clone()).await.unwrap(), None);
    assert_eq!(b.queue.join(en1.clone()).await.unwrap(), None);
    // An English speaker skips the German one and gets the oldest English one,
    // whichever replica queued them.
    assert_eq!(a.queue.join(en2).await.unwrap(), Some(en1));
    // Anyone (no preference) gets the oldest waiting person.
    assert_eq!(b.queue.join(entry(None)).await.unwrap(), Some(de));
    assert_eq!(a.queue.waiting().await.unwrap(), 0);

    // Someone waiting without a language is compatible with a language.
    let any = entry(None);
    assert_eq!(a.queue.join(any.clone()).await.unwrap(), None);
    assert_eq!(b.queue.join(entry(Some("fr"))).await.unwrap(), Some(any));

    // requeue_front goes ahead of everyone, once.
    let (x, y) = (entry(Some("en")), entry(Some("en")));
    assert_eq!(a.queue.join(x.clone()).await.unwrap(), None);
    b.queue.requeue_front(y.clone()).await.unwrap();
    b.queue.requeue_front(y.clone()).await.unwrap();
    a.queue.requeue_front(x.clone()).await.unwrap();
    assert_eq!(a.queue.waiting().await.unwrap(), 2);
    assert_eq!(a.queue.join(entry(Some("en"))).await.unwrap(), Some(y));
    assert_eq!(b.queue.join(entry(None)).await.unwrap(), Some(x));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_twice_keeps_one_place_and_leave_removes() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let (a, b) = (
        replica(&url, &prefix, "a").await,
        replica(&url, &prefix, "b").await,
    );
    let me = entry(None);
    let (qa, qb) = (Arc::new(a.queue), Arc::new(b.queue));
    let joins: Vec<_> = (0..50)
        .map(|i| {
            let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
            let me = me.clone();
            tokio::spawn(async move { q.join(me).await.unwrap() })
        })
        .collect();
    for join in joins {
        assert_eq!(join.await.unwrap(), None, "never paired with oneself");
    }
    assert_eq!(qa.waiting().await.unwrap(), 1);
    assert!(qb.leave(me.user).await.unwrap());
    assert!(!qa.leave(me.user).await.unwrap());
    assert_eq!(qa.waiting().await.unwrap(), 0);
    // Nobody left to pair with.
    assert_eq!(qa.join(entry(None)).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_joins_pair_everyone_at_most_once() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let (a, b) = (
        replica(&url, &prefix, "a").await,
        replica(&url, &prefix, "b").await,
    );
    let (qa, qb) = (Arc::new(a.queue), Arc::new(b.queue));
    let langs = [None, Some("en"), Some("de"), Some("en")];
    let people: Vec<QueueEntry> = (0..400).map(|i| entry(langs[i % langs.len()])).collect();
    let prefs: HashMap<UserId, SearchPrefs> =
        people.iter().map(|e| (e.user, e.prefs.clone())).collect();

    let joins: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
            let e = e.clone();
            tokio::spawn(async move { (e.user, q.join(e).await.unwrap()) })
        })
        .collect();

    let mut paired = HashSet::new();
    for join in joins {
        let (user, partner) = join.await.unwrap();
        if let Some(partner) = partner {
            assert!(paired.insert(user), "{user} paired twice");
            assert!(paired.insert(partner.user), "{} paired twice", partner.user);
            assert_eq!(
                partner.prefs, prefs[&partner.user],
                "prefs survive the queue"
            );
            assert!(
                prefs[&user].compatible(&partner.prefs),
                "pairs are compatible"
            );
        }
    }
    let waiting = qa.waiting().await.unwrap();
    assert_eq!(
        paired.len() + waiting,
        people.len(),
        "everyone is paired or waiting"
    );
    // Atomicity: nobody who waits could have been paired with another
    // waiting person (each join saw everyone queued before it). With these
    // languages that leaves at most one waiting language group.
    let waiting_people: Vec<&QueueEntry> = people
        .iter()
        .filter(|e| !paired.contains(&e.user))
        .collect();
    for (i, x) in waiting_people.iter().enumerate() {
        for y in &waiting_people[i + 1..] {
            assert!(
                !x.prefs.compatible(&y.prefs),
                "two compatible people left waiting"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_replicas_queue_entries_are_purged() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let live = fast_replica(&url, &prefix, "live").await;
    let doomed = fast_replica(&url, &prefix, "doomed").await;
    assert_eq!(
        live.bus.live_replicas().await.unwrap(),
        vec!["doomed", "live"]
    );
    // Incompatible languages, so nobody pairs.
    assert_eq!(live.queue.join(entry(Some("en"))).await.unwrap(), None);
    for lang in ["de", "fr", "it"] {
        assert_eq!(doomed.queue.join(entry(Some(lang))).await.unwrap(), None);
    }
    assert_eq!(live.queue.waiting().await.unwrap(), 4);

    // The replica dies: its heartbeat stops (its queue handle stays alive
    // here only to prove nothing but the heartbeat matters).
    let RedisAdapters {
        bus,
        queue: _doomed_queue,
        ..
    } = doomed;
    drop(bus);

    wait_until("the dead replica's entries are purged", || async {
        live.queue.waiting().await.unwrap() == 1
    })
    .await;
    assert_eq!(live.bus.live_replicas().await.unwrap(), vec!["live"]);
    // The live replica's own searcher is still there to be found.
    assert!(live.queue.join(entry(Some("en"))).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_people_are_searched_again_when_redis_lost_the_queue() {
    let mut server = RedisServer::start().await;
    let a = fast_replica(&server.url(), &unique_prefix(), "a").await;
    let (rejoined_tx, mut rejoined) = mpsc::unbounded_channel();
    a.queue.set_rejoin(Arc::new(move |e| {
        let _ = rejoined_tx.send(e);
    }));
    let (waiting, gone) = (entry(Some("en")), entry(Some("de")));
    a.queue.join(waiting.clone()).await.unwrap();
    a.queue.join(gone.clone()).await.unwrap();
    assert!(a.queue.leave(gone.user).await.unwrap());

    // A restart without persistence empties the queue.
    server.kill().await;
    server.restart().await;

    let again = tokio::time::timeout(EXPECT_WITHIN, rejoined.recv())
        .await
        .expect("a search again within the deadline")
        .unwrap();
    assert_eq!(again, waiting, "only who was still waiting");
    assert!(rejoined.try_recv().is_err());
}
