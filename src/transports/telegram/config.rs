//! Telegram configuration: the `TELEGRAM_*` variables of the README.
//! Unset `TELEGRAM_BOT_TOKEN` means Telegram is off.

use anyhow::{Context, bail};
use url::Url;

use crate::config::Secret;

pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// Telegram's own documented limits, the defaults of the shared budget.
const DEFAULT_GLOBAL_PER_SEC: u32 = 30;
const DEFAULT_CHAT_PER_SEC: u32 = 1;
const DEFAULT_CHAT_BURST: u32 = 3;
/// Telegram's default and maximum for `max_connections`.
const DEFAULT_MAX_CONNECTIONS: u8 = 40;
const MAX_MAX_CONNECTIONS: u8 = 100;
/// Quiet time after which an idle person's actor is let go.
const DEFAULT_IDLE_SECS: u64 = 600;
/// Longest secret Telegram accepts.
const MAX_SECRET_LEN: usize = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TelegramMode {
    /// Updates arrive on `POST /telegram/webhook` (the default).
    Webhook,
    /// One replica (holding a lease) long-polls `getUpdates`.
    Polling,
}

/// The shared outgoing budget (all replicas together).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    /// `TELEGRAM_RATE_PER_SEC`: calls per second, whole bot, counted over
    /// every one-second window (no burst above it).
    pub global_per_sec: f64,
    /// `TELEGRAM_CHAT_RATE_PER_SEC`: messages per second into one chat.
    pub chat_per_sec: f64,
    /// `TELEGRAM_CHAT_BURST`: burst of messages into one chat.
    pub chat_burst: f64,
}

#[derive(Clone, Debug)]
pub struct TelegramConfig {
    /// `TELEGRAM_BOT_TOKEN`.
    pub token: Secret,
    /// `TELEGRAM_API_URL`: the Bot API base (tests point it at a fake).
    pub api_url: Url,
    /// `TELEGRAM_MODE`: `webhook` (default) or `polling`.
    pub mode: TelegramMode,
    /// `TELEGRAM_WEBHOOK_SECRET`: required in webhook mode.
    pub webhook_secret: Option<Secret>,
    /// `TELEGRAM_WEBHOOK_URL`: public URL for `chathub telegram setup`.
    pub webhook_url: Option<Url>,
    /// `TELEGRAM_WEBHOOK_MAX_CONNECTIONS`: 1-100, for `setup`.
    pub max_connections: u8,
    /// `TELEGRAM_REDIS_PREFIX`: prefix of the budget, pause and lease keys.
    pub redis_prefix: String,
    pub rates: Rates,
    /// `TELEGRAM_IDLE_SECS`: a person neither searching nor chatting for
    /// this long has their actor stopped (their next update starts one).
    pub idle_after: std::time::Duration,
}

impl TelegramConfig {
    /// `None` when `TELEGRAM_BOT_TOKEN` is unset. `get` returns non-empty values only.
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let Some(token) = get("TELEGRAM_BOT_TOKEN") else {
            return Ok(None);
        };
        let api_url = get("TELEGRAM_API_URL").unwrap_or_else(|| DEFAULT_API_URL.into());
        let api_url = Url::parse(&api_url).context("TELEGRAM_API_URL must be a URL")?;
        let mode = match get("TELEGRAM_MODE").as_deref() {
            None | Some("webhook") => TelegramMode::Webhook,
            Some("polling") => TelegramMode::Polling,
            Some(other) => bail!("TELEGRAM_MODE must be webhook or polling, not {other:?}"),
        };
        let webhook_secret = get("TELEGRAM_WEBHOOK_SECRET").map(Secret::new);
        match &webhook_secret {
            Some(s) if !valid_secret(s.expose()) => {
                bail!("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
            }
            None if mode == TelegramMode::Webhook => {
                bail!("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
            }
            _ => {}
        }
        let webhook_url = get("TELEGRAM_WEBHOOK_URL")
            .map(|u| Url::parse(&u))
            .transpose()
            .context("TELEGRAM_WEBHOOK_URL must be a URL")?;
        let max_connections = match get("TELEGRAM_WEBHOOK_MAX_CONNECTIONS") {
            None => DEFAULT_MAX_CONNECTIONS,
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=MAX_MAX_CONNECTIONS).contains(n))
                .context("TELEGRAM_WEBHOOK_MAX_CONNECTIONS must be 1-100")?,
        };
        let rate = |k: &str, default: f64| -> anyhow::Result<f64> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .with_context(|| format!("{k} must be a positive number")),
            }
        };
        let global_per_sec = rate("TELEGRAM_RATE_PER_SEC", f64::from(DEFAULT_GLOBAL_PER_SEC))?;
        let chat_per_sec = rate(
            "TELEGRAM_CHAT_RATE_PER_SEC",
            f64::from(DEFAULT_CHAT_PER_SEC),
        )?;
        if get("TELEGRAM_RATE_BURST").is_some() {
            anyhow::bail!(
                "TELEGRAM_RATE_BURST is no longer read: TELEGRAM_RATE_PER_SEC caps every \
                 one-second window of the whole bot's calls; unset it"
            );
        }
        let rates = Rates {
            global_per_sec,
            chat_per_sec,
            chat_burst: rate("TELEGRAM_CHAT_BURST", f64::from(DEFAULT_CHAT_BURST))?.max(1.0),
        };
        Ok(Some(Self {
            token: Secret::new(token),
            api_url,
            mode,
            webhook_secret,
            webhook_url,
            max_connections,
            redis_prefix: get("TELEGRAM_REDIS_PREFIX").unwrap_or_else(|| "chathub:tg".into()),
            rates,
            idle_after: std::time::Duration::from_secs_f64(rate(
                "TELEGRAM_IDLE_SECS",
                DEFAULT_IDLE_SECS as f64,
            )?),
        }))
    }
}

fn valid_secret(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SECRET_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> anyhow::Result<Option<TelegramConfig>> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        TelegramConfig::from_lookup(&|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn off_without_token_and_secret_required_for_webhook() {
        assert!(cfg(&[]).unwrap().is_none());
        let e = cfg(&[("TELEGRAM_BOT_TOKEN", "1:x")]).unwrap_err();
        assert!(e.to_string().contains("TELEGRAM_WEBHOOK_SECRET"));
        let c = cfg(&[("TELEGRAM_BOT_TOKEN", "1:x"), ("TELEGRAM_MODE", "polling")])
            .unwrap()
            .unwrap();
        assert_eq!(c.mode, TelegramMode::Polling);
        assert_eq!(c.rates.global_per_sec, 30.0);
    }

    #[test]
    fn the_old_burst_variable_is_refused_not_ignored() {
        let e = cfg(&[
            ("TELEGRAM_BOT_TOKEN", "1:x"),
            ("TELEGRAM_MODE", "polling"),
            ("TELEGRAM_RATE_BURST", "30"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("TELEGRAM_RATE_PER_SEC"), "{e}");
    }

    #[test]
    fn secret_charset_and_no_printing() {
        let bad = cfg(&[
            ("TELEGRAM_BOT_TOKEN", "1:x"),
            ("TELEGRAM_WEBHOOK_SECRET", "a b"),
        ]);
        assert!(bad.is_err());
        let c = cfg(&[
            ("TELEGRAM_BOT_TOKEN", "123:tokensecret"),
            ("TELEGRAM_WEBHOOK_SECRET", "s3cr3t_-x"),
        ])
        .unwrap()
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("tokensecret") && !shown.contains("s3cr3t_-x"));
    }
}
