//! A partner's message as a web page shows it: plain text. Web clients send
//! text only; what a Telegram partner sends beyond that reads as a
//! bracketed notice plus its caption.

use crate::domain::{Content, EditChange, MediaKind, MessageBody};

/// The plain-text rendering of `body` (the `message` frame's `text`).
pub fn plain_text(body: &MessageBody) -> String {
    let (label, words): (&str, Option<&str>) = match body.content() {
        Content::Text(t) => return t.as_str().to_owned(),
        Content::Dice(d) => return format!("[dice {d}]"),
        Content::Edit { change, .. } => {
            let new = match change {
                EditChange::Text(t) | EditChange::Caption(t) => t,
                EditChange::Media { caption, .. } => caption,
            };
            return format!("[edited] {new}");
        }
        Content::Reaction { emoji, .. } if emoji.is_empty() => {
            return "[reaction removed]".into();
        }
        Content::Reaction { emoji, .. } => return format!("[reacted {}]", emoji.join(" ")),
        Content::Media(m) => (media_label(m.kind), m.caption.as_deref()),
        Content::Location => ("location", None),
        Content::Venue => ("venue", None),
        Content::Contact => ("contact", None),
    };
    match words.filter(|w| !w.is_empty()) {
        Some(words) => format!("[{label}] {words}"),
        None => format!("[{label}]"),
    }
}

fn media_label(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::VideoNote => "video message",
        other => other.kind().as_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Media, Seq};

    fn media(kind: MediaKind, caption: Option<&str>) -> MessageBody {
        MessageBody::trusted(Content::Media(Media {
            kind,
            file_id: None,
            caption: caption.map(str::to_owned),
            spoiler: false,
            album: None,
        }))
    }

    #[test]
    fn media_reads_as_a_clear_notice_for_text_only_partners() {
        assert_eq!(plain_text(&MessageBody::text("hi".into()).unwrap()), "hi");
        assert_eq!(plain_text(&media(MediaKind::Photo, None)), "[photo]");
        assert_eq!(
            plain_text(&media(MediaKind::Video, Some("look"))),
            "[video] look"
        );
        assert_eq!(
            plain_text(&media(MediaKind::VideoNote, None)),
            "[video message]"
        );
        let edit = MessageBody::trusted(Content::Edit {
            target: Seq(1),
            change: EditChange::Text("new".into()),
        });
        assert_eq!(plain_text(&edit), "[edited] new");
        let reaction = |emoji: &[&str]| {
            MessageBody::trusted(Content::Reaction {
                target: Seq(1),
                emoji: emoji.iter().map(|e| (*e).to_owned()).collect(),
            })
        };
        assert_eq!(plain_text(&reaction(&["👍"])), "[reacted 👍]");
        assert_eq!(plain_text(&reaction(&[])), "[reaction removed]");
        assert_eq!(
            plain_text(&MessageBody::trusted(Content::Dice("🎲 5".into()))),
            "[dice 🎲 5]"
        );
    }
}
