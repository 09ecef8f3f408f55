//! The web chat over real WebSockets with `REDIS_URL` set: the bus and the
//! search queue are Redis (the store stays in-memory: one process).

use crate::common;

use common::redis_server::{RedisServer, shared_redis_url, unique_prefix, wait_until};
use common::ws::{WsClient, matched_pair};
use common::{scenarios, spawn_app};
use serde_json::json;

#[actix_web::test]
async fn two_people_are_matched_and_chat_in_order_over_redis() {
    let (url, prefix) = (shared_redis_url(), unique_prefix());
    let app = spawn_app(&[("REDIS_URL", &url), ("CHATHUB_REDIS_PREFIX", &prefix)]).await;

    scenarios::two_people_are_matched_and_messages_arrive_in_order_with_acks(&app).await;

    // Next goes through the Redis queue too: a newcomer gets A.
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;
    a.send(json!({"type": "next"})).await;
    assert_eq!(b.expect("partner_left").await["reason"], "next");
    a.expect("searching").await;
    let mut c = WsClient::connect(&app.ws_url("")).await;
    c.search().await;
    let room_c = c.wait_for("matched").await["room"].clone();
    assert_eq!(a.expect("matched").await["room"], room_c);
}

#[actix_web::test]
async fn while_redis_is_down_readiness_fails_and_sends_get_a_retryable_error() {
    let mut server = RedisServer::start().await;
    let (url, prefix) = (server.url(), unique_prefix());
    let app = spawn_app(&[("REDIS_URL", &url), ("CHATHUB_REDIS_PREFIX", &prefix)]).await;
    let http = reqwest::Client::new();
    let ready = || async { http.get(app.http("/readyz")).send().await.unwrap().status() };
    assert_eq!(ready().await, 200);
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;

    server.kill().await;

    wait_until("readiness fails", || async { ready().await == 503 }).await;
    a.say("m1", "sent while Redis is down").await;
    let err = a.expect("error").await;
    assert_eq!(
        (err["code"].as_str(), err["id"].as_str()),
        (Some("unavailable"), Some("m1"))
    );

    server.restart().await;
    wait_until("readiness recovers", || async { ready().await == 200 }).await;

    // The person retries the same message: stored once, delivered once
    // (B may already have it from the catch-up after the resync).
    a.say("m1", "sent while Redis is down").await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    a.say("m2", "after").await;
    assert_eq!(a.expect("ack").await["seq"], 2);
    let first = b.expect("message").await;
    assert_eq!(
        (first["seq"].as_i64(), first["text"].as_str()),
        (Some(1), Some("sent while Redis is down"))
    );
    assert_eq!(b.expect("message").await["seq"], 2);
}
