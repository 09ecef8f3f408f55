//! The moderators' Telegram chat (`TELEGRAM_MODERATOR_CHAT_ID`) across two
//! replica processes on Redis and PostgreSQL, with a fake Bot API: a report
//! is posted there once with ban and dismiss buttons; an administrator's
//! press acts at once through the admin API's path (the reported person on
//! the other replica is told and closed, the audit log has it); anyone
//! else's press, or a press from another chat, changes nothing.

use crate::common;

use chathub::domain::{ComplaintId, UserId};
use chathub::store::{ComplaintStatus, Moderation};
use common::fake_telegram::{Call, FakeTelegram};
use common::replicas::{Cluster, Replica};
use common::telegram::{TgPerson, WITHIN, button_data, tg_vars};
use common::ws::WsClient;
use serde_json::{Value, json};

use crate::moderation::{TOKEN, admin, user_of};

/// The moderators' group (a supergroup id) and the people in it.
const MODS: i64 = -1_009_001;
const ADMIN: i64 = 9101;
const MEMBER: i64 = 9102;
/// The Telegram person who reports.
const REPORTER: i64 = 9201;

struct Setup {
    fake: FakeTelegram,
    cluster: Cluster,
    r1: Replica,
    r2: Replica,
    reporter: TgPerson,
    /// The reported person, on the web through r2.
    target: WsClient,
    target_id: UserId,
}

/// A Telegram person on r1 chats with a web person on r2; only `ADMIN`
/// administers the moderators' chat.
async fn setup() -> Setup {
    let fake = FakeTelegram::start().await;
    fake.set_admins(MODS, &[ADMIN]);
    let cluster = Cluster::new(None).await;
    let mods = MODS.to_string();
    let vars = tg_vars(
        &fake,
        &[
            ("CHATHUB_ADMIN_TOKEN", TOKEN),
            ("TELEGRAM_MODERATOR_CHAT_ID", &mods),
        ],
    );
    let r1 = cluster.replica_with("r1", &vars).await;
    let r2 = cluster.replica_with("r2", &vars).await;
    let mut reporter = TgPerson::at(r1.http("/telegram/webhook"), REPORTER);
    reporter.command("/search").await;
    let mut target = WsClient::connect(&r2.ws_url("")).await;
    target.search().await;
    target.wait_for("matched").await;
    target.say("m1", "secret words of the chat").await;
    target.wait_for("ack").await;
    let store = cluster.db.store().await;
    let target_id = user_of(&*store, &target.session).await;
    Setup {
        fake,
        cluster,
        r1,
        r2,
        reporter,
        target,
        target_id,
    }
}

/// The `sendMessage` calls into the moderators' chat.
fn posts(calls: &[Call]) -> Vec<Call> {
    calls
        .iter()
        .filter(|c| c.chat_id == Some(MODS) && c.method == "sendmessage" && c.status == 200)
        .cloned()
        .collect()
}

/// The reporter reports; returns the one post and the complaint it names.
async fn report_and_see_the_post(s: &mut Setup) -> (Call, ComplaintId) {
    s.reporter.command("/report insults").await;
    let calls = s
        .fake
        .wait_until(WITHIN, |calls| !posts(calls).is_empty())
        .await;
    let post = posts(&calls).remove(0);
    let data = button_data(&post);
    let id: ComplaintId = data[0].rsplit(':').next().unwrap().parse().unwrap();
    (post, id)
}

/// `from` presses the button with `data` under the post `message_id` in
/// chat `chat`, through `via`; returns the webhook's status.
async fn press(via: &Replica, chat: i64, from: i64, data: &str, message_id: i64) -> u16 {
    let payload = json!({
        "id": format!("mod-{from}-{data}"),
        "from": {"id": from, "is_bot": false, "first_name": "Moderator"},
        "chat_instance": "mods",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "supergroup", "title": "Moderators"},
            "from": {"id": 4242, "is_bot": true, "first_name": "Fake"},
            "text": "New complaint",
        },
    });
    TgPerson::at(via.http("/telegram/webhook"), from)
        .post("callback_query", payload)
        .await
        .1
}

/// The texts the bot answered presses with, in order.
fn answers(calls: &[Call]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| c.method == "answercallbackquery")
        .filter_map(|c| c.params["text"].as_str().map(str::to_owned))
        .collect()
}

async fn open_complaint(s: &Setup, id: ComplaintId) -> ComplaintStatus {
    let store = s.cluster.db.store().await;
    store.complaint(id).await.unwrap().unwrap().status
}

