//! Typed configuration from the environment (the README's table).
//! [`Settings`] declares every variable once (flag, default, help);
//! [`Config`] is the checked result the service runs on. Secrets are wrapped
//! so `Debug` never prints them.
//!
//! A leaf module: it names domain types it fills in, nothing above them.

mod check;
mod read;
mod settings;
mod telegram;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::bail;

use crate::domain::{AutobanPolicy, MatchPolicy};
pub use read::blank_env_is_unset;
pub use settings::{Settings, TelegramVars};
pub use telegram::{Rates, TelegramConfig, TelegramMode};

/// A value that must never reach a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

impl LogFormat {
    /// The value of `CHATHUB_LOG_FORMAT`.
    pub fn parse(value: &str) -> anyhow::Result<Self> {
        match value {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => bail!("CHATHUB_LOG_FORMAT must be human or json, not {other:?}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `CHATHUB_LISTEN`; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// `CHATHUB_ADMIN_LISTEN`: a second listener that alone serves
    /// `/metrics` and `/admin/*`, so a public ingress never reaches them.
    /// `None` = both are served on `listen`.
    pub admin_listen: Option<SocketAddr>,
    /// `CHATHUB_STARTUP_WAIT_SECS`: how long start-up keeps retrying an
    /// unreachable PostgreSQL or Redis before giving up.
    pub startup_wait: Duration,
    /// `DATABASE_URL`; `None` = in-memory store.
    pub database_url: Option<Secret>,
    /// `REDIS_URL`; `None` = in-process bus.
    pub redis_url: Option<Secret>,
    /// `CHATHUB_REDIS_PREFIX`: prepended to every Redis key and channel, so
    /// several deployments (or test runs) can share one Redis.
    pub redis_prefix: String,
    /// `CHATHUB_INSTANCE_ID`: replica name in logs and leases.
    pub instance_id: String,
    /// `CHATHUB_ADMIN_TOKEN`: bearer token for `/admin/*`; `None` = off.
    pub admin_token: Option<Secret>,
    /// `CHATHUB_LOG_FORMAT`: `human` (default) or `json`.
    pub log_format: LogFormat,
    /// `CHATHUB_FLOOD_PER_SEC`: commands per second per person.
    pub flood_per_sec: u32,
    /// `CHATHUB_FLOOD_BURST`: burst of commands per person.
    pub flood_burst: u32,
    /// `CHATHUB_RESUME_GRACE_SECS`: how long a room waits for someone who
    /// disconnected before it ends.
    pub resume_grace: Duration,
    /// `CHATHUB_SHUTDOWN_SECS`: how long graceful shutdown may take.
    pub shutdown_timeout: Duration,
    /// `CHATHUB_WS_IDLE_SECS`: a WebSocket that sends nothing (not even a
    /// pong) for this long is closed.
    pub ws_idle_timeout: Duration,
    /// `CHATHUB_DB_POOL_SIZE`: Postgres connections per replica for
    /// everything but storing messages.
    pub db_pool_size: usize,
    /// `CHATHUB_DB_WRITERS`: message writers per replica, each with its own
    /// connection.
    pub db_writers: usize,
    /// `CHATHUB_HTTP_WORKERS`: threads serving connections.
    pub http_workers: usize,
    /// `CHATHUB_RUNTIME_THREADS`: threads of the runtime under the I/O
    /// tasks (writers, Redis, the bus router, the Bot API client).
    pub runtime_threads: usize,
    /// `CHATHUB_RETENTION_DAYS`: how long message content is kept.
    pub retention: Duration,
    /// `TELEGRAM_*`; `None` (no `TELEGRAM_BOT_TOKEN`) = Telegram off.
    pub telegram: Option<TelegramConfig>,
    /// `CHATHUB_AUTOBAN_*`: the automatic ban rule.
    pub autoban: AutobanPolicy,
    /// `CHATHUB_ALLOWED_ORIGINS`: page origins that may open `/ws`; empty
    /// (default) = the request's own host.
    pub allowed_origins: Vec<String>,
    /// `CHATHUB_MAX_CONNECTIONS`: open WebSockets per replica; more get 503.
    pub max_connections: usize,
    /// `CHATHUB_MAX_CONNECTIONS_PER_ADDRESS`: per client address; more get 429.
    pub max_connections_per_address: usize,
    /// `CHATHUB_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN`: searches per client address.
    pub searches_per_address_per_min: u32,
    /// `CHATHUB_ROOM_IDLE_SECS`: a room without a message this long ends.
    pub room_idle: Duration,
    /// `CHATHUB_SEARCH_MAX_SECS`: a search unanswered this long stops.
    pub search_max: Duration,
    /// `CHATHUB_RELAX_SECS`, `CHATHUB_REMATCH_COOLDOWN_SECS`,
    /// `CHATHUB_REPUTATION_FLOOR`: how matching treats people over time.
    pub matching: MatchPolicy,
}
