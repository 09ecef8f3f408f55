//! Records that cross actor, bus and store boundaries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use super::{ClientMsgId, RoomId, Seq, UserId};

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

/// What kind of content a message carries. Web clients send text only;
/// Telegram adds media kinds, and two kinds that change an earlier message
/// (`Edit`, `Reaction`): they are log entries of their own, so they reach
/// the partner in order, are caught up and de-duplicated like messages.
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
    /// New text (or caption, when `extra.caption` is set) of the message
    /// `extra.reply_to_seq`.
    Edit,
    /// The sender's reactions (emoji in `text`) on `extra.reply_to_seq`.
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

/// What a message carries beyond kind and text. Empty for web text. Field
/// names follow the planned `messages` columns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageExtra {
    /// Caption of a media message (`caption` column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Platform file id of the media, for a resend (`media_file_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_file_id: Option<String>,
    /// The earlier message of the same room this one refers to: the one
    /// replied to, or the one an `Edit` / `Reaction` changes (`reply_to_seq`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_seq: Option<Seq>,
    /// The sender's own platform message id (`sender_platform_msg_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_platform_msg_id: Option<i64>,
    /// Transport details (`metadata` jsonb), namespaced by transport, e.g.
    /// `{"telegram": {...}}`. Never shown to the partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
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
    /// Media, reply and transport details; default for web text. Boxed to
    /// keep bus events small for the common (text) case.
    #[serde(default)]
    pub extra: Box<MessageExtra>,
}

impl StoredMessage {
    /// The message as plain text, for a partner who cannot see media (web):
    /// the text, or a bracketed notice plus caption.
    pub fn display_text(&self) -> String {
        let caption = self.extra.caption.as_deref().unwrap_or("");
        let label = match self.kind {
            MessageKind::Text => return self.text.clone(),
            MessageKind::Edit => return format!("[edited] {}", self.text),
            MessageKind::Reaction if self.text.is_empty() => return "[reaction removed]".into(),
            MessageKind::Reaction => return format!("[reacted {}]", self.text),
            MessageKind::VideoNote => "video message",
            MessageKind::Dice => return format!("[dice {}]", self.text),
            other => other.as_str(),
        };
        let body = if caption.is_empty() {
            &self.text
        } else {
            caption
        };
        if body.is_empty() {
            format!("[{label}]")
        } else {
            format!("[{label}] {body}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: MessageKind, text: &str, caption: Option<&str>) -> StoredMessage {
        StoredMessage {
            room: RoomId::new(),
            seq: Seq(1),
            sender: UserId::new(),
            kind,
            text: text.into(),
            client_msg_id: ClientMsgId::parse("m1".into()).unwrap(),
            created_at: Utc::now(),
            extra: Box::new(MessageExtra {
                caption: caption.map(str::to_owned),
                ..MessageExtra::default()
            }),
        }
    }

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

    #[test]
    fn media_reads_as_a_clear_notice_for_text_only_partners() {
        assert_eq!(message(MessageKind::Text, "hi", None).display_text(), "hi");
        assert_eq!(
            message(MessageKind::Photo, "", None).display_text(),
            "[photo]"
        );
        assert_eq!(
            message(MessageKind::Video, "", Some("look")).display_text(),
            "[video] look"
        );
        assert_eq!(
            message(MessageKind::VideoNote, "", None).display_text(),
            "[video message]"
        );
        assert_eq!(
            message(MessageKind::Edit, "new", None).display_text(),
            "[edited] new"
        );
        assert_eq!(
            message(MessageKind::Reaction, "👍", None).display_text(),
            "[reacted 👍]"
        );
    }
}
