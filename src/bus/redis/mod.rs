//! The bus and the search queue on Redis (selected when `REDIS_URL` is set).
//!
//! Two connections per replica:
//! - one multiplexed `ConnectionManager` for every command (PUBLISH, queue
//!   scripts, heartbeats, PING); it reconnects by itself, and every call is
//!   bounded by `COMMAND_TIMEOUT`, so while Redis is unreachable callers get
//!   an error (a retryable `unavailable` for the person), never a hang or a
//!   silent drop;
//! - one dedicated RESP3 connection for subscriptions (`pubsub.rs`), which
//!   resubscribes everything the Hub holds after any reconnect and then
//!   emits `BusSignal::Resynced` so clients catch up from the store.
//!
//! Pub/Sub is a doorbell (at-most-once): correctness comes from the store
//! (seq numbers, catch-up), never from Redis delivering. Nothing here keeps
//! replica-local state that another replica would need.
//! Connections: `connection.rs` (also used by the Telegram transport). Key
//! layout: `keys.rs` (Telegram's keys included). Failure behaviour in short: publish/queue calls
//! fail fast while Redis is down; subscriptions come back by themselves;
//! `/readyz` reports the bus unavailable until both connections work.
//! Needs Redis 6.2 or later (RESP3 push messages, `SET … GET`), standalone
//! (the queue script builds some key names itself).

mod connection;
mod keys;
mod listener;
mod membership;
mod presence;
mod pubsub;
mod queue;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{BUS_CHANNEL_CAPACITY, Bus, BusError, BusEvent, BusSignal, Topic};
use membership::Membership;
use pubsub::Subscriber;

pub use connection::command_connection;
pub use keys::{Keys, TelegramKeys};
pub use membership::{HEARTBEAT_INTERVAL, REPLICA_TTL};
pub use presence::RedisPresence;
pub use pubsub::{RECONNECT_MAX_DELAY, RECONNECT_MIN_DELAY};
pub use queue::RedisQueue;

/// Upper bound for any one Redis command (publish, subscribe, queue, ping).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// Upper bound for establishing one connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long startup waits for Redis before failing.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Bounds a Redis call by `COMMAND_TIMEOUT`.
async fn timed<T>(fut: impl Future<Output = redis::RedisResult<T>>) -> anyhow::Result<T> {
    match tokio::time::timeout(COMMAND_TIMEOUT, fut).await {
        Ok(res) => Ok(res?),
        Err(_) => anyhow::bail!("redis did not answer within {COMMAND_TIMEOUT:?}"),
    }
}

/// A Redis call of the Telegram budget or a lease failed: the same
/// "shared state unreachable, a retry may help" as the bus's own.
impl From<redis::RedisError> for BusError {
    fn from(e: redis::RedisError) -> Self {
        BusError::Unavailable(e.to_string())
    }
}

/// The one place a failed bus, queue or presence call is logged and counted;
/// callers only map it to their reply.
fn unavailable(e: anyhow::Error) -> BusError {
    metrics::counter!(crate::telemetry::metric::BUS_ERRORS).increment(1);
    tracing::warn!(error = %format!("{e:#}"), "redis call failed");
    BusError::Unavailable(format!("{e:#}"))
}

/// How to reach Redis and who this replica is.
#[derive(Clone)]
pub struct RedisSettings {
    /// `REDIS_URL` (may hold a password: never logged).
    pub url: String,
    /// `CHATHUB_REDIS_PREFIX`.
    pub prefix: String,
    /// `CHATHUB_INSTANCE_ID`: names the heartbeat key.
    pub instance_id: String,
    /// How often the heartbeat runs (`HEARTBEAT_INTERVAL`; tests shorten it).
    pub heartbeat: Duration,
    /// How long a heartbeat lasts (`REPLICA_TTL`); keep it several beats
    /// long, or a slow beat makes a live replica look dead.
    pub replica_ttl: Duration,
    /// Grace period given to the people of a replica that died
    /// (`CHATHUB_RESUME_GRACE_SECS`).
    pub grace: Duration,
}

impl RedisSettings {
    pub fn new(
        url: impl Into<String>,
        prefix: impl Into<String>,
        instance_id: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            prefix: prefix.into(),
            instance_id: instance_id.into(),
            heartbeat: HEARTBEAT_INTERVAL,
            replica_ttl: REPLICA_TTL,
            grace: Duration::from_secs(60),
        }
    }
}

