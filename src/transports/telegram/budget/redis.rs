//! The budget shared by every replica through Redis: one Lua script checks
//! the bot-wide window and takes a token from the chat's bucket atomically
//! (Redis' own clock, so replicas' clocks do not matter; asks that queue up
//! meanwhile share one script call, `takes.rs`), and a key with a TTL is
//! the pause a 429 sets for everyone.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use super::Budget;
use super::takes::Takes;
use crate::bus::BusError;
use crate::bus::redis::{TelegramKeys, command_connection};
use crate::config::Rates;
use crate::transports::telegram::ids::TelegramChatId;

/// KEYS: pause. ARGV: milliseconds. Extends the pause, never shortens it.
const PAUSE: &str = r"
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 0
";

pub struct RedisBudget {
    conn: ConnectionManager,
    takes: Takes,
    pause: Script,
    keys: TelegramKeys,
}

impl RedisBudget {
    pub async fn connect(url: &str, prefix: &str, rates: Rates) -> anyhow::Result<Self> {
        let conn = command_connection(url).await?;
        Ok(Self::with_connection(conn, prefix, rates))
    }

    /// Starts the batching task (`takes.rs`) on the current tokio runtime.
    pub fn with_connection(conn: ConnectionManager, prefix: &str, rates: Rates) -> Self {
        let keys = TelegramKeys::new(prefix);
        Self {
            takes: Takes::start(conn.clone(), keys.clone(), rates),
            conn,
            pause: Script::new(PAUSE),
            keys,
        }
    }
}

#[async_trait]
impl Budget for RedisBudget {
    async fn try_take(&self, chat: Option<TelegramChatId>) -> Result<Option<Duration>, BusError> {
        self.takes.take(chat).await
    }

    async fn claim_chat_action(
        &self,
        chat: TelegramChatId,
        every: Duration,
    ) -> Result<bool, BusError> {
        let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        // SET NX PX: the first sender in the period gets "OK", others nil.
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.chat_action(chat.raw()))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ms)
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    async fn pause(&self, period: Duration) -> Result<(), BusError> {
        let ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        let _: i64 = self
            .pause
            .key(self.keys.pause())
            .arg(ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
