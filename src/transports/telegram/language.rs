//! `/language`: one button per language (named in itself); a press stores
//! the choice with the person (`users.ui_lang`), which from then on wins
//! over their Telegram app's language on every replica, and sets this
//! chat's own command menu in it.

use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::{BotCommandScope, Recipient};

use super::TelegramTransport;
use super::commands::TgCommand;
use super::ids::TelegramChatId;
use super::sessions::Person;
use super::texts::{Buttons, Notice};
use super::update::Handled;
use crate::domain::UserId;
use crate::i18n::{UiLang, tr};

/// The question with its buttons, in the language spoken now.
pub(super) fn choose(lang: UiLang) -> Notice {
    Notice::with(tr(lang, "language-choose"), Buttons::Languages)
}

impl TelegramTransport {
    /// A language button (`lang:<code>`); a forged code changes nothing.
    pub(super) async fn on_language(&self, user: UserId, p: &Person, code: &str) -> Handled {
        let Some(lang) = UiLang::parse(code) else {
            return Ok(());
        };
        self.deps
            .store
            .telegram_settings
            .set_ui_lang(user, lang)
            .await?;
        p.activity.choose(lang);
        self.set_chat_menu(p.chat, lang).await;
        self.say(p, Notice::plain(tr(lang, "language-set"))).await
    }

    /// The command menu of this one chat in the chosen language (the menus
    /// `chathub telegram setup` set follow the app's language). Best
    /// effort: the choice already holds for every text.
    async fn set_chat_menu(&self, chat: TelegramChatId, lang: UiLang) {
        let mut req = self.api.bot.set_my_commands(TgCommand::menu(lang));
        req.payload_mut().scope = Some(BotCommandScope::Chat {
            chat_id: Recipient::Id(chat.chat_id()),
        });
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "chat menu not set");
        }
    }
}
