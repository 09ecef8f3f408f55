//! Moderation that acts at once, across two replica processes on Redis and
//! PostgreSQL: bans while chatting, searching and idle issued on the other
//! replica, unban, deletion closing a live socket, automatic bans from
//! distinct reporters, the complaints queue and the audit log.

use crate::common;

use chathub::domain::{ComplaintId, EndReason, Platform, RoomId, SessionToken, UserId};
use chathub::store::{Moderation, RoomLog};
use common::replicas::{Cluster, Replica};
use common::spawn_app;
use common::ws::{CLOSED_BY_MODERATION, Closed, WsClient, matched_pair_across};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const TOKEN: &str = "moderation-test-token";

async fn cluster_pair() -> (Cluster, Replica, Replica) {
    cluster_pair_with(&[]).await
}

/// As [`cluster_pair`], with `extra` variables on both replicas.
pub(crate) async fn cluster_pair_with(extra: &[(&str, &str)]) -> (Cluster, Replica, Replica) {
    let cluster = Cluster::new(None).await;
    let mut env = vec![("CHATHUB_ADMIN_TOKEN", TOKEN)];
    env.extend_from_slice(extra);
    let r1 = cluster.replica_with("r1", &env).await;
    let r2 = cluster.replica_with("r2", &env).await;
    (cluster, r1, r2)
}

/// The opaque id behind a web session, as the store knows it.
pub(crate) async fn user_of(store: &dyn RoomLog, session: &str) -> UserId {
    let key = SessionToken::parse(session).unwrap().storage_key();
    store.find_user(Platform::Web, &key).await.unwrap().unwrap()
}

