//! `users.ui_lang`: the language a person chose for the hub's texts. Raw
//! SQL: `users` is past the 16 columns of Diesel's `table!` default, so the
//! column is not declared there.

use diesel::OptionalExtension;
use diesel_async::RunQueryDsl;

use super::{PgStore, db_error, with_conn};
use crate::domain::{UiLang, UserId};
use crate::store::StoreError;

#[derive(diesel::QueryableByName)]
struct UiLangRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    ui_lang: Option<String>,
}

impl PgStore {
    pub(super) async fn read_ui_lang(&self, user: UserId) -> Result<Option<UiLang>, StoreError> {
        let row: Option<UiLangRow> = with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query("SELECT ui_lang FROM users WHERE id = $1")
                .bind::<diesel::sql_types::Uuid, _>(user.0)
                .get_result(conn)
                .await
                .optional()
                .map_err(db_error)
        })?;
        // The column's CHECK admits only known codes.
        Ok(row
            .and_then(|r| r.ui_lang)
            .and_then(|code| UiLang::parse(&code)))
    }

    pub(super) async fn write_ui_lang(&self, user: UserId, lang: UiLang) -> Result<(), StoreError> {
        let updated = with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query("UPDATE users SET ui_lang = $2 WHERE id = $1")
                .bind::<diesel::sql_types::Uuid, _>(user.0)
                .bind::<diesel::sql_types::Text, _>(lang.code())
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
