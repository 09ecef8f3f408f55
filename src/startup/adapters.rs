//! The adapters behind the ports, chosen by configuration (in-process by
//! default, PostgreSQL and Redis when their URLs are set), waited for at
//! start-up, and `chathub migrate`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::bus::redis::{RedisAdapters, RedisBus, RedisSettings};
use crate::bus::{Bus, BusSignal, MemoryBus, MemoryPresence, MemoryQueue, Presence, SearchQueue};
use crate::config::{Config, Secret};
use crate::store::{PgConfig, PgStore, Stores};

/// First pause before retrying an unreachable dependency at start-up.
const STARTUP_FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest pause between start-up attempts (the backoff doubles up to it).
const STARTUP_MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The adapters behind the ports, chosen by configuration.
pub struct Adapters {
    pub store: Stores,
    pub bus: Arc<dyn Bus>,
    pub queue: Arc<dyn SearchQueue>,
    pub presence: Arc<dyn Presence>,
    pub signals: mpsc::Receiver<BusSignal>,
    /// Runs the periodic retention purge (durable store only).
    pub retention: Option<Duration>,
}

impl Adapters {
    /// Embedded default: in-memory store, in-process bus and queue.
    pub fn embedded() -> Self {
        let (bus, signals) = MemoryBus::new();
        Self {
            store: Stores::in_memory(),
            bus: Arc::new(bus),
            queue: Arc::new(MemoryQueue::new()),
            presence: Arc::new(MemoryPresence::new()),
            signals,
            retention: None,
        }
    }

    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mut adapters = Self::embedded();
        if let Some(pg) = pg_config(config) {
            // Migrates first (replicas starting together take turns).
            let store = wait_for("PostgreSQL", config.startup_wait, || PgStore::connect(&pg));
            adapters.store = Stores::new(Arc::new(store.await?));
            adapters.retention = Some(config.retention);
        }
        if let Some(url) = &config.redis_url {
            let redis =
                wait_for("Redis", config.startup_wait, || redis_adapters(config, url)).await?;
            adapters.bus = Arc::new(redis.bus);
            adapters.queue = Arc::new(redis.queue);
            adapters.presence = redis.presence;
            adapters.signals = redis.signals;
        }
        Ok(adapters)
    }
}

/// The Redis bus, queue and presence (REDIS_URL set).
async fn redis_adapters(config: &Config, url: &Secret) -> anyhow::Result<RedisAdapters> {
    let mut settings = RedisSettings::new(url.expose(), &config.redis_prefix, &config.instance_id);
    settings.grace = config.resume_grace;
    RedisBus::connect(settings)
        .await
        .context("cannot start the Redis bus (REDIS_URL)")
}

/// The Postgres settings, if `DATABASE_URL` is set.
pub fn pg_config(config: &Config) -> Option<PgConfig> {
    config.database_url.as_ref().map(|url| PgConfig {
        url: url.expose().to_owned(),
        pool_size: config.db_pool_size,
        writers: config.db_writers,
        room_idle: config.room_idle,
    })
}

/// `chathub migrate`: applies pending migrations and returns.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pg = pg_config(config).context("DATABASE_URL must be set to run migrations")?;
    let applied = wait_for("PostgreSQL", config.startup_wait, || {
        crate::store::postgres::run_migrations(&pg.url)
    })
    .await?;
    tracing::info!(applied, "migrations are up to date");
    Ok(())
}

/// Runs `attempt` until it succeeds or `bound` has passed, with doubling
/// pauses: a replica (or the migration Job) started together with its
/// database waits for it instead of exiting, and each failure is logged
/// with its cause.
async fn wait_for<T, F, Fut>(
    what: &'static str,
    bound: Duration,
    mut attempt: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = tokio::time::Instant::now() + bound;
    let mut pause = STARTUP_FIRST_BACKOFF;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) => {
                let cause = format!("{e:#}");
                if tokio::time::Instant::now() + pause > deadline {
                    tracing::error!(dependency = what, error = %cause, "giving up at start-up");
                    return Err(e.context(format!("{what} still unreachable after {bound:?}")));
                }
                tracing::warn!(dependency = what, error = %cause, retry_in = ?pause, "unreachable at start-up; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(STARTUP_MAX_BACKOFF);
            }
        }
    }
}
