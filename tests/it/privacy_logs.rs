//! Nothing that identifies a person, nothing they wrote and no secret
//! reaches the logs, even at `RUST_LOG=debug` with every dependency on the
//! path (Postgres driver, Redis, HTTP clients, teloxide), nor anything the
//! Bot API gets beyond the intended recipient's copy.

use crate::common;

use common::fake_telegram::FakeTelegram;
use common::replicas::Cluster;
use common::telegram::{SECRET, TOKEN, TgPerson, tg_vars, wait_method};
use common::ws::WsClient;
use serde_json::json;

/// A Telegram person's chat id: digits that must not appear in any log.
const TG_CHAT: i64 = 7_313_131_313;
const TG_TEXT: &str = "marker-telegram-text-4f1d";
const WEB_TEXT: &str = "marker-web-text-93ab";
const REASON: &str = "marker-report-reason-55e2";
const ADMIN_TOKEN: &str = "marker-admin-token-c0de";

#[actix_web::test]
async fn debug_logs_and_bot_api_calls_carry_no_text_names_ids_or_secrets() {
    // Arrange: two replicas at RUST_LOG=debug, their output in files; a
    // Telegram person (with a name and username) on r1, a web person on r2.
    let fake = FakeTelegram::start().await;
    let cluster = Cluster::new(None).await;
    let dir = std::env::temp_dir().join(format!("chathub-logs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let vars = tg_vars(
        &fake,
        &[("RUST_LOG", "debug"), ("CHATHUB_ADMIN_TOKEN", ADMIN_TOKEN)],
    );
    let r1 = cluster
        .replica_logged("r1", &vars, &dir.join("r1.log"))
        .await;
    let r2 = cluster
        .replica_logged("r2", &vars, &dir.join("r2.log"))
        .await;
    let mut tg = TgPerson::at(r1.http("/telegram/webhook"), TG_CHAT);
    tg.command("/search").await;
    let mut web = WsClient::connect(&r2.ws_url("")).await;
    web.search().await;
    web.wait_for("matched").await;

    // Act: both write, the web person reports with a reason, and an
    // operator looks at the stats.
    tg.text(TG_TEXT).await;
    assert_eq!(web.wait_for("message").await["text"], TG_TEXT);
    web.say("w1", WEB_TEXT).await;
    wait_method(&fake, TG_CHAT, "sendmessage", 3).await;
    web.send(json!({"type": "report", "reason": REASON})).await;
    web.wait_for("reported").await;
    let stats = reqwest::Client::new()
        .get(r1.http("/admin/stats"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), 200);
    let session = web.session.clone();
    drop((r1, r2)); // killed: every line they wrote is in the files

    // Assert: no marker in either log...
    let logs = ["r1.log", "r2.log"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(logs.contains("DEBUG"), "debug logging was on:\n{logs}");
    let secret_part = TOKEN.split(':').nth(1).unwrap();
    for marker in [
        TG_TEXT,
        WEB_TEXT,
        REASON,
        "Secret Name",
        "secret_user",
        &TG_CHAT.to_string(),
        secret_part,
        SECRET,
        ADMIN_TOKEN,
        &session,
    ] {
        assert!(!logs.contains(marker), "the logs contain {marker:?}");
        // The Postgres driver prints text parameters as their bytes.
        let bytes = marker
            .bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        assert!(
            !logs.contains(&bytes),
            "the logs contain {marker:?} as bytes"
        );
    }
    // ...and the Bot API got the web text only as the Telegram person's
    // copy, and never the Telegram person's name or their own text.
    for call in fake.calls() {
        let params = call.params.to_string();
        for marker in [TG_TEXT, REASON, "Secret Name", "secret_user", ADMIN_TOKEN] {
            assert!(!params.contains(marker), "{} got {marker:?}", call.method);
        }
        if params.contains(WEB_TEXT) {
            assert_eq!(
                (call.method.as_str(), call.chat_id),
                ("sendmessage", Some(TG_CHAT))
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
