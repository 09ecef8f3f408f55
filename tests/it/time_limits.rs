//! `CHATHUB_ROOM_IDLE_SECS` and `CHATHUB_SEARCH_MAX_SECS`, with short
//! values: on two replica processes over Redis and PostgreSQL (the idle end
//! stored, counted and announced once, whichever replica sweeps first), and
//! on Telegram (the notices).

use crate::common;

use common::fake_telegram::FakeTelegram;
use common::replicas::{Cluster, Replica};
use common::telegram::{TgPerson, WITHIN, only, pair, spawn_tg_app, texts};
use common::ws::{WsClient, matched_pair_across};

/// `chathub_rooms_ended_total{reason="<reason>"}` as `replica` counts it.
async fn ended_count(replica: &Replica, reason: &str) -> f64 {
    let text = reqwest::get(replica.http("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("chathub_rooms_ended_total{{reason=\"{reason}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[actix_web::test]
async fn a_silent_room_ends_once_for_both_people_on_two_replicas() {
    let cluster = Cluster::new(None).await;
    // No rematch cooldown: the two are paired again at the end.
    let idle = [
        ("CHATHUB_ROOM_IDLE_SECS", "3"),
        ("CHATHUB_REMATCH_COOLDOWN_SECS", "0"),
    ];
    let r1 = cluster.replica_with("r1", &idle).await;
    let r2 = cluster.replica_with("r2", &idle).await;
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    a.say("a1", "hello").await;
    a.expect("ack").await;
    assert_eq!(b.expect("message").await["text"], "hello");

    // Nobody writes: both are told, with the reason, about this room.
    for person in [&mut a, &mut b] {
        let left = person.wait_for("partner_left").await;
        assert_eq!(left["reason"], "idle", "{left}");
        assert_eq!(left["room"], room.as_str());
    }
    // Stored once, counted once over both replicas (each sweeps).
    assert_eq!(cluster.db.count("rooms WHERE end_reason = 'idle'").await, 1);
    assert_eq!(cluster.db.count("room_members WHERE active").await, 0);
    let counted = ended_count(&r1, "idle").await + ended_count(&r2, "idle").await;
    assert_eq!(
        counted, 1.0,
        "the end is counted by the one replica that stored it"
    );

    // Both can go on: a new search pairs them again.
    a.search().await;
    b.search().await;
    let again = a.wait_for("matched").await;
    assert_ne!(again["room"], room.as_str());
    b.wait_for("matched").await;
}

#[actix_web::test]
async fn an_unanswered_search_stops_with_a_notice_and_leaves_the_queue() {
    let cluster = Cluster::new(None).await;
    let max = [("CHATHUB_SEARCH_MAX_SECS", "2")];
    let r1 = cluster.replica_with("r1", &max).await;
    let r2 = cluster.replica_with("r2", &max).await;

    let mut lonely = WsClient::connect(&r1.ws_url("")).await;
    lonely.search().await;
    lonely.expect("searching").await;
    let stopped = lonely.expect("search_stopped").await;
    assert_eq!(stopped["reason"], "timeout", "{stopped}");

    // Nobody is left queued: the next two searchers (on either replica)
    // are paired with each other, not with the one who timed out.
    let (mut c, mut d, room) = matched_pair_across(&r2.ws_url(""), &r1.ws_url("")).await;
    c.say("c1", "hi").await;
    assert_eq!(d.wait_for("message").await["text"], "hi");
    assert!(!room.is_empty());
    // The one who timed out can search again.
    lonely.search().await;
    lonely.expect("searching").await;
}

#[actix_web::test]
async fn telegram_people_are_told_of_an_idle_end_and_a_stopped_search() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(
        &fake,
        &[
            ("CHATHUB_ROOM_IDLE_SECS", "2"),
            ("CHATHUB_SEARCH_MAX_SECS", "2"),
        ],
    )
    .await;
    let (mut a, mut b) = (TgPerson::new(&app, 7101), TgPerson::new(&app, 7102));
    pair(&fake, &mut a, &mut b).await;
    for chat in [a.chat, b.chat] {
        fake.wait_until(WITHIN, |calls| {
            texts(&only(calls, chat))
                .iter()
                .any(|t| t.contains("nobody wrote for a while"))
        })
        .await;
    }

    let mut c = TgPerson::new(&app, 7103);
    c.command("/search").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, c.chat))
            .iter()
            .any(|t| t.starts_with("Nobody was found in time"))
    })
    .await;
}
