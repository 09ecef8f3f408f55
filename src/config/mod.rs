//! Typed configuration from the environment (the README's table).
//! [`Settings`] declares every variable once (flag, default, help);
//! [`Config`] is the checked result the service runs on. Secrets are wrapped
//! so `Debug` never prints them.
//!
//! A leaf module: it names domain types it fills in, nothing above them.

mod settings;
mod telegram;

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Command, FromArgMatches};

use crate::domain::{AutobanPolicy, MatchPolicy, parse_steps};
pub use settings::Settings;
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

impl Config {
    /// Reads configuration through `get` (tests pass a map), with the
    /// declaration's defaults and checks; the process environment is not read.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let mut argv = vec![OsString::from("chathub")];
        // Each variable becomes its long flag; clap's own env reading is
        // switched off so the map is the only source.
        let cmd = Settings::augment_args(Command::new("chathub")).mut_args(|arg| {
            if let (Some(name), Some(long)) = (arg.get_env(), arg.get_long())
                && let Some(value) = name
                    .to_str()
                    .and_then(&get)
                    .filter(|v| !v.trim().is_empty())
            {
                argv.push(format!("--{long}={value}").into());
            }
            arg.env(None)
        });
        let matches = cmd.try_get_matches_from(argv)?;
        Self::from_settings(Settings::from_arg_matches(&matches)?)
    }

    /// Checks and converts the declared values; every error names its variable.
    pub fn from_settings(s: Settings) -> anyhow::Result<Self> {
        let telegram = TelegramConfig::from_settings(&s)?;
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

/// The command line of `chathub` with `cmd`'s arguments reading the process
/// environment, except variables set to blank: deployments (Kubernetes
/// secrets, compose files) write `VAR=""` to mean unset, while clap would
/// take the empty text as the value.
pub fn blank_env_is_unset(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        let blank = arg
            .get_env()
            .and_then(std::env::var_os)
            .is_some_and(|v| v.to_string_lossy().trim().is_empty());
        if blank { arg.env(None) } else { arg }
    })
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
pub(crate) fn positive<T: std::str::FromStr + PartialOrd + Default>(
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
        // Blank means unset (Kubernetes secrets write `VAR: ""`).
        assert_eq!(
            cfg(&[("CHATHUB_REDIS_PREFIX", " ")]).unwrap().redis_prefix,
            "chathub:"
        );
        for bad in ["a b", "x\ty"] {
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

    #[test]
    fn declared_defaults_are_the_domain_defaults() {
        assert_eq!(cfg(&[]).unwrap().autoban, AutobanPolicy::default());
        assert_eq!(cfg(&[]).unwrap().matching, MatchPolicy::default());
        let m = cfg(&[
            ("CHATHUB_REMATCH_COOLDOWN_SECS", "0"),
            ("CHATHUB_REPUTATION_FLOOR", "-10"),
        ])
        .unwrap()
        .matching;
        assert_eq!((m.cooldown, m.reputation_floor), (Duration::ZERO, -10));
        assert!(cfg(&[("CHATHUB_RELAX_SECS", "0")]).is_err());
        assert!(cfg(&[("CHATHUB_REMATCH_COOLDOWN_SECS", "-1")]).is_err());
        let c = cfg(&[("CHATHUB_AUTOBAN_STEPS", "60,permanent,60")]).unwrap_err();
        assert!(c.to_string().contains("CHATHUB_AUTOBAN_STEPS"));
    }

    /// The README's configuration table, as (variable, default cell) rows.
    fn readme_table() -> Vec<(String, String)> {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("\n## Configuration\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("README has a Configuration section");
        section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                // | `VAR` | meaning | default |
                let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((name.to_owned(), cells.get(3)?.to_string()))
            })
            .collect()
    }

    #[test]
    fn readme_table_and_declaration_are_equal() {
        let cmd = Settings::augment_args(Command::new("chathub"));
        let declared: Vec<(String, Option<String>)> = cmd
            .get_arguments()
            .filter_map(|a| {
                let name = a.get_env()?.to_str()?.to_owned();
                let default = a
                    .get_default_values()
                    .first()
                    .map(|d| d.to_string_lossy().into_owned());
                Some((name, default))
            })
            .collect();
        let table = readme_table();
        for (name, default) in &declared {
            let row = table.iter().find(|(n, _)| n == name);
            let (_, cell) = row.unwrap_or_else(|| panic!("{name} is not in the README's table"));
            match default {
                Some(d) => assert_eq!(cell, &format!("`{d}`"), "default of {name}"),
                // No declared default: the README says in words what unset means.
                None => assert!(
                    !cell.starts_with('`'),
                    "{name} has no default, README says {cell}"
                ),
            }
        }
        for (name, _) in &table {
            assert!(
                declared.iter().any(|(n, _)| n == name),
                "{name} is in the README's table but not declared"
            );
        }
        assert!(declared.len() > 30, "every variable is declared");
    }
}
