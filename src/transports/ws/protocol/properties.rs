//! Property tests of the parser: any text, and frames near valid ones, get
//! a command or a refusal with one of the known codes.

use proptest::prelude::*;

use super::parse;

/// Every code the parser may answer with.
const CODES: [&str; 7] = [
    "bad_frame",
    "empty_message",
    "too_long",
    "invalid_text",
    "bad_message_id",
    "bad_reason",
    "bad_prefs",
];

/// Frames that look like the protocol's, with random fields.
fn near_valid() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        Just("search".to_owned()),
        Just("message".to_owned()),
        Just("next".to_owned()),
        Just("stop".to_owned()),
        Just("report".to_owned()),
        "[a-z]{0,8}",
    ];
    let value = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,80}".prop_map(serde_json::Value::from),
        "[A-Za-z0-9:_-]{0,70}".prop_map(serde_json::Value::from),
    ];
    (
        ty,
        value.clone(),
        value.clone(),
        value,
        proptest::option::of("[a-z]{0,3}"),
    )
        .prop_map(|(ty, text, id, reason, lang)| {
            let mut frame = serde_json::json!({
                "type": ty, "text": text, "id": id, "reason": reason,
            });
            if let Some(lang) = lang {
                frame["prefs"] = serde_json::json!({ "lang": lang });
            }
            frame.to_string()
        })
}

proptest! {
    #[test]
    fn any_text_is_a_command_or_a_clear_refusal(text in ".{0,300}") {
        if let Err(refused) = parse(&text) {
            prop_assert!(CODES.contains(&refused.error.code()), "{}", refused.error.code());
            prop_assert!(!refused.error.retryable());
        }
    }

    #[test]
    fn near_valid_frames_are_a_command_or_a_clear_refusal(frame in near_valid()) {
        if let Err(refused) = parse(&frame) {
            prop_assert!(CODES.contains(&refused.error.code()), "{}", refused.error.code());
            prop_assert!(!refused.error.to_string().is_empty());
        }
    }
}
