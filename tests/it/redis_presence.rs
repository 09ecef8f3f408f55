//! Presence on real Redis: grace periods are global, the latest connection
//! wins, and the people of a dead replica get their grace period started.

use crate::common;

use std::time::Duration;

use chathub::bus::Presence;
use chathub::bus::redis::RedisAdapters;
use chathub::domain::{ClientId, UserId};
use common::redis_server::{fast_replica, replica, shared_redis_url, unique_prefix, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_left_from_another_replica_does_not_start_the_grace_period() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let r1 = replica(&url, &prefix, "r1").await;
    let r2 = replica(&url, &prefix, "r2").await;
    let user = UserId::new();
    let (old, new) = (ClientId::new(), ClientId::new());

    // The person moved from r1 to r2; r1's `left` arrives after r2's `arrived`.
    r1.presence.arrived(user, old).await.unwrap();
    r2.presence.arrived(user, new).await.unwrap();
    r1.presence.left(user, old, Duration::ZERO).await.unwrap();

    assert!(r1.presence.take_due(10).await.unwrap().is_empty());
    assert!(r2.presence.take_due(10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grace_period_that_ran_out_is_handed_to_exactly_one_replica() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let r1 = replica(&url, &prefix, "r1").await;
    let r2 = replica(&url, &prefix, "r2").await;
    let (gone, back) = (UserId::new(), UserId::new());
    let (cg, cb) = (ClientId::new(), ClientId::new());
    r1.presence.arrived(gone, cg).await.unwrap();
    r1.presence.arrived(back, cb).await.unwrap();
    r1.presence.left(gone, cg, Duration::ZERO).await.unwrap();
    r1.presence.left(back, cb, Duration::ZERO).await.unwrap();
    // `back` returns on the other replica before anyone sweeps.
    r2.presence.arrived(back, ClientId::new()).await.unwrap();

    let (d1, d2) = tokio::join!(r1.presence.take_due(10), r2.presence.take_due(10));
    let mut due = d1.unwrap();
    due.extend(d2.unwrap());

    assert_eq!(due, vec![gone]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_people_of_a_dead_replica_get_their_grace_period() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let live = fast_replica(&url, &prefix, "live").await;
    let doomed = fast_replica(&url, &prefix, "doomed").await;
    let (stranded, moved) = (UserId::new(), UserId::new());
    doomed
        .presence
        .arrived(stranded, ClientId::new())
        .await
        .unwrap();
    doomed
        .presence
        .arrived(moved, ClientId::new())
        .await
        .unwrap();
    // One of them already reconnected to the live replica.
    live.presence.arrived(moved, ClientId::new()).await.unwrap();

    // The doomed replica dies without a word: its heartbeat stops.
    let RedisAdapters {
        bus,
        presence: _kept,
        ..
    } = doomed;
    drop(bus);

    // The live replica's heartbeat starts the stranded person's grace (the
    // fast replicas use the default 60 s grace, so it is not due yet) ...
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let away_key = format!("{}presence:away", &*prefix);
    wait_until("the stranded person is away", || {
        let (mut conn, key) = (conn.clone(), away_key.clone());
        async move {
            let away: Vec<String> = redis::cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap();
            away == vec![stranded.to_string()]
        }
    })
    .await;
    // ... and only theirs: the person who moved is not away.
    let score: Option<f64> = redis::cmd("ZSCORE")
        .arg(&away_key)
        .arg(moved.to_string())
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(score, None);
}
