//! Two replicas behind one bot: updates land on either, ownership of a
//! person follows their updates, and the outgoing budget and a 429 pause
//! are shared through Redis (CHATHUB_TEST_REDIS_URL, default local).

use crate::common;

use std::time::Duration;

use common::fake_telegram::{Failure, FakeTelegram};
use common::inproc::spawn_replicas;
use common::redis_server::shared_redis_url;
use common::telegram::{
    TgPerson, WITHIN, assert_no_second_above, assert_paused_after_429, only, pair, texts, tg_vars,
    wait_method,
};

const A: i64 = 9109;
const B: i64 = 9209;

#[actix_web::test]
async fn updates_on_either_replica_relay_once_and_in_order() {
    let fake = FakeTelegram::start().await;
    let apps = spawn_replicas(2, &tg_vars(&fake, &[])).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    pair(&fake, &mut a, &mut b).await;

    // A's updates land on alternating replicas: A's actor moves each time.
    let mut sent = Vec::new();
    for i in 0..10 {
        a.via(&apps[i % 2]);
        sent.push(i64::from(a.text(&format!("a{i}")).await));
    }
    let to_b = wait_method(&fake, B, "copymessage", 10).await;
    let got: Vec<i64> = to_b
        .iter()
        .map(|c| c.params["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, sent, "B got each once, in order");

    // B moves too, between replies; A still gets each once, in order.
    let mut replies = Vec::new();
    for i in 0..6 {
        b.via(&apps[(i + 1) % 2]);
        replies.push(i64::from(b.text(&format!("b{i}")).await));
        wait_method(&fake, A, "copymessage", i + 1).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let to_a = wait_method(&fake, A, "copymessage", 6).await;
    let got: Vec<i64> = to_a
        .iter()
        .map(|c| c.params["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, replies);
    let to_b = wait_method(&fake, B, "copymessage", 10).await;
    assert_eq!(to_b.len(), 10, "no duplicates after B moved");
}

#[actix_web::test]
async fn a_429_on_one_replica_pauses_the_other() {
    let fake = FakeTelegram::start().await;
    let url = shared_redis_url();
    let prefix = format!("chathub-test:replicas:{}", uuid::Uuid::new_v4());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("TELEGRAM_REDIS_PREFIX", prefix.as_str()),
    ];
    let apps = spawn_replicas(2, &tg_vars(&fake, &vars)).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    pair(&fake, &mut a, &mut b).await;

    // B's sender (replica 1) hits the 429; A's sender lives on replica 0.
    fake.fail_next(1, Some(B), Failure::TooMany { retry_after: 1 });
    for i in 0..4 {
        a.text(&format!("to b {i}")).await;
        b.text(&format!("to a {i}")).await;
    }
    wait_method(&fake, B, "copymessage", 4).await;
    wait_method(&fake, A, "copymessage", 4).await;

    assert_paused_after_429(&fake.calls());
}

#[actix_web::test]
async fn both_replicas_together_stay_within_the_global_budget() {
    const RATE: usize = 6;
    let fake = FakeTelegram::start().await;
    let url = shared_redis_url();
    let prefix = format!("chathub-test:replicas:{}", uuid::Uuid::new_v4());
    let vars = [
        ("REDIS_URL", url.as_str()),
        ("TELEGRAM_REDIS_PREFIX", prefix.as_str()),
        ("TELEGRAM_RATE_PER_SEC", "6"),
    ];
    let apps = spawn_replicas(2, &tg_vars(&fake, &vars)).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    let (mut c, mut d) = (TgPerson::new(&apps[1], 9309), TgPerson::new(&apps[0], 9409));
    pair(&fake, &mut a, &mut b).await;
    pair(&fake, &mut c, &mut d).await;

    for i in 0..6 {
        a.text(&format!("a{i}")).await;
        c.text(&format!("c{i}")).await;
    }
    wait_method(&fake, B, "copymessage", 6).await;
    wait_method(&fake, 9409, "copymessage", 6).await;

    let times: Vec<_> = fake
        .calls()
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.at)
        .collect();
    assert_no_second_above(&times, RATE);
}

#[actix_web::test]
async fn a_searching_person_whose_update_reaches_another_replica_still_gets_matched() {
    let fake = FakeTelegram::start().await;
    let apps = spawn_replicas(2, &tg_vars(&fake, &[])).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    a.command("/search").await;
    // A's next update lands on the other replica: A's actor moves there.
    a.via(&apps[1]);
    a.command("/help").await;

    b.command("/search").await;

    for chat in [A, B] {
        fake.wait_until(WITHIN, |calls| {
            texts(&only(calls, chat))
                .iter()
                .any(|t| t.starts_with("Partner found"))
        })
        .await;
    }
    let hi = a.text("hi").await;
    let copy = wait_method(&fake, B, "copymessage", 1).await;
    assert_eq!(copy[0].params["message_id"], hi);

    // And /stop through yet another move takes A out for good.
    a.via(&apps[0]);
    a.command("/stop").await;
    fake.wait_until(WITHIN, |calls| {
        common::telegram::texts(&common::telegram::only(calls, B))
            .iter()
            .any(|t| t.contains("ended the chat"))
    })
    .await;
}

#[actix_web::test]
async fn a_long_chat_moving_replica_is_not_replayed() {
    let fake = FakeTelegram::start().await;
    let apps = spawn_replicas(2, &tg_vars(&fake, &[])).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    pair(&fake, &mut a, &mut b).await;
    // More than a person's queue holds (1024).
    for i in 0..1100 {
        a.text(&format!("m{i}")).await;
    }
    wait_method(&fake, B, "copymessage", 1100).await;

    // B's next update lands on the other replica: B's actor moves there.
    b.via(&apps[0]);
    b.command("/help").await;
    let last = a.text("after the move").await;

    wait_method(&fake, B, "copymessage", 1101).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let copies: Vec<_> = fake
        .sent_to(B)
        .into_iter()
        .filter(|c| c.method == "copymessage")
        .collect();
    // The README's "once and in order": the one duplicate allowed is a copy Telegram
    // accepted just before the move and the old owner had not yet recorded.
    let ids: Vec<i64> = copies
        .iter()
        .map(|c| c.params["message_id"].as_i64().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 1101, "every message arrived");
    assert!(
        ids.len() <= 1102,
        "{} copies: more than the one-call window",
        ids.len()
    );
    assert_eq!(ids.last(), Some(&i64::from(last)));
}

#[actix_web::test]
async fn people_of_a_replica_that_stops_are_adopted_by_another() {
    let fake = FakeTelegram::start().await;
    let mut apps = spawn_replicas(2, &tg_vars(&fake, &[])).await;
    let (mut a, mut b) = (TgPerson::new(&apps[0], A), TgPerson::new(&apps[1], B));
    pair(&fake, &mut a, &mut b).await;

    // The replica speaking for A is deployed away; A says nothing.
    apps.remove(0).shutdown().await;
    let sent = b.text("are you still there?").await;

    // The other replica adopted A: B's message reaches A without A writing.
    let copies = wait_method(&fake, A, "copymessage", 1).await;
    assert_eq!(copies[0].params["message_id"], sent);
    a.via(&apps[0]);
    let reply = a.text("yes").await;
    let back = wait_method(&fake, B, "copymessage", 1).await;
    assert_eq!(back[0].params["message_id"], reply);
}
