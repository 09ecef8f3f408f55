//! One update, handled fully before the webhook answers (Telegram sends a
//! chat's next update only after that answer, which keeps each person's
//! order). A repeated `update_id` changes nothing: messages are appended
//! under the idempotency key `tg:<update_id>`, and every other handled
//! update (commands, edits, buttons...) is recorded as processed.

mod bot_commands;

use teloxide::types::{ChatMemberUpdated, Message, MessageId, Update, UpdateKind};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::incoming::{self, Incoming};
use super::outbox::Job;
use super::sender::person_blocked;
use super::sessions::Person;
use super::texts::{self, Notice};
use crate::actors::client::{ClientCommand, Command};
use crate::domain::{ClientMsgId, Origin, Platform, Seq, UserId};
use crate::error::ChatError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The store, bus or actor could not take the update now; Telegram
    /// should deliver it again.
    #[error("update could not be handled now")]
    Unavailable,
}

impl From<StoreError> for HandleError {
    fn from(_: StoreError) -> Self {
        // The store logged the cause once; the webhook counts the outcome.
        HandleError::Unavailable
    }
}

pub(super) type Handled = Result<(), HandleError>;

/// How long a notice may wait for room in the person's queue.
const NOTICE_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Tries of a command whose actor stopped before taking it.
const ACTOR_ATTEMPTS: usize = 3;
/// Time for a stopping actor to be gone before it is replaced.
const ACTOR_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

impl TelegramTransport {
    /// Handles one update completely (the webhook and the poller both come
    /// here); `Err` means it was not recorded and must be delivered again.
    pub async fn handle_update(&self, update: Update) -> Handled {
        let id = update.id.0;
        // A message to relay needs no processed record: it is appended
        // under `tg:<update_id>`, so a redelivery finds it stored (same seq)
        // and every receiver drops the repeat by seq. One write per text.
        if let UpdateKind::Message(m) = &update.kind
            && incoming::is_relay(m)
        {
            return self.on_message(id, m).await;
        }
        let key = format!("tg:{}", update.id.0);
        if self.deps.store.telegram.update_processed(&key).await? {
            return Ok(());
        }
        match &update.kind {
            UpdateKind::Message(m) => self.on_message(id, m).await?,
            UpdateKind::EditedMessage(m) => self.on_edit(id, m).await?,
            UpdateKind::CallbackQuery(q) => self.on_callback(q).await?,
            UpdateKind::MessageReaction(r) => self.on_reaction(id, r).await?,
            UpdateKind::MyChatMember(u) => self.on_member(u).await?,
            UpdateKind::Error(raw) => self.on_unreadable(raw).await?,
            _ => {} // not asked for in allowed_updates, or not for a 1:1 bot
        }
        self.deps
            .store
            .telegram
            .record_update_processed(&key)
            .await?;
        Ok(())
    }

    /// The person behind a private chat, and their live actor here.
    /// `lang_tag` is the update's `from.language_code`: the language the
    /// person is spoken to in unless they chose one with /language.
    pub(super) async fn person(
        &self,
        chat: TelegramChatId,
        lang_tag: Option<&str>,
    ) -> Result<(UserId, Person), HandleError> {
        // A person served here is known: no store write per update.
        let (user, p) = match self.sessions.live_in_chat(chat) {
            Some(p) => (p.user, p),
            None => {
                let store = &self.deps.store;
                let user = store
                    .rooms
                    .upsert_user(Platform::Telegram, &chat.platform_user_id())
                    .await?;
                (user, self.actor(user, chat).await?)
            }
        };
        p.activity.client_lang(lang_tag);
        Ok((user, p))
    }

    /// The person's live actor here, started (after what was delivered to
    /// them) if there is none.
    pub(super) async fn actor(
        &self,
        user: UserId,
        chat: TelegramChatId,
    ) -> Result<Person, HandleError> {
        if let Some(p) = self.sessions.live(user) {
            return Ok(p);
        }
        let store = &self.deps.store;
        let delivered = async {
            match store.rooms.active_room(user).await? {
                Some(room) => store.telegram.last_delivered_seq(room.id, user).await,
                None => Ok(Seq::ZERO),
            }
        };
        // Read before the actor starts (a live actor is not asked again),
        // at the same time as the room: the update waits for both.
        let (delivered, chosen) =
            futures_util::try_join!(delivered, store.telegram_settings.ui_lang(user))?;
        let p = self
            .sessions
            .start(user, chat, delivered, &self.api, &self.deps)
            .ok_or(HandleError::Unavailable)?;
        if let Some(lang) = chosen {
            p.activity.choose(lang);
        }
        Ok(p)
    }

