//! The key WebSocket scenarios again, with `DATABASE_URL` set: the app
//! migrates a fresh database at start-up and stores every message in it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pg::TestDb;
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
