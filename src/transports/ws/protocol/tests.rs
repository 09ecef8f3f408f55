//! Unit tests of the protocol: every command parsed, every refusal named,
//! every event rendered.

use super::{parse, render};
use crate::actors::client::{ClientCommand, Outgoing};
use crate::domain::{RoomId, Seq};
use crate::error::ChatError;

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
