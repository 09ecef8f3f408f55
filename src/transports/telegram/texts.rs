//! What the bot says, in one place. No text here names the partner.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::actors::client::Outgoing;
use crate::domain::EndReason;
use crate::error::ChatError;

pub const WELCOME: &str = "Welcome to chathub: anonymous one-to-one chats with random people.\n\n\
How it works: press Search (or send /search) and you are paired with a stranger. \
Everything you send (text, photos, videos, stickers, voice, ...) is passed on \
without your name or account. /next finds someone new, /stop ends the chat.\n\n\
/help lists every command.";

pub const UNKNOWN_COMMAND: &str = "I don't know that command. /help lists what I understand.";
pub const SPOILER_ON: &str =
    "Spoilers on: your photos, videos and GIFs reach your partner hidden until tapped.";
pub const SPOILER_OFF: &str = "Spoilers off: your media are sent uncovered.";
pub const PROTECT_ON: &str = "Protection on: what you send from now on cannot be forwarded or saved by your partner. /protect again turns it off.";
pub const PROTECT_OFF: &str = "Protection off: your partner can forward and save what you send.";
pub const EDIT_NOT_RELAYED: &str =
    "That edit was not passed on: the message is not part of your current chat.";
pub const UNDELIVERABLE: &str = "One message from your partner could not be delivered.";
pub const PARTNER_DELAYED: &str = "Your partner will see your messages with a delay: \
Telegram lets a bot send only about one message a second into a chat. Nothing is lost, \
and they arrive in order.";
pub const NOT_DELIVERED_TO_PARTNER: &str =
    "Telegram would not pass one of your messages on: your partner did not get it.";

/// Callback data of the inline buttons.
pub const CB_NEXT: &str = "next";
pub const CB_STOP: &str = "stop";
pub const CB_SEARCH: &str = "search";

/// Buttons under a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buttons {
    None,
    /// Under "matched": next and stop.
    NextStop,
    /// When idle: search.
    Search,
}

impl Buttons {
    pub fn markup(self) -> Option<InlineKeyboardMarkup> {
        let row = match self {
            Buttons::None => return None,
            Buttons::NextStop => vec![
                InlineKeyboardButton::callback("Next", CB_NEXT),
                InlineKeyboardButton::callback("Stop", CB_STOP),
            ],
            Buttons::Search => vec![InlineKeyboardButton::callback("Search", CB_SEARCH)],
        };
        Some(InlineKeyboardMarkup::new([row]))
    }
}

/// A line of text for the person, with buttons.
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

pub fn unsupported(label: &str) -> Notice {
    Notice::plain(format!(
        "Sorry, {label} can't be passed on anonymously: your partner did not get it."
    ))
}

/// The notice for an actor event other than a partner's message; `None`
/// for events a Telegram person does not need to see.
pub fn event_notice(event: &Outgoing) -> Option<Notice> {
    Some(match event {
        Outgoing::Hello { .. } | Outgoing::Ack { .. } | Outgoing::Message { .. } => return None,
        Outgoing::Searching => Notice::plain("Looking for a partner... (/stop to cancel)"),
        Outgoing::Matched { .. } => Notice::with(
            "Partner found! Say hi. Everything you send is passed on anonymously.",
            Buttons::NextStop,
        ),
        Outgoing::PartnerLeft { reason, .. } => {
            let why = match reason {
                EndReason::Next => "Your partner moved on.",
                EndReason::Blocked => "Your partner can no longer be reached.",
                EndReason::Disconnected => "Your partner disconnected.",
                EndReason::Moderation => "The chat was ended by a moderator.",
                EndReason::Idle => "The chat ended: nobody wrote for a while.",
                EndReason::Stop | EndReason::Report => "Your partner ended the chat.",
            };
            Notice::with(
                format!("{why} Search to find someone new."),
                Buttons::Search,
            )
        }
        Outgoing::Stopped => Notice::with("Chat ended.", Buttons::Search),
        Outgoing::PartnerDelayed { .. } => Notice::plain(PARTNER_DELAYED),
        Outgoing::Reported { .. } => Notice::with(
            "Thank you, your report was filed and the chat ended.",
            Buttons::Search,
        ),
        // Telegram redelivers the update that met this; saying so would
        // only confuse.
        Outgoing::Error {
            error: ChatError::Unavailable,
            ..
        } => return None,
        Outgoing::Error {
            error: ChatError::NotInRoom,
            ..
        } => Notice::with(
            "You are not in a chat. Search to find a partner.",
            Buttons::Search,
        ),
        Outgoing::Error { error, .. } => Notice::plain(capitalize(&error.to_string())),
        Outgoing::SearchStopped => Notice::with(
            "Nobody was found in time, so the search stopped. Search again whenever you like.",
            Buttons::Search,
        ),
        // Sent at most once per away period (the actor only passes the
        // first `partner_away` on); the return needs no message.
        Outgoing::PartnerAway { .. } => {
            Notice::plain("Your partner lost their connection and is reconnecting...")
        }
        // Typing becomes a chat action, not a message (see the sender).
        Outgoing::PartnerBack { .. } | Outgoing::Typing { .. } => return None,
        Outgoing::SearchStatus { relaxed, .. } if relaxed.is_empty() => {
            Notice::plain("Looking for a partner... (/stop to cancel)")
        }
        Outgoing::SearchStatus { relaxed, .. } => Notice::plain(format!(
            "Still looking... To find someone sooner, these preferences no longer apply: {}.",
            relaxed
                .iter()
                .map(|r| r.as_str().replace('_', " "))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Outgoing::Profile { profile, prefs } => {
            Notice::plain(super::settings::profile_text(profile, prefs))
        }
        Outgoing::Blocked => Notice::with(
            "Blocked: you will not be matched with them again.",
            Buttons::Search,
        ),
        Outgoing::Rated => Notice::plain("Thanks, your rating was recorded."),
    })
}

pub(super) fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
