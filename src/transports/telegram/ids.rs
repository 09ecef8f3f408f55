//! Telegram identifiers, parsed once at the edge. They identify people, so
//! `Debug` hides them and there is no `Display`: they cannot reach a log.

use std::fmt;

use teloxide::types::{Chat, ChatId, MessageId};

/// A private chat with one person (its id equals the person's Telegram id).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TelegramChatId(i64);

impl TelegramChatId {
    /// The chat of an update, if it is a private chat with a person; the bot
    /// is a 1:1 service and ignores groups and channels.
    pub fn private(chat: &Chat) -> Option<Self> {
        chat.is_private().then_some(Self(chat.id.0))
    }

    /// A chat id read back from our own records (message metadata).
    pub fn trusted(raw: i64) -> Self {
        Self(raw)
    }

    pub fn raw(self) -> i64 {
        self.0
    }

    pub fn chat_id(self) -> ChatId {
        ChatId(self.0)
    }

    /// The identity the store keys Telegram people by.
    pub fn platform_user_id(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Debug for TelegramChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TelegramChatId(..)")
    }
}

/// A message id inside one chat.
pub fn message_id(raw: i64) -> Option<MessageId> {
    i32::try_from(raw).ok().map(MessageId)
}
