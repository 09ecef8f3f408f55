//! Records that cross actor, bus and store boundaries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientMsgId, RoomId, Seq, UserId};

/// Where a person comes from. Stored with their platform id, never shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Web,
    Telegram,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Web => "web",
            Platform::Telegram => "telegram",
        }
    }
}

/// Why a room ended; sent to the partner as `partner_left.reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The person pressed *next*.
    Next,
    /// The person pressed *stop*.
    Stop,
    /// The person reported their partner.
    Report,
    /// The person disconnected and did not come back within the grace period.
    Disconnected,
    /// The person blocked the bot or the platform refused delivery.
    Blocked,
    /// A moderator ended it.
    Moderation,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Next => "next",
            EndReason::Stop => "stop",
            EndReason::Report => "report",
            EndReason::Disconnected => "disconnected",
            EndReason::Blocked => "blocked",
            EndReason::Moderation => "moderation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "next" => EndReason::Next,
            "stop" => EndReason::Stop,
            "report" => EndReason::Report,
            "disconnected" => EndReason::Disconnected,
            "blocked" => EndReason::Blocked,
            "moderation" => EndReason::Moderation,
            _ => return None,
        })
    }
}

/// What kind of content a message carries. Web clients send text only;
/// Telegram adds media kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
        }
    }
}

/// A room as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub a: UserId,
    pub b: UserId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<EndReason>,
    pub ended_by: Option<UserId>,
}

impl Room {
    /// The other participant, if `user` is one of the two.
    pub fn partner_of(&self, user: UserId) -> Option<UserId> {
        if user == self.a {
            Some(self.b)
        } else if user == self.b {
            Some(self.a)
        } else {
            None
        }
    }

    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// A message as stored: its place in the room is `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub room: RoomId,
    pub seq: Seq,
    pub sender: UserId,
    pub kind: MessageKind,
    pub text: String,
    pub client_msg_id: ClientMsgId,
    pub created_at: DateTime<Utc>,
}
