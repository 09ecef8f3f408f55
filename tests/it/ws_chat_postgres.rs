//! The key WebSocket scenarios again, with `DATABASE_URL` set: the app
//! migrates a fresh database at start-up and stores every message in it.

use crate::common;

use std::time::{Duration, Instant};

use common::pg::TestDb;
use common::pg_proxy::PgProxy;
use common::ws::matched_pair;
use common::{TestApp, scenarios, spawn_app};

async fn app_on(db: &TestDb) -> TestApp {
    spawn_app(&[("DATABASE_URL", db.url.as_str())]).await
}

#[actix_web::test]
async fn two_people_are_matched_and_messages_arrive_in_order_with_acks() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    scenarios::two_people_are_matched_and_messages_arrive_in_order_with_acks(&app).await;
    app.shutdown().await;
}

#[actix_web::test]
async fn a_retried_message_is_stored_and_delivered_once() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    scenarios::a_retried_message_is_stored_and_delivered_once(&app).await;
    app.shutdown().await;
}

#[actix_web::test]
async fn a_last_seq_beyond_the_room_is_clamped_not_silent() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    scenarios::a_last_seq_beyond_the_room_is_clamped_not_silent(&app).await;
    app.shutdown().await;
}

#[actix_web::test]
async fn resume_after_a_dropped_connection_loses_and_doubles_nothing() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    scenarios::resume_after_a_dropped_connection_loses_and_doubles_nothing(&app).await;
    app.shutdown().await;
}

#[actix_web::test]
async fn readiness_reports_the_database() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    let ready = reqwest::get(app.http("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["store"], "ok");
    app.shutdown().await;
}

#[actix_web::test]
async fn a_database_outage_is_a_retryable_error_and_the_hub_heals() {
    let db = TestDb::create().await;
    let mut proxy = PgProxy::start().await;
    let app = spawn_app(&[("DATABASE_URL", proxy.url(&db.url).as_str())]).await;
    let (mut a, mut b, _) = matched_pair(&app.ws_url("")).await;
    a.say("m1", "before").await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    assert_eq!(b.expect("message").await["seq"], 1);

    proxy.down().await;

    a.say("m2", "during").await;
    let err = a.expect("error").await;
    assert_eq!(
        (err["code"].as_str(), err["id"].as_str()),
        (Some("unavailable"), Some("m2"))
    );
    assert_eq!(err["retryable"], true);
    let ready = reqwest::get(app.http("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);

    proxy.up().await;

    let deadline = Instant::now() + Duration::from_secs(15);
    while reqwest::get(app.http("/readyz")).await.unwrap().status() != 200 {
        assert!(
            Instant::now() < deadline,
            "the hub did not become ready again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The client retries; nothing acknowledged was lost, nothing doubles.
    a.say("m2", "during").await;
    assert_eq!(a.expect("ack").await["seq"], 2);
    let msg = b.expect("message").await;
    assert_eq!(
        (msg["seq"].as_i64(), msg["text"].as_str()),
        (Some(2), Some("during"))
    );
    app.shutdown().await;
}

#[actix_web::test]
async fn text_with_nul_is_refused_clearly_and_fails_nobody_else() {
    let db = TestDb::create().await;
    let app = app_on(&db).await;
    let mut people = Vec::new();
    for _ in 0..10 {
        let (a, b, _) = matched_pair(&app.ws_url("")).await;
        people.extend([a, b]);
    }
    // Everybody sends before anybody reads, so the store sees them together.
    for i in 0..10 {
        for (n, p) in people.iter_mut().enumerate() {
            let text = if n < 4 { "bad\u{0}text" } else { "fine" };
            p.say(&format!("m{i}"), text).await;
        }
    }
    let (mut acks, mut refused) = (0, 0);
    for (n, p) in people.iter_mut().enumerate() {
        let mut answered = 0;
        while answered < 10 {
            let frame = p.next_frame().await;
            match frame["type"].as_str() {
                Some("ack") if n >= 4 => acks += 1,
                Some("error") if n < 4 => {
                    assert_eq!(frame["code"], "invalid_text", "{frame}");
                    assert_eq!(frame["retryable"], false, "{frame}");
                    refused += 1;
                }
                Some("message") => continue,
                _ => panic!("person {n} got {frame}"),
            }
            answered += 1;
        }
    }
    println!("acks {acks}, refused {refused}");
    assert_eq!((acks, refused), (160, 40));
    app.shutdown().await;
}
