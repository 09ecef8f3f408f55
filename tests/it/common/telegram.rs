//! A Telegram person as the hub sees them: updates posted to the app's
//! webhook, as Telegram would post them, and the app configured against a
//! fake Bot API.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::fake_telegram::{Call, FakeTelegram};
use super::{TestApp, spawn_app};

pub const SECRET: &str = "test-secret_123";
pub const TOKEN: &str = "123456:TEST-token";
pub const WITHIN: Duration = Duration::from_secs(10);

/// Update ids rise across every person of a test process, as Telegram's do.
static NEXT_UPDATE: AtomicU32 = AtomicU32::new(1);

/// The app wired to `fake`, with a budget generous enough not to slow tests
/// down; `extra` overrides any variable.
pub async fn spawn_tg_app(fake: &FakeTelegram, extra: &[(&str, &str)]) -> TestApp {
    spawn_app(&tg_vars(fake, extra)).await
}

/// The variables that wire an app to `fake`, then `extra`.
pub fn tg_vars<'a>(
    fake: &'a FakeTelegram,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut vars = vec![
        ("TELEGRAM_BOT_TOKEN", TOKEN),
        ("TELEGRAM_API_URL", fake.url.as_str()),
        ("TELEGRAM_WEBHOOK_SECRET", SECRET),
        ("TELEGRAM_RATE_PER_SEC", "1000"),
        ("TELEGRAM_CHAT_RATE_PER_SEC", "1000"),
        ("TELEGRAM_CHAT_BURST", "1000"),
    ];
    vars.extend_from_slice(extra);
    vars
}

pub struct TgPerson {
    pub chat: i64,
    url: String,
    next_msg: i32,
    http: reqwest::Client,
    /// The `language_code` of the person's Telegram app, if it sends one.
    language: Option<String>,
}

impl TgPerson {
    pub fn new(app: &TestApp, chat: i64) -> TgPerson {
        Self::at(app.http("/telegram/webhook"), chat)
    }

    /// A person whose updates Telegram posts to `webhook_url`.
    pub fn at(webhook_url: String, chat: i64) -> TgPerson {
        TgPerson {
            chat,
            url: webhook_url,
            next_msg: 1,
            http: reqwest::Client::new(),
            language: None,
        }
    }

    /// The person's Telegram app is in `code` (`from.language_code`).
    pub fn speaking(mut self, code: &str) -> TgPerson {
        self.language = Some(code.to_owned());
        self
    }

    /// Telegram's next posts for this person go to `app` (another replica
    /// behind the load balancer).
    pub fn via(&mut self, app: &TestApp) {
        self.url = app.http("/telegram/webhook");
    }

    /// Telegram's next posts for this person go to `webhook_url`.
    pub fn to(&mut self, webhook_url: String) {
        self.url = webhook_url;
    }

    fn chat_json(&self) -> Value {
        json!({"id": self.chat, "type": "private", "first_name": "Secret Name", "username": "secret_user"})
    }

    fn sender_json(&self) -> Value {
        let mut from = json!({"id": self.chat, "is_bot": false, "first_name": "Secret Name", "username": "secret_user"});
        if let Some(code) = &self.language {
            from["language_code"] = json!(code);
        }
        from
    }

    /// A new message from this person with `content` fields; returns its id.
    pub fn message(&mut self, content: Value) -> (i32, Value) {
        let id = self.next_msg;
        self.next_msg += 1;
        let mut msg = json!({
            "message_id": id,
            "date": 1_700_000_000,
            "chat": self.chat_json(),
            "from": self.sender_json(),
        });
        for (k, v) in content.as_object().unwrap() {
            msg[k] = v.clone();
        }
        (id, msg)
    }

    /// Posts an update with a fresh update id; returns (update id, status).
    pub async fn post(&self, kind: &str, payload: Value) -> (u32, u16) {
        let update_id = NEXT_UPDATE.fetch_add(1, Ordering::SeqCst);
        let update = json!({"update_id": update_id, kind: payload});
        (update_id, self.post_raw(&update, SECRET).await)
    }

    pub async fn post_raw(&self, update: &Value, secret: &str) -> u16 {
        self.http
            .post(&self.url)
            .header("X-Telegram-Bot-Api-Secret-Token", secret)
            .json(update)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Sends a message with `content`; asserts a 200; returns its message id.
    pub async fn send(&mut self, content: Value) -> i32 {
        let (id, msg) = self.message(content);
        let (_, status) = self.post("message", msg).await;
        assert_eq!(status, 200);
        id
    }

    pub async fn text(&mut self, text: &str) -> i32 {
        self.send(json!({"text": text})).await
    }

    pub async fn command(&mut self, cmd: &str) {
        self.text(cmd).await;
    }

    pub async fn edit(&self, message_id: i32, content: Value) -> u16 {
        let mut msg = json!({
            "message_id": message_id,
            "date": 1_700_000_000,
            "edit_date": 1_700_000_100,
            "chat": self.chat_json(),
            "from": self.sender_json(),
        });
        for (k, v) in content.as_object().unwrap() {
            msg[k] = v.clone();
        }
        self.post("edited_message", msg).await.1
    }

    pub async fn react(&self, message_id: i32, emoji: &str) -> u16 {
        let payload = json!({
            "chat": self.chat_json(),
            "message_id": message_id,
            "user": self.sender_json(),
            "date": 1_700_000_200,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": emoji}],
        });
        self.post("message_reaction", payload).await.1
    }

    pub async fn press(&self, data: &str) -> u16 {
        let payload = json!({
            "id": format!("cb-{}", self.chat),
            "from": self.sender_json(),
            "chat_instance": "instance",
            "data": data,
        });
        self.post("callback_query", payload).await.1
    }

    /// Presses a button under the bot's message `message_id`.
    pub async fn press_on(&self, data: &str, message_id: i64) -> u16 {
        let payload = json!({
            "id": format!("cb-{}-{message_id}", self.chat),
            "from": self.sender_json(),
            "chat_instance": "instance",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_700_000_000,
                "chat": self.chat_json(),
                "from": {"id": 4242, "is_bot": true, "first_name": "Fake"},
                "text": "settings",
            },
        });
        self.post("callback_query", payload).await.1
    }

