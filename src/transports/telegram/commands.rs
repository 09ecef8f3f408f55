//! The bot's commands, declared once: teloxide's `BotCommands` derive gives
//! their parsing and order; their descriptions (the menu `chathub telegram
//! setup` sets per language, and /help) are the `cmd-<name>` messages of
//! the translation files.

use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

use super::texts::capitalize;
use crate::i18n::{UiLang, tr};

/// What a person can ask the bot. The order is the menu's and /help's.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum TgCommand {
    Search,
    Next,
    Stop,
    /// The rest of the line is the reason (may be empty).
    Report(String),
    SpoilerOn,
    SpoilerOff,
    Help,
    /// Sent by Telegram when someone opens the bot; not in the menu.
    #[command(hide)]
    Start,
    Protect,
    Settings,
    Profile,
    Language,
}

impl TgCommand {
    /// `name` (lowercase, without `/` or `@bot`) with `args`; `None` for a
    /// command the bot does not know.
    pub fn from_parts(name: &str, args: &str) -> Option<Self> {
        // The bot's username was stripped by the caller, so none is checked.
        Self::parse(&format!("/{name} {args}"), "").ok()
    }

    /// The menu commands' names (without `/`) and descriptions in `lang`.
    fn described(lang: UiLang) -> impl Iterator<Item = (String, String)> {
        Self::bot_commands().into_iter().map(move |c| {
            let name = c.command.trim_start_matches('/').to_owned();
            let description = tr(lang, &format!("cmd-{}", name.replace('_', "-")));
            (name, description)
        })
    }

    /// The menu set by `chathub telegram setup` for `lang`.
    pub fn menu(lang: UiLang) -> Vec<BotCommand> {
        Self::described(lang)
            .map(|(name, d)| BotCommand::new(name, capitalize(&d)))
            .collect()
    }

    /// The /help text in `lang`: one line per menu command.
    pub fn help(lang: UiLang) -> String {
        Self::described(lang)
            .map(|(name, d)| format!("/{name}: {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_parse_into_commands() {
        assert_eq!(TgCommand::from_parts("next", ""), Some(TgCommand::Next));
        assert_eq!(
            TgCommand::from_parts("spoiler_on", ""),
            Some(TgCommand::SpoilerOn)
        );
        assert_eq!(
            TgCommand::from_parts("report", "spam here"),
            Some(TgCommand::Report("spam here".into()))
        );
        assert_eq!(
            TgCommand::from_parts("report", ""),
            Some(TgCommand::Report(String::new()))
        );
        assert_eq!(TgCommand::from_parts("start", ""), Some(TgCommand::Start));
        assert_eq!(TgCommand::from_parts("nope", ""), None);
    }

    #[test]
    fn menu_and_help_list_the_same_commands_start_hidden() {
        let names: Vec<String> = TgCommand::menu(UiLang::En)
            .into_iter()
            .map(|c| c.command)
            .collect();
        assert_eq!(
            names,
            [
                "search",
                "next",
                "stop",
                "report",
                "spoiler_on",
                "spoiler_off",
                "help",
                "protect",
                "settings",
                "profile",
                "language"
            ]
        );
        let help = TgCommand::help(UiLang::En);
        for name in &names {
            assert!(help.contains(&format!("/{name}: ")), "{help}");
        }
        assert!(!help.contains("/start"));
        assert!(help.contains("/search: find a partner"), "{help}");
        let ru = TgCommand::menu(UiLang::Ru);
        assert_eq!(ru[0].description, "Найти собеседника");
        assert!(TgCommand::help(UiLang::Uk).contains("/next: вийти з чату"));
    }
}
