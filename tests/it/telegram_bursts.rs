//! Telegram traffic as a load balancer routes it: two real replica
//! processes on Redis and PostgreSQL behind one bot (a fake Bot API), each
//! update of a chat landing on whichever replica, people typing in bursts.
//! Every text reaches the partner once and in order, and the whole bot
//! stays within its per-second budget.

use crate::common;

use std::time::Duration;

use rand::{Rng, SeedableRng};

use common::fake_telegram::{Call, FakeTelegram};
use common::replicas::{Cluster, Replica};
use common::telegram::{TgPerson, assert_no_second_above, copies_to, only, pair, texts, tg_vars};

const A: i64 = 8101;
const B: i64 = 8202;

/// Telegram's own pace into one chat (the defaults): after a burst of 3,
/// one message a second.
const DEFAULT_PACE: [(&str, &str); 3] = [
    ("TELEGRAM_RATE_PER_SEC", "30"),
    ("TELEGRAM_CHAT_RATE_PER_SEC", "1"),
    ("TELEGRAM_CHAT_BURST", "3"),
];

/// Long enough for a burst of a dozen texts at one a second, plus a
/// replica hand-over.
const DELIVERED_WITHIN: Duration = Duration::from_secs(60);

fn hook(r: &Replica) -> String {
    r.http("/telegram/webhook")
}

/// A fake Bot API and two replicas on one cluster with Telegram's default
/// pacing.
async fn paced_replicas() -> (FakeTelegram, Cluster, [Replica; 2]) {
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let vars = tg_vars(&fake, &DEFAULT_PACE);
    let r = [
        cluster.replica_with("r1", &vars).await,
        cluster.replica_with("r2", &vars).await,
    ];
    (fake, cluster, r)
}

/// `paced_replicas`, with A (updates to r1) and B (to r2) paired.
struct Paced {
    fake: FakeTelegram,
    /// Kept for its database, dropped with the test.
    _cluster: Cluster,
    r: [Replica; 2],
    a: TgPerson,
    b: TgPerson,
}

async fn paced_pair() -> Paced {
    let (fake, cluster, r) = paced_replicas().await;
    let mut a = TgPerson::at(hook(&r[0]), A);
    let mut b = TgPerson::at(hook(&r[1]), B);
    pair(&fake, &mut a, &mut b).await;
    Paced {
        fake,
        _cluster: cluster,
        r,
        a,
        b,
    }
}

/// Waits until `chat` got a copy of `last`; returns every copy it got.
async fn copies_until(fake: &FakeTelegram, chat: i64, last: i32) -> Vec<i32> {
    let calls = fake
        .wait_until(DELIVERED_WITHIN, |calls| {
            copies_to(calls, chat).contains(&last)
        })
        .await;
    copies_to(&calls, chat)
}

#[actix_web::test]
async fn bursts_whose_updates_alternate_between_replicas_arrive_once_in_order() {
    // Arrange: two replicas with Telegram's default pacing; A and B paired.
    let Paced {
        fake,
        _cluster,
        r,
        mut a,
        mut b,
    } = paced_pair().await;

    // Act: both type ten texts in quick succession; A's k-th update
    // reaches replica k mod 2, B's k-th replica (k+1) mod 2.
    let (mut sent_a, mut sent_b) = (Vec::new(), Vec::new());
    for k in 1..=10 {
        a.to(hook(&r[k % 2]));
        sent_a.push(a.text(&format!("a{k}")).await);
        b.to(hook(&r[(k + 1) % 2]));
        sent_b.push(b.text(&format!("b{k}")).await);
    }

    // Assert: each partner got every text once, in the order typed.
    let to_b = copies_until(&fake, B, *sent_a.last().unwrap()).await;
    let to_a = copies_until(&fake, A, *sent_b.last().unwrap()).await;
    assert_eq!(to_b, sent_a, "A's texts as B got them");
    assert_eq!(to_a, sent_b, "B's texts as A got them");
    // Nobody is told twice that their partner sees them late.
    for chat in [A, B] {
        assert!(delay_notices(&fake.calls(), chat) <= 1, "to {chat}");
    }
}

/// `sendMessage`s into `chat` saying the partner sees their texts late.
fn delay_notices(calls: &[Call], chat: i64) -> usize {
    texts(&only(calls, chat))
        .iter()
        .filter(|t| t.contains("with a delay"))
        .count()
}