#[actix_web::test]
async fn a_report_is_posted_once_and_an_administrators_ban_acts_at_once() {
    let mut s = setup().await;

    // A report posts one message to the moderators, with five buttons,
    // naming the complaint and the person opaquely, never the chat's words.
    let (post, id) = report_and_see_the_post(&mut s).await;
    let text = post.params["text"].as_str().unwrap();
    assert!(text.contains(&id.to_string()), "{text}");
    assert!(text.contains(&s.target_id.to_string()), "{text}");
    assert!(
        text.contains("insults") && text.contains("1 open complaint"),
        "{text}"
    );
    assert!(!text.contains("secret words") && !text.contains(&REPORTER.to_string()));
    let data = button_data(&post);
    assert_eq!(data.len(), 5, "{data:?}");
    assert!(data.iter().all(|d| d.len() <= 64));
    let ban_24h = data.iter().find(|d| d.contains(":24h:")).unwrap().clone();
    let message_id = post.result["message_id"].as_i64().unwrap();

    // A member who is not an administrator presses Ban: refused, nothing changes.
    assert_eq!(press(&s.r2, MODS, MEMBER, &ban_24h, message_id).await, 200);
    assert!(
        answers(&s.fake.calls())
            .iter()
            .any(|a| a.contains("Only administrators"))
    );
    let store = s.cluster.db.store().await;
    assert!(!store.is_banned(s.target_id).await.unwrap());
    assert_eq!(open_complaint(&s, id).await, ComplaintStatus::Open);

    // The administrator presses "Ban 24 h" on the other replica.
    assert_eq!(press(&s.r2, MODS, ADMIN, &ban_24h, message_id).await, 200);

    // The person is banned for about a day, told at once and closed...
    let ban = store
        .active_ban(s.target_id)
        .await
        .unwrap()
        .expect("banned");
    let left = ban.until.unwrap() - chrono::Utc::now();
    assert!(left > chrono::Duration::hours(23) && left <= chrono::Duration::hours(24));
    s.target.told_banned_and_closed().await;
    assert_eq!(open_complaint(&s, id).await, ComplaintStatus::Resolved);
    // ...the press is answered and the post shows what was done, buttons gone...
    let calls = s
        .fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .any(|c| c.chat_id == Some(MODS) && c.method == "editmessagetext")
        })
        .await;
    assert!(answers(&calls).iter().any(|a| a == "Banned for 24 h."));
    let edit = calls
        .iter()
        .find(|c| c.chat_id == Some(MODS) && c.method == "editmessagetext")
        .unwrap();
    assert!(
        edit.params["text"]
            .as_str()
            .unwrap()
            .contains("Banned for 24 h")
    );
    assert!(edit.params["reply_markup"].is_null());
    // ...and the audit log names a Telegram moderator, not their Telegram id.
    let audit: Value = admin(reqwest::Method::GET, s.r1.http("/admin/audit"), None)
        .await
        .json()
        .await
        .unwrap();
    let entries = audit["items"].as_array().unwrap();
    let ban_entry = entries.iter().find(|e| e["action"] == "ban").unwrap();
    assert!(
        ban_entry["actor"]
            .as_str()
            .unwrap()
            .starts_with("telegram-moderator")
    );
    assert!(
        !ban_entry["actor"]
            .as_str()
            .unwrap()
            .contains(&ADMIN.to_string())
    );
    assert_eq!(ban_entry["user"], json!(s.target_id));
    // Exactly one post, whatever happened since.
    assert_eq!(posts(&s.fake.calls()).len(), 1);
}

#[actix_web::test]
async fn dismiss_closes_the_complaint_and_presses_from_another_chat_are_refused() {
    let mut s = setup().await;
    let (post, id) = report_and_see_the_post(&mut s).await;
    let data = button_data(&post);
    let dismiss = data
        .iter()
        .find(|d| d.contains(":dismiss:"))
        .unwrap()
        .clone();
    let perm = data.iter().find(|d| d.contains(":perm:")).unwrap().clone();
    let message_id = post.result["message_id"].as_i64().unwrap();

    // The same data pressed in another chat (by the same administrator) is refused.
    assert_eq!(
        press(&s.r1, -1_005_555, ADMIN, &perm, message_id).await,
        200
    );
    assert!(
        answers(&s.fake.calls())
            .iter()
            .any(|a| a == "Not accepted here.")
    );
    let store = s.cluster.db.store().await;
    assert!(!store.is_banned(s.target_id).await.unwrap());
    assert_eq!(open_complaint(&s, id).await, ComplaintStatus::Open);

    // Dismiss, pressed by the administrator in the moderators' chat.
    assert_eq!(press(&s.r1, MODS, ADMIN, &dismiss, message_id).await, 200);
    assert_eq!(open_complaint(&s, id).await, ComplaintStatus::Dismissed);
    assert!(!store.is_banned(s.target_id).await.unwrap());
    assert!(answers(&s.fake.calls()).iter().any(|a| a == "Dismissed."));
    let audit: Value = admin(reqwest::Method::GET, s.r2.http("/admin/audit"), None)
        .await
        .json()
        .await
        .unwrap();
    let dismissal = &audit["items"][0];
    assert_eq!(dismissal["action"], "dismiss", "{audit}");
    assert_eq!(dismissal["complaint"], json!(id));

    // A later press on the closed complaint changes nothing.
    assert_eq!(press(&s.r1, MODS, ADMIN, &perm, message_id).await, 200);
    assert!(
        answers(&s.fake.calls())
            .iter()
            .any(|a| a == "Already dismissed.")
    );
    assert!(!store.is_banned(s.target_id).await.unwrap());
}
