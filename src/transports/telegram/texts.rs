//! What the bot says, in one place; the words themselves are in the
//! translation files (`crate::i18n`), looked up in the person's language.
//! No text here names the partner.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::actors::client::Outgoing;
use crate::domain::{EndReason, InputError, MAX_INTERESTS, MAX_TEXT_CHARS};
use crate::error::ChatError;
use crate::i18n::{UiLang, tr, tr_args};

/// Message ids of the plain notices.
pub const WELCOME: &str = "welcome";
pub const UNKNOWN_COMMAND: &str = "unknown-command";
pub const SPOILER_ON: &str = "spoiler-on";
pub const SPOILER_OFF: &str = "spoiler-off";
pub const PROTECT_ON: &str = "protect-on";
pub const PROTECT_OFF: &str = "protect-off";
pub const EDIT_NOT_RELAYED: &str = "edit-not-relayed";
pub const UNDELIVERABLE: &str = "undeliverable";
pub const PARTNER_DELAYED: &str = "partner-delayed";
pub const NOT_DELIVERED_TO_PARTNER: &str = "not-delivered-to-partner";

/// Callback data of the inline buttons.
pub const CB_NEXT: &str = "next";
pub const CB_STOP: &str = "stop";
pub const CB_SEARCH: &str = "search";
/// `lang:<code>`: a language picked under /language.
pub const CB_LANG: &str = "lang:";

/// Buttons under a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buttons {
    None,
    /// Under "matched": next and stop.
    NextStop,
    /// When idle: search.
    Search,
    /// Under /language: one button per language, named in itself.
    Languages,
}

impl Buttons {
    pub fn markup(self, lang: UiLang) -> Option<InlineKeyboardMarkup> {
        let b = |key, data| InlineKeyboardButton::callback(tr(lang, key), data);
        let row = match self {
            Buttons::None => return None,
            Buttons::NextStop => vec![b("button-next", CB_NEXT), b("button-stop", CB_STOP)],
            Buttons::Search => vec![b("button-search", CB_SEARCH)],
            Buttons::Languages => UiLang::ALL
                .iter()
                .map(|l| {
                    let label = tr(*l, "language-name");
                    InlineKeyboardButton::callback(label, format!("{CB_LANG}{}", l.code()))
                })
                .collect(),
        };
        Some(InlineKeyboardMarkup::new([row]))
    }
}

/// A line of text for the person, with buttons (labelled in the person's
/// language when sent).
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub buttons: Buttons,
}

impl Notice {
    pub fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            buttons: Buttons::None,
        }
    }

    pub fn with(text: impl Into<String>, buttons: Buttons) -> Self {
        Self {
            text: text.into(),
            buttons,
        }
    }
}

/// `label` is an `unsupported-*` message id's tail ("polls", "edits of
/// media"...), spaces for hyphens.
pub fn unsupported(lang: UiLang, label: &str) -> Notice {
    let what = tr(lang, &format!("unsupported-{}", label.replace(' ', "-")));
    Notice::plain(tr_args(lang, "unsupported", &[("what", &what)]))
}

/// An error as the person reads it, capitalized. English is the error's
/// own message (it carries the exact numbers); other languages read the
/// `error-<code>` message.
pub fn error_text(lang: UiLang, error: &ChatError) -> String {
    if lang == UiLang::En {
        return capitalize(&error.to_string());
    }
    let (chars, count, until);
    let mut args: Vec<(&str, &str)> = vec![];
    match error {
        ChatError::Input(InputError::MessageTooLong { chars: c }) => {
            chars = c.to_string();
            args.push(("chars", &chars));
        }
        ChatError::Input(InputError::TooManyInterests { count: c }) => {
            count = c.to_string();
            args.push(("count", &count));
        }
        ChatError::Banned { until: u } => {
            until = match u {
                Some(t) => {
                    let time = t.format("%Y-%m-%d %H:%M").to_string();
                    tr_args(lang, "error-banned-until", &[("time", &time)])
                }
                None => tr(lang, "error-banned-forever"),
            };
            args.push(("until", &until));
        }
        _ => {}
    }
    let max = match error {
        ChatError::Input(InputError::TooManyInterests { .. }) => MAX_INTERESTS.to_string(),
        _ => MAX_TEXT_CHARS.to_string(),
    };
    args.push(("max", &max));
    let key = format!("error-{}", error.code().replace('_', "-"));
    capitalize(&tr_args(lang, &key, &args))
}

