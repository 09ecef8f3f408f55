//! Frames to the browser: rendering each event, errors included (code,
//! message, whether a retry can help), as a JSON text frame.

use serde::Serialize;

use crate::actors::client::Outgoing;
use crate::domain::{RoomId, Seq};
use crate::error::ChatError;
use crate::transports::ws::matching_frames::ProfileBody;
use crate::transports::ws::message_text::plain_text;

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
            text: plain_text(&message.body),
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
