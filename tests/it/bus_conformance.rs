//! One conformance suite for the bus's shared-state ports, `SearchQueue`
//! and `Presence`: every case is written once against two views of the
//! port (`a` and `b`, two replicas) and run twice by `conformance!`: on the
//! in-process adapters (one instance seen twice, as the embedded mode has
//! one replica) and on real Redis (two connections under a key prefix of
//! the test's own, standing for two replicas). So the embedded default and
//! production cannot drift apart.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use chathub::bus::redis::RedisAdapters;
use chathub::bus::{Presence, SearchQueue};
use chathub::domain::{ClientId, UserId};
use common::redis_server::entry;

macro_rules! conformance {
    ($port:ident: $memory:expr, $view:path { $($name:ident),* $(,)? }) => {
        mod $port {
            mod memory {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let one = $memory;
                        crate::bus_conformance::$name(&one, &one).await;
                    }
                )*
            }
            mod redis {
                use crate::common::redis_server::{replica, shared_redis_url, unique_prefix};
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let (url, prefix) = (shared_redis_url(), unique_prefix());
                        let r1 = replica(&url, &prefix, "r1").await;
                        let r2 = replica(&url, &prefix, "r2").await;
                        crate::bus_conformance::$name($view(&r1), $view(&r2)).await;
                    }
                )*
            }
        }
    };
}

conformance!(queue: chathub::bus::MemoryQueue::new(), crate::bus_conformance::redis_queue {
    fifo_among_compatible,
    joining_twice_keeps_one_place_and_never_pairs_with_oneself,
    a_rejoin_after_the_person_left_changes_nothing,
    leaving_is_true_only_for_someone_waiting,
});

conformance!(presence: chathub::bus::MemoryPresence::new(), crate::bus_conformance::redis_presence {
    a_late_left_from_an_old_connection_changes_nothing,
    a_grace_period_runs_out_once_and_coming_back_cancels_it,
    the_latest_connection_is_known_to_every_replica,
    online_is_who_is_connected_and_due_is_taken_in_limits,
});

/// A Redis replica's queue, as the port.
pub fn redis_queue(r: &RedisAdapters) -> &dyn SearchQueue {
    &r.queue
}

/// A Redis replica's presence, as the port.
pub fn redis_presence(r: &RedisAdapters) -> &dyn Presence {
    &*r.presence
}

/// FIFO among compatible people, whichever view queued them.
pub async fn fifo_among_compatible(a: &dyn SearchQueue, b: &dyn SearchQueue) {
    let (de, en1, en2) = (entry(Some("de")), entry(Some("en")), entry(Some("en")));
    assert_eq!(a.join(de.clone()).await.unwrap(), None);
    assert_eq!(b.join(en1.clone()).await.unwrap(), None);
    // An English speaker skips the German one and gets the oldest English one,
    // whichever replica queued them.
    assert_eq!(a.join(en2).await.unwrap(), Some(en1));
    // Anyone (no preference) gets the oldest waiting person.
    assert_eq!(b.join(entry(None)).await.unwrap(), Some(de));
    assert_eq!(a.waiting().await.unwrap(), 0);

    // Someone waiting without a language is compatible with a language.
    let any = entry(None);
    assert_eq!(a.join(any.clone()).await.unwrap(), None);
    assert_eq!(b.join(entry(Some("fr"))).await.unwrap(), Some(any));

    // requeue_front goes ahead of everyone, once.
    let (x, y) = (entry(Some("en")), entry(Some("en")));
    assert_eq!(a.join(x.clone()).await.unwrap(), None);
    b.requeue_front(y.clone()).await.unwrap();
    b.requeue_front(y.clone()).await.unwrap();
    a.requeue_front(x.clone()).await.unwrap();
    assert_eq!(a.waiting().await.unwrap(), 2);
    assert_eq!(a.join(entry(Some("en"))).await.unwrap(), Some(y));
    assert_eq!(b.join(entry(None)).await.unwrap(), Some(x));
}

pub async fn joining_twice_keeps_one_place_and_never_pairs_with_oneself(
    a: &dyn SearchQueue,
    b: &dyn SearchQueue,
) {
    let me = entry(None);

    assert_eq!(a.join(me.clone()).await.unwrap(), None);
    assert_eq!(b.join(me.clone()).await.unwrap(), None);

    assert_eq!(a.waiting().await.unwrap(), 1);
    let other = entry(None);
    assert_eq!(b.join(other).await.unwrap(), Some(me));
    assert_eq!(a.waiting().await.unwrap(), 0);
}

