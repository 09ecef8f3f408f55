//! Telegram across real replica processes on Redis and PostgreSQL, with a
//! fake Bot API: ownership of a person survives the death of their replica.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::fake_telegram::FakeTelegram;
use common::replicas::Cluster;
use common::telegram::{TgPerson, tg_vars};

const A: i64 = 7101;
const B: i64 = 7202;

/// Replica heartbeat TTL (10 s) + a beat + grace + an adoption round.
const TAKEOVER_WITHIN: Duration = Duration::from_secs(40);

#[actix_web::test]
async fn a_telegram_person_whose_replica_is_killed_is_served_by_another() {
    // Arrange: A's updates reach r1, B's reach r2; they are paired.
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let vars = tg_vars(&fake, &[("CHATHUB_RESUME_GRACE_SECS", "1")]);
    let r1 = cluster.replica_with("r1", &vars).await;
    let mut r2 = cluster.replica_with("r2", &vars).await;
    let mut a = TgPerson::at(r1.http("/telegram/webhook"), A);
    let mut b = TgPerson::at(r2.http("/telegram/webhook"), B);
    common::telegram::pair(&fake, &mut a, &mut b).await;
    let first = a.text("before").await;
    fake.wait_sent(B, 1, common::EXPECT_WITHIN).await;

    // Act: B's replica dies without a word; A keeps writing through r1 (the
    // webhook answers 200: stored).
    r2.kill().await;
    let later = [a.text("after 1").await, a.text("after 2").await];

    // Assert: r1 takes B over and delivers what B missed, once and in order,
    // although B sent nothing since.
    let calls = fake
        .wait_until(TAKEOVER_WITHIN, |calls| copies_to_b(calls).len() >= 3)
        .await;
    let got = copies_to_b(&calls);
    assert_eq!(got, vec![first, later[0], later[1]]);
}

/// Message ids copied into B's chat, in call order.
fn copies_to_b(calls: &[common::fake_telegram::Call]) -> Vec<i32> {
    calls
        .iter()
        .filter(|c| c.chat_id == Some(B) && c.method == "copymessage" && c.status == 200)
        .map(|c| c.params["message_id"].as_i64().unwrap() as i32)
        .collect()
}
