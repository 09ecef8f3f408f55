//! The outgoing budget every replica shares (DESIGN.md invariant 4): a
//! token bucket for the whole bot and one per chat, plus a pause that a 429
//! `retry_after` sets for everyone. In Redis when `REDIS_URL` is set, local
//! otherwise (then this process is the only sender).

mod bucket;
mod local;
mod redis;

use std::time::Duration;

use async_trait::async_trait;

pub use self::redis::RedisBudget;
use super::ids::TelegramChatId;
pub use local::LocalBudget;

/// Longest single sleep while waiting for the budget, so a changed pause
/// (or a clock step) is noticed soon.
const MAX_WAIT_STEP: Duration = Duration::from_secs(1);
/// Wait after the budget backend failed before trying it again.
const ERROR_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error("budget backend unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Budget: Send + Sync + 'static {
    /// Atomically takes one token from the bot-wide bucket and, when `chat`
    /// is given, one from that chat's bucket: both or neither. `Ok(None)`
    /// means taken; `Ok(Some(wait))` means not now (out of tokens, or every
    /// sender is paused): try again after `wait`.
    async fn try_take(&self, chat: Option<TelegramChatId>)
    -> Result<Option<Duration>, BudgetError>;

    /// Pauses every sender sharing this budget for `period` (a 429).
    async fn pause(&self, period: Duration) -> Result<(), BudgetError>;
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
