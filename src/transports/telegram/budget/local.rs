//! The budget of a single process (no Redis): the same window and buckets
//! in memory.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::bucket::Bucket;
use super::{Budget, Window};
use crate::bus::BusError;
use crate::config::Rates;
use crate::transports::telegram::ids::TelegramChatId;

/// Chats remembered before idle (full) buckets are forgotten.
const PRUNE_ABOVE: usize = 10_000;

struct State {
    /// When the calls of the current window were granted, oldest first.
    granted: VecDeque<Instant>,
    chats: HashMap<TelegramChatId, Bucket>,
    paused_until: Option<Instant>,
}

pub struct LocalBudget {
    rates: Rates,
    window: Window,
    state: Mutex<State>,
    /// Chat -> when its chat action slot frees up.
    actions: Mutex<HashMap<TelegramChatId, Instant>>,
}

impl LocalBudget {
    pub fn new(rates: Rates) -> Self {
        Self {
            rates,
            window: Window::for_rate(rates.global_per_sec),
            state: Mutex::new(State {
                granted: VecDeque::new(),
                chats: HashMap::new(),
                paused_until: None,
            }),
            actions: Mutex::new(HashMap::new()),
        }
    }

    /// The decision itself, at a given instant (unit-testable).
    fn take_at(
        &self,
        chat: Option<TelegramChatId>,
        now: Instant,
    ) -> Result<Option<Duration>, BusError> {
        let r = self.rates;
        let mut s = self
            .state
            .lock()
            .map_err(|_| BusError::Unavailable("local budget poisoned".into()))?;
        if let Some(until) = s.paused_until {
            if until > now {
                return Ok(Some(until - now));
            }
            s.paused_until = None;
        }
        let Window { limit, window } = self.window;
        while s
            .granted
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            s.granted.pop_front();
        }
        let mut wait = match s.granted.front() {
            Some(oldest) if s.granted.len() >= limit as usize => {
                (*oldest + window).saturating_duration_since(now)
            }
            _ => Duration::ZERO,
        };
        let c = chat.map(|chat| {
            let bucket = *s
                .chats
                .entry(chat)
                .or_insert_with(|| Bucket::full(r.chat_burst, now));
            bucket.level(now, r.chat_per_sec, r.chat_burst)
        });
        if let Some(c) = c {
            wait = wait.max(Bucket::wait(c, r.chat_per_sec));
        }
        if !wait.is_zero() {
            return Ok(Some(wait));
        }
        s.granted.push_back(now);
        if let (Some(chat), Some(c)) = (chat, c)
            && let Some(bucket) = s.chats.get_mut(&chat)
        {
            bucket.take(c, now);
        }
        if s.chats.len() > PRUNE_ABOVE {
            s.chats
                .retain(|_, b| b.level(now, r.chat_per_sec, r.chat_burst) < r.chat_burst);
        }
        Ok(None)
    }
}

#[async_trait]
impl Budget for LocalBudget {
    async fn try_take(&self, chat: Option<TelegramChatId>) -> Result<Option<Duration>, BusError> {
        self.take_at(chat, Instant::now())
    }

    async fn pause(&self, period: Duration) -> Result<(), BusError> {
        let until = Instant::now() + period;
        let mut s = self
            .state
            .lock()
            .map_err(|_| BusError::Unavailable("local budget poisoned".into()))?;
        if s.paused_until.is_none_or(|p| p < until) {
            s.paused_until = Some(until);
        }
        Ok(())
    }

    async fn claim_chat_action(
        &self,
        chat: TelegramChatId,
        every: Duration,
    ) -> Result<bool, BusError> {
        let now = Instant::now();
        let mut slots = self
            .actions
            .lock()
            .map_err(|_| BusError::Unavailable("local budget poisoned".into()))?;
        if slots.get(&chat).is_some_and(|free_at| *free_at > now) {
            return Ok(false);
        }
        slots.insert(chat, now + every);
        if slots.len() > PRUNE_ABOVE {
            slots.retain(|_, free_at| *free_at > now);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> Rates {
        Rates {
            global_per_sec: 10.0,
            chat_per_sec: 1.0,
            chat_burst: 2.0,
        }
    }

    #[test]
    fn per_chat_burst_then_rate() {
        let b = LocalBudget::new(rates());
        let chat = Some(TelegramChatId::trusted(1));
        let t0 = Instant::now();
        assert!(b.take_at(chat, t0).unwrap().is_none());
        assert!(b.take_at(chat, t0).unwrap().is_none());
        let wait = b.take_at(chat, t0).unwrap().unwrap();
        assert!(wait > Duration::from_millis(900), "{wait:?}");
        // Another chat is not held back by the first.
        assert!(
            b.take_at(Some(TelegramChatId::trusted(2)), t0)
                .unwrap()
                .is_none()
        );
        assert!(
            b.take_at(chat, t0 + Duration::from_secs(1))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn no_window_holds_more_than_the_rate_and_a_pause_holds_everyone() {
        let b = LocalBudget::new(rates());
        let t0 = Instant::now();
        let step = Duration::from_millis(10);
        // Ask every 10 ms for 3 s: grants never exceed 10 in any second.
        let mut grants = Vec::new();
        for i in 0..300u32 {
            let at = t0 + step * i;
            if b.take_at(None, at).unwrap().is_none() {
                grants.push(at);
            }
        }
        for (i, first) in grants.iter().enumerate() {
            let within = grants[i..]
                .iter()
                .take_while(|t| t.duration_since(*first) < Duration::from_secs(1))
                .count();
            assert!(within <= 10, "{within} calls within a second");
        }
        assert!(
            grants.len() >= 25,
            "the rate is still usable: {}",
            grants.len()
        );

        futures_util::FutureExt::now_or_never(b.pause(Duration::from_secs(5)))
            .unwrap()
            .unwrap();
        let later = Instant::now() + Duration::from_secs(2);
        assert!(b.take_at(None, later).unwrap().unwrap() > Duration::from_secs(2));
    }

    #[test]
    fn a_slow_rate_spaces_single_calls() {
        let w = Window::for_rate(0.5);
        assert_eq!(w.limit, 1);
        assert!(w.window >= Duration::from_secs(2));
    }
}
