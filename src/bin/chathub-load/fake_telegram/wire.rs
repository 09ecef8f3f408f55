//! The fake's wire format: answers shaped as the Bot API shapes them, and
//! request parameters read from JSON or multipart bodies.

use serde_json::{Value, json};

use super::{BOT_ID, BOT_USERNAME, Failure, State};

pub(super) fn failure_response(f: &Failure) -> (u16, Value) {
    match f {
        Failure::TooMany { retry_after } => (
            429,
            json!({"ok": false, "error_code": 429,
                   "description": format!("Too Many Requests: retry after {retry_after}"),
                   "parameters": {"retry_after": retry_after}}),
        ),
        Failure::Blocked => (
            403,
            json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        ),
        Failure::Server => (
            502,
            json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
        ),
        Failure::BadRequest(d) => (
            400,
            json!({"ok": false, "error_code": 400, "description": format!("Bad Request: {d}")}),
        ),
    }
}

pub(super) fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Fake", "username": BOT_USERNAME})
}

/// A message the bot sent into `chat`.
pub(super) fn message(s: &mut State, chat: Option<i64>, text: &str) -> Value {
    s.next_message_id += 1;
    json!({
        "message_id": s.next_message_id,
        "date": now_secs(),
        "chat": {"id": chat.unwrap_or(0), "type": "private", "first_name": "Person"},
        "from": bot_user(),
        "text": text,
    })
}

pub(super) fn answer(s: &mut State, method: &str, chat: Option<i64>, params: &Value) -> Value {
    match method {
        "getme" => json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Fake", "username": BOT_USERNAME,
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        }),
        "getwebhookinfo" => {
            json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0})
        }
        "copymessage" => {
            s.next_message_id += 1;
            json!({"message_id": s.next_message_id})
        }
        "copymessages" | "forwardmessages" => {
            let n = params["message_ids"].as_array().map_or(0, Vec::len);
            (0..n)
                .map(|_| {
                    s.next_message_id += 1;
                    json!({"message_id": s.next_message_id})
                })
                .collect()
        }
        "sendmediagroup" => {
            let n = params["media"].as_array().map_or(0, Vec::len);
            (0..n).map(|_| message(s, chat, "album item")).collect()
        }
        "getchatmember" => chat_member(s, chat, params),
        // Before the `send*` arm: Telegram answers a chat action with `true`.
        "sendchataction" => json!(true),
        m if m.starts_with("send") || m.starts_with("editmessage") => message(s, chat, "ok"),
        "deletemessage"
        | "setmessagereaction"
        | "setwebhook"
        | "deletewebhook"
        | "setmycommands"
        | "deletemycommands"
        | "answercallbackquery" => json!(true),
        _ => Value::Null,
    }
}

/// `getChatMember`: an administrator if the test said so, else a member.
fn chat_member(s: &State, chat: Option<i64>, params: &Value) -> Value {
    let user = params.get("user_id").and_then(as_i64).unwrap_or(0);
    let person = json!({"id": user, "is_bot": false, "first_name": "Person"});
    let admin = chat
        .and_then(|c| s.admins.get(&c))
        .is_some_and(|a| a.contains(&user));
    if !admin {
        return json!({"status": "member", "user": person});
    }
    json!({
        "status": "administrator", "user": person, "is_anonymous": false,
        "can_be_edited": false, "can_manage_chat": true, "can_change_info": true,
        "can_delete_messages": true, "can_manage_video_chats": true,
        "can_invite_users": true, "can_restrict_members": true,
        "can_promote_members": false, "can_pin_messages": true,
        "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
    })
}

pub(super) fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

pub(super) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// JSON bodies as they are; multipart forms (teloxide sends media methods
/// that way) as an object of their text fields, each parsed as JSON where
/// it is JSON.
pub(super) fn parse_params(content_type: &str, body: &[u8]) -> Value {
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    serde_json::from_slice(body).unwrap_or_else(|_| json!({}))
}

pub(super) fn parse_multipart(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let mut out = serde_json::Map::new();
    for part in text.split(&delimiter) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let parsed = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
        out.insert(name.to_owned(), parsed);
    }
    Value::Object(out)
}
