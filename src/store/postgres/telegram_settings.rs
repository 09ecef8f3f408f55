//! Telegram settings on Postgres, columns of `users`: the spoiler default,
//! /protect and the chosen language.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::users;
use super::{PgStore, db_error, with_conn};
use crate::domain::{UiLang, UserId};
use crate::store::{StoreError, TelegramSettings};

#[async_trait]
impl TelegramSettings for PgStore {
    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            users::table
                .find(user.0)
                .select(users::default_media_spoiler)
                .first::<bool>(conn)
                .await
                .optional()
                .map(|on| on.unwrap_or(false))
                .map_err(db_error)
        })
    }

    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        let updated = with_conn!(self.checkout(), |conn| async move {
            diesel::update(users::table.find(user.0))
                .set(users::default_media_spoiler.eq(on))
                .execute(conn)
                .await
                .map_err(db_error)
        })?;
        if updated == 0 {
            return Err(StoreError::NoSuchUser);
        }
        Ok(())
    }

    async fn toggle_protect_content(&self, user: UserId) -> Result<bool, StoreError> {
        let on: Option<bool> = with_conn!(self.checkout(), |conn| async move {
            diesel::update(users::table.find(user.0))
                .set(users::protect_content.eq(diesel::dsl::not(users::protect_content)))
                .returning(users::protect_content)
                .get_result(conn)
                .await
                .optional()
                .map_err(db_error)
        })?;
        on.ok_or(StoreError::NoSuchUser)
    }

    async fn ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError> {
        let code: Option<Option<String>> = with_conn!(self.checkout(), |conn| async move {
            users::table
                .find(user.0)
                .select(users::ui_lang)
                .first(conn)
                .await
                .optional()
                .map_err(db_error)
        })?;
        // The column's CHECK admits only known codes.
        Ok(code.flatten().and_then(|code| UiLang::parse(&code)))
    }

    async fn set_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError> {
        let updated = with_conn!(self.checkout(), |conn| async move {
            diesel::update(users::table.find(user.0))
                .set(users::ui_lang.eq(lang.code()))
                .execute(conn)
                .await
                .map_err(db_error)
        })?;
        if updated == 0 {
            return Err(StoreError::NoSuchUser);
        }
        Ok(())
    }
}
