//! The matching rules of the search queue, written once and run on the
//! Redis queue (two connections standing for two replicas) and on the
//! in-process queue: both sides' preferences, FIFO among the compatible,
//! people to avoid, the low-reputation class first, and a relaxation
//! (a re-join) that keeps the person's place.

use crate::common;

use chathub::bus::{QueueEntry, SearchQueue};
use chathub::domain::{Age, Gender, Interest, Lang, Profile, SearchPrefs, UserId};
use common::redis_server::{replica, shared_redis_url, unique_prefix};

fn person(gender: Option<Gender>, age: Option<i64>, interests: &[&str]) -> QueueEntry {
    QueueEntry {
        user: UserId::new(),
        profile: Profile {
            gender,
            age: age.map(|a| Age::parse(a).unwrap()),
            interests: Interest::parse_list(interests).unwrap(),
            langs: vec![],
        },
        ..QueueEntry::default()
    }
}

fn wanting(mut e: QueueEntry, prefs: SearchPrefs) -> QueueEntry {
    e.prefs = prefs;
    e
}

fn age(a: i64) -> Option<Age> {
    Some(Age::parse(a).unwrap())
}

async fn matching_rules(a: &dyn SearchQueue, b: &dyn SearchQueue) {
    use Gender::{Female, Male};

    // Women waiting: three who want men, one who wants women.
    let wants = |g| SearchPrefs {
        gender: vec![g],
        ..SearchPrefs::default()
    };
    let f40 = wanting(person(Some(Female), Some(40), &[]), wants(Male));
    let f30_wants_women = wanting(person(Some(Female), Some(30), &[]), wants(Female));
    let f28 = wanting(person(Some(Female), Some(28), &[]), wants(Male));
    let f29 = wanting(person(Some(Female), Some(29), &[]), wants(Male));
    for e in [&f40, &f30_wants_women, &f28, &f29] {
        assert_eq!(a.join(e.clone()).await.unwrap(), None);
    }
    // Both sides: a man wanting women aged 25-35 skips the woman of 40
    // (his range) and the one who wants women (hers), and gets the oldest
    // one who fits.
    let m = wanting(
        person(Some(Male), Some(30), &[]),
        SearchPrefs {
            gender: vec![Female],
            age_min: age(25),
            age_max: age(35),
            ..SearchPrefs::default()
        },
    );
    assert_eq!(b.join(m).await.unwrap(), Some(f28));
    // Someone without a gender meets nobody who wants one.
    let unset = person(None, None, &[]);
    assert_eq!(b.join(unset.clone()).await.unwrap(), None);
    assert!(b.leave(unset.user).await.unwrap());
    // Shared interest required: only someone with one in common.
    let music = wanting(
        person(Some(Female), None, &["music", "games"]),
        SearchPrefs {
            shared_interest: true,
            ..SearchPrefs::default()
        },
    );
    assert_eq!(a.join(music.clone()).await.unwrap(), None);
    // The woman who wants women gets the gamer (music was queued later).
    let gamer = person(Some(Female), Some(50), &["games"]);
    assert_eq!(b.join(gamer).await.unwrap(), Some(f30_wants_women));
    let reader = person(Some(Male), None, &["books"]);
    assert_eq!(b.join(reader).await.unwrap(), Some(f40));
    assert_eq!(
        b.join(person(Some(Male), None, &[])).await.unwrap(),
        Some(f29)
    );
    let gamer2 = person(None, None, &["games"]);
    assert_eq!(a.join(gamer2).await.unwrap(), Some(music));
    assert_eq!(a.waiting().await.unwrap(), 0);

    // Avoid lists: the searcher's own (x avoids y) ...
    let y = person(None, None, &[]);
    let mut x = person(None, None, &[]);
    x.avoid = vec![y.user];
    assert_eq!(a.join(y.clone()).await.unwrap(), None);
    assert_eq!(b.join(x.clone()).await.unwrap(), None, "x avoids y");
    assert_eq!(b.join(person(None, None, &[])).await.unwrap(), Some(y));
    assert_eq!(a.join(person(None, None, &[])).await.unwrap(), Some(x));
    // ... and the waiting person's (v avoids s).
    let s = person(None, None, &[]);
    let mut v = person(None, None, &[]);
    v.avoid = vec![s.user];
    assert_eq!(a.join(v.clone()).await.unwrap(), None);
    assert_eq!(b.join(s.clone()).await.unwrap(), None, "v avoids s");
    assert_eq!(a.waiting().await.unwrap(), 2, "both wait");
    assert!(a.leave(v.user).await.unwrap());
    assert!(b.leave(s.user).await.unwrap());

    // Reputation: people get the oldest compatible one of their own class
    // (low or not) first, and fall back to the other class. (The waiting
    // two avoid each other, so both wait.)
    let ok1 = person(None, None, &[]);
    let mut low1 = person(None, None, &[]);
    low1.low_rep = true;
    low1.avoid = vec![ok1.user];
    assert_eq!(a.join(low1.clone()).await.unwrap(), None);
    assert_eq!(a.join(ok1.clone()).await.unwrap(), None);
    assert_eq!(b.join(person(None, None, &[])).await.unwrap(), Some(ok1));
    assert_eq!(b.join(person(None, None, &[])).await.unwrap(), Some(low1));
    let ok2 = person(None, None, &[]);
    let mut low2 = person(None, None, &[]);
    low2.low_rep = true;
    low2.avoid = vec![ok2.user];
    let mut low3 = person(None, None, &[]);
    low3.low_rep = true;
    assert_eq!(a.join(ok2.clone()).await.unwrap(), None);
    assert_eq!(a.join(low2.clone()).await.unwrap(), None);
    assert_eq!(b.join(low3).await.unwrap(), Some(low2));
    assert_eq!(b.join(person(None, None, &[])).await.unwrap(), Some(ok2));

    // A relaxation re-joins with looser preferences, keeps the place, and
    // pairs if someone now fits; for someone no longer queued it does
    // nothing.
    let picky = wanting(
        person(None, None, &[]),
        SearchPrefs {
            lang: Some(Lang::parse("fi").unwrap()),
            ..SearchPrefs::default()
        },
    );
    let german = wanting(
        person(None, None, &[]),
        SearchPrefs {
            lang: Some(Lang::parse("de").unwrap()),
            ..SearchPrefs::default()
        },
    );
    assert_eq!(a.join(picky.clone()).await.unwrap(), None);
    assert_eq!(b.join(german.clone()).await.unwrap(), None);
    let relaxed = QueueEntry {
        prefs: SearchPrefs::default(),
        ..picky.clone()
    };
    assert_eq!(a.rejoin(relaxed).await.unwrap(), Some(german));
    assert_eq!(a.waiting().await.unwrap(), 0, "the relaxed person left too");
    let gone = person(None, None, &[]);
    assert_eq!(a.rejoin(gone).await.unwrap(), None);
    assert_eq!(a.waiting().await.unwrap(), 0, "a rejoin never queues");
    // Nobody is paired with themselves, also through a re-join.
    let alone = person(None, None, &[]);
    assert_eq!(a.join(alone.clone()).await.unwrap(), None);
    assert_eq!(b.rejoin(alone.clone()).await.unwrap(), None);
    assert_eq!(b.waiting().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_avoidance_and_reputation_across_replicas_on_redis() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let (a, b) = (
        replica(&url, &prefix, "a").await,
        replica(&url, &prefix, "b").await,
    );
    matching_rules(&a.queue, &b.queue).await;
}

#[tokio::test]
async fn preferences_avoidance_and_reputation_in_process() {
    let q = chathub::bus::MemoryQueue::new();
    matching_rules(&q, &q).await;
}
