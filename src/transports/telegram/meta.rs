//! What the Telegram transport keeps in a stored message's `metadata`
//! (under the `"telegram"` key): where the original is, for `copyMessage`,
//! and how it must be relayed.

use serde::{Deserialize, Serialize};

use crate::domain::MessageExtra;

const NAMESPACE: &str = "telegram";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TgMeta {
    /// The sender's chat, the `from_chat_id` of a copy.
    pub chat: i64,
    /// The original's message id in that chat.
    pub message_id: i32,
    /// Album the original belongs to; its items are relayed together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_group: Option<String>,
    /// Resend media by file id under a spoiler cover (the sender's default,
    /// or the sender hid it themselves).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spoiler: bool,
    /// For a `Reaction`: the emoji now set (empty: removed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<String>,
    /// For an `Edit` that replaced media: the kind of the new media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_kind: Option<crate::domain::MessageKind>,
    /// The sender had `/protect` on: the partner's copy carries
    /// `protect_content` (no forwarding or saving).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
}

impl TgMeta {
    /// Reads the Telegram part of a message's metadata, if it has one.
    pub fn of(extra: &MessageExtra) -> Option<Self> {
        let value = extra.metadata.as_ref()?.get(NAMESPACE)?;
        serde_json::from_value(value.clone()).ok()
    }

    /// The metadata value to store.
    pub fn into_metadata(self) -> Option<serde_json::Value> {
        let value = serde_json::to_value(self).ok()?;
        Some(serde_json::json!({ NAMESPACE: value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrips_through_extra() {
        let meta = TgMeta {
            chat: 7,
            message_id: 9,
            media_group: Some("g".into()),
            spoiler: true,
            reactions: vec![],
            media_kind: Some(crate::domain::MessageKind::Video),
            protect: true,
        };
        let extra = MessageExtra {
            metadata: meta.clone().into_metadata(),
            ..MessageExtra::default()
        };
        assert_eq!(TgMeta::of(&extra), Some(meta));
        assert_eq!(TgMeta::of(&MessageExtra::default()), None);
    }
}
