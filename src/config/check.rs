//! Checking and converting the declared values into a [`Config`]; every
//! error names its variable.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};

use super::{Config, LogFormat, Settings, TelegramConfig};
use crate::domain::{AutobanPolicy, MatchPolicy, parse_steps};

impl Config {
    /// Checks and converts the declared values; every error names its variable.
    pub fn from_settings(s: Settings) -> anyhow::Result<Self> {
        let telegram = TelegramConfig::from_settings(&s.telegram)?;
        let listen = s
            .listen
            .parse()
            .context("CHATHUB_LISTEN must be host:port, e.g. 0.0.0.0:8080")?;
        let admin_listen = s
            .admin_listen
            .map(|v| v.parse())
            .transpose()
            .context("CHATHUB_ADMIN_LISTEN must be host:port, e.g. 0.0.0.0:9090")?;
        if admin_listen.is_some_and(|a: SocketAddr| a == listen && a.port() != 0) {
            bail!("CHATHUB_ADMIN_LISTEN must differ from CHATHUB_LISTEN");
        }
        let log_format = LogFormat::parse(&s.log_format)?;
        if s.redis_prefix.is_empty() || s.redis_prefix.chars().any(char::is_whitespace) {
            bail!("CHATHUB_REDIS_PREFIX must be non-empty and without spaces");
        }
        Ok(Self {
            listen,
            admin_listen,
            startup_wait: Duration::from_secs(positive(
                "CHATHUB_STARTUP_WAIT_SECS",
                &s.startup_wait_secs,
            )?),
            database_url: s.database_url,
            redis_url: s.redis_url,
            instance_id: s.instance_id.unwrap_or_else(default_instance_id),
            admin_token: s.admin_token,
            log_format,
            flood_per_sec: positive("CHATHUB_FLOOD_PER_SEC", &s.flood_per_sec)?,
            flood_burst: positive("CHATHUB_FLOOD_BURST", &s.flood_burst)?,
            resume_grace: Duration::from_secs(positive(
                "CHATHUB_RESUME_GRACE_SECS",
                &s.resume_grace_secs,
            )?),
            shutdown_timeout: Duration::from_secs(positive(
                "CHATHUB_SHUTDOWN_SECS",
                &s.shutdown_secs,
            )?),
            ws_idle_timeout: Duration::from_secs(positive(
                "CHATHUB_WS_IDLE_SECS",
                &s.ws_idle_secs,
            )?),
            db_pool_size: positive("CHATHUB_DB_POOL_SIZE", &s.db_pool_size)?,
            db_writers: positive("CHATHUB_DB_WRITERS", &s.db_writers)?,
            http_workers: threads("CHATHUB_HTTP_WORKERS", s.http_workers.as_deref())?,
            runtime_threads: threads("CHATHUB_RUNTIME_THREADS", s.runtime_threads.as_deref())?,
            retention: Duration::from_secs(
                positive::<u64>("CHATHUB_RETENTION_DAYS", &s.retention_days)?
                    .checked_mul(24 * 60 * 60)
                    .context("CHATHUB_RETENTION_DAYS is too large")?,
            ),
            autoban: AutobanPolicy {
                reports: positive("CHATHUB_AUTOBAN_REPORTS", &s.autoban_reports)?,
                window: Duration::from_secs(positive(
                    "CHATHUB_AUTOBAN_WINDOW_SECS",
                    &s.autoban_window_secs,
                )?),
                steps: parse_steps(&s.autoban_steps)?,
            },
            allowed_origins: s
                .allowed_origins
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_connections: positive("CHATHUB_MAX_CONNECTIONS", &s.max_connections)?,
            max_connections_per_address: positive(
                "CHATHUB_MAX_CONNECTIONS_PER_ADDRESS",
                &s.max_connections_per_address,
            )?,
            searches_per_address_per_min: positive(
                "CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN",
                &s.searches_per_address_per_min,
            )?,
            trusted_proxies: s
                .trusted_proxies
                .as_deref()
                .map(parse_proxies)
                .transpose()?
                .unwrap_or_default(),
            room_idle: Duration::from_secs(positive("CHATHUB_ROOM_IDLE_SECS", &s.room_idle_secs)?),
            search_max: Duration::from_secs(positive(
                "CHATHUB_SEARCH_MAX_SECS",
                &s.search_max_secs,
            )?),
            telegram,
            redis_prefix: s.redis_prefix,
            matching: MatchPolicy {
                relax_after: Duration::from_secs(positive("CHATHUB_RELAX_SECS", &s.relax_secs)?),
                cooldown: Duration::from_secs(s.rematch_cooldown_secs.trim().parse().context(
                    "CHATHUB_REMATCH_COOLDOWN_SECS must be a whole number of seconds (0 or more)",
                )?),
                reputation_floor: s
                    .reputation_floor
                    .trim()
                    .parse()
                    .context("CHATHUB_REPUTATION_FLOOR must be a whole number")?,
            },
        })
    }
}

/// `CHATHUB_TRUSTED_PROXIES`: addresses (`10.0.0.5`) and ranges (`10.0.0.0/8`).
fn parse_proxies(list: &str) -> anyhow::Result<Vec<ipnet::IpNet>> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .with_context(|| {
                    format!("CHATHUB_TRUSTED_PROXIES: {p:?} is not an address or a CIDR range")
                })
        })
        .collect()
}

/// A whole number above zero, or an error naming `var`.
fn positive<T: std::str::FromStr + PartialOrd + Default>(
    var: &str,
    value: &str,
) -> anyhow::Result<T> {
    value
        .trim()
        .parse::<T>()
        .ok()
        .filter(|n| *n > T::default())
        .with_context(|| format!("{var} must be a positive integer"))
}

/// A thread count: as set, or one per CPU this process may use (its
/// cgroup's quota counts, so a container limited to one CPU gets one).
fn threads(var: &str, value: Option<&str>) -> anyhow::Result<usize> {
    match value {
        Some(value) => positive(var, value),
        None => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
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
