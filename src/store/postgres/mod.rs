//! The durable store: PostgreSQL through Diesel (diesel-async on a deadpool
//! pool). Invariants are enforced by the schema (`migrations/`); this module
//! turns the store port into single statements wherever one statement can do.
//!
//! Failure model: every call checks a connection out within
//! [`CHECKOUT_TIMEOUT`] and finishes its statement within [`QUERY_TIMEOUT`];
//! anything else becomes `StoreError::Unavailable` (a retryable error for
//! clients, a 503 on `/readyz`). What no retry can fix (a corrupt row, a
//! violated constraint) is `StoreError::Internal`. A connection whose statement timed out is
//! thrown away, and the pool opens fresh ones on demand, so the store heals
//! by itself when Postgres comes back.

mod append;
mod append_sql;
mod deliveries;
mod matching;
mod migrate;
mod models;
mod moderation;
mod oversight;
mod privacy;
mod rooms;
mod schema;
mod telegram;
mod telegram_settings;
mod writer;

use std::time::Duration;

use anyhow::Context;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod, SetupCallback,
};

use super::StoreError;

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
    /// Connections for everything but storing messages
    /// (`CHATHUB_DB_POOL_SIZE`).
    pub pool_size: usize,
    /// Message writers, each with a connection of its own
    /// (`CHATHUB_DB_WRITERS`).
    pub writers: usize,
    /// A room in which nobody wrote this long ends (`CHATHUB_ROOM_IDLE_SECS`);
    /// it sets how stale a room's recorded activity may be ([`activity_step`]).
    pub room_idle: Duration,
}

/// Longest a room's recorded last activity may lag behind its newest
/// message.
const MAX_ACTIVITY_STEP: Duration = Duration::from_secs(60);

/// How far a room's `last_active_at` may lag: an append moves it only once
/// it is this old. Why not on every append: `last_active_at` is indexed (the
/// idle sweep finds rooms by it), so moving it makes PostgreSQL write a new
/// entry into every index of `rooms` for each batch that touches the room;
/// left as it is, the `last_seq` bump is a HOT update that touches no index.
/// The idle sweep allows for the lag, so a room ends at most this much
/// later than `CHATHUB_ROOM_IDLE_SECS`, never earlier.
fn activity_step(room_idle: Duration) -> Duration {
    (room_idle / 10).min(MAX_ACTIVITY_STEP)
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PgConfig")
            .field("pool_size", &self.pool_size)
            .field("writers", &self.writers)
            .field("room_idle", &self.room_idle)
            .finish_non_exhaustive()
    }
}

pub struct PgStore {
    pool: Pool<AsyncPgConnection>,
    /// Stores messages and records Telegram deliveries, in batches.
    writer: writer::MessageWriter,
    /// See [`activity_step`]; the idle sweep adds it to the idle limit.
    activity_step: Duration,
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
        let pool = |size: usize, setup: Option<SetupCallback<AsyncPgConnection>>| {
            let mut manager_config = ManagerConfig::default();
            // `Verified` would spend a round trip per checkout; a dead
            // connection is noticed on use instead (and dropped by `is_broken`).
            manager_config.recycling_method = RecyclingMethod::Fast;
            if let Some(setup) = setup {
                manager_config.custom_setup = setup;
            }
            let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                config.url.clone(),
                manager_config,
            );
            Pool::builder(manager)
                .max_size(size)
                .build()
                .context("cannot build the Postgres pool")
        };
        // The message writers have connections of their own: a burst of
        // reads (connections opened together syncing at once, an admin
        // export) must never leave them waiting for a connection.
        let writers = config.writers.max(1);
        let activity_step = activity_step(config.room_idle);
        let writer = writer::MessageWriter::start(
            pool(writers, Some(writer_setup()))?,
            writers,
            activity_step,
        );
        let pool = pool(config.pool_size.max(1), None)?;
        Ok(Self {
            pool,
            writer,
            activity_step,
        })
    }

    async fn checkout(&self) -> Result<Pooled, StoreError> {
        checkout(&self.pool).await
    }
}

/// Opens a message writer's connection. The statements of the append
/// (`append_messages`, and the delivery records that ride with it) are
/// planned once per connection, and PostgreSQL soon switches to a generic
/// plan costed on the table sizes of that moment: planned on a young
/// database, it scanned `messages` and `rooms` in full, so every batch
/// cost more as the log grew (measured: 30 ms per batch at 9,000 rows).
/// With sequential scans off for this connection only, any plan looks rows
/// up by index, at any table size.
fn writer_setup() -> SetupCallback<AsyncPgConnection> {
    Box::new(|url| {
        Box::pin(async move {
            use diesel_async::{AsyncConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute("SET enable_seqscan = off")
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    })
}

async fn checkout(pool: &Pool<AsyncPgConnection>) -> Result<Pooled, StoreError> {
    let result = tokio::time::timeout(CHECKOUT_TIMEOUT, pool.get()).await;
    if !matches!(result, Ok(Ok(_))) {
        count_error("connect");
        tracing::warn!("no database connection within the checkout timeout");
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
    tracing::warn!("database statement timed out; connection discarded");
    StoreError::Unavailable("database statement timed out".into())
}

/// Counts a failed store operation by kind, for the store-errors alert.
fn count_error(kind: &'static str) {
    metrics::counter!(crate::telemetry::metric::STORE_ERRORS, "kind" => kind).increment(1);
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

/// Maps a database error that no caller expects: `Internal` when the same
/// statement would fail again (a violated constraint, a row that does not
/// load, a malformed query), otherwise `Unavailable` (a lost connection, a
/// deadlock or serialization failure, a cancelled statement). The text is
/// the server's message (constraint names, never row values). Logged here,
/// once, where the cause is known; callers only pass the error on.
fn db_error(e: DieselError) -> StoreError {
    count_error("query");
    let permanent = match &e {
        DieselError::DatabaseError(kind, _) => matches!(
            kind,
            DatabaseErrorKind::UniqueViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation
                | DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::RestrictViolation
                | DatabaseErrorKind::ExclusionViolation
        ),
        DieselError::NotFound
        | DieselError::DeserializationError(_)
        | DieselError::SerializationError(_)
        | DieselError::QueryBuilderError(_)
        | DieselError::InvalidCString(_) => true,
        _ => false,
    };
    if permanent {
        tracing::error!(error = %e, "database call failed for good");
        StoreError::Internal(format!("database error: {e}"))
    } else {
        tracing::warn!(error = %e, "database call failed; a retry may succeed");
        StoreError::Unavailable(format!("database error: {e}"))
    }
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
