//! Taking budget in Redis in batches: every sender of a replica asks for one
//! call at a time, and one task puts whatever asks have queued up meanwhile
//! into one script call. Each ask is still decided on its own, in queue
//! order, against the bot-wide window and its chat's bucket, as one call
//! per ask would decide it at that instant: only the round trips (and
//! Redis' per-script cost) are shared. Idle, a batch is one ask; under load
//! batches grow by themselves, without any added delay (as the message
//! writers do).

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

use super::Window;
use crate::batch::{self, Batcher};
use crate::bus::BusError;
use crate::bus::redis::TelegramKeys;
use crate::config::Rates;
use crate::transports::telegram::ids::TelegramChatId;

/// Most asks decided by one script call.
const MAX_BATCH: usize = 128;
/// Asks waiting for the batcher before senders are pushed back on.
const QUEUE_DEPTH: usize = 1024;

/// KEYS: pause, global window (zset of grant times), global grant counter,
/// then one key per ask: its chat's bucket (any key for an ask without a
/// chat; it is not touched). ARGV: global limit, global window ms, chat
/// rate, chat burst (per second), then per ask '1' if it has a chat.
/// Returns per ask 0 when granted, else milliseconds to wait. Asks for the
/// same chat in one batch see each other's tokens taken.
const TAKE_MANY: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local asks = #KEYS - 3
local out = {}
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then
  for i = 1, asks do out[i] = paused end
  return out
end
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local crate, cburst = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[2])
local levels, taken = {}, {}
local function level(key)
  if levels[key] then return levels[key] end
  local v = redis.call('HMGET', key, 't', 'ts')
  local tokens, ts = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or ts == nil then return cburst end
  return math.min(cburst, tokens + math.max(0, now - ts) * crate / 1000)
end
local granted = false
for i = 1, asks do
  local wait = 0
  if used >= limit then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    wait = math.max(1, tonumber(oldest[2]) + window - now + 1)
  end
  local key, c = KEYS[3 + i], nil
  if ARGV[4 + i] == '1' then
    c = level(key)
    if c < 1 then wait = math.max(wait, math.ceil((1 - c) * 1000 / crate)) end
  end
  if wait == 0 then
    local n = redis.call('INCR', KEYS[3])
    redis.call('ZADD', KEYS[2], now, tostring(n))
    used = used + 1
    granted = true
    if c then
      levels[key] = c - 1
      taken[key] = true
    end
  end
  out[i] = wait
end
if granted then redis.call('PEXPIRE', KEYS[2], window + 1000) end
for key in pairs(taken) do
  redis.call('HSET', key, 't', tostring(levels[key]), 'ts', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(cburst * 1000 / crate) + 1000)
end
return out
";

type Answer = Result<Option<Duration>, BusError>;

/// The batching task's state: its connection, and what every script call
/// carries besides the asks (an ask is the chat it is for, if any).
struct Decider {
    conn: ConnectionManager,
    script: Script,
    keys: TelegramKeys,
    rates: Rates,
    window: Window,
}

impl batch::Handler for Decider {
    type Ask = Option<TelegramChatId>;
    type Answer = Answer;

    async fn handle(&mut self, batch: Vec<batch::Pending<Self::Ask, Answer>>) {
        let decided = self.decide(&batch).await;
        for (i, ask) in batch.into_iter().enumerate() {
            ask.answer(match &decided {
                Ok(waits) => match waits.get(i) {
                    Some(&ms) => Ok((ms > 0).then(|| Duration::from_millis(ms.unsigned_abs()))),
                    None => Err(BusError::Unavailable("budget answer too short".into())),
                },
                Err(e) => Err(e.clone()),
            });
        }
    }
}

impl Decider {
    /// One script call for the whole batch: per ask, 0 or milliseconds to
    /// wait.
    async fn decide(
        &mut self,
        batch: &[batch::Pending<Option<TelegramChatId>, Answer>],
    ) -> Result<Vec<i64>, BusError> {
        let keys = &self.keys;
        let mut inv = self.script.prepare_invoke();
        inv.key(keys.pause())
            .key(keys.window())
            .key(keys.window_count());
        for pending in batch {
            match pending.ask {
                Some(chat) => inv.key(keys.chat(chat.raw())),
                // Declared but untouched: the script skips asks without a chat.
                None => inv.key(keys.window_count()),
            };
        }
        let window_ms = u64::try_from(self.window.window.as_millis()).unwrap_or(u64::MAX);
        inv.arg(self.window.limit)
            .arg(window_ms)
            .arg(self.rates.chat_per_sec)
            .arg(self.rates.chat_burst);
        for pending in batch {
            inv.arg(if pending.ask.is_some() { "1" } else { "0" });
        }
        Ok(inv.invoke_async(&mut self.conn).await?)
    }
}

/// The queue in front of the batching task; the task stops when this is
/// dropped.
pub(super) struct Takes {
    decider: Batcher<Decider>,
}

impl Takes {
    /// Starts the batching task on the current tokio runtime.
    pub(super) fn start(conn: ConnectionManager, keys: TelegramKeys, rates: Rates) -> Self {
        let decider = Decider {
            conn,
            script: Script::new(TAKE_MANY),
            keys,
            rates,
            window: Window::for_rate(rates.global_per_sec),
        };
        Self {
            decider: Batcher::start(decider, QUEUE_DEPTH, MAX_BATCH),
        }
    }

    /// `None` when the call may go now (into `chat`, if given), else how
    /// long to wait first.
    pub(super) async fn take(&self, chat: Option<TelegramChatId>) -> Answer {
        self.decider
            .ask(chat)
            .await
            .map_err(|_| BusError::Unavailable("telegram budget stopped".into()))?
    }
}