    /// The person blocks the bot.
    pub async fn block_bot(&self) -> u16 {
        let bot = json!({"id": 4242, "is_bot": true, "first_name": "Fake"});
        let payload = json!({
            "chat": self.chat_json(),
            "from": self.sender_json(),
            "date": 1_700_000_300,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
        });
        self.post("my_chat_member", payload).await.1
    }
}

/// Texts of `sendMessage` calls in `calls`.
pub fn texts(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.method == "sendmessage")
        .filter_map(|c| c.params["text"].as_str().map(str::to_owned))
        .collect()
}

/// Calls into `chat`.
pub fn only(calls: &[Call], chat: i64) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.chat_id == Some(chat))
        .cloned()
        .collect()
}

/// Both people search; returns once each got the "matched" notice.
pub async fn pair(fake: &FakeTelegram, a: &mut TgPerson, b: &mut TgPerson) {
    a.command("/search").await;
    b.command("/search").await;
    for chat in [a.chat, b.chat] {
        fake.wait_until(WITHIN, |calls| {
            texts(&only(calls, chat))
                .iter()
                .any(|t| t.starts_with("Partner found"))
        })
        .await;
    }
}

/// Waits until `chat` got `n` successful calls of `method`; returns them.
pub async fn wait_method(fake: &FakeTelegram, chat: i64, method: &str, n: usize) -> Vec<Call> {
    let calls = fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .filter(|c| c.chat_id == Some(chat) && c.method == method && c.status == 200)
                .count()
                >= n
        })
        .await;
    calls
        .into_iter()
        .filter(|c| c.chat_id == Some(chat) && c.method == method && c.status == 200)
        .collect()
}

/// Calls this soon after the fake answered 429 were already past the budget
/// before the sender that got the 429 had read it and set the pause (under
/// load that takes a while); later ones must wait for the pause to end.
const IN_FLIGHT: Duration = Duration::from_millis(250);

/// After the first 429 (retry_after 1 s), no call reached the fake for the
/// pause, except at most three already under way when it began.
pub fn assert_paused_after_429(calls: &[Call]) {
    let limited = calls.iter().find(|c| c.status == 429).unwrap();
    let mut in_flight = 0;
    for c in calls.iter().filter(|c| c.at > limited.at) {
        let gap = c.at - limited.at;
        if gap < IN_FLIGHT {
            in_flight += 1; // already past the budget when the 429 came
        } else {
            assert!(
                gap >= Duration::from_millis(950),
                "{} {gap:?} after the 429",
                c.method
            );
        }
    }
    assert!(in_flight <= 3, "{in_flight} calls as the pause began");
}

/// No one-second window of `times` (arrivals at the fake, in order) holds
/// more than `limit` calls: what Telegram counts.
pub fn assert_no_second_above(times: &[std::time::Instant], limit: usize) {
    for (i, first) in times.iter().enumerate() {
        let within = times[i..]
            .iter()
            .take_while(|t| t.duration_since(*first) < Duration::from_secs(1))
            .count();
        assert!(
            within <= limit,
            "{within} calls within one second (limit {limit})"
        );
    }
}

/// The `message_id`s copied into `chat` by successful `copyMessage` calls,
/// in arrival order.
pub fn copies_to(calls: &[Call], chat: i64) -> Vec<i32> {
    calls
        .iter()
        .filter(|c| c.chat_id == Some(chat) && c.method == "copymessage" && c.status == 200)
        .map(|c| c.params["message_id"].as_i64().unwrap() as i32)
        .collect()
}

/// The label and callback data of every inline button under `call`
/// (`reply_markup` arrives as a JSON string or as an object).
pub fn inline_buttons(call: &Call) -> Vec<(String, String)> {
    let markup = &call.params["reply_markup"];
    let markup: Value = match markup.as_str() {
        Some(s) => serde_json::from_str(s).unwrap(),
        None => markup.clone(),
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            let text = b["text"].as_str().unwrap_or_default().to_owned();
            let data = b["callback_data"].as_str().unwrap_or_default().to_owned();
            (text, data)
        })
        .collect()
}

/// The callback data of every inline button under `call`.
pub fn button_data(call: &Call) -> Vec<String> {
    inline_buttons(call).into_iter().map(|(_, d)| d).collect()
}
