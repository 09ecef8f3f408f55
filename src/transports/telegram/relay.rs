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
use super::meta::TgMeta;
use super::sender::Sender;
use crate::domain::{MessageKind, RoomId, Seq, StoredMessage};

impl Sender {
    /// Delivers one message; returns the id of the copy in this chat (none
    /// for edits and reactions, or when there is nothing to change).
    pub(super) async fn deliver_one(&self, msg: &StoredMessage) -> Result<Option<i64>, SendError> {
        let chat = self.chat.chat_id();
        let bot = &self.api.bot;
        let meta = TgMeta::of(&msg.extra);
        match msg.kind {
            MessageKind::Edit => {
                let Some(target) = self.copy_here(msg.room, msg.extra.reply_to_seq).await else {
                    return Ok(None);
                };
                let replaced = meta.as_ref().and_then(|m| m.media_kind);
                if let Some(media) = replaced.and_then(|kind| input_media(kind, msg, false)) {
                    let req = bot.edit_message_media(chat, target, media);
                    self.call(req).await?;
                } else if msg.extra.caption.is_some() {
                    let mut req = bot.edit_message_caption(chat, target);
                    req.payload_mut().caption = Some(msg.text.clone());
                    self.call(req).await?;
                } else {
                    let req = bot.edit_message_text(chat, target, msg.text.clone());
                    self.call(req).await?;
                }
                Ok(None)
            }
            MessageKind::Reaction => {
                let Some(target) = self.copy_here(msg.room, msg.extra.reply_to_seq).await else {
                    return Ok(None);
                };
                // Bots may set one reaction per message: the first one.
                let reaction = meta
                    .map(|m| m.reactions)
                    .unwrap_or_default()
                    .into_iter()
                    .take(1)
                    .map(|emoji| ReactionType::Emoji { emoji })
                    .collect::<Vec<_>>();
                let mut req = bot.set_message_reaction(chat, target);
                req.payload_mut().reaction = Some(reaction);
                self.call(req).await?;
                Ok(None)
            }
            _ => {
                let reply = self
                    .copy_here(msg.room, msg.extra.reply_to_seq)
                    .await
                    .map(|id| ReplyParameters::new(id).allow_sending_without_reply());
                let protect = meta.as_ref().is_some_and(|m| m.protect).then_some(true);
                let id = match meta {
                    Some(m) if m.spoiler => self.send_covered(msg, reply, protect).await?,
                    Some(m) => {
                        let mut req =
                            bot.copy_message(chat, ChatId(m.chat), MessageId(m.message_id));
                        req.payload_mut().reply_parameters = reply;
                        req.payload_mut().protect_content = protect;
                        self.call(req).await?
                    }
                    None => {
                        let mut req = bot.send_message(chat, msg.display_text());
                        req.payload_mut().reply_parameters = reply;
                        self.call(req).await?.id
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
        msg: &StoredMessage,
        reply: Option<ReplyParameters>,
        protect: Option<bool>,
    ) -> Result<MessageId, SendError> {
        let chat = self.chat.chat_id();
        let bot = &self.api.bot;
        let Some(file) = msg.extra.media_file_id.clone() else {
            return Err(SendError::Refused("media without a file id".into()));
        };
        let file = InputFile::file_id(FileId(file));
        let caption = msg.extra.caption.clone();
        let sent = match msg.kind {
            MessageKind::Photo => {
                let mut req = bot.send_photo(chat, file);
                let p = req.payload_mut();
                (p.has_spoiler, p.caption, p.reply_parameters) = (Some(true), caption, reply);
                p.protect_content = protect;
                self.call(req).await?
            }
            MessageKind::Video => {
                let mut req = bot.send_video(chat, file);
                let p = req.payload_mut();
                (p.has_spoiler, p.caption, p.reply_parameters) = (Some(true), caption, reply);
                p.protect_content = protect;
                self.call(req).await?
            }
            MessageKind::Animation => {
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
        let metas: Vec<TgMeta> = batch.iter().filter_map(|m| TgMeta::of(&m.extra)).collect();
        let Some(from) = metas.first().map(|m| m.chat) else {
            return Err(SendError::Refused("album without origin".into()));
        };
        let protect = metas.iter().any(|m| m.protect).then_some(true);
        let covered: Option<Vec<InputMedia>> = metas
            .iter()
            .any(|m| m.spoiler)
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
                let originals = metas.iter().map(|m| MessageId(m.message_id));
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
    match msg.kind {
        MessageKind::Photo | MessageKind::Video => input_media(msg.kind, msg, true),
        _ => None,
    }
}

/// `msg`'s file and caption as media of `kind`, by file id; `None` for kinds
/// without a stored file id.
fn input_media(kind: MessageKind, msg: &StoredMessage, spoiler: bool) -> Option<InputMedia> {
    let file = InputFile::file_id(FileId(msg.extra.media_file_id.clone()?));
    let caption = msg.extra.caption.clone().filter(|c| !c.is_empty());
    Some(match kind {
        MessageKind::Photo => {
            let mut p = InputMediaPhoto::new(file);
            (p.caption, p.has_spoiler) = (caption, spoiler);
            InputMedia::Photo(p)
        }
        MessageKind::Video => {
            let mut v = InputMediaVideo::new(file);
            (v.caption, v.has_spoiler) = (caption, spoiler);
            InputMedia::Video(v)
        }
        MessageKind::Animation => {
            let mut a = InputMediaAnimation::new(file);
            (a.caption, a.has_spoiler) = (caption, spoiler);
            InputMedia::Animation(a)
        }
        _ => return None,
    })
}