/// The notice for an actor event other than a partner's message; `None`
/// for events a Telegram person does not need to see.
pub fn event_notice(lang: UiLang, event: &Outgoing) -> Option<Notice> {
    let t = |key| tr(lang, key);
    Some(match event {
        // A Telegram person has no session (`Start::delivered_up_to`): no
        // hello or ack is made for them; messages are relayed, not noticed.
        Outgoing::Hello { .. } | Outgoing::Ack { .. } | Outgoing::Message { .. } => return None,
        Outgoing::Searching => Notice::plain(t("searching")),
        Outgoing::Matched { .. } => Notice::with(t("matched"), Buttons::NextStop),
        Outgoing::PartnerLeft { reason, .. } => {
            let key = match reason {
                EndReason::Next => "left-next",
                EndReason::Blocked => "left-blocked",
                EndReason::Disconnected => "left-disconnected",
                EndReason::Moderation => "left-moderation",
                EndReason::Idle => "left-idle",
                EndReason::Stop | EndReason::Report => "left-stop",
            };
            Notice::with(t(key), Buttons::Search)
        }
        Outgoing::Stopped => Notice::with(t("chat-ended"), Buttons::Search),
        Outgoing::PartnerDelayed { .. } => Notice::plain(t(PARTNER_DELAYED)),
        Outgoing::Reported { .. } => Notice::with(t("reported"), Buttons::Search),
        // Telegram redelivers the update that met this; saying so would
        // only confuse.
        Outgoing::Error {
            error: ChatError::Unavailable,
            ..
        } => return None,
        Outgoing::Error {
            error: ChatError::NotInRoom,
            ..
        } => Notice::with(t("not-in-chat"), Buttons::Search),
        Outgoing::Error { error, .. } => Notice::plain(error_text(lang, error)),
        Outgoing::SearchStopped => Notice::with(t("search-stopped"), Buttons::Search),
        // Sent at most once per away period (the actor only passes the
        // first `partner_away` on); the return needs no message.
        Outgoing::PartnerAway { .. } => Notice::plain(t("partner-away")),
        // Typing becomes a chat action, not a message (see the sender).
        Outgoing::PartnerBack { .. } | Outgoing::Typing { .. } => return None,
        Outgoing::SearchStatus { relaxed, .. } if relaxed.is_empty() => {
            Notice::plain(t("searching"))
        }
        Outgoing::SearchStatus { relaxed, .. } => {
            let names = relaxed
                .iter()
                .map(|r| tr(lang, &format!("relaxed-{}", r.as_str().replace('_', "-"))))
                .collect::<Vec<_>>()
                .join(", ");
            Notice::plain(tr_args(lang, "still-looking", &[("relaxed", &names)]))
        }
        Outgoing::Profile { profile, prefs } => {
            Notice::plain(super::settings::profile_text(lang, profile, prefs))
        }
        Outgoing::Blocked => Notice::with(t("blocked"), Buttons::Search),
        Outgoing::Rated => Notice::plain(t("rated")),
    })
}

pub(super) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_the_default_and_the_others_are_translated() {
        let en = event_notice(UiLang::En, &Outgoing::Stopped).unwrap();
        assert_eq!(en.text, "Chat ended.");
        let ru = event_notice(UiLang::Ru, &Outgoing::Stopped).unwrap();
        assert_eq!(ru.text, "Чат завершён.");
        let uk = unsupported(UiLang::Uk, "edits of media");
        assert!(uk.text.contains("виправлення медіа"), "{}", uk.text);
        let err = ChatError::Input(InputError::MessageTooLong { chars: 5000 });
        assert_eq!(
            error_text(UiLang::En, &err),
            capitalize(&err.to_string()),
            "English keeps the error's own words"
        );
        let ru = error_text(UiLang::Ru, &err);
        assert!(ru.starts_with("Сообщение слишком длинное: 5000"), "{ru}");
        assert!(!ru.contains('$'), "{ru}");
        let banned = ChatError::Banned { until: None };
        assert_eq!(
            error_text(UiLang::Uk, &banned),
            "Вам заборонено спілкуватися назавжди"
        );
    }
}
