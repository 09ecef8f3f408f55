//! Updates that change an earlier message: edits and reactions. Each is
//! relayed as a log entry of its own (an `Edit` / `Reaction` body) pointing
//! at the changed message, so it reaches the partner in order with the rest.

use teloxide::types::{Message, MessageReactionUpdated, ReactionType};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::incoming::{self, Incoming};
use super::sessions::Person;
use super::texts::{self, Notice};
use super::update::{HandleError, Handled, idempotency_key, lang_tag};
use crate::actors::client::ClientCommand;
use crate::domain::{Content, EditChange, MessageBody, Origin, Seq, TelegramOrigin, UserId};
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
        let change = if let Some(replaced) = self.replaced_media(user, target, msg).await? {
            replaced
        } else {
            match (msg.text(), msg.caption()) {
                (Some(t), _) => EditChange::Text(t.to_owned()),
                (None, Some(c)) => EditChange::Caption(c.to_owned()),
                (None, None) => {
                    let notice = texts::unsupported(lang, "edits of media");
                    return self.say(&p, notice).await;
                }
            }
        };
        let origin = TelegramOrigin {
            chat: chat.raw(),
            message_id: msg.id.0,
            protect: false,
        };
        let content = Content::Edit { target, change };
        self.send_change(update_id, &p, content, origin).await
    }

    /// The edit's new media, if `msg` replaced the media of message `target`
    /// (a caption-only edit keeps the file).
    async fn replaced_media(
        &self,
        user: UserId,
        target: Seq,
        msg: &Message,
    ) -> Result<Option<EditChange>, HandleError> {
        let Incoming::Relay(now) = incoming::classify(msg, false) else {
            return Ok(None);
        };
        let Some(Content::Media(media)) = now.body.ok().map(|b| b.content().clone()) else {
            return Ok(None);
        };
        let Some(file) = media.file_id else {
            return Ok(None);
        };
        let store = &self.deps.store;
        let Some(room) = store.rooms.active_room(user).await? else {
            return Ok(None);
        };
        let before = store
            .rooms
            .messages_after(room.id, Seq(target.0 - 1), 1)
            .await?;
        let unchanged = before.first().is_some_and(|m| match m.body.content() {
            Content::Media(old) => old.file_id.as_deref() == Some(file.as_str()),
            _ => false,
        });
        if unchanged {
            return Ok(None);
        }
        Ok(Some(EditChange::Media {
            kind: media.kind,
            file_id: file,
            caption: msg.caption().unwrap_or_default().to_owned(),
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
        let emoji: Vec<String> = r
            .new_reaction
            .iter()
            .filter_map(|x| match x {
                ReactionType::Emoji { emoji } => Some(emoji.clone()),
                _ => None,
            })
            .collect();
        let origin = TelegramOrigin {
            chat: chat.raw(),
            message_id: r.message_id.0,
            protect: false,
        };
        let content = Content::Reaction { target, emoji };
        self.send_change(update_id, &p, content, origin).await
    }

    /// Validates a change like any message (the sender hears why one is
    /// refused) and sends it.
    async fn send_change(
        &self,
        update_id: u32,
        p: &Person,
        content: Content,
        origin: TelegramOrigin,
    ) -> Handled {
        let body = match MessageBody::new(content) {
            Ok(body) => body,
            Err(e) => return self.say(p, Notice::plain(e.to_string())).await,
        };
        let cmd = ClientCommand::Send {
            body,
            origin: Origin::Telegram(origin),
            reply_to: None,
            id: idempotency_key(update_id)?,
        };
        self.run(p, cmd).await
    }
}