pub(crate) async fn admin(
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(TOKEN);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

pub(crate) async fn ban(
    replica: &Replica,
    user: UserId,
    until: Option<chrono::DateTime<chrono::Utc>>,
) {
    let mut body = json!({"reason": "spam", "by": "mod-ana"});
    if let Some(until) = until {
        body["until"] = json!(until);
    }
    let res = admin(
        reqwest::Method::POST,
        replica.http(&format!("/admin/users/{user}/ban")),
        Some(body),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn bans_on_the_other_replica_act_at_once_while_chatting_searching_and_idle() {
    let (cluster, r1, r2) = cluster_pair().await;
    let store = cluster.db.store().await;

    // Chatting: A on r1 with B on r2; the ban is issued on r2.
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    ban(&r2, alice, Some(until)).await;
    let error = a.told_banned_and_closed().await;
    let told: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(error["until"].clone()).unwrap();
    assert_eq!(told.timestamp(), until.timestamp(), "the end time is told");
    let left = b.wait_for("partner_left").await;
    assert_eq!(
        (left["room"].as_str(), left["reason"].as_str()),
        (Some(room.as_str()), Some("moderation"))
    );

    // Every new search is refused while banned, on any replica.
    let mut a_again = WsClient::resume(&r2.ws_url(""), &a.session).await;
    a_again.search().await;
    assert_eq!(a_again.wait_for("error").await["code"], "banned");

    // Searching: C waits on r1 and is banned on r2; then D searching is
    // not paired with C, and only D is waiting.
    let mut c = WsClient::connect(&r1.ws_url("")).await;
    c.search().await;
    c.expect("searching").await;
    let carol = user_of(&*store, &c.session).await;
    ban(&r2, carol, None).await;
    let error = c.told_banned_and_closed().await;
    assert_eq!(error["until"], Value::Null, "a permanent ban has no end");
    let mut d = WsClient::connect(&r2.ws_url("")).await;
    d.search().await;
    d.expect("searching").await;
    let stats: Value = admin(reqwest::Method::GET, r1.http("/admin/stats"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["searching"], 1, "{stats}");

    // Idle: E is connected to r1 and doing nothing; banned on r2.
    let mut e = WsClient::connect(&r1.ws_url("")).await;
    let erin = user_of(&*store, &e.session).await;
    ban(
        &r2,
        erin,
        Some(chrono::Utc::now() + chrono::Duration::days(7)),
    )
    .await;
    e.told_banned_and_closed().await;

    // Unban (on r1): A can search again and is paired with D.
    let res = admin(
        reqwest::Method::DELETE,
        r1.http(&format!("/admin/users/{alice}/ban?by=mod-ben")),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    a_again.search().await;
    a_again.wait_for("matched").await;
    d.wait_for("matched").await;
    let res = admin(
        reqwest::Method::DELETE,
        r1.http(&format!("/admin/users/{alice}/ban?by=mod-ben")),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "nothing left to lift");

    // Every action is in the audit log, with who did it.
    let audit: Value = admin(reqwest::Method::GET, r2.http("/admin/audit"), None)
        .await
        .json()
        .await
        .unwrap();
    let seen: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        seen,
        vec![
            expect("unban", "mod-ben"),
            expect("ban", "mod-ana"),
            expect("ban", "mod-ana"),
            expect("ban", "mod-ana"),
        ]
    );
}

#[actix_web::test]
async fn deletion_on_the_other_replica_closes_a_live_socket() {
    let (cluster, r1, r2) = cluster_pair().await;
    let store = cluster.db.store().await;
    let (mut a, mut b, _room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;

    let res = admin(
        reqwest::Method::DELETE,
        r2.http(&format!("/admin/users/{alice}?by=mod-ana")),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    assert_eq!(b.wait_for("partner_left").await["reason"], "moderation");
    assert_eq!(a.wait_for("error").await["code"], "deleted");
    assert_eq!(a.closed().await, Closed::Code(CLOSED_BY_MODERATION));
    // B searches again and is not paired with anyone (nobody else waits).
    b.search().await;
    b.expect("searching").await;
    let view: Value = admin(
        reqwest::Method::GET,
        r1.http(&format!("/admin/users/{alice}")),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (view["deleted"].as_bool(), view["online"].as_bool()),
        (Some(true), Some(false))
    );
}

/// `reporter` and `target` (searching, nobody else waiting) are paired; the
/// reporter reports; the target sees the chat end.
pub(crate) async fn meet_and_report(reporter: &mut WsClient, target: &mut WsClient) {
    meet_and_file_report(reporter, target).await;
    assert_eq!(target.wait_for("partner_left").await["reason"], "report");
}

/// `reporter` and `target` are paired and the reporter's report is filed;
/// returns their room.
pub(crate) async fn meet_and_file_report(reporter: &mut WsClient, target: &mut WsClient) -> RoomId {
    target.search().await;
    target.expect("searching").await;
    reporter.search().await;
    let room = reporter.wait_for("matched").await["room"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    target.wait_for("matched").await;
    reporter
        .send(json!({"type": "report", "reason": "abusive"}))
        .await;
    reporter.wait_for("reported").await;
    room
}

/// Three fresh reporters on `via` meet and report `target` (the automatic
/// ban's threshold): each of the first two chats ends as a report; the third
/// report bans, and the ban's close may reach the target before that chat's
/// end (two doorbells, no order between them): the target is told of the
/// ban, and the store says that chat ended as a report. Returns the
/// `banned` error the target was told.
async fn reported_by_three(store: &dyn RoomLog, via: &Replica, target: &mut WsClient) -> Value {
    for _ in 0..2 {
        let mut reporter = WsClient::connect(&via.ws_url("")).await;
        meet_and_report(&mut reporter, target).await;
    }
    let mut reporter = WsClient::connect(&via.ws_url("")).await;
    let room = meet_and_file_report(&mut reporter, target).await;
    let error = target.told_banned_and_closed().await;
    let ended = store.room(room).await.unwrap().unwrap();
    assert_eq!(ended.end_reason, Some(EndReason::Report));
    error
}

#[actix_web::test]
async fn distinct_reporters_ban_automatically_one_reporter_three_times_does_not() {
    // One reporter meets the same target three times in a row: no rematch
    // cooldown here.
    let (cluster, r1, r2) = cluster_pair_with(&[("CHATHUB_REMATCH_COOLDOWN_SECS", "0")]).await;
    let store = cluster.db.store().await;

    // One reporter three times: no ban, the target still searches.
    let mut t1 = WsClient::connect(&r1.ws_url("")).await;
    let mut x = WsClient::connect(&r2.ws_url("")).await;
    for _ in 0..3 {
        meet_and_report(&mut x, &mut t1).await;
    }
    t1.search().await;
    t1.expect("searching").await;
    t1.send(json!({"type": "stop"})).await;
    t1.wait_for("stopped").await;

    // Three distinct reporters on r2: the target on r1 is banned for an hour.
    let mut t2 = WsClient::connect(&r1.ws_url("")).await;
    let target = user_of(&*store, &t2.session).await;
    let error = reported_by_three(&*store, &r2, &mut t2).await;
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(error["until"].clone()).unwrap();
    let hour = until - chrono::Utc::now();
    assert!(hour > chrono::Duration::minutes(58) && hour <= chrono::Duration::minutes(60));

    let view: Value = admin(
        reqwest::Method::GET,
        r2.http(&format!("/admin/users/{target}")),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(view["profile"]["complaints_received"], 3);
    assert_eq!(view["bans"][0]["automatic"], true);

    // The queue: six open complaints, paged two at a time with the cursor.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = admin(
            reqwest::Method::GET,
            r1.http(&format!(
                "/admin/complaints?status=open&limit=2&cursor={cursor}"
            )),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
            assert!(item["reported_open"].as_i64().unwrap() == 3);
        }
        match page["next"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
        assert!(seen.len() <= 6, "the cursor moves forward");
    }
    assert_eq!(seen.len(), 6);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6, "no complaint twice");
    let audit: Value = admin(reqwest::Method::GET, r2.http("/admin/audit"), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["action"], "autoban");
}

/// A 400 whose `error` starts with `field`, as the README promises.
async fn refused_naming(res: reqwest::Response, field: &str, what: &str) {
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{what}");
    let body: Value = res.json().await.unwrap();
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.starts_with(field), "{what}: {body}");
}

#[actix_web::test]
async fn admin_input_is_refused_with_the_field_named_never_503() {
    let db = common::pg::TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await;
    let store = db.store().await;
    let person = store.upsert_user(Platform::Web, "someone").await.unwrap();
    let partner = store.upsert_user(Platform::Web, "partner").await.unwrap();
    let room = store.create_room(person, partner).await.unwrap();
    let url = app.http(&format!("/admin/users/{person}/ban"));
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let cases = [
        (json!({"reason": "spam", "by": "m".repeat(101)}), "by"),
        (json!({"reason": "r".repeat(501), "by": "mod"}), "reason"),
        (json!({"reason": " ", "by": "mod"}), "reason"),
        (
            json!({"reason": "spam", "by": "mod", "until": past}),
            "until",
        ),
        (
            json!({"reason": "spam", "by": "mod", "until": "soon"}),
            "until",
        ),
        // PostgreSQL text cannot hold NUL: refused here, not a 503 there.
        (json!({"reason": "spam", "by": "mo\u{0}d"}), "by"),
        (json!({"reason": "sp\u{0}am", "by": "mod"}), "reason"),
        (json!({"by": "mod"}), "reason"),
        (
            json!({"reason": "spam", "by": "mod", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, field) in cases {
        let res = admin(reqwest::Method::POST, url.clone(), Some(body.clone())).await;
        refused_naming(res, field, &body.to_string()).await;
    }
    assert!(!store.is_banned(person).await.unwrap(), "nothing changed");

    // A NUL `by` on deletion: refused before the room ends or anything is
    // erased.
    let res = admin(
        reqwest::Method::DELETE,
        app.http(&format!("/admin/users/{person}?by=mo%00d")),
        None,
    )
    .await;
    refused_naming(res, "by", "delete with a NUL by").await;
    assert_eq!(
        store.active_room(person).await.unwrap().map(|r| r.id),
        Some(room.id),
        "the room goes on"
    );
    assert!(
        store.identity(person).await.unwrap().is_some(),
        "the person is not deleted"
    );

    let ok = admin(
        reqwest::Method::POST,
        url,
        Some(json!({"reason": "spam", "by": "m".repeat(100)})),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT, "100 characters fit");

    // A NUL `by` on unban: refused, the ban stays.
    let res = admin(
        reqwest::Method::DELETE,
        app.http(&format!("/admin/users/{person}/ban?by=%00")),
        None,
    )
    .await;
    refused_naming(res, "by", "unban with a NUL by").await;
    assert!(store.is_banned(person).await.unwrap(), "the ban stays");

    // Paths and query strings name their field too.
    let named = [
        ("/admin/users/nope", "id"),
        ("/admin/complaints/nope", "id"),
        ("/admin/complaints?status=open&cursor=zz", "cursor"),
        ("/admin/complaints?limit=ten", "limit"),
        ("/admin/complaints?limit=0", "limit"),
        ("/admin/complaints?status=new", "status"),
        ("/admin/complaints?colour=red", "colour"),
        ("/admin/audit?limit=-1", "limit"),
        ("/admin/audit?page=2", "page"),
    ];
    for (path, field) in named {
        let res = admin(reqwest::Method::GET, app.http(path), None).await;
        refused_naming(res, field, path).await;
    }
    let res = admin(
        reqwest::Method::DELETE,
        app.http(&format!("/admin/users/{person}/ban?by=mod&by=other")),
        None,
    )
    .await;
    refused_naming(res, "by", "by twice").await;
    let res = admin(
        reqwest::Method::POST,
        app.http(&format!("/admin/complaints/{}/resolve", ComplaintId::new())),
        Some(json!({"status": "dismissed", "by": "\u{0}"})),
    )
    .await;
    refused_naming(res, "by", "resolve with a NUL by").await;
    assert!(store.is_banned(person).await.unwrap(), "still banned");
}

#[actix_web::test]
async fn a_telegram_person_banned_on_the_other_replica_is_told_and_refused() {
    use common::fake_telegram::FakeTelegram;
    use common::telegram::{TgPerson, only, texts, tg_vars};
    const CHAT: i64 = 7707;

    // Arrange: a Telegram person whose updates reach r1 chats with a web
    // person on r2; the moderator works on r2.
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let vars = tg_vars(&fake, &[("CHATHUB_ADMIN_TOKEN", TOKEN)]);
    let r1 = cluster.replica_with("r1", &vars).await;
    let r2 = cluster.replica_with("r2", &vars).await;
    let mut tg = TgPerson::at(r1.http("/telegram/webhook"), CHAT);
    tg.command("/search").await;
    let mut web = WsClient::connect(&r2.ws_url("")).await;
    web.search().await;
    web.wait_for("matched").await;
    let store = cluster.db.store().await;
    let person = store
        .find_user(Platform::Telegram, &CHAT.to_string())
        .await
        .unwrap()
        .unwrap();

    // Act: a one-hour ban, issued on r2.
    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    ban(&r2, person, Some(until)).await;

    // Assert: the web partner is told the chat ended by moderation; the
    // Telegram person gets a notice naming the end of the ban...
    let left = web.wait_for("partner_left").await;
    assert_eq!(left["reason"], "moderation");
    let told_banned = |calls: &[common::fake_telegram::Call]| {
        texts(&only(calls, CHAT))
            .iter()
            .filter(|t| t.contains("banned"))
            .count()
    };
    let calls = fake
        .wait_until(common::EXPECT_WITHIN, |calls| told_banned(calls) >= 1)
        .await;
    let notice = texts(&only(&calls, CHAT))
        .into_iter()
        .find(|t| t.contains("banned"))
        .unwrap();
    assert!(
        notice.contains(&until.format("%Y-%m-%d %H:%M").to_string()),
        "{notice}"
    );
    // ...and a search while banned is refused (told again), not queued.
    tg.command("/search").await;
    fake.wait_until(common::EXPECT_WITHIN, |calls| told_banned(calls) >= 2)
        .await;
    assert!(
        store.active_room(person).await.unwrap().is_none(),
        "not paired while banned"
    );
}

#[actix_web::test]
async fn a_second_automatic_ban_lasts_longer_than_the_first() {
    // Arrange: the target chats on r1, reporters come through r2.
    let (cluster, r1, r2) = cluster_pair().await;
    let store = cluster.db.store().await;
    let mut target = WsClient::connect(&r1.ws_url("")).await;
    let session = target.session.clone();
    let who = user_of(&*store, &session).await;
    let ban_length = |error: &Value| {
        let until: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(error["until"].clone()).unwrap();
        until - chrono::Utc::now()
    };

    // Act 1: three distinct reporters: the first automatic ban (1 h).
    let first = ban_length(&reported_by_three(&*store, &r2, &mut target).await);

    // A moderator lifts it on r2; the target comes back on r1.
    let res = admin(
        reqwest::Method::DELETE,
        r2.http(&format!("/admin/users/{who}/ban?by=mod-ben")),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let mut target = WsClient::resume(&r1.ws_url(""), &session).await;

    // Act 2: three new distinct reporters.
    let second = ban_length(&reported_by_three(&*store, &r2, &mut target).await);

    // Assert: the repeat escalates (1 h, then 24 h by default).
    assert!(first <= chrono::Duration::hours(1), "{first}");
    assert!(
        second > chrono::Duration::hours(23) && second <= chrono::Duration::hours(24),
        "{second}"
    );
}
