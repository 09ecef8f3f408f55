//! Relaying one stored message (or one album) into the person's chat:
//! `copyMessage` for Telegram originals (no "forwarded from" header),
//! `send*` by file id where a spoiler cover must be added, `sendMessage`
//! for web text; edits, reactions and replies aimed at the copy in this chat.

use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::{
    ChatId, FileId, InputFile, InputMedia, InputMediaAnimation, InputMediaPhoto, InputMediaVideo,
    MessageId, ReactionType, ReplyParameters,
};

use super::api::SendError;
use super::ids::message_id;
use super::sender::Sender;
use crate::domain::{Content, EditChange, Media, MediaKind, Origin, RoomId, Seq, StoredMessage};

impl Sender {
    /// Delivers one message; returns the id of the copy in this chat (none
    /// for edits and reactions, or when there is nothing to change).
    pub(super) async fn deliver_one(&self, msg: &StoredMessage) -> Result<Option<i64>, SendError> {
        let chat = self.chat.chat_id();
        let bot = &self.api.bot;
        match msg.body.content() {
            Content::Edit { target, change } => {
                let Some(target) = self.copy_here(msg.room, Some(*target)).await else {
                    return Ok(None);
                };
                let replaced = match change {
                    EditChange::Media {
                        kind,
                        file_id,
                        caption,
                    } => input_media(*kind, file_id, Some(caption), false),
                    _ => None,
                };
                if let Some(media) = replaced {
                    let req = bot.edit_message_media(chat, target, media);
                    self.call(req).await?;
                } else if let EditChange::Caption(caption) | EditChange::Media { caption, .. } =
                    change
                {
                    let mut req = bot.edit_message_caption(chat, target);
                    req.payload_mut().caption = Some(caption.clone());
                    self.call(req).await?;
                } else if let EditChange::Text(text) = change {
                    let req = bot.edit_message_text(chat, target, text.clone());
                    self.call(req).await?;
                }
                Ok(None)
            }
            Content::Reaction { target, emoji } => {
                let Some(target) = self.copy_here(msg.room, Some(*target)).await else {
                    return Ok(None);
                };
                // Bots may set one reaction per message: the first one.
                let reaction = emoji
                    .iter()
                    .take(1)
                    .map(|emoji| ReactionType::Emoji {
                        emoji: emoji.clone(),
                    })
                    .collect::<Vec<_>>();
                let mut req = bot.set_message_reaction(chat, target);
                req.payload_mut().reaction = Some(reaction);
                self.call(req).await?;
                Ok(None)
            }
            content => {
                let reply = self
                    .copy_here(msg.room, msg.reply_to)
                    .await
                    .map(|id| ReplyParameters::new(id).allow_sending_without_reply());
                let id = match (&msg.origin, content) {
                    (Origin::Telegram(origin), Content::Media(media)) if media.spoiler => {
                        let protect = origin.protect.then_some(true);
                        self.send_covered(media, reply, protect).await?
                    }
                    (Origin::Telegram(origin), _) => {
                        let original = MessageId(origin.message_id);
                        let mut req = bot.copy_message(chat, ChatId(origin.chat), original);
                        req.payload_mut().reply_parameters = reply;
                        req.payload_mut().protect_content = origin.protect.then_some(true);
                        self.call(req).await?
                    }
                    (Origin::Web, Content::Text(text)) => {
                        let mut req = bot.send_message(chat, text.as_str());
                        req.payload_mut().reply_parameters = reply;
                        self.call(req).await?.id
                    }
                    // A web page sends text only.
                    (Origin::Web, _) => {
                        return Err(SendError::Refused("web message that is not text".into()));
                    }
                };
                Ok(Some(i64::from(id.0)))
            }
        }
    }

    /// Resends media by file id with `has_spoiler` (copyMessage has no
    /// spoiler option).
    async fn send_covered(
        &self,
        media: &Media,
        reply: Option<ReplyParameters>,
        protect: Option<bool>,
    ) -> Result<MessageId, SendError> {
        let chat = self.chat.chat_id();
        let bot = &self.api.bot;
        let Some(file) = media.file_id.clone() else {
            return Err(SendError::Refused("media without a file id".into()));
        };
        let file = InputFile::file_id(FileId(file));
        let caption = media.caption.clone();
        let sent = match media.kind {
            MediaKind::Photo => {
                let mut req = bot.send_photo(chat, file);
                let p = req.payload_mut();
                (p.has_spoiler, p.caption, p.reply_parameters) = (Some(true), caption, reply);
                p.protect_content = protect;
                self.call(req).await?
            }
            MediaKind::Video => {
                let mut req = bot.send_video(chat, file);
                let p = req.payload_mut();
                (p.has_spoiler, p.caption, p.reply_parameters) = (Some(true), caption, reply);
                p.protect_content = protect;
                self.call(req).await?
            }
            MediaKind::Animation => {
                let mut req = bot.send_animation(chat, file);
                let p = req.payload_mut();
                (p.has_spoiler, p.caption, p.reply_parameters) = (Some(true), caption, reply);
                p.protect_content = protect;
                self.call(req).await?
            }
            _ => return Err(SendError::Refused("no spoiler for this kind".into())),
        };
        Ok(sent.id)
    }

