//! The flat form of a message: [`MessageBody`] and [`Origin`] as the
//! `messages` columns hold them (`kind`, `text`, `caption`,
//! `media_file_id`, `reply_to_seq`, `sender_platform_msg_id`, `metadata`),
//! and as a [`StoredMessage`] travels as JSON (bus events, complaint
//! evidence; `message_json.rs`). Both store adapters use it, so they read
//! back the same record; the shapes are the ones stored rows and evidence
//! already have.

use serde::{Deserialize, Serialize};

use super::{
    Content, EditChange, Media, MediaKind, MessageBody, MessageKind, MessageText, Origin, Seq,
    StoredMessage, TelegramOrigin,
};

/// Key of the Telegram object in `metadata`.
const TELEGRAM: &str = "telegram";

/// A stored row that does not read as a message body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unexpected {0} in a stored message")]
pub struct CorruptMessage(pub &'static str);

/// One message's content columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns {
    pub kind: MessageKind,
    /// Empty once purged.
    pub text: String,
    pub extra: Extra,
}

/// The columns beyond kind and text; empty for web text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_file_id: Option<String>,
    /// The target of an edit or reaction, or the message answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_seq: Option<Seq>,
    /// See [`Origin::platform_msg_id_of`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_platform_msg_id: Option<i64>,
    /// Transport details, namespaced by transport (`{"telegram": {...}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// The `metadata.telegram` object.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TelegramMeta {
    chat: i64,
    message_id: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_group: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    spoiler: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reactions: Vec<String>,
    /// For an edit that replaced media: the new media's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_kind: Option<MessageKind>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    protect: bool,
}

impl Columns {
    /// The columns of `msg`.
    pub fn of(msg: &StoredMessage) -> Self {
        Self::new(&msg.body, &msg.origin, msg.reply_to)
    }

    /// The columns of a message with these parts.
    pub fn new(body: &MessageBody, origin: &Origin, reply_to: Option<Seq>) -> Self {
        let mut meta = origin.telegram().map(|t| TelegramMeta {
            chat: t.chat,
            message_id: t.message_id,
            protect: t.protect,
            ..TelegramMeta::default()
        });
        let mut text = String::new();
        let mut extra = Extra {
            reply_to_seq: body.target().or(reply_to),
            sender_platform_msg_id: origin.platform_msg_id_of(body),
            ..Extra::default()
        };
        match body.content() {
            Content::Text(t) => t.as_str().clone_into(&mut text),
            Content::Media(m) => {
                extra.caption.clone_from(&m.caption);
                extra.media_file_id.clone_from(&m.file_id);
                if let Some(meta) = &mut meta {
                    meta.spoiler = m.spoiler;
                    meta.media_group.clone_from(&m.album);
                }
            }
            Content::Location | Content::Venue | Content::Contact => {}
            Content::Dice(d) => text.clone_from(d),
            Content::Edit { change, .. } => match change {
                EditChange::Text(t) => text.clone_from(t),
                EditChange::Caption(c) => {
                    text.clone_from(c);
                    extra.caption = Some(c.clone());
                }
                EditChange::Media {
                    kind,
                    file_id,
                    caption,
                } => {
                    text.clone_from(caption);
                    extra.caption = Some(caption.clone());
                    extra.media_file_id = Some(file_id.clone());
                    if let Some(meta) = &mut meta {
                        meta.media_kind = Some(kind.kind());
                    }
                }
            },
            Content::Reaction { emoji, .. } => {
                text = emoji.join(" ");
                if let Some(meta) = &mut meta {
                    meta.reactions.clone_from(emoji);
                }
            }
        }
        extra.metadata = meta
            .and_then(|m| serde_json::to_value(m).ok())
            .map(|v| serde_json::json!({ TELEGRAM: v }));
        Columns {
            kind: body.kind(),
            text,
            extra,
        }
    }

    /// The body, origin and reply of a stored row.
    pub fn read(self) -> Result<(MessageBody, Origin, Option<Seq>), CorruptMessage> {
        let Columns { kind, text, extra } = self;
        let meta: Option<TelegramMeta> = extra
            .metadata
            .as_ref()
            .and_then(|m| m.get(TELEGRAM))
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let origin = meta.as_ref().map_or(Origin::Web, |m| {
            Origin::Telegram(TelegramOrigin {
                chat: m.chat,
                message_id: m.message_id,
                protect: m.protect,
            })
        });
        let target = extra.reply_to_seq.ok_or(CorruptMessage("change target"));
        let content = match kind {
            MessageKind::Text => Content::Text(MessageText::trusted(text)),
            MessageKind::Location => Content::Location,
            MessageKind::Venue => Content::Venue,
            MessageKind::Contact => Content::Contact,
            MessageKind::Dice => Content::Dice(text),
            MessageKind::Edit => {
                let replaced = meta
                    .as_ref()
                    .and_then(|m| m.media_kind)
                    .and_then(MediaKind::of)
                    .zip(extra.media_file_id.clone());
                let change = match (replaced, &extra.caption) {
                    (Some((kind, file_id)), caption) => EditChange::Media {
                        kind,
                        file_id,
                        caption: caption.clone().unwrap_or_default(),
                    },
                    (None, Some(_)) => EditChange::Caption(text),
                    (None, None) => EditChange::Text(text),
                };
                Content::Edit {
                    target: target?,
                    change,
                }
            }
            MessageKind::Reaction => Content::Reaction {
                target: target?,
                emoji: match &meta {
                    Some(m) => m.reactions.clone(),
                    None => text.split_whitespace().map(str::to_owned).collect(),
                },
            },
            media => Content::Media(Media {
                kind: MediaKind::of(media).ok_or(CorruptMessage("message kind"))?,
                file_id: extra.media_file_id.clone(),
                caption: extra.caption.clone(),
                spoiler: meta.as_ref().is_some_and(|m| m.spoiler),
                album: meta.as_ref().and_then(|m| m.media_group.clone()),
            }),
        };
        let body = MessageBody::trusted(content);
        let reply_to = extra.reply_to_seq.filter(|_| body.target().is_none());
        Ok((body, origin, reply_to))
    }

    /// The body `msg` has once its content is purged, as PostgreSQL's
    /// purge leaves it (text, caption, file and metadata cleared): the kind
    /// and seq stay, so resumes and de-duplication keep working.
    pub fn purged(msg: &StoredMessage) -> Result<MessageBody, CorruptMessage> {
        let mut cols = Columns::of(msg);
        cols.text.clear();
        let extra = &mut cols.extra;
        (extra.caption, extra.media_file_id, extra.metadata) = (None, None, None);
        Ok(cols.read()?.0)
    }
}

#[cfg(test)]
mod tests;
