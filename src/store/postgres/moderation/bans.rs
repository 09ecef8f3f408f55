//! Bans by a moderator, unbans, and the ban in force.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::DbResult;
use super::audit::audit;
use crate::domain::UserId;
use crate::store::postgres::{PgStore, db_error, with_conn};
use crate::store::{ActiveBan, AuditAction, NewBan, StoreError};

/// The ban in force: permanent if any in-force ban is, else the latest end.
const ACTIVE_BAN: &str = "\
SELECT count(*) AS n,
       bool_or(until IS NULL) AS permanent,
       max(until) AS until
FROM bans
WHERE user_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > now())";

#[derive(QueryableByName)]
struct ActiveBanRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Bool>)]
    permanent: Option<bool>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    until: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct LiveRow {
    #[diesel(sql_type = Bool)]
    live: bool,
}

pub(in crate::store::postgres) async fn active_ban_on(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Option<ActiveBan>, diesel::result::Error> {
    let row: ActiveBanRow = diesel::sql_query(ACTIVE_BAN)
        .bind::<SqlUuid, _>(user.0)
        .get_result(conn)
        .await?;
    Ok((row.n > 0).then(|| ActiveBan {
        until: if row.permanent == Some(true) {
            None
        } else {
            row.until
        },
    }))
}

pub(super) fn insert_ban_sql() -> &'static str {
    "INSERT INTO bans (id, user_id, until, reason, banned_by, automatic) \
     VALUES ($1, $2, $3, $4, $5, $6)"
}

pub(super) async fn ban(store: &PgStore, ban: NewBan) -> Result<(), StoreError> {
    with_conn!(store.checkout(), |conn| async move {
        let done = conn
            .transaction(async |conn| -> DbResult<bool> {
                let live: Option<bool> = diesel::sql_query(
                    "SELECT (deleted_at IS NULL) AS live FROM users WHERE id = $1 FOR UPDATE",
                )
                .bind::<SqlUuid, _>(ban.user.0)
                .get_result::<LiveRow>(conn)
                .await
                .optional()?
                .map(|r| r.live);
                if live != Some(true) {
                    return Ok(false);
                }
                diesel::sql_query(insert_ban_sql())
                    .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
                    .bind::<SqlUuid, _>(ban.user.0)
                    .bind::<Nullable<Timestamptz>, _>(ban.until)
                    .bind::<Text, _>(&ban.reason)
                    .bind::<Text, _>(&ban.by)
                    .bind::<Bool, _>(false)
                    .execute(conn)
                    .await?;
                let detail = match ban.until {
                    Some(until) => format!("until {}: {}", until.to_rfc3339(), ban.reason),
                    None => format!("permanent: {}", ban.reason),
                };
                audit(
                    conn,
                    &ban.by,
                    AuditAction::Ban,
                    Some(ban.user),
                    None,
                    &detail,
                )
                .await?;
                Ok(true)
            })
            .await
            .map_err(db_error)?;
        if done {
            Ok(())
        } else {
            Err(StoreError::NoSuchUser)
        }
    })
}

pub(super) async fn unban(store: &PgStore, user: UserId, by: &str) -> Result<bool, StoreError> {
    let by = by.to_owned();
    with_conn!(store.checkout(), |conn| async move {
        let outcome = conn
            .transaction(async |conn| -> DbResult<Option<bool>> {
                    let exists = diesel::sql_query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
                        .bind::<SqlUuid, _>(user.0)
                        .execute(conn)
                        .await?;
                    if exists == 0 {
                        return Ok(None);
                    }
                    let lifted = diesel::sql_query(
                        "UPDATE bans SET lifted_at = now(), lifted_by = $2 \
                         WHERE user_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > now())",
                    )
                    .bind::<SqlUuid, _>(user.0)
                    .bind::<Text, _>(&by)
                    .execute(conn)
                    .await?;
                    if lifted > 0 {
                        audit(conn, &by, AuditAction::Unban, Some(user), None, "").await?;
                    }
                    Ok(Some(lifted > 0))
                })
            .await
            .map_err(db_error)?;
        outcome.ok_or(StoreError::NoSuchUser)
    })
}

pub(super) async fn active_ban(
    store: &PgStore,
    user: UserId,
) -> Result<Option<ActiveBan>, StoreError> {
    with_conn!(store.checkout(), |conn| async move {
        active_ban_on(conn, user).await.map_err(db_error)
    })
}