    /// Delivers an album in one call: `copyMessages`, or `sendMediaGroup`
    /// with covers when the sender wants spoilers on photos and videos.
    pub(super) async fn deliver_album(
        &self,
        batch: &[StoredMessage],
    ) -> Result<Vec<Option<i64>>, SendError> {
        let chat = self.chat.chat_id();
        let bot = &self.api.bot;
        let origins: Vec<_> = batch.iter().filter_map(|m| m.origin.telegram()).collect();
        let Some(from) = origins.first().map(|o| o.chat) else {
            return Err(SendError::Refused("album without origin".into()));
        };
        let protect = origins.iter().any(|o| o.protect).then_some(true);
        let covered: Option<Vec<InputMedia>> = batch
            .iter()
            .any(|m| matches!(m.body.content(), Content::Media(media) if media.spoiler))
            .then(|| batch.iter().map(covered_media).collect::<Option<Vec<_>>>())
            .flatten();
        let ids: Vec<i32> = match covered {
            Some(media) => {
                let mut req = bot.send_media_group(chat, media);
                req.payload_mut().protect_content = protect;
                let sent = self.call(req).await?;
                sent.iter().map(|m| m.id.0).collect()
            }
            None => {
                let originals = origins.iter().map(|o| MessageId(o.message_id));
                let mut req = bot.copy_messages(chat, ChatId(from), originals);
                req.payload_mut().protect_content = protect;
                let sent = self.call(req).await?;
                sent.iter().map(|m| m.0).collect()
            }
        };
        let mut out: Vec<Option<i64>> = ids.into_iter().map(|id| Some(i64::from(id))).collect();
        out.resize(batch.len(), None);
        Ok(out)
    }

    /// The id, in this chat, of message `seq` of `room` (for replies,
    /// edits, reactions); `None` if there is no such copy.
    async fn copy_here(&self, room: RoomId, seq: Option<Seq>) -> Option<MessageId> {
        let copies = match self.deps.store.telegram.message_copies(room, seq?).await {
            Ok(c) => c?,
            Err(e) => {
                tracing::warn!(room = %room, error = %e, "message copies unknown");
                return None;
            }
        };
        message_id(copies.platform_msg_id_for(self.me)?)
    }
}

/// One album item re-sent by file id under a spoiler cover; `None` for
/// kinds that cannot be covered (the album is then copied as it is).
fn covered_media(msg: &StoredMessage) -> Option<InputMedia> {
    match msg.body.content() {
        Content::Media(m) if matches!(m.kind, MediaKind::Photo | MediaKind::Video) => {
            input_media(m.kind, m.file_id.as_deref()?, m.caption.as_deref(), true)
        }
        _ => None,
    }
}

/// A file and caption as media of `kind`, by file id; `None` for kinds
/// that cannot be sent so.
fn input_media(
    kind: MediaKind,
    file_id: &str,
    caption: Option<&str>,
    spoiler: bool,
) -> Option<InputMedia> {
    let file = InputFile::file_id(FileId(file_id.to_owned()));
    let caption = caption.filter(|c| !c.is_empty()).map(str::to_owned);
    Some(match kind {
        MediaKind::Photo => {
            let mut p = InputMediaPhoto::new(file);
            (p.caption, p.has_spoiler) = (caption, spoiler);
            InputMedia::Photo(p)
        }
        MediaKind::Video => {
            let mut v = InputMediaVideo::new(file);
            (v.caption, v.has_spoiler) = (caption, spoiler);
            InputMedia::Video(v)
        }
        MediaKind::Animation => {
            let mut a = InputMediaAnimation::new(file);
            (a.caption, a.has_spoiler) = (caption, spoiler);
            InputMedia::Animation(a)
        }
        _ => return None,
    })
}