/// Everything a replica gets from Redis.
pub struct RedisAdapters {
    pub bus: RedisBus,
    pub queue: RedisQueue,
    pub presence: Arc<RedisPresence>,
    /// What the Hub consumes (bounded: `BUS_CHANNEL_CAPACITY`).
    pub signals: mpsc::Receiver<BusSignal>,
}

/// Aborts the replica's background tasks when the bus is dropped.
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::abort);
    }
}

/// The bus on Redis. Owns the replica's background work (subscription
/// supervisor, listener, heartbeat), which stops when it is dropped.
pub struct RedisBus {
    conn: ConnectionManager,
    keys: Keys,
    subscriber: Subscriber,
    membership: Arc<Membership>,
    _tasks: Tasks,
}

impl RedisBus {
    /// Connects both connections, registers this replica and starts its
    /// background tasks. Fails if Redis is unreachable at start.
    pub async fn connect(settings: RedisSettings) -> anyhow::Result<RedisAdapters> {
        let client = connection::client(&settings.url)?;
        let conn = connection::commands(client.clone()).await?;

        let keys = Keys::new(settings.prefix);
        // Unique per process run: tells a restarted replica's old queue
        // entries from its new ones.
        let owner = uuid::Uuid::new_v4().to_string();
        let queue = RedisQueue::new(
            conn.clone(),
            keys.clone(),
            settings.instance_id.clone(),
            owner.clone(),
        );
        let presence = Arc::new(RedisPresence::new(
            conn.clone(),
            keys.clone(),
            settings.instance_id.clone(),
            owner.clone(),
            settings.grace,
        ));
        let membership = Arc::new(Membership::new(
            conn.clone(),
            keys.clone(),
            settings.instance_id,
            owner,
            settings.heartbeat,
            settings.replica_ttl,
        ));
        // Registered before anything can be queued under this owner.
        membership
            .tick(&queue.inner, &presence)
            .await
            .context("registering this replica")?;

        let (hub_tx, signals) = mpsc::channel(BUS_CHANNEL_CAPACITY);
        let (subscriber, mut tasks, first_up) = Subscriber::start(client, keys.clone(), hub_tx);
        tasks.push(
            membership
                .clone()
                .start(queue.inner.clone(), presence.clone()),
        );
        let tasks = Tasks(tasks);
        tokio::time::timeout(STARTUP_TIMEOUT, first_up)
            .await
            .context("Redis subscriptions did not connect in time")?
            .context("Redis subscriptions stopped")?;

        let bus = RedisBus {
            conn,
            keys,
            subscriber,
            membership,
            _tasks: tasks,
        };
        Ok(RedisAdapters {
            bus,
            queue,
            presence,
            signals,
        })
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, topic: Topic, event: &BusEvent) -> Result<(), BusError> {
        let payload =
            serde_json::to_vec(event).map_err(|e| BusError::Unavailable(e.to_string()))?;
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(self.keys.channel(topic)).arg(payload);
        let mut conn = self.conn.clone();
        // The count of receivers is not checked: zero is normal (nobody in
        // the room is connected right now) and the store has the message.
        let attempt = async {
            match cmd.query_async::<i64>(&mut conn).await {
                // The first call on a dropped connection only starts the
                // reconnect; one retry rides on it. Safe: a doorbell rung
                // twice is de-duplicated by seq (and control events are
                // idempotent for their receivers).
                Err(e) if e.is_unrecoverable_error() || e.is_io_error() => {
                    cmd.query_async::<i64>(&mut conn).await
                }
                other => other,
            }
        };
        timed(attempt)
            .await
            .context("PUBLISH")
            .map_err(unavailable)?;
        Ok(())
    }

    async fn subscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.subscriber.subscribe(topic).await.map_err(unavailable)
    }

    async fn unsubscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.subscriber
            .unsubscribe(topic)
            .await
            .map_err(unavailable)
    }

    async fn ping(&self) -> Result<(), BusError> {
        if !self.subscriber.is_up() {
            return Err(BusError::Unavailable(
                "redis subscriptions reconnecting".into(),
            ));
        }
        let mut conn = self.conn.clone();
        let _: redis::Value = timed(redis::cmd("PING").query_async(&mut conn))
            .await
            .context("PING")
            .map_err(unavailable)?;
        Ok(())
    }

    async fn live_replicas(&self) -> Result<Vec<String>, BusError> {
        self.membership.live().await.map_err(unavailable)
    }
}
