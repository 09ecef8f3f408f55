//! The Telegram settings port: what each person chose for their chat.

use async_trait::async_trait;

use crate::domain::{UiLang, UserId};
use crate::store::StoreError;

/// A Telegram person's settings: the spoiler default for their media,
/// `/protect`, and the language they chose for the hub's texts.
#[async_trait]
pub trait TelegramSettings: Send + Sync + 'static {
    /// The person's default for their own media: sent with a spoiler cover
    /// (`users.default_media_spoiler`). `false` for an unknown user.
    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError>;

    /// Sets the person's media spoiler default (`/spoiler_on`, `/spoiler_off`).
    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError>;

    /// Turns the person's protection over (`/protect`: what they send
    /// reaches their partner protected; `users.protect_content`) in one
    /// step, so two updates handled at once on two replicas flip it twice;
    /// returns the new setting. `NoSuchUser` for an unknown user. It is
    /// never read back per message: `append_message` applies it.
    async fn toggle_protect_content(&self, user: UserId) -> Result<bool, StoreError>;

    /// The language the person chose for the hub's texts (`users.ui_lang`,
    /// `/language`); `None` if they never chose or are unknown.
    async fn ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError>;

    /// Stores the person's choice of language. `NoSuchUser` for an unknown user.
    async fn set_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError>;
}
