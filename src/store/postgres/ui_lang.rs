//! `users.ui_lang`: the language a person chose for the hub's texts.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::users;
use super::{PgStore, db_error, with_conn};
use crate::domain::{UiLang, UserId};
use crate::store::StoreError;

impl PgStore {
    pub(super) async fn read_ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError> {
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

    pub(super) async fn write_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError> {
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
