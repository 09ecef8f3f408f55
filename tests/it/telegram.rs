//! Black-box tests of the Telegram transport: updates posted to the app's
//! webhook as Telegram would, replies observed on a fake Bot API.

use crate::common;

use common::fake_telegram::{Call, FakeTelegram};
use common::telegram::{SECRET, TgPerson, WITHIN, only, pair, spawn_tg_app, texts};
use common::ws::WsClient;
use serde_json::json;

const A: i64 = 1001;
const B: i64 = 2002;

fn copies(calls: &[Call]) -> Vec<&Call> {
    calls.iter().filter(|c| c.method == "copymessage").collect()
}

#[actix_web::test]
async fn a_wrong_secret_is_refused_and_changes_nothing() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut a = TgPerson::new(&app, A);
    let (_, msg) = a.message(json!({"text": "/start"}));
    let update = json!({"update_id": 900_001, "message": msg});

    assert_eq!(a.post_raw(&update, "wrong-secret").await, 401);
    assert_eq!(a.post_raw(&update, "").await, 401);
    let http = reqwest::Client::new();
    let no_header = http
        .post(app.http("/telegram/webhook"))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.status(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        fake.calls().is_empty(),
        "nothing was sent: {:?}",
        fake.calls()
    );

    // The same update with the right secret is handled once.
    assert_eq!(a.post_raw(&update, SECRET).await, 200);
    let calls = fake.wait_sent(A, 1, WITHIN).await;
    assert!(texts(&calls)[0].contains("Welcome"));
}

#[actix_web::test]
async fn malformed_and_oversized_updates_are_refused() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>| {
        http.post(app.http("/telegram/webhook"))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(b"not json".to_vec()).await.unwrap().status(), 400);
    let huge = format!(
        r#"{{"update_id":1,"message":{{"text":"{}"}}}}"#,
        "x".repeat(400_000)
    );
    assert_eq!(post(huge.into_bytes()).await.unwrap().status(), 413);
    assert!(fake.calls().is_empty());
}

#[actix_web::test]
async fn two_telegram_people_chat_in_order_and_a_duplicate_update_changes_nothing() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;
    let matched = fake
        .sent_to(A)
        .into_iter()
        .find(|c| {
            c.params["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Partner found"))
        })
        .unwrap();
    let buttons = matched.params["reply_markup"]["inline_keyboard"][0].to_string();
    assert!(
        buttons.contains("next") && buttons.contains("stop"),
        "{buttons}"
    );

    let mut sent = Vec::new();
    for i in 1..=10 {
        sent.push(a.text(&format!("hello {i}")).await);
    }
    // The same update delivered again by Telegram.
    let (id, msg) = a.message(json!({"text": "only once"}));
    let update = json!({"update_id": 800_000, "message": msg});
    assert_eq!(a.post_raw(&update, SECRET).await, 200);
    assert_eq!(a.post_raw(&update, SECRET).await, 200);
    sent.push(id);

    let got = fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .filter(|c| c.chat_id == Some(B) && c.method == "copymessage")
                .count()
                >= 11
        })
        .await;
    let to_b: Vec<i64> = copies(&got)
        .iter()
        .filter(|c| c.chat_id == Some(B))
        .map(|c| {
            assert_eq!(c.params["from_chat_id"], A);
            c.params["message_id"].as_i64().unwrap()
        })
        .collect();
    let expected: Vec<i64> = sent.iter().map(|&i| i64::from(i)).collect();
    assert_eq!(to_b, expected, "each message once, in order");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(copies(&fake.sent_to(B)).len(), 11, "no late duplicate");
    // A's own messages never come back to A.
    assert!(copies(&fake.sent_to(A)).is_empty());
}

#[actix_web::test]
async fn commands_and_buttons_work() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));

    a.command("/start").await;
    a.command("/help").await;
    a.command("/dance").await;
    a.text("anyone there?").await;
    let calls = fake.wait_sent(A, 4, WITHIN).await;
    let t = texts(&calls);
    assert!(
        t[0].contains("Welcome") && t[1].contains("/spoiler_on"),
        "{t:?}"
    );
    assert!(
        t[2].contains("/help") && t[3].contains("not in a chat"),
        "{t:?}"
    );

    pair(&fake, &mut a, &mut b).await;
    // The "next" button under the matched notice.
    assert_eq!(a.press("next").await, 200);
    fake.wait_until(WITHIN, |calls| {
        calls.iter().any(|c| c.method == "answercallbackquery")
            && texts(&only(calls, B))
                .iter()
                .any(|t| t.contains("moved on"))
            && texts(&only(calls, A))
                .iter()
                .any(|t| t.contains("Looking for a partner"))
    })
    .await;
    // B stops while idle; A, searching, stops with /stop.
    a.command("/stop").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .last()
            .is_some_and(|t| t == "Chat ended.")
    })
    .await;
}