#[actix_web::test]
async fn someone_typing_faster_than_the_partners_chat_takes_is_told_once() {
    // Arrange: two replicas with Telegram's default pacing; A and B paired.
    let Paced {
        fake,
        _cluster,
        r,
        mut a,
        b: _,
    } = paced_pair().await;

    // Act: A types sixteen texts at once (far more than the 3 + 1/s that
    // Telegram lets into B's chat), each update to the other replica.
    let mut sent = Vec::new();
    for k in 0..16 {
        a.to(hook(&r[k % 2]));
        sent.push(a.text(&format!("quick {k}")).await);
    }

    // Assert: B gets them all, once and in order, later; A is told once.
    let to_b = copies_until(&fake, B, *sent.last().unwrap()).await;
    assert_eq!(to_b, sent);
    fake.wait_until(DELIVERED_WITHIN, |calls| delay_notices(calls, A) > 0)
        .await;
    assert_eq!(delay_notices(&fake.calls(), A), 1);
    assert_eq!(delay_notices(&fake.calls(), B), 0, "B typed nothing");
}

#[actix_web::test]
async fn random_routing_and_a_replica_stopping_midway_lose_and_double_nothing() {
    // Arrange: two replicas at a quicker pace (the routing is the point);
    // A and B paired.
    let seed: u64 = rand::rng().random();
    println!("seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let vars = tg_vars(
        &fake,
        &[
            ("TELEGRAM_CHAT_RATE_PER_SEC", "5"),
            ("TELEGRAM_CHAT_BURST", "3"),
        ],
    );
    let mut r1 = cluster.replica_with("r1", &vars).await;
    let r2 = cluster.replica_with("r2", &vars).await;
    let mut a = TgPerson::at(hook(&r1), A);
    let mut b = TgPerson::at(hook(&r2), B);
    pair(&fake, &mut a, &mut b).await;

    // Act: rounds of bursts (1-4 texts by a random person, each update to
    // a random live replica); r1 is SIGTERMed halfway (a rolling restart).
    let (mut sent_a, mut sent_b) = (Vec::new(), Vec::new());
    let mut live = vec![hook(&r1), hook(&r2)];
    for round in 0..12 {
        if round == 6 {
            r1.terminate().await;
            live = vec![hook(&r2)];
        }
        let a_types = rng.random_bool(0.5);
        for _ in 0..rng.random_range(1..=4) {
            let url = live[rng.random_range(0..live.len())].clone();
            let (who, sent) = if a_types {
                (&mut a, &mut sent_a)
            } else {
                (&mut b, &mut sent_b)
            };
            who.to(url);
            let n = sent.len();
            sent.push(who.text(&format!("{} {n}", who.chat)).await);
        }
    }
    // A last text each, so each partner has something to wait for; through
    // the live replica (someone silent since the restart still points at r1).
    a.to(hook(&r2));
    b.to(hook(&r2));
    sent_a.push(a.text("last from a").await);
    sent_b.push(b.text("last from b").await);

    // Assert: exactly once and in order, for both.
    let to_b = copies_until(&fake, B, *sent_a.last().unwrap()).await;
    let to_a = copies_until(&fake, A, *sent_b.last().unwrap()).await;
    assert_eq!(to_b, sent_a, "A's texts as B got them (seed {seed})");
    assert_eq!(to_a, sent_b, "B's texts as A got them (seed {seed})");
}

#[actix_web::test]
async fn two_replicas_never_exceed_the_default_bot_wide_rate_in_any_second() {
    // Arrange: default budget; 16 people on two replicas, paired.
    let (fake, _cluster, r) = paced_replicas().await;
    let mut people: Vec<TgPerson> = (0..16)
        .map(|i| TgPerson::at(hook(&r[i % 2]), 8300 + i as i64))
        .collect();
    for pair_of in people.chunks_mut(2) {
        let [x, y] = pair_of else { unreachable!() };
        pair(&fake, x, y).await;
    }

    // Act: everyone sends a burst of 3 at once, each update to the other
    // replica than the last: 48 copies wanted within a moment.
    let mut last = Vec::new();
    for round in 0..3 {
        for (i, p) in people.iter_mut().enumerate() {
            p.to(hook(&r[(i + round + 1) % 2]));
            let id = p.text(&format!("burst {round}")).await;
            if round == 2 {
                last.push((p.chat, id));
            }
        }
    }
    for (i, (chat, id)) in last.iter().enumerate() {
        let partner = people[i ^ 1].chat;
        let got = copies_until(&fake, partner, *id).await;
        assert_eq!(got.len(), 3, "{chat}'s burst reached {partner} once each");
    }

    // Assert: at the fake Bot API, no second held more than 30 calls.
    let times: Vec<_> = fake.calls().iter().map(|c| c.at).collect();
    assert!(times.len() > 60, "enough calls to matter: {}", times.len());
    assert_no_second_above(&times, 30);
}
