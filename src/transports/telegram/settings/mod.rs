//! `/profile` and `/settings` for Telegram people. `/settings` sends one
//! message with an inline keyboard; each button edits that message in
//! place (`editMessageText`) to a sub-menu or, once a value is picked,
//! stores it (validated by the domain, as the WebSocket's are) and shows
//! the menu again with the profile as it now stands.
//!
//! Callback data (at most 64 bytes, as Telegram allows): `st:<screen>`
//! shows a screen; `sg:<gender|->` sets one's gender, `sa:<age>` one's age,
//! `si:<tag>` / `sl:<code>` toggle an interest / a language, `pg:<gender|->`
//! toggles a wanted gender (`-` = any), `pa:<min>-<max>|-` sets the wanted
//! age range.

mod keyboard;
mod pick;

use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::{CallbackQuery, MaybeInaccessibleMessage};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::update::Handled;
use crate::domain::UserId;
use crate::error::ChatError;
use crate::i18n::{UiLang, tr};
use keyboard::keyboard;
pub use keyboard::profile_text;
use pick::{Pick, pick, screen_of};

/// Whether callback data belongs to the settings keyboards.
pub fn is_settings(data: &str) -> bool {
    ["st:", "sg:", "sa:", "si:", "sl:", "pg:", "pa:"]
        .iter()
        .any(|p| data.starts_with(p))
}

impl TelegramTransport {
    /// `/settings`: the menu, under the profile as it stands.
    pub(super) async fn send_settings(
        &self,
        user: UserId,
        chat: TelegramChatId,
        lang: UiLang,
    ) -> Handled {
        let (profile, prefs) = self.deps.store.matching.profile(user).await?;
        let mut req = self
            .api
            .bot
            .send_message(chat.chat_id(), profile_text(lang, &profile, &prefs));
        req.payload_mut().reply_markup = Some(keyboard(lang, "main", &profile, &prefs).into());
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "settings menu not sent");
        }
        Ok(())
    }

    /// A settings button: store what was picked, then redraw the message.
    pub(super) async fn on_settings(
        &self,
        user: UserId,
        chat: TelegramChatId,
        q: &CallbackQuery,
        data: &str,
        lang: UiLang,
    ) -> Handled {
        let store = &self.deps.store.matching;
        let (mut profile, mut prefs) = store.profile(user).await?;
        let (screen, note) = match pick(data, &profile, &prefs) {
            Ok(Pick::Show(screen)) => (screen, None),
            Ok(Pick::Profile(update)) => {
                profile = store.update_profile(user, &update).await?;
                (screen_of(data).to_owned(), Some(tr(lang, "settings-saved")))
            }
            Ok(Pick::Prefs(new)) => {
                store.set_prefs(user, &new).await?;
                prefs = new;
                (screen_of(data).to_owned(), Some(tr(lang, "settings-saved")))
            }
            // Nothing changes; the person reads why.
            Err(e) => (
                screen_of(data).to_owned(),
                Some(super::texts::error_text(lang, &ChatError::Input(e))),
            ),
        };
        let Some(MaybeInaccessibleMessage::Regular(msg)) = &q.message else {
            return self.send_settings(user, chat, lang).await;
        };
        let mut text = profile_text(lang, &profile, &prefs);
        if let Some(note) = note {
            text = format!("{note}\n\n{text}");
        }
        let mut req = self.api.bot.edit_message_text(chat.chat_id(), msg.id, text);
        req.payload_mut().reply_markup = Some(keyboard(lang, &screen, &profile, &prefs));
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "settings menu not redrawn");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interest, Profile, SearchPrefs};

    #[test]
    fn every_button_fits_telegrams_64_bytes_and_parses() {
        let (p, s) = (Profile::default(), SearchPrefs::default());
        for screen in ["main", "g", "a", "a1", "a9", "i", "l", "pg", "pa"] {
            for row in keyboard(UiLang::Uk, screen, &p, &s).inline_keyboard {
                for b in row {
                    let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = b.kind else {
                        panic!("a callback button");
                    };
                    assert!(d.len() <= 64 && is_settings(&d), "{d}");
                    assert!(pick(&d, &p, &s).is_ok(), "{d}");
                }
            }
        }
        assert!(pick("sa:7", &p, &s).is_err());
        // A forged decade shows the main menu rather than overflowing.
        let main = keyboard(UiLang::En, "main", &p, &s);
        assert_eq!(keyboard(UiLang::En, "a99", &p, &s), main);
        assert_eq!(keyboard(UiLang::En, "a0", &p, &s), main);
        assert!(pick("sg:robot", &p, &s).is_err());
    }

    #[test]
    fn a_sixth_interest_is_refused() {
        let p = Profile {
            interests: Interest::parse_list(&["music", "books", "art", "food", "tech"]).unwrap(),
            ..Profile::default()
        };
        let err = pick("si:games", &p, &SearchPrefs::default()).err().unwrap();
        assert_eq!(err.code(), "too_many_interests");
        assert!(
            pick("si:music", &p, &SearchPrefs::default()).is_ok(),
            "a toggle off"
        );
    }
}
