//! Politeness towards Telegram: the per-chat budget as the fake recorded
//! it, a 429 pausing every send with nothing lost, and a person who blocked
//! the bot (403, or `my_chat_member` kicked) ending the room.

use crate::common;

use std::time::Duration;

use common::fake_telegram::{Failure, FakeTelegram};
use common::telegram::{
    TgPerson, WITHIN, assert_paused_after_429, only, pair, spawn_tg_app, texts, wait_method,
};

/// Slack for the time a call spends between the budget and the fake's
/// clock, in tokens (a call's worth).
const JITTER_TOKENS: f64 = 1.0;

const A: i64 = 5005;
const B: i64 = 6006;

#[actix_web::test]
async fn a_403_for_the_partner_ends_the_room_and_tells_the_other_person() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    fake.fail_chat(B, Failure::Blocked);
    a.text("are you there?").await;

    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("can no longer be reached"))
    })
    .await;
    a.text("hello?").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("not in a chat"))
    })
    .await;
}

#[actix_web::test]
async fn a_kicked_update_ends_the_room_before_any_send_fails() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    // As Telegram would: B is gone, sends to B fail from now on.
    fake.fail_chat(B, Failure::Blocked);
    assert_eq!(b.block_bot().await, 200);

    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("can no longer be reached"))
    })
    .await;
    // A and a newcomer pair with each other: the room is over for good.
    let mut c = TgPerson::new(&app, 7007);
    pair(&fake, &mut a, &mut c).await;
}

#[actix_web::test]
async fn a_429_pauses_all_sends_and_loses_nothing() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    fake.fail_next(1, Some(B), Failure::TooMany { retry_after: 1 });
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(i64::from(a.text(&format!("m{i}")).await));
        sent.push(i64::from(b.text(&format!("r{i}")).await));
    }

    let to_b = wait_method(&fake, B, "copymessage", 5).await;
    let to_a = wait_method(&fake, A, "copymessage", 5).await;
    let ids = |calls: &[common::fake_telegram::Call]| -> Vec<i64> {
        calls
            .iter()
            .map(|c| c.params["message_id"].as_i64().unwrap())
            .collect()
    };
    let a_sent: Vec<i64> = sent.iter().step_by(2).copied().collect();
    let b_sent: Vec<i64> = sent.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(
        ids(&to_b),
        a_sent,
        "all of A's messages reached B once, in order"
    );
    assert_eq!(
        ids(&to_a),
        b_sent,
        "all of B's messages reached A once, in order"
    );

    // Nobody got anything while the pause lasted: every call after the 429
    // came at least retry_after later, except one that the other sender
    // (A's) had already started when the 429 arrived.
    assert_paused_after_429(&fake.calls());
}

#[actix_web::test]
async fn sends_into_one_chat_stay_within_burst_and_rate() {
    const RATE: f64 = 4.0;
    const BURST: f64 = 2.0;
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(
        &fake,
        &[
            ("TELEGRAM_CHAT_RATE_PER_SEC", "4"),
            ("TELEGRAM_CHAT_BURST", "2"),
        ],
    )
    .await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    for i in 0..10 {
        a.text(&format!("burst {i}")).await;
    }
    wait_method(&fake, B, "copymessage", 10).await;

    // For every window between two calls into B, the calls in it are at
    // most what a full bucket plus the refill over the window allows.
    let into_b: Vec<_> = fake.sent_to(B).into_iter().map(|c| c.at).collect();
    assert!(into_b.len() >= 12);
    for i in 0..into_b.len() {
        for j in i..into_b.len() {
            let window = (into_b[j] - into_b[i]).as_secs_f64();
            let allowed = BURST + RATE * window + JITTER_TOKENS;
            let n = (j - i + 1) as f64;
            assert!(
                n <= allowed,
                "{n} calls in {window:.3}s (allowed {allowed:.2})"
            );
        }
    }
    let span = (into_b[into_b.len() - 1] - into_b[0]).as_secs_f64();
    assert!(
        span >= (into_b.len() as f64 - BURST) / RATE - 0.1,
        "paced: {span:.2}s"
    );
}

#[actix_web::test]
async fn transient_failures_are_retried_and_final_refusals_explained() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    // A 5xx (teloxide waits 10 s on those) is retried: the message arrives.
    fake.fail_next(1, Some(B), Failure::Server);
    let first = a.text("through a hiccup").await;
    let calls = fake
        .wait_until(Duration::from_secs(25), |calls| {
            only(calls, B)
                .iter()
                .any(|c| c.method == "copymessage" && c.status == 200)
        })
        .await;
    let copy = only(&calls, B)
        .into_iter()
        .find(|c| c.method == "copymessage" && c.status == 200);
    assert_eq!(copy.unwrap().params["message_id"], first);

    // A 400 is final: both people hear about it, and later messages flow.
    fake.fail_next(
        1,
        Some(B),
        Failure::BadRequest("message to copy not found".into()),
    );
    a.text("gone").await;
    let last = a.text("after").await;
    let copies = wait_method(&fake, B, "copymessage", 2).await;
    assert_eq!(copies[1].params["message_id"], last);
    let to_b = texts(&only(&fake.calls(), B));
    assert!(
        to_b.iter().any(|t| t.contains("could not be delivered")),
        "{to_b:?}"
    );
    let to_a = texts(&only(&fake.calls(), A));
    assert!(
        to_a.iter()
            .any(|t| t.contains("your partner did not get it")),
        "{to_a:?}"
    );
}

#[actix_web::test]
async fn an_edit_that_changes_nothing_is_not_an_error() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;
    let sent = a.text("same").await;
    wait_method(&fake, B, "copymessage", 1).await;

    let unchanged = "message is not modified: specified new message content and reply markup are \
        exactly the same as a current content and reply markup of the message";
    fake.fail_next(1, Some(B), Failure::BadRequest(unchanged.into()));
    assert_eq!(a.edit(sent, serde_json::json!({"text": "same"})).await, 200);
    let after = a.text("next one").await;

    let copies = wait_method(&fake, B, "copymessage", 2).await;
    assert_eq!(copies[1].params["message_id"], after);
    let notes = texts(&fake.calls());
    assert!(
        !notes
            .iter()
            .any(|t| t.contains("not get it") || t.contains("could not")),
        "{notes:?}"
    );
}

#[actix_web::test]
async fn report_and_flooding_get_clear_answers() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(
        &fake,
        &[("CHATHUB_FLOOD_PER_SEC", "1"), ("CHATHUB_FLOOD_BURST", "4")],
    )
    .await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    a.command("/report rude").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("report was filed"))
            && texts(&only(calls, B))
                .iter()
                .any(|t| t.contains("ended the chat"))
    })
    .await;
    for i in 0..6 {
        b.text(&format!("spam {i}")).await;
    }
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, B))
            .iter()
            .any(|t| t.starts_with("Slow down"))
    })
    .await;
}
