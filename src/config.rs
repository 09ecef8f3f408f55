//! Typed configuration from the environment (the README's table).
//! Secrets are wrapped so `Debug` never prints them.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};

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
    /// The value of `CHATHUB_LOG_FORMAT` (unset = human).
    pub fn parse(value: Option<&str>) -> anyhow::Result<Self> {
        match value {
            None | Some("human") => Ok(LogFormat::Human),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => bail!("CHATHUB_LOG_FORMAT must be human or json, not {other:?}"),
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
    /// `CHATHUB_DB_POOL_SIZE`: Postgres connections per replica.
    pub db_pool_size: usize,
    /// `CHATHUB_RETENTION_DAYS`: how long message content is kept.
    pub retention: Duration,
    /// `TELEGRAM_*`; `None` (no `TELEGRAM_BOT_TOKEN`) = Telegram off.
    pub telegram: Option<crate::transports::telegram::TelegramConfig>,
    /// `CHATHUB_AUTOBAN_*`: the automatic ban rule.
    pub autoban: crate::domain::AutobanPolicy,
    /// `CHATHUB_ALLOWED_ORIGINS`: comma list of page origins that may open
    /// `/ws`; empty (default) = the request's own host.
    pub allowed_origins: Vec<String>,
    /// `CHATHUB_MAX_CONNECTIONS`: open WebSockets per replica; more get 503.
    pub max_connections: usize,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let listen = non_empty("CHATHUB_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("CHATHUB_LISTEN must be host:port, e.g. 0.0.0.0:8080")?;
        let admin_listen = non_empty("CHATHUB_ADMIN_LISTEN")
            .map(|v| v.parse())
            .transpose()
            .context("CHATHUB_ADMIN_LISTEN must be host:port, e.g. 0.0.0.0:9090")?;
        if admin_listen.is_some_and(|a: SocketAddr| a == listen && a.port() != 0) {
            bail!("CHATHUB_ADMIN_LISTEN must differ from CHATHUB_LISTEN");
        }
        let log_format = LogFormat::parse(non_empty("CHATHUB_LOG_FORMAT").as_deref())?;
        let number = |k: &str, default: u64| -> anyhow::Result<u64> {
            match non_empty(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .with_context(|| format!("{k} must be a positive integer")),
            }
        };
        let redis_prefix = match get("CHATHUB_REDIS_PREFIX") {
            None => "chathub:".to_owned(),
            Some(p) if !p.is_empty() && !p.chars().any(char::is_whitespace) => p,
            Some(_) => bail!("CHATHUB_REDIS_PREFIX must be non-empty and without spaces"),
        };
        Ok(Self {
            listen,
            admin_listen,
            startup_wait: Duration::from_secs(number("CHATHUB_STARTUP_WAIT_SECS", 60)?),
            database_url: non_empty("DATABASE_URL").map(Secret),
            redis_url: non_empty("REDIS_URL").map(Secret),
            redis_prefix,
            instance_id: non_empty("CHATHUB_INSTANCE_ID").unwrap_or_else(default_instance_id),
            admin_token: non_empty("CHATHUB_ADMIN_TOKEN").map(Secret),
            log_format,
            flood_per_sec: u32::try_from(number("CHATHUB_FLOOD_PER_SEC", 5)?)
                .context("CHATHUB_FLOOD_PER_SEC is too large")?,
            flood_burst: u32::try_from(number("CHATHUB_FLOOD_BURST", 20)?)
                .context("CHATHUB_FLOOD_BURST is too large")?,
            resume_grace: Duration::from_secs(number("CHATHUB_RESUME_GRACE_SECS", 60)?),
            shutdown_timeout: Duration::from_secs(number("CHATHUB_SHUTDOWN_SECS", 10)?),
            ws_idle_timeout: Duration::from_secs(number("CHATHUB_WS_IDLE_SECS", 30)?),
            db_pool_size: usize::try_from(number("CHATHUB_DB_POOL_SIZE", 16)?)
                .context("CHATHUB_DB_POOL_SIZE is too large")?,
            retention: Duration::from_secs(
                number("CHATHUB_RETENTION_DAYS", 30)?
                    .checked_mul(24 * 60 * 60)
                    .context("CHATHUB_RETENTION_DAYS is too large")?,
            ),
            telegram: crate::transports::telegram::TelegramConfig::from_lookup(&non_empty)?,
            autoban: crate::domain::AutobanPolicy::from_lookup(&non_empty)?,
            allowed_origins: non_empty("CHATHUB_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_connections: usize::try_from(number("CHATHUB_MAX_CONNECTIONS", 10_000)?)
                .context("CHATHUB_MAX_CONNECTIONS is too large")?,
        })
    }
}

fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "chathub".into());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_embedded_mode() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.is_none() && c.redis_url.is_none());
        assert_eq!(c.log_format, LogFormat::Human);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let e = cfg(&[("CHATHUB_LISTEN", "nope")]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_LISTEN"));
        let e = cfg(&[("CHATHUB_FLOOD_PER_SEC", "0")]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_FLOOD_PER_SEC"));
    }

    #[test]
    fn redis_prefix_defaults_and_is_checked() {
        assert_eq!(cfg(&[]).unwrap().redis_prefix, "chathub:");
        let c = cfg(&[("CHATHUB_REDIS_PREFIX", "staging:chathub:")]).unwrap();
        assert_eq!(c.redis_prefix, "staging:chathub:");
        for bad in ["", "a b"] {
            let e = cfg(&[("CHATHUB_REDIS_PREFIX", bad)]).unwrap_err();
            assert!(e.to_string().contains("CHATHUB_REDIS_PREFIX"));
        }
    }

    #[test]
    fn database_pool_and_retention_have_defaults_and_overrides() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.db_pool_size, 16);
        assert_eq!(c.retention, Duration::from_secs(30 * 24 * 3600));
        let c = cfg(&[
            ("CHATHUB_DB_POOL_SIZE", "4"),
            ("CHATHUB_RETENTION_DAYS", "7"),
        ])
        .unwrap();
        assert_eq!(c.db_pool_size, 4);
        assert_eq!(c.retention, Duration::from_secs(7 * 24 * 3600));
        let e = cfg(&[("CHATHUB_DB_POOL_SIZE", "0")]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_DB_POOL_SIZE"));
        let e = cfg(&[("CHATHUB_RETENTION_DAYS", "many")]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_RETENTION_DAYS"));
    }

    #[test]
    fn admin_listener_and_startup_wait() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.admin_listen, None);
        assert_eq!(c.startup_wait, Duration::from_secs(60));
        let c = cfg(&[
            ("CHATHUB_ADMIN_LISTEN", "0.0.0.0:9090"),
            ("CHATHUB_STARTUP_WAIT_SECS", "5"),
        ])
        .unwrap();
        assert_eq!(c.admin_listen.unwrap().to_string(), "0.0.0.0:9090");
        assert_eq!(c.startup_wait, Duration::from_secs(5));
        let e = cfg(&[("CHATHUB_ADMIN_LISTEN", "nope")]).unwrap_err();
        assert!(e.to_string().contains("CHATHUB_ADMIN_LISTEN"));
        let e = cfg(&[
            ("CHATHUB_LISTEN", "0.0.0.0:8080"),
            ("CHATHUB_ADMIN_LISTEN", "0.0.0.0:8080"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("CHATHUB_ADMIN_LISTEN"));
    }

    #[test]
    fn secrets_do_not_print() {
        let c = cfg(&[("DATABASE_URL", "postgres://u:hunter2@db/x")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
