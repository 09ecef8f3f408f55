//! The partner is typing: a Telegram person sees "typing..." in the chat
//! header (`sendChatAction`). Inside the shared budget like every call, at
//! most one per `CHAT_ACTION_INTERVAL` per chat (Telegram shows one for
//! about 5 s) across all replicas (a slot in the shared budget: the
//! person's sender moves between replicas with their updates), and skipped
//! while messages wait to go out: a message is worth more of the chat's
//! budget than the sign that one is coming.

use std::time::Duration;

use teloxide::prelude::Requester;
use teloxide::types::ChatAction;

use super::sender::Sender;

/// At most one chat action per chat this often.
pub const CHAT_ACTION_INTERVAL: Duration = Duration::from_secs(5);

impl Sender {
    /// Shows the chat action for a partner's typing, if due.
    pub(super) async fn partner_typing(&mut self) {
        let now = tokio::time::Instant::now();
        if self
            .last_chat_action
            .is_some_and(|last| now.duration_since(last) < CHAT_ACTION_INTERVAL)
        {
            return;
        }
        if !self.pending.is_empty() || !self.jobs.is_empty() {
            return;
        }
        self.last_chat_action = Some(now);
        if !self
            .api
            .claim_chat_action(self.chat, CHAT_ACTION_INTERVAL)
            .await
        {
            return;
        }
        let req = self
            .api
            .bot
            .send_chat_action(self.chat.chat_id(), ChatAction::Typing);
        if let Err(e) = self.call(req).await {
            // A lost "typing..." is harmless; a blocked bot shows at the
            // next message.
            tracing::debug!(user = %self.me, error = %e, "chat action not sent");
        }
    }
}
