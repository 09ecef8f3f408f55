//! Polling mode: the lease holder polls `getUpdates` and handles updates in
//! order through the same path as the webhook; the Redis lease admits one
//! poller across replicas.

use crate::common;

use std::time::Duration;

use chathub::transports::telegram::{Lease, RedisLease};
use common::fake_telegram::FakeTelegram;
use common::telegram::{TgPerson, WITHIN, only, spawn_tg_app, texts};
use serde_json::json;

const A: i64 = 8008;

fn text_update(update_id: i64, message_id: i64, text: &str) -> serde_json::Value {
    json!({"update_id": update_id, "message": {
        "message_id": message_id, "date": 1_700_000_000, "text": text,
        "chat": {"id": A, "type": "private", "first_name": "P"},
        "from": {"id": A, "is_bot": false, "first_name": "P"},
    }})
}

#[actix_web::test]
async fn the_poller_handles_updates_in_order_and_confirms_them() {
    let fake = FakeTelegram::start().await;
    fake.push_update(text_update(10, 1, "/start"));
    fake.push_update(text_update(11, 2, "/help"));
    let app = spawn_tg_app(&fake, &[("TELEGRAM_MODE", "polling")]).await;

    let calls = fake
        .wait_until(WITHIN, |calls| texts(&only(calls, A)).len() >= 2)
        .await;
    let t = texts(&only(&calls, A));
    assert!(
        t[0].contains("Welcome") && t[1].contains("/spoiler_on"),
        "{t:?}"
    );
    // The next poll confirms both (offset past the last handled update).
    let polls = fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .any(|c| c.method == "getupdates" && c.params["offset"] == 12)
        })
        .await;
    let first = polls.iter().find(|c| c.method == "getupdates").unwrap();
    let allowed = first.params["allowed_updates"].to_string();
    assert!(allowed.contains("message_reaction") && allowed.contains("my_chat_member"));
    // The webhook is not a way in while polling.
    let a = TgPerson::new(&app, A);
    assert_eq!(a.post("message", json!({})).await.1, 401);

    app.shutdown().await;
    // A poll already at the fake finishes within its long-poll wait.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let after = fake.calls().len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(fake.calls().len(), after, "no polling after shutdown");
}

#[tokio::test]
async fn the_redis_lease_admits_one_poller_at_a_time() {
    let url = common::redis_server::shared_redis_url();
    let prefix = format!("chathub-test:lease:{}", uuid::Uuid::new_v4());
    let one = RedisLease::connect(&url, &prefix, "replica-1")
        .await
        .unwrap();
    let two = RedisLease::connect(&url, &prefix, "replica-2")
        .await
        .unwrap();

    assert!(one.acquire_or_renew().await.unwrap());
    assert!(!two.acquire_or_renew().await.unwrap(), "held by replica-1");
    assert!(
        one.acquire_or_renew().await.unwrap(),
        "renewed by its holder"
    );
    two.release().await.unwrap(); // not the holder: changes nothing
    assert!(!two.acquire_or_renew().await.unwrap());

    one.release().await.unwrap();
    assert!(two.acquire_or_renew().await.unwrap(), "free after release");
    assert!(!one.acquire_or_renew().await.unwrap());
    two.release().await.unwrap();
}