#[actix_web::test]
async fn a_web_user_and_a_telegram_user_chat_both_ways() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut web = WsClient::connect(&app.ws_url("")).await;
    let mut tg = TgPerson::new(&app, A);

    web.search().await;
    web.expect("searching").await;
    tg.command("/search").await;
    web.wait_for("matched").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.starts_with("Partner found"))
    })
    .await;

    // Telegram -> web: text as it is, media as a clear notice with caption.
    tg.text("hi from telegram").await;
    tg.send(
        json!({"photo": [{"file_id": "PHOTO1", "file_unique_id": "u1", "width": 10, "height": 10}],
                   "caption": "my cat"}),
    )
    .await;
    let m1 = web.expect("message").await;
    assert_eq!(
        (m1["text"].as_str(), m1["seq"].as_i64()),
        (Some("hi from telegram"), Some(1))
    );
    assert_eq!(web.expect("message").await["text"], "[photo] my cat");

    // web -> Telegram: sendMessage with the text.
    web.say("w1", "hello from the web").await;
    web.expect("ack").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t == "hello from the web")
    })
    .await;
    // Nothing identifying the Telegram person reached the web user.
    web.say("w2", "still there?").await;
    let ack = web.expect("ack").await;
    assert!(!ack.to_string().contains("Secret Name") && !ack.to_string().contains("1001"));
}

#[actix_web::test]
async fn setup_sets_the_webhook_once_and_the_command_menu() {
    let fake = FakeTelegram::start().await;
    let config = common::test_config(&[
        ("TELEGRAM_BOT_TOKEN", common::telegram::TOKEN),
        ("TELEGRAM_API_URL", fake.url.as_str()),
        ("TELEGRAM_WEBHOOK_SECRET", SECRET),
        ("TELEGRAM_WEBHOOK_MAX_CONNECTIONS", "80"),
    ]);
    let tg = config.telegram.as_ref().unwrap();
    let url = url::Url::parse("https://hub.example/telegram/webhook").unwrap();

    chathub::transports::telegram::setup(tg, Some(url), false)
        .await
        .unwrap();

    let calls = fake.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    // One menu per language: English by default, then Russian and Ukrainian.
    assert_eq!(
        methods,
        [
            "setwebhook",
            "setmycommands",
            "setmycommands",
            "setmycommands"
        ]
    );
    let hook = &calls[0].params;
    assert_eq!(hook["url"], "https://hub.example/telegram/webhook");
    assert_eq!(hook["secret_token"], SECRET);
    assert_eq!(hook["max_connections"], 80);
    let allowed = hook["allowed_updates"].to_string();
    for kind in [
        "message",
        "edited_message",
        "callback_query",
        "message_reaction",
        "my_chat_member",
    ] {
        assert!(allowed.contains(&format!("\"{kind}\"")), "{allowed}");
    }
    let menu = calls[1].params["commands"].to_string();
    for cmd in [
        "search",
        "next",
        "stop",
        "report",
        "spoiler_on",
        "spoiler_off",
        "help",
    ] {
        assert!(menu.contains(&format!("\"{cmd}\"")), "{menu}");
    }
    assert!(calls[1].params.get("language_code").is_none());
    assert!(menu.contains("Find a partner"), "{menu}");
    assert_eq!(calls[2].params["language_code"], "ru");
    let ru = calls[2].params["commands"].to_string();
    assert!(
        ru.contains("Найти собеседника") && ru.contains("\"language\""),
        "{ru}"
    );
    assert_eq!(calls[3].params["language_code"], "uk");
    assert!(
        calls[3].params["commands"]
            .to_string()
            .contains("Знайти співрозмовника")
    );

    // A replica serving updates never touches the webhook.
    let app = spawn_tg_app(&fake, &[]).await;
    let mut a = TgPerson::new(&app, A);
    a.command("/start").await;
    fake.wait_sent(A, 1, WITHIN).await;
    let hooks = fake
        .calls()
        .iter()
        .filter(|c| c.method.contains("webhook"))
        .count();
    assert_eq!(hooks, 1);
}

#[actix_web::test]
async fn idle_people_are_let_go_but_people_in_a_chat_are_not() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[("TELEGRAM_IDLE_SECS", "0.3")]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    let mut idle = TgPerson::new(&app, 3003);
    idle.command("/help").await;
    pair(&fake, &mut a, &mut b).await;

    // The idle person is let go (their actor stops: two Telegram people
    // stay online here), the two in a chat are not.
    let online = || app.metric("chathub_people_online{transport=\"telegram\"}");
    let deadline = std::time::Instant::now() + WITHIN;
    while online().await != 2.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "idle person still held: {} online",
            online().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let sent = b.text("still here").await;
    let copies = common::telegram::wait_method(&fake, A, "copymessage", 1).await;
    assert_eq!(copies[0].params["message_id"], sent);
    // The idle person's next update is served as usual.
    idle.command("/help").await;
    fake.wait_until(WITHIN, |calls| texts(&only(calls, 3003)).len() >= 2)
        .await;
}
