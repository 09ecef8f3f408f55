//! What a message says (its [`MessageBody`]) and where it was written (its
//! [`Origin`]). Both transports build a body through [`MessageBody::new`],
//! which validates it; the store maps it to its columns and back.

use serde::{Deserialize, Serialize};

use super::Seq;
use super::input::{InputError, MessageText, storable};
use super::model::MessageKind;

/// Media relayed by the platform's own file (never stored by this service).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Video,
    Animation,
    Sticker,
    Voice,
    VideoNote,
    Audio,
    Document,
}

impl MediaKind {
    /// The stored kind of a message carrying this media.
    pub fn kind(self) -> MessageKind {
        match self {
            MediaKind::Photo => MessageKind::Photo,
            MediaKind::Video => MessageKind::Video,
            MediaKind::Animation => MessageKind::Animation,
            MediaKind::Sticker => MessageKind::Sticker,
            MediaKind::Voice => MessageKind::Voice,
            MediaKind::VideoNote => MessageKind::VideoNote,
            MediaKind::Audio => MessageKind::Audio,
            MediaKind::Document => MessageKind::Document,
        }
    }

    /// The media kind a stored kind names, if it names one.
    pub fn of(kind: MessageKind) -> Option<Self> {
        Some(match kind {
            MessageKind::Photo => MediaKind::Photo,
            MessageKind::Video => MediaKind::Video,
            MessageKind::Animation => MediaKind::Animation,
            MessageKind::Sticker => MediaKind::Sticker,
            MessageKind::Voice => MediaKind::Voice,
            MessageKind::VideoNote => MediaKind::VideoNote,
            MessageKind::Audio => MediaKind::Audio,
            MessageKind::Document => MediaKind::Document,
            _ => return None,
        })
    }

    /// Media Telegram can hide under a spoiler cover.
    pub fn coverable(self) -> bool {
        matches!(
            self,
            MediaKind::Photo | MediaKind::Video | MediaKind::Animation
        )
    }
}

/// A photo, video, voice note... as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub kind: MediaKind,
    /// The platform's file id, for a resend under a cover or an edit; kept
    /// for photos, videos and animations only.
    pub file_id: Option<String>,
    pub caption: Option<String>,
    /// Relay under a spoiler cover (the sender's default, or they hid it).
    pub spoiler: bool,
    /// The album this item belongs to; its items are relayed together.
    pub album: Option<String>,
}

/// What an edit changes in the earlier message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditChange {
    /// New text of a text message.
    Text(String),
    /// New caption of a media message.
    Caption(String),
    /// New media (and caption) replacing the old.
    Media {
        kind: MediaKind,
        file_id: String,
        caption: String,
    },
}

/// The content of a message, one variant per thing a person can send.
/// `Edit` and `Reaction` change an earlier message of the same room: they
/// are log entries of their own, so they reach the partner in order, are
/// caught up and de-duplicated like messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Content {
    Text(MessageText),
    Media(Media),
    Location,
    Venue,
    Contact,
    /// The emoji and the value rolled, as `"🎲 5"`.
    Dice(String),
    Edit {
        target: Seq,
        change: EditChange,
    },
    /// The sender's reactions on `target`, now (empty: removed).
    Reaction {
        target: Seq,
        emoji: Vec<String>,
    },
}

/// A message's content, validated: only [`MessageBody::new`] (for input)
/// and [`MessageBody::trusted`] (for what the store read back) build one.
/// Boxed to keep bus events and delivery queues small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageBody(Box<Content>);

