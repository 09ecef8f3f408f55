//! What moderators read and what a ban leaves a person able to do, across
//! two replica processes on Redis and PostgreSQL: `/admin/stats` counted as
//! people would count, one person's record, a banned or deleted person's
//! messages, and the automatic ban's window.

use crate::common;
use crate::moderation::{
    TOKEN, admin, ban, cluster_pair_with, meet_and_file_report, meet_and_report, user_of,
};

use chathub::store::Moderation;
use common::fake_telegram::FakeTelegram;
use common::replicas::{Cluster, Replica};
use common::telegram::{TgPerson, tg_vars};
use common::ws::{WsClient, matched_pair_across};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The service-wide part of `/admin/stats` on `replica`.
async fn service_stats(replica: &Replica) -> Value {
    let stats: Value = admin(Method::GET, replica.http("/admin/stats"), None)
        .await
        .json()
        .await
        .unwrap();
    json!({
        "online_by_transport": stats["online_by_transport"],
        "searching": stats["searching"],
        "active_rooms": stats["active_rooms"],
        "messages_last_minute": stats["messages_last_minute"],
    })
}

#[actix_web::test]
async fn stats_count_the_whole_service_as_people_would() {
    const CHAT: i64 = 8808;
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let vars = tg_vars(&fake, &[("CHATHUB_ADMIN_TOKEN", TOKEN)]);
    let r1 = cluster.replica_with("r1", &vars).await;
    let r2 = cluster.replica_with("r2", &vars).await;

    // Arrange: two web chats across the replicas, a Telegram person (updates
    // through r1) chatting with a web person on r2, one web person searching
    // on r1.
    let (mut a, mut b, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let (mut c, mut d, _) = matched_pair_across(&r2.ws_url(""), &r1.ws_url("")).await;
    let mut tg = TgPerson::at(r1.http("/telegram/webhook"), CHAT);
    tg.command("/search").await;
    let mut f = WsClient::connect(&r2.ws_url("")).await;
    f.search().await;
    f.wait_for("matched").await;
    let mut e = WsClient::connect(&r1.ws_url("")).await;
    e.search().await;
    e.expect("searching").await;
    let web_people = [&a, &b, &c, &d, &e, &f].len();
    let (telegram_people, rooms, searching) = (1, 3, 1);

    // Each message is counted once it reached the partner.
    let mut said = 0;
    for (id, text) in [("a1", "hi"), ("a2", "there")] {
        a.say(id, text).await;
        b.wait_for("message").await;
        said += 1;
    }
    b.say("b1", "hey").await;
    a.wait_for("message").await;
    c.say("c1", "yo").await;
    d.wait_for("message").await;
    tg.text("hello from telegram").await;
    f.wait_for("message").await;
    said += 3;

    let expected = json!({
        "online_by_transport": {"web": web_people, "telegram": telegram_people},
        "searching": searching,
        "active_rooms": rooms,
        "messages_last_minute": said,
    });
    // Presence is written as connections start; wait (bounded) until it
    // caught up, then both replicas must tell the same service-wide counts.
    let deadline = tokio::time::Instant::now() + common::EXPECT_WITHIN;
    while service_stats(&r1).await != expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(service_stats(&r1).await, expected);
    assert_eq!(service_stats(&r2).await, expected);
}

#[actix_web::test]
async fn a_persons_record_shows_reputation_reports_dismissals_ban_and_chat() {
    let (cluster, r1, r2) = cluster_pair_with(&[]).await;
    let store = cluster.db.store().await;
    let mut p = WsClient::connect(&r1.ws_url("")).await;
    let person = user_of(&*store, &p.session).await;

    // Z meets P and rates them down; P reports Z, which a moderator dismisses.
    let mut z = WsClient::connect(&r2.ws_url("")).await;
    let zed = user_of(&*store, &z.session).await;
    p.search().await;
    p.expect("searching").await;
    z.search().await;
    z.wait_for("matched").await;
    p.wait_for("matched").await;
    z.send(json!({"type": "rate", "score": "down"})).await;
    z.wait_for("rated").await;
    p.send(json!({"type": "report", "reason": "spam"})).await;
    p.wait_for("reported").await;
    z.wait_for("partner_left").await;
    let queue: Value = admin(Method::GET, r2.http("/admin/complaints?status=open"), None)
        .await
        .json()
        .await
        .unwrap();
    let against_zed = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reported"] == zed.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = admin(
        Method::POST,
        r2.http(&format!("/admin/complaints/{against_zed}/resolve")),
        Some(json!({"status": "dismissed", "by": "mod-ana"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Y meets P and reports them; then P chats with W.
    let mut y = WsClient::connect(&r2.ws_url("")).await;
    meet_and_report(&mut y, &mut p).await;
    let mut w = WsClient::connect(&r2.ws_url("")).await;
    p.search().await;
    p.expect("searching").await;
    w.search().await;
    w.wait_for("matched").await;
    p.wait_for("matched").await;

    let view = |replica: &Replica| {
        let url = replica.http(&format!("/admin/users/{person}"));
        async move {
            let res = admin(Method::GET, url, None).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        }
    };
    let seen = view(&r2).await;
    assert_eq!(
        (
            &seen["profile"]["reputation_up"],
            &seen["profile"]["reputation_down"]
        ),
        (&json!(0), &json!(1)),
        "{seen}"
    );
    let reports = seen["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{seen}");
    assert_eq!(
        (&reports[0]["reported"], &reports[0]["status"]),
        (&json!(person.to_string()), &json!("open"))
    );
    assert_eq!(seen["dismissed_reports_filed"], 1, "{seen}");
    assert_eq!(seen["active_ban"], Value::Null);
    assert_eq!(
        (&seen["chatting"], &seen["online"]),
        (&json!(true), &json!(true))
    );

    // A one-hour ban: in force, and the chat is over.
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    ban(&r1, person, Some(until)).await;
    p.told_banned_and_closed().await;
    assert_eq!(w.wait_for("partner_left").await["reason"], "moderation");
    let seen = view(&r1).await;
    let told: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(seen["active_ban"]["until"].clone()).unwrap();
    assert_eq!(told.timestamp(), until.timestamp(), "{seen}");
    assert_eq!(seen["chatting"], false, "{seen}");
}

#[actix_web::test]
async fn banned_and_deleted_people_cannot_write_to_their_partner() {
    let (cluster, r1, r2) = cluster_pair_with(&[]).await;
    let store = cluster.db.store().await;

    // Banned while chatting (on the other replica): the room ends; their
    // next connection has no room to write in, and nothing more is stored
    // or reaches the partner.
    let (mut a, mut b, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;
    a.say("a1", "before").await;
    b.wait_for("message").await;
    ban(
        &r2,
        alice,
        Some(chrono::Utc::now() + chrono::Duration::hours(1)),
    )
    .await;
    a.told_banned_and_closed().await;
    assert_eq!(b.wait_for("partner_left").await["reason"], "moderation");
    let mut again = WsClient::resume(&r2.ws_url(""), &a.session).await;
    again.say("a2", "after the ban").await;
    assert_eq!(again.wait_for("error").await["code"], "not_in_room");
    assert_eq!(cluster.db.count("messages").await, 1, "nothing more stored");
    b.search().await;
    b.expect("searching").await;
    b.send(json!({"type": "stop"})).await;
    b.wait_for("stopped").await;

    // Deleted while chatting: the socket is closed; the same session opens
    // a stranger with no room, and the partner hears nothing more.
    let (mut c, mut d, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let carol = user_of(&*store, &c.session).await;
    let res = admin(
        Method::DELETE,
        r2.http(&format!("/admin/users/{carol}?by=mod-ana")),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(c.wait_for("error").await["code"], "deleted");
    assert_eq!(d.wait_for("partner_left").await["reason"], "moderation");
    let mut again = WsClient::resume(&r1.ws_url(""), &c.session).await;
    again.say("c1", "after deletion").await;
    assert_eq!(again.wait_for("error").await["code"], "not_in_room");
    assert_eq!(cluster.db.count("messages").await, 1, "nothing more stored");
    d.search().await;
    d.expect("searching").await;
}

#[actix_web::test]
async fn reports_older_than_the_window_do_not_ban() {
    const WINDOW_SECS: i64 = 3600;
    let window = WINDOW_SECS.to_string();
    let (cluster, r1, r2) =
        cluster_pair_with(&[("CHATHUB_AUTOBAN_WINDOW_SECS", window.as_str())]).await;
    let store = cluster.db.store().await;
    let mut target = WsClient::connect(&r1.ws_url("")).await;
    let who = user_of(&*store, &target.session).await;

    // Two distinct reporters, whose complaints are then moved to twice the
    // window ago (nothing else can date a complaint in the past).
    for _ in 0..2 {
        let mut reporter = WsClient::connect(&r2.ws_url("")).await;
        meet_and_report(&mut reporter, &mut target).await;
    }
    cluster
        .db
        .execute(&format!(
            "UPDATE complaints SET created_at = now() - interval '{} seconds' \
             WHERE reported_id = '{who}'",
            2 * WINDOW_SECS
        ))
        .await;

    // A third distinct reporter: one report within the window, no ban (the
    // target searches again inside the next meeting).
    let mut third = WsClient::connect(&r2.ws_url("")).await;
    meet_and_report(&mut third, &mut target).await;
    assert!(!store.is_banned(who).await.unwrap(), "old reports count");
    let mut fourth = WsClient::connect(&r2.ws_url("")).await;
    meet_and_report(&mut fourth, &mut target).await;
    assert!(!store.is_banned(who).await.unwrap(), "old reports count");

    // A fifth makes three recent distinct reporters: banned.
    let mut fifth = WsClient::connect(&r2.ws_url("")).await;
    meet_and_file_report(&mut fifth, &mut target).await;
    target.told_banned_and_closed().await;
    assert!(store.is_banned(who).await.unwrap());
}
