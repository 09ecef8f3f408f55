//! The operator API on PostgreSQL: data-protection export and deletion (the
//! partner is told), bans, complaints; and its refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chathub::domain::{Platform, SessionToken, UserId};
use chathub::store::Store;
use common::pg::TestDb;
use common::spawn_app;
use common::ws::{WsClient, matched_pair};
use serde_json::{Value, json};

const TOKEN: &str = "admin-test-token";

/// The opaque id behind a web session, as the store knows it.
async fn user_of(store: &dyn Store, session: &str) -> UserId {
    let key = SessionToken::parse(session).unwrap().storage_key();
    store.find_user(Platform::Web, &key).await.unwrap().unwrap()
}

#[actix_web::test]
async fn export_and_delete_a_person_the_partner_is_told() {
    // Arrange: two people chatting, on Postgres.
    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await;
    let store = db.store().await;
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;
    a.say("m1", "something of mine").await;
    a.expect("ack").await;
    b.expect("message").await;
    let alice = user_of(&*store, &a.session).await;
    let http = reqwest::Client::new();

    // Act + Assert: the export holds A's message.
    let export: Value = http
        .get(app.http(&format!("/admin/users/{alice}/export")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(export.to_string().contains("something of mine"), "{export}");

    // Deleting A ends the room; B is told.
    let deleted = http
        .delete(app.http(&format!("/admin/users/{alice}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let left = b.expect("partner_left").await;
    assert_eq!(
        (left["room"].as_str(), left["reason"].as_str()),
        (Some(room.as_str()), Some("moderation"))
    );
    let export = http
        .get(app.http(&format!("/admin/users/{alice}/export")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert!(!export.text().await.unwrap().contains("something of mine"));
}

#[actix_web::test]
async fn a_banned_person_cannot_search_and_bad_requests_change_nothing() {
    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await;
    let store = db.store().await;
    let http = reqwest::Client::new();
    let mut a = WsClient::connect(&app.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;

    let ban = http
        .post(app.http(&format!("/admin/users/{alice}/ban")))
        .bearer_auth(TOKEN)
        .json(&json!({"reason": "spam", "by": "mod-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ban.status(), 204);
    a.search().await;
    assert_eq!(a.wait_for("error").await["code"], "banned");

    // Bad input is refused clearly and changes nothing.
    let bad = http
        .post(app.http(&format!("/admin/users/{alice}/ban")))
        .bearer_auth(TOKEN)
        .json(&json!({"reason": "", "by": "m"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let not_an_id = http
        .get(app.http("/admin/users/nope/export"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(not_an_id.status(), 400);
    let unknown = http
        .get(app.http(&format!("/admin/complaints/{}", uuid::Uuid::new_v4())))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let resolve_unknown = http
        .post(app.http(&format!(
            "/admin/complaints/{}/resolve",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(TOKEN)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resolve_unknown.status(), 404);
    let no_token = http
        .delete(app.http(&format!("/admin/users/{alice}")))
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 401);
    assert!(
        store.identity(alice).await.unwrap().is_some(),
        "nothing was deleted"
    );
}

#[actix_web::test]
async fn a_complaint_shows_its_evidence_and_can_be_closed_once() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    let db = TestDb::create().await;
    let app = spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await;
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;
    b.say("r1", "rude words").await;
    b.expect("ack").await;
    a.expect("message").await;
    a.send(json!({"type": "report", "reason": "rude"})).await;
    a.expect("reported").await;
    // Moderators find complaints in the database (no listing endpoint yet).
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: uuid::Uuid,
    }
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT id FROM complaints")
        .load(&mut conn)
        .await
        .unwrap();
    let id = rows[0].id;
    let http = reqwest::Client::new();

    let shown: Value = http
        .get(app.http(&format!("/admin/complaints/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["reason"], "rude");
    assert!(
        shown.to_string().contains("rude words"),
        "evidence kept: {shown}"
    );

    let bad = http
        .post(app.http(&format!("/admin/complaints/{id}/resolve")))
        .bearer_auth(TOKEN)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let closed = http
        .post(app.http(&format!("/admin/complaints/{id}/resolve")))
        .bearer_auth(TOKEN)
        .json(&json!({"status": "dismissed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 204);
    let shown: Value = http
        .get(app.http(&format!("/admin/complaints/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["status"], "dismissed");
}
