//! The Redis bus against real Redis: two `connect`s stand for two replicas.
//! Each test uses its own key prefix (tests run in parallel on the shared
//! server) or its own `redis-server` when it needs to kill Redis.

use crate::common;

use std::collections::HashSet;

use chathub::bus::{Bus, BusEvent, BusSignal, Topic};
use chathub::domain::{ClientMsgId, MessageBody, RoomId, Seq, StoredMessage, UserId};
use common::EXPECT_WITHIN;
use common::redis_server::{RedisServer, replica, shared_redis_url, unique_prefix, wait_until};
use tokio::sync::mpsc;

fn message(room: RoomId, seq: i64) -> BusEvent {
    BusEvent::Message {
        message: StoredMessage {
            room,
            seq: Seq(seq),
            sender: UserId::new(),
            body: MessageBody::text(format!("text {seq}")).unwrap(),
            origin: Default::default(),
            reply_to: None,
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
