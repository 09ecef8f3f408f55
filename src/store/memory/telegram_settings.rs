//! Telegram settings of the in-memory store: spoiler defaults (in the
//! person's profile, as in `users`), /protect and the chosen language, per
//! person.

use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::{UiLang, UserId};
use crate::store::{StoreError, TelegramSettings};

#[async_trait]
impl TelegramSettings for MemoryStore {
    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError> {
        let s = self.lock()?;
        Ok(s.users
            .get(&user)
            .is_some_and(|u| u.profile.default_media_spoiler))
    }

    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        let u = s.users.get_mut(&user).ok_or(StoreError::NoSuchUser)?;
        u.profile.default_media_spoiler = on;
        Ok(())
    }

    async fn toggle_protect_content(&self, user: UserId) -> Result<bool, StoreError> {
        let mut s = self.lock()?;
        if !s.users.contains_key(&user) {
            return Err(StoreError::NoSuchUser);
        }
        // `insert` is false when it was there: then it goes.
        let on = s.protected.insert(user);
        if !on {
            s.protected.remove(&user);
        }
        Ok(on)
    }

    async fn ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError> {
        Ok(self.lock()?.ui_langs.get(&user).copied())
    }

    async fn set_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        if !s.users.contains_key(&user) {
            return Err(StoreError::NoSuchUser);
        }
        s.ui_langs.insert(user, lang);
        Ok(())
    }
}
