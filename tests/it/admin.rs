//! The operator API on PostgreSQL: data-protection export and deletion (the
//! partner is told), bans, complaints; and its refusals.

use crate::common;

use chathub::domain::{Platform, SessionToken, UserId};
use chathub::store::RoomLog;
use common::pg::TestDb;
use common::ws::{WsClient, matched_pair};
use common::{TestApp, spawn_app};
use reqwest::{Method, Response};
use serde_json::{Value, json};

const TOKEN: &str = "admin-test-token";

/// An operator calling `/admin/*` of `app`, with or without the token.
struct Operator<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
}

impl<'a> Operator<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>, token: bool) -> Response {
        let mut req = self.http.request(method, self.app.http(path));
        if token {
            req = req.bearer_auth(TOKEN);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, None, true).await
    }

    async fn post(&self, path: &str, body: Value) -> Response {
        self.call(Method::POST, path, Some(body), true).await
    }

    async fn delete(&self, path: &str) -> Response {
        self.call(Method::DELETE, path, None, true).await
    }
}

async fn app_with_admin(db: &TestDb) -> TestApp {
    spawn_app(&[
        ("DATABASE_URL", db.url.as_str()),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await
}

/// The opaque id behind a web session, as the store knows it.
async fn user_of(store: &dyn RoomLog, session: &str) -> UserId {
    let key = SessionToken::parse(session).unwrap().storage_key();
    store.find_user(Platform::Web, &key).await.unwrap().unwrap()
}

#[actix_web::test]
async fn export_and_delete_a_person_the_partner_is_told() {
    // Arrange: two people chatting, on Postgres.
    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
    let store = db.store().await;
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;
    a.say("m1", "something of mine").await;
    a.expect("ack").await;
    b.expect("message").await;
    let alice = user_of(&*store, &a.session).await;

    // Act + Assert: the export holds A's message.
    let export: Value = op
        .get(&format!("/admin/users/{alice}/export?by=mod-1"))
        .await
        .json()
        .await
        .unwrap();
    assert!(export.to_string().contains("something of mine"), "{export}");

    // Deleting A ends the room; B is told; A's words are gone.
    assert_eq!(
        op.delete(&format!("/admin/users/{alice}?by=mod-1"))
            .await
            .status(),
        204
    );
    let left = b.expect("partner_left").await;
    assert_eq!(
        (left["room"].as_str(), left["reason"].as_str()),
        (Some(room.as_str()), Some("moderation"))
    );
    let export = op
        .get(&format!("/admin/users/{alice}/export?by=mod-1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!export.contains("something of mine"));
}

/// The actions of the audit log, newest first.
async fn audited(op: &Operator<'_>) -> Vec<(String, String, String)> {
    let audit: Value = op.get("/admin/audit").await.json().await.unwrap();
    let field = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_owned();
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (field(e, "action"), field(e, "actor"), field(e, "user")))
        .collect()
}

#[actix_web::test]
async fn an_export_needs_a_moderator_and_is_audited() {
    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
    let store = db.store().await;
    let a = WsClient::connect(&app.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;
    let path = format!("/admin/users/{alice}/export");

    // Without a moderator's name (missing, blank, NUL): refused, naming
    // `by`, nothing read and nothing recorded.
    for query in ["", "?by=", "?by=%20%20", "?by=m%00d"] {
        let res = op.get(&format!("{path}{query}")).await;
        assert_eq!(res.status(), 400, "{query:?}");
        let body: Value = res.json().await.unwrap();
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("by"), "{query:?}: {body}");
    }
    assert_eq!(audited(&op).await, []);

    // With one: the export, and an entry saying who read whose data.
    let res = op.get(&format!("{path}?by=mod-7")).await;
    assert_eq!(res.status(), 200);
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["id"], alice.to_string());
    for key in ["blocks", "ratings"] {
        assert!(export[key].is_array(), "{key}: {export}");
    }
    assert!(export["settings"].is_object(), "{export}");
    assert_eq!(
        audited(&op).await,
        [("export".to_owned(), "mod-7".to_owned(), alice.to_string())]
    );
    // Nobody to export: 404, nothing recorded.
    let unknown = uuid::Uuid::new_v4();
    let res = op
        .get(&format!("/admin/users/{unknown}/export?by=mod-7"))
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(audited(&op).await.len(), 1);
}

#[actix_web::test]
async fn every_moderator_action_names_its_moderator() {
    // Arrange: Alice is banned and reported; Bob chats with Carol.
    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
    let store = db.store().await;
    let a = WsClient::connect(&app.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;
    let ban = json!({"reason": "spam", "by": "mod-1"});
    let banned = op.post(&format!("/admin/users/{alice}/ban"), ban).await;
    assert_eq!(banned.status(), 204);
    let (b, mut c, _room) = matched_pair(&app.ws_url("")).await;
    let bob = user_of(&*store, &b.session).await;
    let before = audited(&op).await.len();

    // Act: an unban, a deletion and a complaint closed without `by`.
    let refusals = [
        op.delete(&format!("/admin/users/{alice}/ban")).await,
        op.delete(&format!("/admin/users/{bob}")).await,
        op.post(
            &format!("/admin/complaints/{}/resolve", uuid::Uuid::new_v4()),
            json!({"status": "dismissed"}),
        )
        .await,
    ];

    // Assert: each is a 400 naming `by`, and nothing changed: Alice is
    // still banned, Bob still chats, nothing was audited.
    for res in refusals {
        assert_eq!(res.status(), 400);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap_or_default().contains("by"),
            "{body}"
        );
    }
    let view: Value = op
        .get(&format!("/admin/users/{alice}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(!view["active_ban"].is_null(), "{view}");
    let view: Value = op
        .get(&format!("/admin/users/{bob}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["chatting"], true, "{view}");
    assert_eq!(audited(&op).await.len(), before);
    let mut b = b;
    b.say("m1", "still here").await;
    assert_eq!(c.expect("message").await["text"], "still here");
}

#[actix_web::test]
async fn a_banned_person_cannot_search_and_bad_requests_change_nothing() {
    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
    let store = db.store().await;
    let mut a = WsClient::connect(&app.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;

    let ban = op
        .post(
            &format!("/admin/users/{alice}/ban"),
            json!({"reason": "spam", "by": "mod-1"}),
        )
        .await;
    assert_eq!(ban.status(), 204);
    // The open session is told and closed at once; a new one cannot search.
    a.told_banned_and_closed().await;
    let mut a = WsClient::resume(&app.ws_url(""), &a.session).await;
    a.search().await;
    assert_eq!(a.wait_for("error").await["code"], "banned");

    // Bad input is refused clearly and changes nothing.
    let empty_reason = op
        .post(
            &format!("/admin/users/{alice}/ban"),
            json!({"reason": "", "by": "m"}),
        )
        .await;
    assert_eq!(empty_reason.status(), 400);
    assert_eq!(op.get("/admin/users/nope/export?by=m").await.status(), 400);
    let unknown = uuid::Uuid::new_v4();
    assert_eq!(
        op.get(&format!("/admin/complaints/{unknown}"))
            .await
            .status(),
        404
    );
    let resolve_unknown = op
        .post(
            &format!("/admin/complaints/{unknown}/resolve"),
            json!({"status": "resolved", "by": "mod-1"}),
        )
        .await;
    assert_eq!(resolve_unknown.status(), 404);
    let no_token = op
        .call(
            Method::DELETE,
            &format!("/admin/users/{alice}"),
            None,
            false,
        )
        .await;
    assert_eq!(no_token.status(), 401);
    assert!(
        store.identity(alice).await.unwrap().is_some(),
        "nothing was deleted"
    );
}

#[actix_web::test]
async fn a_complaint_shows_its_evidence_and_can_be_closed() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
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
    let path = format!("/admin/complaints/{}", rows[0].id);

    let shown: Value = op.get(&path).await.json().await.unwrap();
    assert_eq!(shown["reason"], "rude");
    assert!(
        shown.to_string().contains("rude words"),
        "evidence kept: {shown}"
    );

    let reopen = op
        .post(
            &format!("{path}/resolve"),
            json!({"status": "open", "by": "mod-1"}),
        )
        .await;
    assert_eq!(reopen.status(), 400);
    let closed = op
        .post(
            &format!("{path}/resolve"),
            json!({"status": "dismissed", "by": "mod-1"}),
        )
        .await;
    assert_eq!(closed.status(), 204);
    let shown: Value = op.get(&path).await.json().await.unwrap();
    assert_eq!(shown["status"], "dismissed");
}

#[actix_web::test]
async fn a_room_ended_by_a_deletion_is_counted_as_moderation() {
    const ENDED: &str = "chathub_rooms_ended_total{reason=\"moderation\"}";
    let db = TestDb::create().await;
    let app = app_with_admin(&db).await;
    let op = Operator::new(&app);
    let store = db.store().await;
    let (a, mut b, _room) = matched_pair(&app.ws_url("")).await;
    let alice = user_of(&*store, &a.session).await;
    // The recorder is shared by every test of this binary, which run in
    // parallel: compare before and after rather than with zero.
    let before = app.metric(ENDED).await;

    assert_eq!(
        op.delete(&format!("/admin/users/{alice}?by=mod-1"))
            .await
            .status(),
        204
    );
    b.expect("partner_left").await;

    assert!(
        app.metric(ENDED).await >= before + 1.0,
        "the deletion's room end is counted under reason=moderation"
    );
}
