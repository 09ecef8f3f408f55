//! The flat form of a message: [`MessageBody`] and [`Origin`] as the
//! `messages` columns hold them (`kind`, `text`, `caption`,
//! `media_file_id`, `reply_to_seq`, `sender_platform_msg_id`, `metadata`),
//! and as a [`StoredMessage`] travels as JSON (bus events, complaint
//! evidence). Both store adapters use it, so they read back the same
//! record; the shapes are the ones stored rows and evidence already have.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ClientMsgId, Content, EditChange, Media, MediaKind, MessageBody, MessageKind, MessageText,
    Origin, RoomId, Seq, StoredMessage, TelegramOrigin, UserId,
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

/// A [`StoredMessage`] as JSON: the flat form, so bus events and the
/// evidence stored with complaints keep the shape they always had.
#[derive(Serialize, Deserialize)]
pub(super) struct MessageJson {
    room: RoomId,
    seq: Seq,
    sender: UserId,
    kind: MessageKind,
    text: String,
    client_msg_id: ClientMsgId,
    created_at: DateTime<Utc>,
    #[serde(default)]
    extra: Extra,
}

impl From<StoredMessage> for MessageJson {
    fn from(m: StoredMessage) -> Self {
        let Columns { kind, text, extra } = Columns::of(&m);
        MessageJson {
            room: m.room,
            seq: m.seq,
            sender: m.sender,
            kind,
            text,
            client_msg_id: m.client_msg_id,
            created_at: m.created_at,
            extra,
        }
    }
}

impl TryFrom<MessageJson> for StoredMessage {
    type Error = CorruptMessage;

    fn try_from(m: MessageJson) -> Result<Self, CorruptMessage> {
        let (body, origin, reply_to) = Columns {
            kind: m.kind,
            text: m.text,
            extra: m.extra,
        }
        .read()?;
        Ok(StoredMessage {
            room: m.room,
            seq: m.seq,
            sender: m.sender,
            body,
            origin,
            reply_to,
            client_msg_id: m.client_msg_id,
            created_at: m.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(body: Content, origin: Origin, reply_to: Option<Seq>) -> StoredMessage {
        StoredMessage {
            room: RoomId::new(),
            seq: Seq(3),
            sender: UserId::new(),
            body: MessageBody::new(body).unwrap(),
            origin,
            reply_to,
            client_msg_id: ClientMsgId::parse("m1".into()).unwrap(),
            created_at: Utc::now(),
        }
    }

    fn telegram() -> Origin {
        Origin::Telegram(TelegramOrigin {
            chat: 7,
            message_id: 9,
            protect: true,
        })
    }

    #[test]
    fn every_body_reads_back_as_written() {
        let text = Content::Text(MessageText::parse("hi".into()).unwrap());
        let media = Content::Media(Media {
            kind: MediaKind::Video,
            file_id: Some("f".into()),
            caption: Some("look".into()),
            spoiler: true,
            album: Some("g".into()),
        });
        let edit = |change| Content::Edit {
            target: Seq(1),
            change,
        };
        let bodies = [
            (text, Origin::Web, Some(Seq(1))),
            (media, telegram(), None),
            (Content::Dice("🎲 5".into()), telegram(), Some(Seq(2))),
            (Content::Venue, telegram(), None),
            (edit(EditChange::Text("new".into())), telegram(), None),
            (edit(EditChange::Caption("new".into())), telegram(), None),
            (
                edit(EditChange::Media {
                    kind: MediaKind::Photo,
                    file_id: "f2".into(),
                    caption: String::new(),
                }),
                telegram(),
                None,
            ),
            (
                Content::Reaction {
                    target: Seq(2),
                    emoji: vec!["👍".into(), "🔥".into()],
                },
                telegram(),
                None,
            ),
        ];
        for (body, origin, reply_to) in bodies {
            let msg = stored(body, origin, reply_to);
            let read = Columns::of(&msg).read().unwrap();
            assert_eq!(read, (msg.body.clone(), msg.origin.clone(), msg.reply_to));
            let json = serde_json::to_string(&msg).unwrap();
            assert_eq!(serde_json::from_str::<StoredMessage>(&json).unwrap(), msg);
        }
    }

    #[test]
    fn the_flat_form_keeps_the_shape_of_stored_rows() {
        let msg = stored(
            Content::Reaction {
                target: Seq(2),
                emoji: vec!["👍".into()],
            },
            telegram(),
            None,
        );
        let cols = Columns::of(&msg);
        assert_eq!(
            cols.extra.metadata,
            Some(serde_json::json!({"telegram": {
                "chat": 7, "message_id": 9, "reactions": ["👍"], "protect": true
            }}))
        );
        assert_eq!(
            (cols.text.as_str(), cols.extra.reply_to_seq),
            ("👍", Some(Seq(2)))
        );
        assert_eq!(cols.extra.sender_platform_msg_id, None);
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["kind"], "reaction");
        assert_eq!(json["text"], "👍");
        assert_eq!(json["extra"]["reply_to_seq"], 2);
    }

    #[test]
    fn a_purged_message_keeps_its_kind_and_loses_its_words() {
        let msg = stored(
            Content::Text(MessageText::parse("secret".into()).unwrap()),
            Origin::Web,
            None,
        );
        let purged = Columns::purged(&msg).unwrap();
        assert_eq!(purged.kind(), MessageKind::Text);
        assert_eq!(
            purged.content(),
            &Content::Text(MessageText::trusted(String::new()))
        );
    }
}
