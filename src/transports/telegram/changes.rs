//! Updates that change an earlier message: edits and reactions. Each is
//! relayed as a log entry of its own (kind `Edit` / `Reaction`) pointing at
//! the changed message, so it reaches the partner in order with the rest.

use teloxide::types::{Message, MessageReactionUpdated, ReactionType};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::meta::TgMeta;
use super::texts::{self, Notice};
use super::update::{Handled, idempotency_key};
use crate::actors::client::ClientCommand;
use crate::domain::{MessageExtra, MessageKind};

impl TelegramTransport {
    /// An edit is relayed as its own log entry pointing at the edited message.
    pub(super) async fn on_edit(&self, update_id: u32, msg: &Message) -> Handled {
        let Some(chat) = TelegramChatId::private(&msg.chat) else {
            return Ok(());
        };
        let (user, p) = self.person(chat).await?;
        let (text, is_caption) = match (msg.text(), msg.caption()) {
            (Some(t), _) => (t.to_owned(), false),
            (None, Some(c)) => (c.to_owned(), true),
            (None, None) => return self.say(&p, texts::unsupported("edits of media")).await,
        };
        let Some(target) = self.seq_of(user, msg.id).await? else {
            return self.say(&p, Notice::plain(texts::EDIT_NOT_RELAYED)).await;
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

    /// Reactions on a message of the current chat are mirrored to the
    /// partner's copy; reactions elsewhere (on the bot's notices) are not news.
    pub(super) async fn on_reaction(&self, update_id: u32, r: &MessageReactionUpdated) -> Handled {
        let Some(chat) = TelegramChatId::private(&r.chat) else {
            return Ok(());
        };
        let (user, p) = self.person(chat).await?;
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
