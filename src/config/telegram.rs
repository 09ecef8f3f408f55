//! Telegram configuration: the checked `TELEGRAM_*` variables (declared,
//! with their defaults, in [`TelegramVars`]). Unset `TELEGRAM_BOT_TOKEN` means
//! Telegram is off.

use anyhow::{Context, bail};
use url::Url;

use std::time::Duration;

use super::{Secret, TelegramVars};

/// Telegram's maximum for `max_connections`.
const MAX_MAX_CONNECTIONS: u8 = 100;
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
    pub idle_after: Duration,
    /// `TELEGRAM_MODERATOR_CHAT_ID`: where new complaints are posted with
    /// ban and dismiss buttons (only its administrators may press them).
    pub moderator_chat: Option<i64>,
}

impl TelegramConfig {
    /// `None` when `TELEGRAM_BOT_TOKEN` is unset (the other `TELEGRAM_*`
    /// values are then not checked).
    pub fn from_settings(s: &TelegramVars) -> anyhow::Result<Option<Self>> {
        let Some(token) = s.telegram_bot_token.clone() else {
            return Ok(None);
        };
        let api_url = Url::parse(&s.telegram_api_url).context("TELEGRAM_API_URL must be a URL")?;
        let mode = match s.telegram_mode.as_str() {
            "webhook" => TelegramMode::Webhook,
            "polling" => TelegramMode::Polling,
            other => bail!("TELEGRAM_MODE must be webhook or polling, not {other:?}"),
        };
        let webhook_secret = s.telegram_webhook_secret.clone();
        match &webhook_secret {
            Some(s) if !valid_secret(s.expose()) => {
                bail!("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
            }
            None if mode == TelegramMode::Webhook => {
                bail!("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
            }
            _ => {}
        }
        let webhook_url = s
            .telegram_webhook_url
            .as_deref()
            .map(Url::parse)
            .transpose()
            .context("TELEGRAM_WEBHOOK_URL must be a URL")?;
        let max_connections = s
            .telegram_webhook_max_connections
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=MAX_MAX_CONNECTIONS).contains(n))
            .context("TELEGRAM_WEBHOOK_MAX_CONNECTIONS must be 1-100")?;
        if s.telegram_rate_burst.is_some() {
            bail!(
                "TELEGRAM_RATE_BURST is no longer read: TELEGRAM_RATE_PER_SEC caps every \
                 one-second window of the whole bot's calls; unset it"
            );
        }
        let rates = Rates {
            global_per_sec: rate("TELEGRAM_RATE_PER_SEC", &s.telegram_rate_per_sec)?,
            chat_per_sec: rate("TELEGRAM_CHAT_RATE_PER_SEC", &s.telegram_chat_rate_per_sec)?,
            chat_burst: rate("TELEGRAM_CHAT_BURST", &s.telegram_chat_burst)?.max(1.0),
        };
        Ok(Some(Self {
            token,
            api_url,
            mode,
            webhook_secret,
            webhook_url,
            max_connections,
            redis_prefix: s.telegram_redis_prefix.clone(),
            rates,
            idle_after: Duration::from_secs_f64(rate("TELEGRAM_IDLE_SECS", &s.telegram_idle_secs)?),
            moderator_chat: moderator_chat(s.telegram_moderator_chat_id.as_deref())?,
        }))
    }
}

/// A finite number above zero, or an error naming `var`.
fn rate(var: &str, value: &str) -> anyhow::Result<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .with_context(|| format!("{var} must be a positive number"))
}

/// A non-zero chat id (a group's is negative), or an error naming the variable.
fn moderator_chat(value: Option<&str>) -> anyhow::Result<Option<i64>> {
    value
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id != 0)
                .context("TELEGRAM_MODERATOR_CHAT_ID must be a Telegram chat id (an integer)")
        })
        .transpose()
}

fn valid_secret(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SECRET_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> anyhow::Result<Option<TelegramConfig>> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Ok(Config::from_lookup(|k| map.get(k).map(|v| v.to_string()))?.telegram)
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
    fn moderator_chat_is_an_integer_chat_id() {
        let base = [("TELEGRAM_BOT_TOKEN", "1:x"), ("TELEGRAM_MODE", "polling")];
        assert_eq!(cfg(&base).unwrap().unwrap().moderator_chat, None);
        let with = |v| {
            let mut vars = base.to_vec();
            vars.push(("TELEGRAM_MODERATOR_CHAT_ID", v));
            cfg(&vars)
        };
        let c = with("-1001234567890").unwrap().unwrap();
        assert_eq!(c.moderator_chat, Some(-1_001_234_567_890));
        for bad in ["moderators", "0", "1.5"] {
            let e = with(bad).unwrap_err();
            assert!(e.to_string().contains("TELEGRAM_MODERATOR_CHAT_ID"), "{e}");
        }
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
