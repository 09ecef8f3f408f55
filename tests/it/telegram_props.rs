//! Property tests of Telegram update handling: random updates, well-formed
//! ones as Telegram could send them (random commands, huge and odd texts,
//! kinds the bot never asked for) and garbage, posted to the webhook of a
//! real app on PostgreSQL with the fake Bot API behind it. Never a 5xx (or
//! a dropped connection: a panic), every refusal a 400 saying why, and
//! garbage stores nothing.
//!
//! The cases come from proptest strategies run by a deterministic runner
//! (the same cases every run; no shrinking, since the app lives across
//! cases: a failure prints its case in full).

use crate::common;

use std::sync::atomic::{AtomicI64, Ordering};

use common::fake_telegram::FakeTelegram;
use common::pg::TestDb;
use common::telegram::{SECRET, spawn_tg_app};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

/// Cases per run: enough variety, a few seconds.
const CASES: usize = 32;
/// Tables that garbage must leave alone.
const TABLES: [&str; 4] = ["users", "rooms", "messages", "complaints"];

static NEXT_UPDATE: AtomicI64 = AtomicI64::new(7_000_000);

/// What one case posts.
#[derive(Debug, Clone)]
enum Case {
    /// An update Telegram could send: it must be taken (200).
    Sent(Value),
    /// Anything else: a 400 that says why, or a 200 that does nothing.
    Garbage(Vec<u8>),
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "/start",
            "/search",
            "/next",
            "/stop",
            "/report",
            "/help",
            "/search en",
            "/search@SomeOtherBot",
            "/report spam and worse",
            "/",
            "/stop now please",
        ])
        .prop_map(str::to_owned),
        "/[a-z]{1,12}( [a-z]{0,8})?",
        "\\PC{1,64}",
        // Odd but valid: right-to-left marks, zero-width joiners, combining.
        "[\u{200f}\u{200d}\u{0301}a\u{1f600}]{1,32}",
        // As long as Telegram allows, in one- and four-byte characters.
        Just("x".repeat(4096)),
        Just("\u{1f600}".repeat(4096)),
    ]
}

fn message(chat: i64, content: Value) -> Value {
    let mut msg = json!({
        "message_id": NEXT_UPDATE.load(Ordering::Relaxed) % 1_000_000,
        "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Prop"},
        "from": {"id": chat, "is_bot": false, "first_name": "Prop"},
    });
    for (k, v) in content.as_object().unwrap() {
        msg[k] = v.clone();
    }
    msg
}

fn case() -> impl Strategy<Value = Case> {
    let chat = 5_000i64..5_004;
    prop_oneof![
        // Texts and commands from a few people (so some pair up).
        3 => (chat.clone(), text()).prop_map(|(c, t)| Case::Sent(json!({
            "message": message(c, json!({"text": t}))
        }))),
        // Message kinds that carry no text.
        1 => (chat.clone(), prop::sample::select(vec![
            json!({"sticker": {"file_id": "s", "file_unique_id": "u", "type": "regular",
                    "width": 1, "height": 1, "is_animated": false, "is_video": false}}),
            json!({"location": {"latitude": 1.5, "longitude": 2.5}}),
            json!({"contact": {"phone_number": "+100", "first_name": "C"}}),
            json!({"dice": {"emoji": "🎲", "value": 3}}),
        ])).prop_map(|(c, content)| Case::Sent(json!({"message": message(c, content)}))),
        // Kinds the bot never asked for, with any payload.
        1 => ("[a-z_]{3,20}", any_json())
            .prop_map(|(kind, payload)| Case::Sent(json!({ kind: payload }))),
        // A known kind whose payload is anything (with an update id).
        1 => (prop::sample::select(vec!["message", "edited_message", "callback_query",
                                       "message_reaction", "my_chat_member"]), any_json())
            .prop_map(|(kind, payload)| Case::Garbage(
                json!({"update_id": 1, kind: payload}).to_string().into_bytes())),
        // Not an update at all.
        1 => any_json().prop_map(|v| Case::Garbage(v.to_string().into_bytes())),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Case::Garbage),
    ]
}

/// Row counts of [`TABLES`].
async fn counts(db: &TestDb) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(db.count(table).await);
    }
    counts
}

#[actix_web::test]
async fn random_updates_never_fail_the_webhook_and_garbage_stores_nothing() {
    let db = TestDb::create().await;
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[("DATABASE_URL", db.url.as_str())]).await;
    let http = reqwest::Client::new();
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let (mut taken, mut refused) = (0, 0);
    for _ in 0..CASES {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let (body, garbage) = match &case {
            Case::Sent(update) => {
                let mut update = update.clone();
                let id = NEXT_UPDATE.fetch_add(1, Ordering::Relaxed);
                update["update_id"] = json!(id);
                (update.to_string().into_bytes(), false)
            }
            Case::Garbage(bytes) => (bytes.clone(), true),
        };
        let before = counts(&db).await;
        let res = http
            .post(app.http("/telegram/webhook"))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("no answer (a panic?) to {case:?}: {e}"));
        let status = res.status().as_u16();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        match (status, garbage) {
            (200, _) => taken += 1,
            (400, true) => {
                refused += 1;
                assert!(
                    answer["error"].as_str().is_some_and(|e| !e.is_empty()),
                    "a refusal says why: {answer} for {case:?}"
                );
            }
            _ => panic!("{status} {answer} for {case:?}"),
        }
        if garbage {
            assert_eq!(
                counts(&db).await,
                before,
                "garbage stored something: {case:?}"
            );
        }
    }
    eprintln!("{CASES} random updates: {taken} taken, {refused} refused with a reason");
    assert!(taken > 0 && refused > 0, "both kinds of case were tried");
    app.shutdown().await;
}
