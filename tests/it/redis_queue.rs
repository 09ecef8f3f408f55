//! The global search queue on real Redis: two `connect`s stand for two
//! replicas, each test under its own key prefix (or its own `redis-server`).

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chathub::bus::redis::RedisAdapters;
use chathub::bus::{Bus, QueueEntry, SearchQueue};
use chathub::domain::UserId;
use common::EXPECT_WITHIN;
use common::redis_server::{
    RedisServer, entry, fast_replica, replica, shared_redis_url, unique_prefix, wait_until,
};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_twice_keeps_one_place_and_only_its_server_removes_it() {
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

    // The last to join serves the person: a late leave from the other
    // replica (where they were before) does not take them out.
    assert_eq!(qa.join(me.clone()).await.unwrap(), None);
    assert!(!qb.leave(me.user).await.unwrap());
    assert_eq!(qa.waiting().await.unwrap(), 1);
    assert!(qa.leave(me.user).await.unwrap());
    assert!(!qa.leave(me.user).await.unwrap());
    assert_eq!(qa.waiting().await.unwrap(), 0);
    // Nobody left to pair with.
    assert_eq!(qa.join(entry(None)).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_person_stays_with_the_replica_that_serves_them() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let (a, b) = (
        replica(&url, &prefix, "a").await,
        replica(&url, &prefix, "b").await,
    );
    let served_by_a = entry(None);
    assert_eq!(a.queue.join(served_by_a.clone()).await.unwrap(), None);
    // B pairs them, the pairing fails, B puts them back at the front...
    let popped = b.queue.join(entry(None)).await.unwrap().unwrap();
    assert_eq!(popped, served_by_a);
    b.queue.requeue_front(popped).await.unwrap();
    assert_eq!(a.queue.waiting().await.unwrap(), 1);
    // ...and when they disconnect from A, A's leave still takes them out.
    assert!(a.queue.leave(served_by_a.user).await.unwrap());
    assert_eq!(a.queue.waiting().await.unwrap(), 0);
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
    let by_user: HashMap<UserId, QueueEntry> = people.iter().map(|e| (e.user, e.clone())).collect();

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
            assert_eq!(partner, by_user[&partner.user], "entries survive the queue");
            assert!(by_user[&user].compatible(&partner), "pairs are compatible");
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
            assert!(!x.compatible(y), "two compatible people left waiting");
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
    // Someone moves from the doomed replica to the live one and searches
    // again there: same place, but now the live replica's.
    let moved = entry(Some("nl"));
    assert_eq!(doomed.queue.join(moved.clone()).await.unwrap(), None);
    assert_eq!(live.queue.join(moved.clone()).await.unwrap(), None);
    assert_eq!(live.queue.waiting().await.unwrap(), 5);

    // The replica dies: its heartbeat stops (its queue handle stays alive
    // here only to prove nothing but the heartbeat matters).
    let RedisAdapters {
        bus,
        queue: _doomed_queue,
        ..
    } = doomed;
    drop(bus);

    wait_until("the dead replica's entries are purged", || async {
        live.queue.waiting().await.unwrap() == 2
    })
    .await;
    assert_eq!(live.bus.live_replicas().await.unwrap(), vec!["live"]);
    // The live replica's searchers are still there to be found.
    assert!(live.queue.join(entry(Some("en"))).await.unwrap().is_some());
    assert_eq!(
        live.queue.join(entry(Some("nl"))).await.unwrap(),
        Some(moved)
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leave_that_cannot_reach_redis_is_retried() {
    let mut server = RedisServer::start().await;
    let a = replica(&server.url(), &unique_prefix(), "a").await;
    let gone = entry(None);
    a.queue.join(gone.clone()).await.unwrap();

    // An outage that loses no data: the entry is still there afterwards.
    server.kill_keeping_data().await;
    // Honoured at once for the caller, deferred for Redis.
    assert!(!a.queue.leave(gone.user).await.unwrap());
    server.restart().await;

    wait_until("the deferred leave reached Redis", || async {
        matches!(a.queue.waiting().await, Ok(0))
    })
    .await;
    // Nobody is left to pair with.
    assert_eq!(a.queue.join(entry(None)).await.unwrap(), None);
}
