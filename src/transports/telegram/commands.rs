//! The bot's commands, declared once: teloxide's `BotCommands` derive gives
//! their parsing, the menu `chathub telegram setup` sets and the /help text.

use teloxide::types::BotCommand;
use teloxide::utils::command::BotCommands;

use super::texts::capitalize;

/// What a person can ask the bot. The order is the menu's and /help's.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "snake_case")]
pub enum TgCommand {
    #[command(description = "find a partner")]
    Search,
    #[command(description = "leave this chat and find someone new")]
    Next,
    #[command(description = "end the chat")]
    Stop,
    /// The rest of the line is the reason (may be empty).
    #[command(description = "report your partner (ends the chat); a reason may follow")]
    Report(String),
    #[command(description = "your photos and videos arrive hidden until tapped")]
    SpoilerOn,
    #[command(description = "send them uncovered")]
    SpoilerOff,
    #[command(description = "this list")]
    Help,
    /// Sent by Telegram when someone opens the bot; not in the menu.
    #[command(hide)]
    Start,
    #[command(description = "turn protection of what you send on or off (no forwarding or saving)")]
    Protect,
    #[command(description = "your profile and whom you want to meet, with buttons to change them")]
    Settings,
    #[command(description = "show your profile")]
    Profile,
}

impl TgCommand {
    /// `name` (lowercase, without `/` or `@bot`) with `args`; `None` for a
    /// command the bot does not know.
    pub fn from_parts(name: &str, args: &str) -> Option<Self> {
        // The bot's username was stripped by the caller, so none is checked.
        Self::parse(&format!("/{name} {args}"), "").ok()
    }

    /// The menu set by `chathub telegram setup` (names without `/`).
    pub fn menu() -> Vec<BotCommand> {
        Self::bot_commands()
            .into_iter()
            .map(|c| {
                let name = c.command.trim_start_matches('/').to_owned();
                BotCommand::new(name, capitalize(&c.description))
            })
            .collect()
    }

    /// The /help text: one line per menu command.
    pub fn help() -> String {
        Self::bot_commands()
            .iter()
            .map(|c| format!("{}: {}", c.command, c.description))
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
        let names: Vec<String> = TgCommand::menu().into_iter().map(|c| c.command).collect();
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
                "profile"
            ]
        );
        let help = TgCommand::help();
        for name in &names {
            assert!(help.contains(&format!("/{name}: ")), "{help}");
        }
        assert!(!help.contains("/start"));
    }
}
