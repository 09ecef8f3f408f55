//! What a person sees of their partner besides messages: "reconnecting"
//! while the partner's connection is lost (`partner_away` / `partner_back`,
//! across replicas, and the grace period still ending the room), and
//! typing (web to web, and web to Telegram as a paced chat action).

use crate::common;

use std::time::Duration;

use common::fake_telegram::FakeTelegram;
use common::replicas::Cluster;
use common::telegram::{TgPerson, WITHIN, only, spawn_tg_app, texts};
use common::ws::{WsClient, matched_pair, matched_pair_across};
use serde_json::json;

#[actix_web::test]
async fn a_dropped_partner_is_shown_away_then_back_across_replicas_then_gone() {
    let cluster = Cluster::new(None).await;
    let grace = [("CHATHUB_RESUME_GRACE_SECS", "6")];
    let r1 = cluster.replica_with("r1", &grace).await;
    let r2 = cluster.replica_with("r2", &grace).await;
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let session = b.session.clone();
    // A message from B reaching A shows that r1 listens to the room: a
    // signal rung before that (a doorbell only) would be lost.
    b.say("b0", "hello").await;
    a.wait_for("message").await;

    // B's network goes: the TCP connection to r2 is gone without a close.
    b.drop_connection();
    let away = a.expect("partner_away").await;
    assert_eq!(away["room"], room.as_str());

    // A reconnects meanwhile (on r2): told at once that B is still away.
    let a_session = a.session.clone();
    a.drop_connection();
    let mut a = WsClient::resume(&r2.ws_url("?last_seq=1"), &a_session).await;
    assert_eq!(a.hello_room.as_deref(), Some(room.as_str()));
    a.expect("matched").await;
    assert_eq!(a.expect("partner_away").await["room"], room.as_str());

    // B's page comes back through the load balancer, on the other replica.
    let mut b = WsClient::resume(&r1.ws_url("?last_seq=0"), &session).await;
    assert_eq!(b.hello_room.as_deref(), Some(room.as_str()));
    let back = a.expect("partner_back").await;
    assert_eq!(back["room"], room.as_str());
    b.say("b1", "still here").await;
    assert_eq!(a.expect("message").await["text"], "still here");

    // Gone for good this time: away, then the grace period ends the room.
    b.drop_connection();
    a.expect("partner_away").await;
    let left = a.expect("partner_left").await;
    assert_eq!(left["reason"], "disconnected", "{left}");
}

#[actix_web::test]
async fn a_telegram_partner_is_told_once_per_away_period() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[("CHATHUB_RESUME_GRACE_SECS", "30")]).await;
    let mut tg = TgPerson::new(&app, 7201);
    let mut web = WsClient::connect(&app.ws_url("")).await;
    web.search().await;
    web.expect("searching").await;
    tg.command("/search").await;
    web.wait_for("matched").await;
    let session = web.session.clone();
    // The Telegram person getting a message shows that their actor listens
    // to the room: a signal rung before that (a doorbell only) is lost.
    web.say("w0", "hi").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, tg.chat)).contains(&"hi".to_owned())
    })
    .await;

    let reconnecting = |calls: &[common::fake_telegram::Call]| {
        texts(&only(calls, tg.chat))
            .iter()
            .filter(|t| t.contains("reconnecting"))
            .count()
    };
    web.drop_connection();
    fake.wait_until(WITHIN, |calls| reconnecting(calls) == 1)
        .await;
    // Back, then a message: the Telegram person sees the message and no
    // notice for the return.
    let mut web = WsClient::resume(&app.ws_url("?last_seq=0"), &session).await;
    web.say("w1", "sorry, tunnel").await;
    web.wait_for("ack").await;
    let calls = fake
        .wait_until(WITHIN, |calls| {
            texts(&only(calls, tg.chat)).contains(&"sorry, tunnel".to_owned())
        })
        .await;
    assert_eq!(reconnecting(&calls), 1, "one notice for one away period");
    // A second away period gets its own notice.
    web.drop_connection();
    fake.wait_until(WITHIN, |calls| reconnecting(calls) == 2)
        .await;
}

#[actix_web::test]
async fn typing_reaches_a_web_partner_is_not_stored_and_extra_signals_are_dropped_quietly() {
    let app = common::spawn_app(&[]).await;
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;

    a.send(json!({"type": "typing"})).await;
    assert_eq!(b.expect("typing").await, json!({"type": "typing"}));

    // A storm of typing signals: no error for the sender, at most a couple
    // passed on, and the message after them is the room's first (typing
    // takes no seq: it is never stored).
    for _ in 0..50 {
        a.send(json!({"type": "typing"})).await;
    }
    a.say("a1", "done typing").await;
    let ack = a.expect("ack").await;
    assert_eq!(ack["seq"], 1);
    let mut typings = 0;
    loop {
        let frame = b.next_frame().await;
        match frame["type"].as_str() {
            Some("typing") => typings += 1,
            Some("message") => {
                assert_eq!(frame["seq"], 1);
                break;
            }
            other => panic!("unexpected {other:?}: {frame}"),
        }
    }
    assert!(typings <= 2, "{typings} of 50 typing signals passed on");

    // Outside a room, typing is ignored without an error.
    a.send(json!({"type": "stop"})).await;
    a.expect("stopped").await;
    a.send(json!({"type": "typing"})).await;
    a.search().await;
    a.expect("searching").await;
}

#[actix_web::test]
async fn typing_reaches_a_telegram_partner_as_a_chat_action_at_most_every_five_seconds() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut web = WsClient::connect(&app.ws_url("")).await;
    let mut tg = TgPerson::new(&app, 7301);
    web.search().await;
    web.expect("searching").await;
    tg.command("/search").await;
    web.wait_for("matched").await;

    // Typing on and on, a signal every 300 ms (the server passes one on
    // every 2 s), until the chat got its second "typing..." (or a deadline
    // far beyond the 5 s between two).
    let chat_actions = |calls: &[common::fake_telegram::Call]| {
        only(calls, tg.chat)
            .iter()
            .filter(|c| c.method == "sendchataction")
            .count()
    };
    let started = std::time::Instant::now();
    while chat_actions(&fake.calls()) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no second chat action"
        );
        web.send(json!({"type": "typing"})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let calls = fake.calls();
    let actions: Vec<_> = only(&calls, tg.chat)
        .into_iter()
        .filter(|c| c.method == "sendchataction")
        .collect();
    assert!(actions.iter().all(|c| c.params["action"] == "typing"));
    for pair in actions.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap >= Duration::from_millis(4900),
            "chat actions {gap:?} apart"
        );
    }
    // Then the message itself arrives as ever.
    web.say("w1", "here it is").await;
    web.expect("ack").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, tg.chat)).contains(&"here it is".to_owned())
    })
    .await;
}