impl MessageBody {
    /// Validates `content`: every piece of text must be storable, and text
    /// messages obey [`MessageText`]'s limits (already, by their type).
    pub fn new(content: Content) -> Result<Self, InputError> {
        let texts: Vec<&str> = match &content {
            Content::Text(_) | Content::Location | Content::Venue | Content::Contact => vec![],
            Content::Media(m) => [
                m.file_id.as_deref(),
                m.caption.as_deref(),
                m.album.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect(),
            Content::Dice(d) => vec![d],
            Content::Edit { change, .. } => match change {
                EditChange::Text(t) | EditChange::Caption(t) => vec![t],
                EditChange::Media {
                    file_id, caption, ..
                } => vec![file_id, caption],
            },
            Content::Reaction { emoji, .. } => emoji.iter().map(String::as_str).collect(),
        };
        texts.into_iter().try_for_each(storable)?;
        Ok(Self(Box::new(content)))
    }

    /// Text a person typed (web): validated as [`MessageText`].
    pub fn text(raw: String) -> Result<Self, InputError> {
        Ok(Self(Box::new(Content::Text(MessageText::parse(raw)?))))
    }

    /// For content that passed `new` once (read back from the store).
    pub fn trusted(content: Content) -> Self {
        Self(Box::new(content))
    }

    pub fn content(&self) -> &Content {
        &self.0
    }

    /// The stored kind of this body.
    pub fn kind(&self) -> MessageKind {
        match &*self.0 {
            Content::Text(_) => MessageKind::Text,
            Content::Media(m) => m.kind.kind(),
            Content::Location => MessageKind::Location,
            Content::Venue => MessageKind::Venue,
            Content::Contact => MessageKind::Contact,
            Content::Dice(_) => MessageKind::Dice,
            Content::Edit { .. } => MessageKind::Edit,
            Content::Reaction { .. } => MessageKind::Reaction,
        }
    }

    /// The earlier message an edit or reaction changes.
    pub fn target(&self) -> Option<Seq> {
        match &*self.0 {
            Content::Edit { target, .. } | Content::Reaction { target, .. } => Some(*target),
            _ => None,
        }
    }

    /// The album a media item belongs to.
    pub fn album(&self) -> Option<&str> {
        match &*self.0 {
            Content::Media(m) => m.album.as_deref(),
            _ => None,
        }
    }
}

/// Where a message was written. A Telegram original stays in the sender's
/// chat, so a copy can be made of it (no "forwarded from" header).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    #[default]
    Web,
    Telegram(TelegramOrigin),
}

/// The Telegram message a stored message came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramOrigin {
    /// The sender's chat.
    pub chat: i64,
    /// The sender's own message id in that chat: the message itself, or for
    /// an edit or reaction the message it changed.
    pub message_id: i32,
    /// The sender had `/protect` on: the partner's copy may not be
    /// forwarded or saved.
    pub protect: bool,
}

impl Origin {
    pub fn telegram(&self) -> Option<&TelegramOrigin> {
        match self {
            Origin::Telegram(t) => Some(t),
            Origin::Web => None,
        }
    }

    /// The sender's own platform message id of a message with `body` from
    /// here, by which a reply, edit or reaction of theirs finds it. Edits
    /// and reactions are never found so: they change a message, they are
    /// not one to answer.
    pub fn platform_msg_id_of(&self, body: &MessageBody) -> Option<i64> {
        if body.target().is_some() {
            return None;
        }
        self.telegram().map(|t| i64::from(t.message_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_of_a_body_is_validated() {
        let edit = |t: &str| Content::Edit {
            target: Seq(1),
            change: EditChange::Text(t.into()),
        };
        assert!(MessageBody::new(edit("fine")).is_ok());
        assert_eq!(
            MessageBody::new(edit("a\0b")).unwrap_err(),
            InputError::InvalidText
        );
        let media = Content::Media(Media {
            kind: MediaKind::Photo,
            file_id: None,
            caption: Some("\0".into()),
            spoiler: false,
            album: None,
        });
        assert_eq!(
            MessageBody::new(media).unwrap_err(),
            InputError::InvalidText
        );
        let reaction = Content::Reaction {
            target: Seq(2),
            emoji: vec!["\0".into()],
        };
        assert!(MessageBody::new(reaction).is_err());
        assert_eq!(
            MessageBody::text("  ".into()).unwrap_err(),
            InputError::EmptyMessage
        );
        assert_eq!(
            MessageBody::text("hi".into()).unwrap().kind(),
            MessageKind::Text
        );
    }

    #[test]
    fn media_kinds_name_their_stored_kind() {
        for m in [MediaKind::Photo, MediaKind::VideoNote, MediaKind::Document] {
            assert_eq!(MediaKind::of(m.kind()), Some(m));
        }
        assert_eq!(MediaKind::of(MessageKind::Dice), None);
    }
}
