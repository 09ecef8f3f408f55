//! People (bans live with the rest of moderation).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::users;
use super::{PgStore, db_error, with_conn};
use crate::domain::{Platform, UserId};
use crate::store::StoreError;

impl PgStore {
    pub(super) async fn upsert_user_impl(
        &self,
        platform: Platform,
        pid: &str,
    ) -> Result<UserId, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            // One statement: insert on first sight, otherwise touch
            // `last_seen_at` (which also makes RETURNING yield the old id).
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(UserId::new().0),
                    users::platform.eq(platform.as_str()),
                    users::platform_user_id.eq(pid),
                ))
                .on_conflict((users::platform, users::platform_user_id))
                .do_update()
                .set(users::last_seen_at.eq(Utc::now()))
                .returning(users::id)
                .get_result(conn)
                .await
                .map(UserId)
                .map_err(db_error)
        })
    }

    pub(super) async fn find_user_impl(
        &self,
        platform: Platform,
        pid: &str,
    ) -> Result<Option<UserId>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            users::table
                .filter(users::platform.eq(platform.as_str()))
                .filter(users::platform_user_id.eq(pid))
                .select(users::id)
                .first(conn)
                .await
                .optional()
                .map(|id| id.map(UserId))
                .map_err(db_error)
        })
    }

    pub(super) async fn identity_impl(
        &self,
        user: UserId,
    ) -> Result<Option<(Platform, String)>, StoreError> {
        let row: Option<(String, Option<String>)> =
            with_conn!(self.checkout(), |conn| async move {
                users::table
                    .find(user.0)
                    .select((users::platform, users::platform_user_id))
                    .first(conn)
                    .await
                    .optional()
                    .map_err(db_error)
            })?;
        let Some((platform, Some(pid))) = row else {
            return Ok(None);
        };
        let platform = Platform::parse(&platform)
            .ok_or_else(|| StoreError::Unavailable("unexpected platform in the database".into()))?;
        Ok(Some((platform, pid)))
    }
}
