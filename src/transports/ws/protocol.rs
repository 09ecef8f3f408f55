//! The WebSocket protocol (the README's): JSON text frames tagged by `type`.
//! Parsing and rendering live here and nowhere else.

use serde::{Deserialize, Serialize};

use super::matching_frames::{ProfileBody, RawPrefs, RawProfile};
use crate::actors::client::{ClientCommand, Outgoing};
use crate::domain::{ClientMsgId, MessageBody, Origin, ReportReason, RoomId, Score, Seq};
use crate::error::ChatError;

/// A frame from the browser, before validation.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Search {
        #[serde(default)]
        prefs: Option<RawPrefs>,
    },
    Message {
        text: String,
        id: String,
    },
    Next,
    Stop,
    Report {
        #[serde(default)]
        reason: Option<String>,
    },
    Typing,
    Profile(RawProfile),
    Block,
    Rate {
        score: String,
    },
}

/// A refused frame: the error, and the message id it was about (if known).
#[derive(Debug)]
pub struct Refused {
    pub error: ChatError,
    pub id: Option<String>,
}

/// Parses and validates one text frame.
pub fn parse(text: &str) -> Result<ClientCommand, Refused> {
    let frame: ClientFrame = serde_json::from_str(text).map_err(|e| Refused {
        error: ChatError::BadFrame(e.to_string()),
        id: None,
    })?;
    let refuse = |error, id: Option<&str>| Refused {
        error,
        id: id.map(str::to_owned),
    };
    Ok(match frame {
        ClientFrame::Search { prefs } => ClientCommand::Search {
            prefs: prefs
                .map(RawPrefs::parse)
                .transpose()
                .map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Message { text, id } => {
            let id = ClientMsgId::parse(id).map_err(|e| refuse(e.into(), None))?;
            let body = MessageBody::text(text).map_err(|e| refuse(e.into(), Some(id.as_str())))?;
            ClientCommand::Send {
                body,
                origin: Origin::Web,
                reply_to: None,
                id,
            }
        }
        ClientFrame::Next => ClientCommand::Next,
        ClientFrame::Stop => ClientCommand::Stop,
        ClientFrame::Report { reason } => ClientCommand::Report {
            reason: ReportReason::parse(reason).map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Typing => ClientCommand::Typing,
        ClientFrame::Profile(raw) => ClientCommand::Profile {
            update: raw.parse().map_err(|e| refuse(e.into(), None))?,
        },
        ClientFrame::Block => ClientCommand::Block,
        ClientFrame::Rate { score } => ClientCommand::Rate {
            score: Score::parse(&score).map_err(|e| refuse(e.into(), None))?,
        },
    })
}

/// The flood limit a client paces itself by.
#[derive(Debug, Serialize)]
struct Flood {
    per_sec: u32,
    burst: u32,
}

/// A frame to the browser.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerFrame<'a> {
    Hello {
        session: &'a str,
        room: Option<RoomId>,
        resumed: bool,
        flood: Flood,
    },
    Searching,
    Matched {
        room: RoomId,
    },
    Message {
        text: String,
        seq: Seq,
    },
    Ack {
        id: &'a str,
        seq: Seq,
    },
    PartnerLeft {
        room: RoomId,
        reason: &'static str,
    },
    /// The partner's chat is paced (Telegram): what the person sends
    /// arrives late, still in order.
    PartnerDelayed {
        room: RoomId,
    },
    Stopped,
    Reported {
        room: RoomId,
    },
    Error {
        code: &'static str,
        message: String,
        retryable: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        /// For `banned`: when the ban ends (`null` = permanent).
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<Option<chrono::DateTime<chrono::Utc>>>,
        /// For `flood`: when a token is there again (milliseconds).
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// The search went unanswered too long and stopped.
    SearchStopped {
        reason: &'static str,
    },
    PartnerAway {
        room: RoomId,
    },
    PartnerBack {
        room: RoomId,
    },
    Typing,
    /// `searching` with how many wait and what was relaxed.
    #[serde(rename = "searching")]
    SearchStatus {
        waiting: usize,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        relaxed: Vec<&'static str>,
    },
    Profile(ProfileBody<'a>),
    Blocked,
    Rated,
}

/// Renders an event as a JSON text frame.
pub fn render(event: &Outgoing) -> String {
    let frame = match event {
        Outgoing::Hello {
            session,
            room,
            resumed,
            flood: (per_sec, burst),
        } => ServerFrame::Hello {
            session,
            room: *room,
            resumed: *resumed,
            flood: Flood {
                per_sec: *per_sec,
                burst: *burst,
            },
        },
        Outgoing::Searching => ServerFrame::Searching,
        Outgoing::Matched { room } => ServerFrame::Matched { room: *room },
        Outgoing::Message { seq, message } => ServerFrame::Message {
            text: super::message_text::plain_text(&message.body),
            seq: *seq,
        },
        Outgoing::Ack { id, seq } => ServerFrame::Ack { id, seq: *seq },
        Outgoing::PartnerLeft { room, reason } => ServerFrame::PartnerLeft {
            room: *room,
            reason: reason.as_str(),
        },
        Outgoing::PartnerDelayed { room } => ServerFrame::PartnerDelayed { room: *room },
        Outgoing::Stopped => ServerFrame::Stopped,
        Outgoing::Reported { room } => ServerFrame::Reported { room: *room },
        Outgoing::Error { error, id } => ServerFrame::Error {
            code: error.code(),
            message: error.to_string(),
            retryable: error.retryable(),
            id: id.as_deref(),
            until: match error {
                ChatError::Banned { until } => Some(*until),
                _ => None,
            },
            retry_after_ms: match error {
                ChatError::Flood { retry_after_ms } => Some(*retry_after_ms),
                _ => None,
            },
        },
        Outgoing::SearchStopped => ServerFrame::SearchStopped { reason: "timeout" },
        Outgoing::PartnerAway { room } => ServerFrame::PartnerAway { room: *room },
        Outgoing::PartnerBack { room } => ServerFrame::PartnerBack { room: *room },
        Outgoing::Typing { .. } => ServerFrame::Typing,
        Outgoing::SearchStatus { waiting, relaxed } => ServerFrame::SearchStatus {
            waiting: *waiting,
            relaxed: relaxed.iter().map(|r| r.as_str()).collect(),
        },
        Outgoing::Profile { profile, prefs } => {
            ServerFrame::Profile(ProfileBody::of(profile, prefs))
        }
        Outgoing::Blocked => ServerFrame::Blocked,
        Outgoing::Rated => ServerFrame::Rated,
    };
    // Serializing these plain structs cannot fail; fall back to a fixed
    // error frame rather than panic if it ever did.
    serde_json::to_string(&frame).unwrap_or_else(|_| {
        r#"{"type":"error","code":"internal","message":"internal error","retryable":true}"#.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert!(matches!(
            parse(r#"{"type":"search"}"#),
            Ok(ClientCommand::Search { .. })
        ));
        assert!(matches!(
            parse(r#"{"type":"search","prefs":{"lang":"en"}}"#),
            Ok(ClientCommand::Search { prefs: Some(prefs) })
                if prefs.lang.as_ref().map(|l| l.as_str()) == Some("en")
        ));
        assert!(matches!(
            parse(r#"{"type":"message","text":"hi","id":"m1"}"#),
            Ok(ClientCommand::Send { .. })
        ));
        assert!(matches!(
            parse(r#"{"type":"next"}"#),
            Ok(ClientCommand::Next)
        ));
        assert!(matches!(
            parse(r#"{"type":"stop"}"#),
            Ok(ClientCommand::Stop)
        ));
        assert!(matches!(
            parse(r#"{"type":"report"}"#),
            Ok(ClientCommand::Report { .. })
        ));
    }

    #[test]
    fn refuses_bad_frames_with_codes() {
        for bad in [
            "nope",
            "{}",
            r#"{"type":"dance"}"#,
            r#"{"type":"message","text":"x"}"#,
        ] {
            assert_eq!(parse(bad).unwrap_err().error.code(), "bad_frame", "{bad}");
        }
        let long = format!(
            r#"{{"type":"message","text":"{}","id":"m9"}}"#,
            "a".repeat(4097)
        );
        let refused = parse(&long).unwrap_err();
        assert_eq!(refused.error.code(), "too_long");
        assert_eq!(refused.id.as_deref(), Some("m9"));
    }

    #[test]
    fn matching_frames_parse_and_refuse_with_their_codes() {
        let Ok(ClientCommand::Profile { update }) =
            parse(r#"{"type":"profile","gender":null,"lang":["EN","de"],"age":30}"#)
        else {
            panic!("a profile frame");
        };
        assert_eq!(update.gender, Some(None), "null unsets");
        assert_eq!(update.interests, None, "absent stays");
        assert_eq!(update.langs.map(|l| l.len()), Some(2));
        assert!(matches!(
            parse(r#"{"type":"profile"}"#),
            Ok(ClientCommand::Profile { update }) if update.is_empty()
        ));
        for (frame, code) in [
            (r#"{"type":"profile","age":7}"#, "bad_age"),
            (r#"{"type":"profile","gender":"robot"}"#, "bad_gender"),
            (r#"{"type":"profile","interests":["x"]}"#, "bad_interest"),
            (r#"{"type":"profile","shoe_size":44}"#, "bad_frame"),
            (r#"{"type":"rate","score":"meh"}"#, "bad_score"),
            (r#"{"type":"search","prefs":{"age_max":100}}"#, "bad_prefs"),
        ] {
            assert_eq!(parse(frame).unwrap_err().error.code(), code, "{frame}");
        }
        assert!(matches!(
            parse(r#"{"type":"block"}"#),
            Ok(ClientCommand::Block)
        ));
        let json = render(&Outgoing::SearchStatus {
            waiting: 3,
            relaxed: vec![crate::domain::Relaxed::SharedInterest],
        });
        assert_eq!(
            json,
            r#"{"type":"searching","waiting":3,"relaxed":["shared_interest"]}"#
        );
    }

    #[test]
    fn refuses_text_a_store_cannot_hold() {
        let refused = parse(r#"{"type":"message","text":"a\u0000b","id":"m2"}"#).unwrap_err();
        assert_eq!(refused.error.code(), "invalid_text");
        assert!(!refused.error.retryable());
        assert_eq!(refused.id.as_deref(), Some("m2"));
        let refused = parse(r#"{"type":"report","reason":"x\u0000"}"#).unwrap_err();
        assert_eq!(refused.error.code(), "invalid_text");
        // A lone surrogate cannot become a Rust string: the parser says so.
        let refused = parse(r#"{"type":"message","text":"a\ud800b","id":"m3"}"#).unwrap_err();
        assert_eq!(refused.error.code(), "bad_frame");
        assert!(
            refused.error.to_string().contains("escape"),
            "{}",
            refused.error
        );
    }

    #[test]
    fn renders_the_new_frames() {
        let hello = render(&Outgoing::Hello {
            session: "t".into(),
            room: None,
            resumed: false,
            flood: (5, 20),
        });
        assert!(
            hello.contains(r#""flood":{"per_sec":5,"burst":20}"#),
            "{hello}"
        );
        assert_eq!(
            render(&Outgoing::SearchStopped),
            r#"{"type":"search_stopped","reason":"timeout"}"#
        );
        assert_eq!(
            render(&Outgoing::Typing {
                room: RoomId::new()
            }),
            r#"{"type":"typing"}"#
        );
        assert!(matches!(
            parse(r#"{"type":"typing"}"#),
            Ok(ClientCommand::Typing)
        ));
    }

    #[test]
    fn renders_tagged_json() {
        let json = render(&Outgoing::Ack {
            id: "m1".into(),
            seq: Seq(3),
        });
        assert_eq!(json, r#"{"type":"ack","id":"m1","seq":3}"#);
        let json = render(&Outgoing::Error {
            error: ChatError::Flood {
                retry_after_ms: 200,
            },
            id: None,
        });
        assert!(json.contains(r#""code":"flood""#) && json.contains(r#""retryable":true"#));
        assert!(json.contains(r#""retry_after_ms":200"#), "{json}");
    }
}

#[cfg(test)]
mod properties {
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
}
