//! A person's bot commands (`/search`, `/next`, `/report` ...) and inline
//! button presses, each run on their actor or answered by the transport.

use teloxide::prelude::Requester;
use teloxide::types::CallbackQuery;

use super::Handled;
use crate::actors::client::ClientCommand;
use crate::domain::{ReportReason, UserId};
use crate::error::ChatError;
use crate::i18n::tr;
use crate::transports::telegram::TelegramTransport;
use crate::transports::telegram::commands::TgCommand;
use crate::transports::telegram::ids::TelegramChatId;
use crate::transports::telegram::incoming::BotCommand;
use crate::transports::telegram::sessions::Person;
use crate::transports::telegram::texts::{self, Buttons, Notice};

impl TelegramTransport {
    pub(super) async fn on_command(
        &self,
        user: UserId,
        p: &Person,
        cmd: BotCommand<'_>,
    ) -> Handled {
        let run = |c| self.run(p, c);
        let lang = p.activity.lang();
        let t = |key| tr(lang, key);
        let Some(cmd) = cmd.parsed() else {
            return self.say(p, Notice::plain(t(texts::UNKNOWN_COMMAND))).await;
        };
        match cmd {
            TgCommand::Start => {
                self.say(p, Notice::with(t(texts::WELCOME), Buttons::Search))
                    .await
            }
            TgCommand::Help => self.say(p, Notice::plain(TgCommand::help(lang))).await,
            TgCommand::Search => run(ClientCommand::Search { prefs: None }).await,
            TgCommand::Next => run(ClientCommand::Next).await,
            TgCommand::Stop => run(ClientCommand::Stop).await,
            TgCommand::Report(args) => match ReportReason::parse(Some(args)) {
                Ok(reason) => run(ClientCommand::Report { reason }).await,
                Err(e) => {
                    let text = texts::error_text(lang, &ChatError::Input(e));
                    self.say(p, Notice::plain(text)).await
                }
            },
            TgCommand::Protect => {
                let on = self
                    .deps
                    .store
                    .telegram_settings
                    .toggle_protect_content(user)
                    .await?;
                let text = if on {
                    texts::PROTECT_ON
                } else {
                    texts::PROTECT_OFF
                };
                self.say(p, Notice::plain(t(text))).await
            }
            TgCommand::SpoilerOn | TgCommand::SpoilerOff => {
                let on = cmd == TgCommand::SpoilerOn;
                self.deps
                    .store
                    .telegram_settings
                    .set_media_spoiler_default(user, on)
                    .await?;
                let text = if on {
                    texts::SPOILER_ON
                } else {
                    texts::SPOILER_OFF
                };
                self.say(p, Notice::plain(t(text))).await
            }
            TgCommand::Settings => self.send_settings(user, p.chat, lang).await,
            TgCommand::Profile => run(crate::actors::client::show_profile()).await,
            TgCommand::Language => {
                self.say(p, crate::transports::telegram::language::choose(lang))
                    .await
            }
        }
    }

    /// Inline buttons: answered at once (the button stops spinning), then
    /// run as the matching command.
    pub(super) async fn on_callback(&self, q: &CallbackQuery) -> Handled {
        // Moderators press in their group, not as people of the chat service.
        if let Some(data) = q
            .data
            .as_deref()
            .filter(|d| crate::transports::telegram::moderators::is_moderation(d))
        {
            return self.on_moderation(q, data).await;
        }
        let answer = self.api.bot.answer_callback_query(q.id.clone());
        if let Err(e) = self.api.call(None, answer).await {
            tracing::debug!(error = %e, "callback query not answered");
        }
        // In a private chat the chat id is the person's id.
        let Ok(raw) = i64::try_from(q.from.id.0) else {
            return Ok(());
        };
        let (user, p) = self
            .person(
                TelegramChatId::trusted(raw),
                q.from.language_code.as_deref(),
            )
            .await?;
        if let Some(data) = q
            .data
            .as_deref()
            .filter(|d| crate::transports::telegram::settings::is_settings(d))
        {
            return self
                .on_settings(user, p.chat, q, data, p.activity.lang())
                .await;
        }
        if let Some(code) = q
            .data
            .as_deref()
            .and_then(|d| d.strip_prefix(texts::CB_LANG))
        {
            return self.on_language(user, &p, code).await;
        }
        let cmd = match q.data.as_deref() {
            Some(texts::CB_NEXT) => ClientCommand::Next,
            Some(texts::CB_STOP) => ClientCommand::Stop,
            Some(texts::CB_SEARCH) => ClientCommand::Search { prefs: None },
            _ => return Ok(()),
        };
        self.run(&p, cmd).await
    }
}
