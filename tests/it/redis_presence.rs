//! Presence on real Redis when a replica dies: its people get their grace
//! period started. (What every presence does, in-process and on Redis, is
//! in `bus_conformance.rs`.)

use crate::common;

use chathub::bus::Presence;
use chathub::bus::redis::RedisAdapters;
use chathub::domain::{ClientId, UserId};
use common::redis_server::{fast_replica, shared_redis_url, unique_prefix, wait_until};

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
