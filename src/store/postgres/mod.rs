//! The durable store: PostgreSQL through Diesel (diesel-async on a deadpool
//! pool). Invariants are enforced by the schema (`migrations/`); this module
//! turns the store port into single statements wherever one statement can do.
//!
//! Failure model: every call checks a connection out within
//! [`CHECKOUT_TIMEOUT`] and finishes its statement within [`QUERY_TIMEOUT`];
//! anything else becomes `StoreError::Unavailable` (a retryable error for
//! clients, a 503 on `/readyz`). A connection whose statement timed out is
//! thrown away, and the pool opens fresh ones on demand, so the store heals
//! by itself when Postgres comes back.

mod append;
mod append_sql;
mod complaints;
mod migrate;
mod models;
mod moderation;
mod privacy;
mod retention;
mod rooms;
mod schema;
mod telegram;
mod users;

use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};

use super::{
    ActiveBan, Appended, AuditEntry, Complaint, ComplaintStatus, ComplaintSummary, Filed,
    MessageCopies, NewBan, NewMessage, PageCursor, Store, StoreCounts, StoreError, UserModeration,
};
use crate::domain::{
    AutobanPolicy, ComplaintId, EndReason, Platform, ReportReason, Room, RoomId, Seq,
    StoredMessage, UserId,
};

pub use migrate::run_migrations;

/// Longest wait for a pooled connection (Postgres down: connect is refused
/// at once; Postgres unreachable: this bounds the wait).
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a single statement may take before the call gives up.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// How to reach Postgres and how much of it to use.
#[derive(Clone)]
pub struct PgConfig {
    pub url: String,
    /// Connections in the pool (`CHATHUB_DB_POOL_SIZE`).
    pub pool_size: usize,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PgConfig")
            .field("pool_size", &self.pool_size)
            .finish_non_exhaustive()
    }
}

pub struct PgStore {
    pool: Pool<AsyncPgConnection>,
    writer: append::AppendWriter,
}

type Pooled = Object<AsyncPgConnection>;

impl PgStore {
    /// Applies pending migrations (waiting for any other replica doing the
    /// same), then opens the pool and starts the append writers.
    pub async fn connect(config: &PgConfig) -> anyhow::Result<Self> {
        run_migrations(&config.url).await?;
        Self::connect_without_migrations(config)
    }

    /// Opens the pool on an already migrated database. Connections are
    /// opened lazily, so this succeeds even while Postgres is down.
    pub fn connect_without_migrations(config: &PgConfig) -> anyhow::Result<Self> {
        let mut manager_config = ManagerConfig::default();
        // `Verified` would spend a round trip per checkout; a dead connection
        // is noticed on use instead (and dropped by `is_broken`).
        manager_config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
            config.url.clone(),
            manager_config,
        );
        let pool_size = config.pool_size.max(1);
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .build()
            .context("cannot build the Postgres pool")?;
        // Half the pool writes messages, the rest serves reads and moderation.
        let writers = pool_size.div_ceil(2);
        let writer = append::AppendWriter::start(pool.clone(), writers);
        Ok(Self { pool, writer })
    }

    async fn checkout(&self) -> Result<Pooled, StoreError> {
        checkout(&self.pool).await
    }
}

async fn checkout(pool: &Pool<AsyncPgConnection>) -> Result<Pooled, StoreError> {
    let result = tokio::time::timeout(CHECKOUT_TIMEOUT, pool.get()).await;
    if !matches!(result, Ok(Ok(_))) {
        count_error("connect");
    }
    match result {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(StoreError::Unavailable(format!(
            "no database connection: {e}"
        ))),
        Err(_) => Err(StoreError::Unavailable(
            "timed out waiting for a database connection".into(),
        )),
    }
}

/// A statement that outlived [`QUERY_TIMEOUT`] leaves its connection busy
/// with an unknown outcome: close it instead of handing it to the next caller.
fn discard_after_timeout(conn: Pooled) -> StoreError {
    drop(Object::take(conn));
    count_error("timeout");
    StoreError::Unavailable("database statement timed out".into())
}

/// Counts a failed store operation by kind, for the store-errors alert.
fn count_error(kind: &'static str) {
    metrics::counter!(crate::http::metrics::STORE_ERRORS, "kind" => kind).increment(1);
}

/// Runs `$body` (an async block returning `Result<T, StoreError>`) with
/// `$conn: &mut AsyncPgConnection` from the `$checkout` future, under the
/// statement timeout. A macro rather than a function taking a closure: the
/// body borrows the connection, which closures cannot express without
/// boxing every call.
macro_rules! with_conn {
    ($checkout:expr, |$conn:ident| $body:expr) => {{
        let mut pooled = $checkout.await?;
        let outcome = {
            let $conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
            tokio::time::timeout($crate::store::postgres::QUERY_TIMEOUT, $body).await
        };
        match outcome {
            Ok(result) => result,
            Err(_) => Err($crate::store::postgres::discard_after_timeout(pooled)),
        }
    }};
}
pub(crate) use with_conn;