pub async fn a_rejoin_after_the_person_left_changes_nothing(
    a: &dyn SearchQueue,
    b: &dyn SearchQueue,
) {
    let (gone, waiting) = (entry(Some("en")), entry(Some("de")));
    a.join(waiting.clone()).await.unwrap();
    assert_eq!(a.join(gone.clone()).await.unwrap(), None, "not compatible");
    assert!(a.leave(gone.user).await.unwrap());

    // A relaxation timer of the search that was left fires late.
    assert_eq!(b.rejoin(gone).await.unwrap(), None);

    assert_eq!(a.waiting().await.unwrap(), 1);
    assert_eq!(b.join(entry(None)).await.unwrap(), Some(waiting));
}

pub async fn leaving_is_true_only_for_someone_waiting(a: &dyn SearchQueue, b: &dyn SearchQueue) {
    let me = entry(None);
    assert!(!a.leave(me.user).await.unwrap(), "nobody queued them");
    a.join(me.clone()).await.unwrap();

    assert!(a.leave(me.user).await.unwrap());
    assert!(!a.leave(me.user).await.unwrap(), "left twice");
    assert_eq!(b.waiting().await.unwrap(), 0);
}

pub async fn a_late_left_from_an_old_connection_changes_nothing(
    a: &dyn Presence,
    b: &dyn Presence,
) {
    let user = UserId::new();
    let (old, new) = (ClientId::new(), ClientId::new());
    // The person moved from a to b; a's `left` arrives after b's `arrived`.
    a.arrived(user, old).await.unwrap();
    b.arrived(user, new).await.unwrap();

    a.left(user, old, Duration::ZERO).await.unwrap();

    assert!(a.take_due(10).await.unwrap().is_empty());
    assert!(b.take_due(10).await.unwrap().is_empty());
    assert_eq!(a.latest(user).await.unwrap(), Some(new));
}

pub async fn a_grace_period_runs_out_once_and_coming_back_cancels_it(
    a: &dyn Presence,
    b: &dyn Presence,
) {
    let (gone, back) = (UserId::new(), UserId::new());
    let (cg, cb) = (ClientId::new(), ClientId::new());
    a.arrived(gone, cg).await.unwrap();
    a.arrived(back, cb).await.unwrap();
    a.left(gone, cg, Duration::ZERO).await.unwrap();
    a.left(back, cb, Duration::ZERO).await.unwrap();
    // `back` returns through the other replica before anyone sweeps.
    b.arrived(back, ClientId::new()).await.unwrap();

    let (da, db) = tokio::join!(a.take_due(10), b.take_due(10));
    let mut due = da.unwrap();
    due.extend(db.unwrap());

    assert_eq!(due, vec![gone]);
    assert!(a.take_due(10).await.unwrap().is_empty(), "handed out twice");
}

pub async fn the_latest_connection_is_known_to_every_replica(a: &dyn Presence, b: &dyn Presence) {
    let user = UserId::new();
    let (first, second) = (ClientId::new(), ClientId::new());
    assert_eq!(b.latest(user).await.unwrap(), None);

    a.arrived(user, first).await.unwrap();
    assert_eq!(b.latest(user).await.unwrap(), Some(first));

    b.arrived(user, second).await.unwrap();
    assert_eq!(a.latest(user).await.unwrap(), Some(second));
}

pub async fn online_is_who_is_connected_and_due_is_taken_in_limits(
    a: &dyn Presence,
    b: &dyn Presence,
) {
    let here = UserId::new();
    a.arrived(here, ClientId::new()).await.unwrap();
    let mut gone = HashSet::new();
    for _ in 0..3 {
        let (user, client) = (UserId::new(), ClientId::new());
        b.arrived(user, client).await.unwrap();
        b.left(user, client, Duration::ZERO).await.unwrap();
        gone.insert(user);
    }

    let online: HashSet<UserId> = a.online().await.unwrap().into_iter().collect();
    assert!(online.contains(&here));
    assert!(
        online.is_disjoint(&gone),
        "people in their grace period are not online"
    );

    let first = a.take_due(2).await.unwrap();
    let rest = b.take_due(2).await.unwrap();
    assert_eq!((first.len(), rest.len()), (2, 1));
    let taken: HashSet<UserId> = first.into_iter().chain(rest).collect();
    assert_eq!(taken, gone);
}
