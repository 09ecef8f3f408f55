//! Updates that change an earlier message: edits and reactions. Each is
//! relayed as a log entry of its own (kind `Edit` / `Reaction`) pointing at
//! the changed message, so it reaches the partner in order with the rest.

use teloxide::types::{Message, MessageReactionUpdated, ReactionType};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::incoming::{self, Incoming};
use super::meta::TgMeta;
use super::texts::{self, Notice};
use super::update::{Handled, idempotency_key, lang_tag};
use crate::actors::client::ClientCommand;
use crate::domain::{MessageExtra, MessageKind};
use crate::i18n::tr;

impl TelegramTransport {
    /// An edit is relayed as its own log entry pointing at the edited message.
    pub(super) async fn on_edit(&self, update_id: u32, msg: &Message) -> Handled {
        let Some(chat) = TelegramChatId::private(&msg.chat) else {
            return Ok(());
        };
        let (user, p) = self.person(chat, lang_tag(msg)).await?;
        let lang = p.activity.lang();
        let Some(target) = self.seq_of(user, msg.id).await? else {
            let text = tr(lang, texts::EDIT_NOT_RELAYED);
            return self.say(&p, Notice::plain(text)).await;
        };
        // A photo, video or animation that now has another file was
        // replaced: mirrored with editMessageMedia (the caption comes along).
        if let Some(replaced) = self.replaced_media(user, target, msg).await? {
            let cmd = ClientCommand::SendRich {
                kind: MessageKind::Edit,
                text: msg.caption().unwrap_or_default().to_owned(),
                extra: replaced,
                id: idempotency_key(update_id)?,
            };
            return self.run(&p, cmd).await;
        }
        let (text, is_caption) = match (msg.text(), msg.caption()) {
            (Some(t), _) => (t.to_owned(), false),
            (None, Some(c)) => (c.to_owned(), true),
            (None, None) => {
                let notice = texts::unsupported(lang, "edits of media");
                return self.say(&p, notice).await;
            }
        };
        let extra = MessageExtra {
            caption: is_caption.then(|| text.clone()),
            reply_to_seq: Some(target),
            ..MessageExtra::default()
        };
        let cmd = ClientCommand::SendRich {
            kind: MessageKind::Edit,
            text,
            extra,
            id: idempotency_key(update_id)?,
        };
        self.run(&p, cmd).await
    }

    /// The edit's new media, if `msg` replaced the media of message `target`
    /// (a caption-only edit keeps the file). The new kind travels in the
    /// metadata, the new file id and caption in their own fields.
    async fn replaced_media(
        &self,
        user: crate::domain::UserId,
        target: crate::domain::Seq,
        msg: &Message,
    ) -> Result<Option<MessageExtra>, super::update::HandleError> {
        let Incoming::Relay(now) = incoming::classify(msg, false) else {
            return Ok(None);
        };
        let Some(file) = now.extra.media_file_id.clone() else {
            return Ok(None);
        };
        let store = &self.deps.store;
        let Some(room) = store.rooms.active_room(user).await? else {
            return Ok(None);
        };
        let before = store
            .rooms
            .messages_after(room.id, crate::domain::Seq(target.0 - 1), 1)
            .await?;
        let unchanged = before
            .first()
            .is_some_and(|m| m.extra.media_file_id.as_deref() == Some(file.as_str()));
        if unchanged {
            return Ok(None);
        }
        let mut meta = TgMeta::of(&now.extra).unwrap_or_default();
        meta.media_kind = Some(now.kind);
        Ok(Some(MessageExtra {
            caption: Some(msg.caption().unwrap_or_default().to_owned()),
            media_file_id: Some(file),
            reply_to_seq: Some(target),
            metadata: meta.into_metadata(),
            ..MessageExtra::default()
        }))
    }

    /// Reactions on a message of the current chat are mirrored to the
    /// partner's copy; reactions elsewhere (on the bot's notices) are not news.
    pub(super) async fn on_reaction(&self, update_id: u32, r: &MessageReactionUpdated) -> Handled {
        let Some(chat) = TelegramChatId::private(&r.chat) else {
            return Ok(());
        };
        let tag = r.user().and_then(|u| u.language_code.as_deref());
        let (user, p) = self.person(chat, tag).await?;
        let Some(target) = self.seq_of(user, r.message_id).await? else {
            return Ok(());
        };
        let reactions: Vec<String> = r
            .new_reaction
            .iter()
            .filter_map(|x| match x {
                ReactionType::Emoji { emoji } => Some(emoji.clone()),
                _ => None,
            })
            .collect();
        let meta = TgMeta {
            chat: chat.raw(),
            message_id: r.message_id.0,
            reactions: reactions.clone(),
            ..TgMeta::default()
        };
        let extra = MessageExtra {
            reply_to_seq: Some(target),
            metadata: meta.into_metadata(),
            ..MessageExtra::default()
        };
        let cmd = ClientCommand::SendRich {
            kind: MessageKind::Reaction,
            text: reactions.join(" "),
            extra,
            id: idempotency_key(update_id)?,
        };
        self.run(&p, cmd).await
    }
}
