//! What a person sent, sorted: a bot command, something to relay (its body
//! and where it is in the sender's chat), or something that cannot be
//! relayed (the sender is told; nothing is dropped silently).

use teloxide::types::Message;

use crate::domain::{
    Content, InputError, Media, MediaKind, MessageBody, MessageText, TelegramOrigin,
};

/// A bot command and the rest of its line.
#[derive(Debug, PartialEq, Eq)]
pub struct BotCommand<'a> {
    pub name: String,
    pub args: &'a str,
}

impl BotCommand<'_> {
    /// The command this names; `None` when the bot does not know it.
    pub fn parsed(&self) -> Option<super::commands::TgCommand> {
        super::commands::TgCommand::from_parts(&self.name, self.args)
    }
}

/// `/name@bot args` → (`name`, `args`); `None` for anything else.
pub fn command(text: &str) -> Option<BotCommand<'_>> {
    let rest = text.strip_prefix('/')?;
    let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let name = head.split('@').next().unwrap_or(head);
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some(BotCommand {
        name: name.to_ascii_lowercase(),
        args: args.trim(),
    })
}

/// A message that can be relayed: its body, or why its content cannot be
/// taken (the sender is told), and the original in the sender's chat.
#[derive(Debug)]
pub struct Relay {
    pub body: Result<MessageBody, InputError>,
    pub origin: TelegramOrigin,
}

#[derive(Debug)]
pub enum Incoming {
    Relay(Relay),
    /// A person's message this bot cannot relay; the label names it.
    Unsupported(&'static str),
    /// A service message (pins, joins...): nothing a person typed.
    Ignore,
}

/// Whether `msg` is something a person typed to be relayed (not a
/// command, not a service message, not a kind that cannot be relayed).
pub fn is_relay(msg: &Message) -> bool {
    match msg.text() {
        // Every text that is not a command is relayed (or its sender told
        // why not): no need to build its body twice per update.
        Some(text) => command(text).is_none(),
        None => matches!(classify(msg, false), Incoming::Relay(_)),
    }
}

/// Sorts a message from a private chat. `spoiler_default` is the sender's
/// `/spoiler_on` setting.
pub fn classify(msg: &Message, spoiler_default: bool) -> Incoming {
    let media = |kind: MediaKind, file_id: Option<String>| {
        Content::Media(Media {
            kind,
            file_id,
            caption: msg.caption().map(str::to_owned),
            spoiler: kind.coverable() && (spoiler_default || msg.has_media_spoiler()),
            album: msg.media_group_id().map(|g| g.0.clone()),
        })
    };
    let content = if let Some(t) = msg.text() {
        MessageText::parse(t.to_owned()).map(Content::Text)
    } else if let Some(sizes) = msg.photo() {
        // The largest size is last; any size's file id resends the photo.
        let file_id = sizes.last().map(|p| p.file.id.0.clone());
        Ok(media(MediaKind::Photo, file_id))
    } else if let Some(v) = msg.video() {
        Ok(media(MediaKind::Video, Some(v.file.id.0.clone())))
    } else if let Some(a) = msg.animation() {
        Ok(media(MediaKind::Animation, Some(a.file.id.0.clone())))
    } else if msg.sticker().is_some() {
        Ok(media(MediaKind::Sticker, None))
    } else if msg.voice().is_some() {
        Ok(media(MediaKind::Voice, None))
    } else if msg.video_note().is_some() {
        Ok(media(MediaKind::VideoNote, None))
    } else if msg.audio().is_some() {
        Ok(media(MediaKind::Audio, None))
    } else if msg.document().is_some() {
        Ok(media(MediaKind::Document, None))
    } else if msg.venue().is_some() {
        Ok(Content::Venue)
    } else if msg.location().is_some() {
        Ok(Content::Location)
    } else if msg.contact().is_some() {
        Ok(Content::Contact)
    } else if let Some(d) = msg.dice() {
        // The emoji as Telegram spells it (serde), then the value rolled.
        let emoji = serde_json::to_value(d.emoji)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Content::Dice(format!("{emoji} {}", d.value)))
    } else if msg.poll().is_some() {
        return Incoming::Unsupported("polls");
    } else if msg.game().is_some() {
        return Incoming::Unsupported("games");
    } else if msg.story().is_some() {
        return Incoming::Unsupported("stories");
    } else if msg.paid_media().is_some() {
        return Incoming::Unsupported("paid media");
    } else if msg.checklist().is_some() {
        return Incoming::Unsupported("checklists");
    } else if matches!(
        msg.kind,
        teloxide::types::MessageKind::Common(_) | teloxide::types::MessageKind::Empty {}
    ) {
        // `Empty` is how teloxide reads a kind newer than itself.
        return Incoming::Unsupported("this kind of message");
    } else {
        return Incoming::Ignore;
    };
    Incoming::Relay(Relay {
        body: content.and_then(MessageBody::new),
        origin: TelegramOrigin {
            chat: msg.chat.id.0,
            message_id: msg.id.0,
            // The sender's `/protect` is applied by the store as it appends.
            protect: false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(
            command("/report spam here"),
            Some(BotCommand {
                name: "report".into(),
                args: "spam here"
            })
        );
        assert_eq!(command("/Next@chathub_bot").unwrap().name, "next");
        assert_eq!(command("hello"), None);
        assert_eq!(command("/"), None);
        assert_eq!(command("/ what"), None);
    }
}