    /// Runs a command on the person's actor. Refusals (not in a chat,
    /// flood...) were already told to the person through their outbox. An
    /// actor that stopped under us (taken over by another replica, let go)
    /// is replaced and the command tried again.
    pub(super) async fn run(&self, p: &Person, cmd: ClientCommand) -> Handled {
        let mut person = p.clone();
        for _ in 0..ACTOR_ATTEMPTS {
            match person.addr.send(Command { cmd: cmd.clone() }).await {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(ChatError::Unavailable)) => return Err(HandleError::Unavailable),
                Ok(Err(_)) => return Ok(()),
                Err(_) => {
                    tokio::time::sleep(ACTOR_RETRY_PAUSE).await;
                    person = self.actor(p.user, p.chat).await?;
                }
            }
        }
        Err(HandleError::Unavailable)
    }

    /// Queues a notice behind the person's events; a queue that stays full
    /// (the person's chat is paced far behind) makes Telegram retry later.
    pub(super) async fn say(&self, p: &Person, notice: Notice) -> Handled {
        let queued = tokio::time::timeout(NOTICE_QUEUE_WAIT, p.notices.send(Job::Notice(notice)));
        match queued.await {
            Ok(Ok(())) => Ok(()),
            _ => Err(HandleError::Unavailable),
        }
    }

    /// The seq, in `user`'s current room, of the message with id `msg` in their chat.
    pub(super) async fn seq_of(
        &self,
        user: UserId,
        msg: MessageId,
    ) -> Result<Option<Seq>, HandleError> {
        let store = &self.deps.store;
        let Some(room) = store.rooms.active_room(user).await? else {
            return Ok(None);
        };
        Ok(store
            .telegram
            .find_by_platform_msg_id(room.id, user, i64::from(msg.0))
            .await?)
    }

    async fn on_message(&self, update_id: u32, msg: &Message) -> Handled {
        let Some(chat) = TelegramChatId::private(&msg.chat) else {
            return Ok(());
        };
        let (user, p) = self.person(chat, lang_tag(msg)).await?;
        if let Some(cmd) = msg.text().and_then(incoming::command) {
            return self.on_command(user, &p, cmd).await;
        }
        let coverable = msg.photo().is_some() || msg.video().is_some() || msg.animation().is_some();
        let spoiler = coverable
            && self
                .deps
                .store
                .telegram_settings
                .media_spoiler_default(user)
                .await?;
        match incoming::classify(msg, spoiler) {
            Incoming::Relay(r) => {
                let body = match r.body {
                    Ok(body) => body,
                    Err(e) => {
                        let text = texts::error_text(p.activity.lang(), &ChatError::Input(e));
                        return self.say(&p, Notice::plain(text)).await;
                    }
                };
                // The sender's `/protect` is applied by the store as it
                // appends (`append_message`), not read here per message.
                let reply_to = match msg.reply_to_message() {
                    Some(replied) => self.seq_of(user, replied.id).await?,
                    None => None,
                };
                let cmd = ClientCommand::Send {
                    body,
                    origin: Origin::Telegram(r.origin),
                    reply_to,
                    id: idempotency_key(update_id)?,
                };
                self.run(&p, cmd).await
            }
            Incoming::Unsupported(label) => {
                let notice = texts::unsupported(p.activity.lang(), label);
                self.say(&p, notice).await
            }
            Incoming::Ignore => Ok(()),
        }
    }

    /// An update teloxide cannot read (a message kind newer than it): the
    /// sender of a private message is told it was not passed on.
    async fn on_unreadable(&self, raw: &serde_json::Value) -> Handled {
        let chat = &raw["message"]["chat"];
        let (Some(id), Some("private")) = (chat["id"].as_i64(), chat["type"].as_str()) else {
            tracing::debug!("unreadable update ignored");
            return Ok(());
        };
        let tag = raw["message"]["from"]["language_code"].as_str();
        let (_, p) = self.person(TelegramChatId::trusted(id), tag).await?;
        let notice = texts::unsupported(p.activity.lang(), "this kind of message");
        self.say(&p, notice).await
    }

    /// The person blocked the bot ("kicked" in a private chat): their room
    /// ends as `Blocked` before any send to them fails.
    async fn on_member(&self, u: &ChatMemberUpdated) -> Handled {
        let Some(chat) = TelegramChatId::private(&u.chat) else {
            return Ok(());
        };
        if !u.new_chat_member.is_banned() {
            return Ok(());
        }
        let found = self
            .deps
            .store
            .rooms
            .find_user(Platform::Telegram, &chat.platform_user_id())
            .await?;
        if let Some(user) = found {
            person_blocked(&self.deps, user).await;
        }
        Ok(())
    }
}

/// The sender's `language_code`, if Telegram gave one.
pub(super) fn lang_tag(msg: &Message) -> Option<&str> {
    msg.from.as_ref()?.language_code.as_deref()
}

pub(super) fn idempotency_key(update_id: u32) -> Result<ClientMsgId, HandleError> {
    ClientMsgId::parse(format!("tg:{update_id}")).map_err(|_| HandleError::Unavailable)
}