/// Maps a database error that no caller expects to `Unavailable`. The text
/// is the server's message (constraint names, never row values).
fn db_error(e: DieselError) -> StoreError {
    count_error("query");
    StoreError::Unavailable(format!("database error: {e}"))
}

/// Whether `e` is the violation of the named unique constraint or index.
fn is_unique_violation(e: &DieselError, constraint: &str) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}

fn is_foreign_key_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)
    )
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        use diesel::IntoSql;
        use diesel_async::RunQueryDsl;
        with_conn!(self.checkout(), |conn| async move {
            diesel::select(1_i32.into_sql::<diesel::sql_types::Integer>())
                .get_result::<i32>(conn)
                .await
                .map(|_| ())
                .map_err(db_error)
        })
    }

    async fn upsert_user(&self, platform: Platform, pid: &str) -> Result<UserId, StoreError> {
        self.upsert_user_impl(platform, pid).await
    }

    async fn find_user(&self, platform: Platform, pid: &str) -> Result<Option<UserId>, StoreError> {
        self.find_user_impl(platform, pid).await
    }

    async fn identity(&self, user: UserId) -> Result<Option<(Platform, String)>, StoreError> {
        self.identity_impl(user).await
    }

    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
        self.create_room_impl(a, b).await
    }

    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        self.room_impl(id).await
    }

    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError> {
        self.active_room_impl(user).await
    }

    async fn end_room(
        &self,
        id: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Result<Option<Room>, StoreError> {
        self.end_room_impl(id, by, reason).await
    }

    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        // The writer bounds its own statements; this bounds the queueing too.
        tokio::time::timeout(CHECKOUT_TIMEOUT + QUERY_TIMEOUT, self.writer.append(msg))
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("append timed out".into())))
    }

    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use schema::messages;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        with_conn!(self.checkout(), |conn| async move {
            messages::table
                .filter(messages::room_id.eq(room.0))
                .filter(messages::seq.gt(after.0))
                .order(messages::seq)
                .limit(limit)
                .select(models::MessageRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(StoredMessage::try_from)
                .collect()
        })
    }

    async fn file_report(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError> {
        self.file_report_impl(room, reporter, reason, autoban).await
    }

    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError> {
        self.complaint_impl(id).await
    }

    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError> {
        self.resolve_complaint_impl(id, status, by).await
    }

    async fn ban(&self, ban: NewBan) -> Result<(), StoreError> {
        self.ban_impl(ban).await
    }

    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        self.unban_impl(user, by).await
    }

    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError> {
        self.active_ban_impl(user).await
    }

    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError> {
        self.complaints_page_impl(status, after, limit).await
    }

    async fn user_moderation(&self, user: UserId) -> Result<Option<UserModeration>, StoreError> {
        self.user_moderation_impl(user).await
    }

    async fn audit_page(
        &self,
        before: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_page_impl(before, limit).await
    }

    async fn counts(&self, online: &[UserId]) -> Result<StoreCounts, StoreError> {
        self.counts_impl(online).await
    }

    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.purge_expired_impl(cutoff).await
    }

    async fn export_user(&self, user: UserId) -> Result<Option<serde_json::Value>, StoreError> {
        self.export_user_impl(user)
            .await?
            .map(|e| serde_json::to_value(e).map_err(|e| StoreError::Unavailable(e.to_string())))
            .transpose()
    }

    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        self.delete_user_impl(user, by).await
    }

    async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.record_delivery_impl(room, seq, receiver_platform_msg_id)
            .await
    }

    async fn message_copies(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<MessageCopies>, StoreError> {
        self.message_copies_impl(room, seq).await
    }

    async fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Result<Option<Seq>, StoreError> {
        self.find_by_platform_msg_id_impl(room, user, platform_msg_id)
            .await
    }

    async fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Result<Seq, StoreError> {
        self.last_delivered_seq_impl(room, receiver).await
    }

    async fn update_processed(&self, key: &str) -> Result<bool, StoreError> {
        self.update_processed_impl(key).await
    }

    async fn record_update_processed(&self, key: &str) -> Result<(), StoreError> {
        self.record_update_processed_impl(key).await
    }

    async fn media_spoiler_default(&self, user: UserId) -> Result<bool, StoreError> {
        self.media_spoiler_default_impl(user).await
    }

    async fn set_media_spoiler_default(&self, user: UserId, on: bool) -> Result<(), StoreError> {
        self.set_media_spoiler_default_impl(user, on).await
    }

    async fn mark_orphaned(
        &self,
        user: UserId,
        platform: Platform,
        platform_user_id: &str,
    ) -> Result<(), StoreError> {
        self.mark_orphaned_impl(user, platform, platform_user_id)
            .await
    }

    async fn claim_orphans(
        &self,
        platform: Platform,
        limit: usize,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        self.claim_orphans_impl(platform, limit).await
    }
}
