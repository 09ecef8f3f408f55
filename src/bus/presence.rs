//! The presence port: who is connected, and whose grace period after a
//! disconnect has run out. Global (Redis) in production, so a person who
//! drops from one replica and comes back on another keeps their room, and a
//! person whose replica died still gets their room ended if they never return.
//!
//! Each person's latest connection wins: `left` only starts the grace period
//! if the leaving connection is still the person's latest, so a late `left`
//! from an old connection cannot end the room of someone already back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::BusError;
use crate::domain::{ClientId, UserId};

#[async_trait]
pub trait Presence: Send + Sync + 'static {
    /// `client` is now `user`'s connection; any grace period is cancelled.
    async fn arrived(&self, user: UserId, client: ClientId) -> Result<(), BusError>;

    /// `client` of `user` ended. If it is still their latest connection,
    /// they have `grace` to come back before `take_due` returns them.
    async fn left(&self, user: UserId, client: ClientId, grace: Duration) -> Result<(), BusError>;

    /// The person's latest connection, if one is known. A connection that
    /// finds another one here was taken over (even if the bus lost the
    /// `Takeover` event).
    async fn latest(&self, user: UserId) -> Result<Option<ClientId>, BusError>;

    /// Removes and returns up to `limit` people whose grace ran out. Each
    /// person is returned to exactly one caller across all replicas.
    async fn take_due(&self, limit: usize) -> Result<Vec<UserId>, BusError>;

    /// Everyone connected now, on any replica (for `/admin/stats`).
    async fn online(&self) -> Result<Vec<UserId>, BusError>;
}

#[derive(Default)]
struct State {
    latest: HashMap<UserId, ClientId>,
    away: HashMap<UserId, Instant>,
}

/// In-process presence for the embedded default.
#[derive(Default)]
pub struct MemoryPresence {
    state: Mutex<State>,
}

impl MemoryPresence {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, BusError> {
        self.state
            .lock()
            .map_err(|_| BusError::Unavailable("memory presence poisoned".into()))
    }
}

#[async_trait]
impl Presence for MemoryPresence {
    async fn arrived(&self, user: UserId, client: ClientId) -> Result<(), BusError> {
        let mut s = self.lock()?;
        s.latest.insert(user, client);
        s.away.remove(&user);
        Ok(())
    }

    async fn left(&self, user: UserId, client: ClientId, grace: Duration) -> Result<(), BusError> {
        let mut s = self.lock()?;
        if s.latest.get(&user) == Some(&client) {
            s.latest.remove(&user);
            s.away.insert(user, Instant::now() + grace);
        }
        Ok(())
    }

    async fn latest(&self, user: UserId) -> Result<Option<ClientId>, BusError> {
        Ok(self.lock()?.latest.get(&user).copied())
    }

    async fn take_due(&self, limit: usize) -> Result<Vec<UserId>, BusError> {
        let mut s = self.lock()?;
        let now = Instant::now();
        let due: Vec<UserId> = s
            .away
            .iter()
            .filter(|(_, deadline)| **deadline <= now)
            .map(|(user, _)| *user)
            .take(limit)
            .collect();
        for user in &due {
            s.away.remove(user);
        }
        Ok(due)
    }

    async fn online(&self) -> Result<Vec<UserId>, BusError> {
        Ok(self.lock()?.latest.keys().copied().collect())
    }
}
