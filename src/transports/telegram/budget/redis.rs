//! The budget shared by every replica through Redis: one Lua script takes
//! tokens from the bot-wide and the chat's bucket atomically (Redis' own
//! clock, so replicas' clocks do not matter), and a key with a TTL is the
//! pause a 429 sets for everyone.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use super::{Budget, BudgetError};
use crate::transports::telegram::config::Rates;
use crate::transports::telegram::ids::TelegramChatId;

/// KEYS: pause, global bucket, [chat bucket]. ARGV: global rate, global
/// burst, chat rate, chat burst (per second). Returns 0 when the tokens were
/// taken, else milliseconds to wait.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 't', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return burst end
  return math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
end
local function wait_for(tokens, rate)
  if tokens >= 1 then return 0 end
  return math.ceil((1 - tokens) * 1000 / rate)
end
local function take(key, tokens, rate, burst)
  redis.call('HSET', key, 't', tostring(tokens - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst * 1000 / rate) + 1000)
end
local grate, gburst = tonumber(ARGV[1]), tonumber(ARGV[2])
local g = level(KEYS[2], grate, gburst)
local wait = wait_for(g, grate)
local c, crate, cburst
if #KEYS > 2 then
  crate, cburst = tonumber(ARGV[3]), tonumber(ARGV[4])
  c = level(KEYS[3], crate, cburst)
  wait = math.max(wait, wait_for(c, crate))
end
if wait > 0 then return wait end
take(KEYS[2], g, grate, gburst)
if c then take(KEYS[3], c, crate, cburst) end
return 0
";

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
    rates: Rates,
    take: Script,
    pause: Script,
    /// `{prefix}`: a hash tag, so all keys share one cluster slot (the
    /// script touches several).
    prefix: String,
}

impl RedisBudget {
    pub async fn connect(url: &str, prefix: &str, rates: Rates) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(Self::with_connection(conn, prefix, rates))
    }

    pub fn with_connection(conn: ConnectionManager, prefix: &str, rates: Rates) -> Self {
        Self {
            conn,
            rates,
            take: Script::new(TAKE),
            pause: Script::new(PAUSE),
            prefix: format!("{{{prefix}}}"),
        }
    }

    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }
}

fn unavailable(e: redis::RedisError) -> BudgetError {
    BudgetError::Unavailable(e.to_string())
}

#[async_trait]
impl Budget for RedisBudget {
    async fn try_take(
        &self,
        chat: Option<TelegramChatId>,
    ) -> Result<Option<Duration>, BudgetError> {
        let r = self.rates;
        let mut inv = self.take.prepare_invoke();
        inv.key(self.key("pause")).key(self.key("global"));
        if let Some(chat) = chat {
            inv.key(self.key(&format!("chat:{}", chat.raw())));
        }
        inv.arg(r.global_per_sec)
            .arg(r.global_burst)
            .arg(r.chat_per_sec)
            .arg(r.chat_burst);
        let mut conn = self.conn.clone();
        let wait_ms: i64 = inv.invoke_async(&mut conn).await.map_err(unavailable)?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms.unsigned_abs())))
    }

    async fn pause(&self, period: Duration) -> Result<(), BudgetError> {
        let ms = u64::try_from(period.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        let _: i64 = self
            .pause
            .key(self.key("pause"))
            .arg(ms)
            .invoke_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
