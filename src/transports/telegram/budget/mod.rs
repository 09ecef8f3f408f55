//! The outgoing budget every replica shares (the README's invariant
//! "Telegram's limits"): a sliding window for the whole bot (at most
//! `TELEGRAM_RATE_PER_SEC` calls in any second, so no burst on top of the
//! rate), a token bucket per chat (about one a second, short bursts), and a
//! pause that a 429 `retry_after` sets for everyone. In Redis when
//! `REDIS_URL` is set, local otherwise (then this process is the only
//! sender).

mod bucket;
mod local;
mod redis;
mod takes;

use std::time::Duration;

use async_trait::async_trait;

pub use self::redis::RedisBudget;
use super::ids::TelegramChatId;
use crate::bus::BusError;
pub use local::LocalBudget;

/// Longest single sleep while waiting for the budget, so a changed pause
/// (or a clock step) is noticed soon.
const MAX_WAIT_STEP: Duration = Duration::from_secs(1);
/// Wait after the budget backend failed before trying it again.
const ERROR_BACKOFF: Duration = Duration::from_millis(200);
/// Added to the bot-wide window: a call granted at the window's end can
/// reach Telegram a little later than one granted at its start (scheduling,
/// the network), and Telegram counts arrivals.
pub const WINDOW_MARGIN: Duration = Duration::from_millis(100);

/// The bot-wide sliding window for `per_sec` calls a second: at most
/// `limit` calls within `window`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub limit: u32,
    pub window: Duration,
}

impl Window {
    pub fn for_rate(per_sec: f64) -> Self {
        // A rate under one a second becomes one call per 1/rate seconds.
        let limit = per_sec.floor().clamp(1.0, f64::from(u32::MAX));
        Self {
            limit: limit as u32,
            window: Duration::from_secs_f64(limit / per_sec) + WINDOW_MARGIN,
        }
    }
}

#[async_trait]
pub trait Budget: Send + Sync + 'static {
    /// Atomically takes one token from the bot-wide bucket and, when `chat`
    /// is given, one from that chat's bucket: both or neither. `Ok(None)`
    /// means taken; `Ok(Some(wait))` means not now (out of tokens, or every
    /// sender is paused): try again after `wait`.
    async fn try_take(&self, chat: Option<TelegramChatId>) -> Result<Option<Duration>, BusError>;

    /// Pauses every sender sharing this budget for `period` (a 429).
    async fn pause(&self, period: Duration) -> Result<(), BusError>;

    /// Claims `chat`'s one chat action per `every`, for every sender
    /// sharing this budget (a person's sender moves between replicas with
    /// their updates): `true` if the caller may send one now. The call
    /// itself still takes its token with [`take`].
    async fn claim_chat_action(
        &self,
        chat: TelegramChatId,
        every: Duration,
    ) -> Result<bool, BusError>;
}

/// Waits until one call (into `chat`, if given) fits the budget.
pub async fn take(budget: &dyn Budget, chat: Option<TelegramChatId>) {
    loop {
        match budget.try_take(chat).await {
            Ok(None) => return,
            Ok(Some(wait)) => tokio::time::sleep(wait.min(MAX_WAIT_STEP)).await,
            Err(e) => {
                tracing::warn!(error = %e, "telegram budget unavailable; waiting");
                tokio::time::sleep(ERROR_BACKOFF).await;
            }
        }
    }
}
