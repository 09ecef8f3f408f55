//! Records that cross actor, bus and store boundaries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use super::{ClientMsgId, MessageBody, Origin, RoomId, Seq, UserId};

/// Where a person comes from. Stored with their platform id, never shown.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Platform {
    Web,
    Telegram,
}

impl Platform {
    /// The name used on the wire and in the store (snake_case, as serde).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The platform named by [`Platform::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Why a room ended; sent to the partner as `partner_left.reason`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    /// Nobody wrote for `CHATHUB_ROOM_IDLE_SECS`.
    Idle,
}

impl EndReason {
    /// The name used on the wire and in the store (snake_case, as serde).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The reason named by [`EndReason::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// The stored name of a message's content (the `kind` column); the
/// content itself is a [`MessageBody`].
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageKind {
    Text,
    Photo,
    Video,
    Animation,
    Sticker,
    Voice,
    VideoNote,
    Audio,
    Document,
    Location,
    Venue,
    Contact,
    Dice,
    Edit,
    Reaction,
}

impl MessageKind {
    /// The name used on the wire and in the store (snake_case, as serde).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The kind named by [`MessageKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
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
    /// Highest seq stored in the room when it was read.
    pub last_seq: Seq,
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

/// A message as stored: its place in the room is `seq`. As JSON it takes
/// its flat form (see [`super::Columns`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    into = "super::message_json::MessageJson",
    try_from = "super::message_json::MessageJson"
)]
pub struct StoredMessage {
    pub room: RoomId,
    pub seq: Seq,
    pub sender: UserId,
    pub body: MessageBody,
    pub origin: Origin,
    /// The earlier message of the room this one answers.
    pub reply_to: Option<Seq>,
    pub client_msg_id: ClientMsgId,
    pub created_at: DateTime<Utc>,
}

impl StoredMessage {
    /// See [`Origin::platform_msg_id_of`].
    pub fn sender_platform_msg_id(&self) -> Option<i64> {
        self.origin.platform_msg_id_of(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_are_the_wire_names() {
        for kind in [
            MessageKind::Text,
            MessageKind::VideoNote,
            MessageKind::Reaction,
        ] {
            let wire = serde_json::to_value(kind).unwrap();
            assert_eq!(wire, kind.as_str());
            assert_eq!(MessageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MessageKind::VideoNote.as_str(), "video_note");
        assert_eq!(
            EndReason::parse("disconnected"),
            Some(EndReason::Disconnected)
        );
        assert_eq!(Platform::Telegram.as_str(), "telegram");
        assert_eq!(MessageKind::parse("VideoNote"), None);
    }
}
