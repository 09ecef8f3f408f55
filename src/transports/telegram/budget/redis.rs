//! The budget shared by every replica through Redis: one Lua script checks
//! the bot-wide window and takes a token from the chat's bucket atomically (Redis' own
//! clock, so replicas' clocks do not matter), and a key with a TTL is the
//! pause a 429 sets for everyone.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use super::{Budget, Window};
use crate::bus::BusError;
use crate::bus::redis::{TelegramKeys, command_connection};
use crate::config::Rates;
use crate::transports::telegram::ids::TelegramChatId;

/// KEYS: pause, global window (zset of grant times), global grant counter,
/// [chat bucket]. ARGV: global limit, global window ms, chat rate, chat
/// burst (per second). Returns 0 when the call was granted, else
/// milliseconds to wait.
const TAKE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local wait = 0
if redis.call('ZCARD', KEYS[2]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = math.max(1, tonumber(oldest[2]) + window - now + 1)
end
local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 't', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return burst end
  return math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
end
local c, crate, cburst
if #KEYS > 3 then
  crate, cburst = tonumber(ARGV[3]), tonumber(ARGV[4])
  c = level(KEYS[4], crate, cburst)
  if c < 1 then wait = math.max(wait, math.ceil((1 - c) * 1000 / crate)) end
end
if wait > 0 then return wait end
local n = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], now, tostring(n))
redis.call('PEXPIRE', KEYS[2], window + 1000)
if c then
  redis.call('HSET', KEYS[4], 't', tostring(c - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[4], math.ceil(cburst * 1000 / crate) + 1000)
end
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
    window: Window,
    take: Script,
    pause: Script,
    keys: TelegramKeys,
}

impl RedisBudget {
    pub async fn connect(url: &str, prefix: &str, rates: Rates) -> anyhow::Result<Self> {
        let conn = command_connection(url).await?;
        Ok(Self::with_connection(conn, prefix, rates))
    }

    pub fn with_connection(conn: ConnectionManager, prefix: &str, rates: Rates) -> Self {
        Self {
            conn,
            rates,
            window: Window::for_rate(rates.global_per_sec),
            take: Script::new(TAKE),
            pause: Script::new(PAUSE),
            keys: TelegramKeys::new(prefix),
        }
    }
}

#[async_trait]
impl Budget for RedisBudget {
    async fn try_take(&self, chat: Option<TelegramChatId>) -> Result<Option<Duration>, BusError> {
        let r = self.rates;
        let mut inv = self.take.prepare_invoke();
        inv.key(self.keys.pause())
            .key(self.keys.window())
            .key(self.keys.window_count());
        if let Some(chat) = chat {
            inv.key(self.keys.chat(chat.raw()));
        }
        let window_ms = u64::try_from(self.window.window.as_millis()).unwrap_or(u64::MAX);
        inv.arg(self.window.limit)
            .arg(window_ms)
            .arg(r.chat_per_sec)
            .arg(r.chat_burst);
        let mut conn = self.conn.clone();
        let wait_ms: i64 = inv.invoke_async(&mut conn).await?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms.unsigned_abs())))
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
