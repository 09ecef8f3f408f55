//! Background care of this replica's Telegram people: letting go of idle
//! ones (memory stays bounded by the active), and adopting the people of a
//! replica that stopped (marked orphans in the store) so their partner's
//! messages keep reaching them, and marking the people of a replica that
//! crashed as orphans when their grace runs out ([`TelegramKeeper`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::TelegramTransport;
use super::ids::TelegramChatId;
use crate::actors::hub::Keeper;
use crate::domain::{Platform, UserId};
use crate::store::Stores;

/// Longest time between two sweeps of idle people.
const MAX_SWEEP_INTERVAL: Duration = Duration::from_secs(60);
/// Shortest time between two sweeps (tests use tiny idle times).
const MIN_SWEEP_INTERVAL: Duration = Duration::from_millis(100);
/// How often the store is asked for people to adopt; bounds how long a
/// person goes unserved after their replica stopped.
const ADOPT_INTERVAL: Duration = Duration::from_secs(2);
/// Orphans claimed per round.
const ADOPT_BATCH: usize = 100;

/// Lets go of idle people every half idle time (within bounds).
pub fn spawn_sweep(tg: Arc<TelegramTransport>, mut stop: watch::Receiver<bool>) {
    let every = (tg.idle_after / 2).clamp(MIN_SWEEP_INTERVAL, MAX_SWEEP_INTERVAL);
    actix::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let gone = tg.sessions.sweep(tg.idle_after);
                    if gone > 0 {
                        tracing::debug!(gone, "idle telegram people let go");
                    }
                }
                _ = stop.changed() => return,
            }
        }
    });
}

/// Claims orphans from the store and starts their actors here. On this
/// arbiter: starting actors needs one.
pub fn spawn_adoption(tg: Arc<TelegramTransport>, mut stop: watch::Receiver<bool>) {
    actix::spawn(async move {
        let mut tick = tokio::time::interval(ADOPT_INTERVAL);
        loop {
            tokio::select! {
                _ = tick.tick() => adopt(&tg).await,
                _ = stop.changed() => return,
            }
        }
    });
}

async fn adopt(tg: &TelegramTransport) {
    let store = &tg.deps.store;
    let orphans = match store
        .telegram
        .claim_orphans(Platform::Telegram, ADOPT_BATCH)
        .await
    {
        Ok(o) => o,
        Err(e) => {
            tracing::warn!(error = %e, "could not claim telegram orphans");
            return;
        }
    };
    for (user, pid) in orphans {
        let Ok(raw) = pid.parse::<i64>() else {
            tracing::warn!(user = %user, "orphan with a malformed telegram identity dropped");
            continue;
        };
        if tg.actor(user, TelegramChatId::trusted(raw)).await.is_err() {
            // Put them back for the next round (here or elsewhere).
            if let Err(e) = store
                .telegram
                .mark_orphaned(user, Platform::Telegram, &pid)
                .await
            {
                tracing::warn!(user = %user, error = %e, "telegram orphan lost");
            }
            continue;
        }
        tracing::info!(user = %user, "telegram person adopted");
    }
}

/// Keeps Telegram people whose replica went away: they have no connection
/// to lose, so instead of ending their room they are listed as orphans for
/// another replica to adopt (and deliver what they missed).
pub struct TelegramKeeper {
    pub store: Stores,
}

#[async_trait::async_trait]
impl Keeper for TelegramKeeper {
    async fn keep(&self, user: UserId) -> anyhow::Result<bool> {
        let Some((Platform::Telegram, pid)) = self.store.rooms.identity(user).await? else {
            return Ok(false);
        };
        self.store
            .telegram
            .mark_orphaned(user, Platform::Telegram, &pid)
            .await?;
        Ok(true)
    }
}

/// Marks every person this replica speaks for who searches or chats as an
/// orphan, for another replica (or this one after a restart) to adopt.
pub async fn orphan_busy_people(tg: &TelegramTransport) {
    for (user, chat) in tg.sessions.busy() {
        let pid = chat.platform_user_id();
        if let Err(e) = tg
            .deps
            .store
            .telegram
            .mark_orphaned(user, Platform::Telegram, &pid)
            .await
        {
            tracing::warn!(user = %user, error = %e, "could not hand a telegram person over");
        }
    }
}
