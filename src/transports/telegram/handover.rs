//! Who may send into a Telegram person's chat. A person's actor follows the
//! webhook from replica to replica, so for a moment two senders can hold
//! the same partner messages: the old one in the middle of a paced call,
//! the new one catching up from the store. The outbox lease makes the
//! hand-over sequential: a sender sends only while it holds the person's
//! lease, the old one finishes (and records) what it started before it lets
//! go, and the new one reads what was delivered only once it holds the
//! lease. A replica that dies holding a lease loses it after
//! `OUTBOX_LEASE_TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use crate::bus::redis::{TelegramKeys, command_connection};
use tokio::sync::watch;

use super::lease::{ACQUIRE, RELEASE};
use crate::bus::BusError;
use crate::domain::UserId;

/// How long a lease lasts without renewal: the longest a new owner waits
/// for a replica that died holding it.
pub const OUTBOX_LEASE_TTL: Duration = Duration::from_secs(5);
/// How often the holder renews (three chances within one TTL).
const RENEW_EVERY: Duration = Duration::from_millis(1600);
/// How often a sender waiting for the lease asks again.
pub const ACQUIRE_POLL: Duration = Duration::from_millis(25);

/// The outbox leases of every Telegram person.
#[async_trait]
pub trait OutboxLeases: Send + Sync + 'static {
    /// Takes `user`'s lease for `holder` if it is free, renews it if
    /// `holder` has it; true if `holder` holds it now (for `OUTBOX_LEASE_TTL`).
    async fn acquire_or_renew(&self, user: UserId, holder: &str) -> Result<bool, BusError>;
    /// Lets go of the lease if `holder` has it.
    async fn release(&self, user: UserId, holder: &str) -> Result<(), BusError>;
}

/// Leases of one process (no Redis): still needed, since an actor that
/// stopped can leave its sender finishing a call while a new one starts.
#[derive(Default)]
pub struct LocalOutboxLeases {
    /// Person -> (holder, expiry). Entries of expired leases are replaced.
    held: Mutex<HashMap<UserId, (String, Instant)>>,
}

#[async_trait]
impl OutboxLeases for LocalOutboxLeases {
    async fn acquire_or_renew(&self, user: UserId, holder: &str) -> Result<bool, BusError> {
        let mut held = self
            .held
            .lock()
            .map_err(|_| BusError::Unavailable("local leases poisoned".into()))?;
        let now = Instant::now();
        match held.get(&user) {
            Some((h, until)) if h != holder && *until > now => Ok(false),
            _ => {
                held.insert(user, (holder.to_owned(), now + OUTBOX_LEASE_TTL));
                Ok(true)
            }
        }
    }

    async fn release(&self, user: UserId, holder: &str) -> Result<(), BusError> {
        let mut held = self
            .held
            .lock()
            .map_err(|_| BusError::Unavailable("local leases poisoned".into()))?;
        if held.get(&user).is_some_and(|(h, _)| h == holder) {
            held.remove(&user);
        }
        Ok(())
    }
}

/// Leases in Redis, shared by every replica: `{TELEGRAM_REDIS_PREFIX}:outbox:{user}`.
pub struct RedisOutboxLeases {
    conn: ConnectionManager,
    keys: TelegramKeys,
    acquire: Script,
    release: Script,
}

impl RedisOutboxLeases {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let conn = command_connection(url).await?;
        Ok(Self {
            conn,
            keys: TelegramKeys::new(prefix),
            acquire: Script::new(ACQUIRE),
            release: Script::new(RELEASE),
        })
    }
}

#[async_trait]
impl OutboxLeases for RedisOutboxLeases {
    async fn acquire_or_renew(&self, user: UserId, holder: &str) -> Result<bool, BusError> {
        let ttl_ms = u64::try_from(OUTBOX_LEASE_TTL.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.conn.clone();
        let held: i64 = self
            .acquire
            .key(self.keys.outbox(user))
            .arg(holder)
            .arg(ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(held == 1)
    }

    async fn release(&self, user: UserId, holder: &str) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .release
            .key(self.keys.outbox(user))
            .arg(holder)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}

/// What a sender needs to hand its person over cleanly.
pub struct Handover {
    /// Whose turn it is to send into each chat.
    pub leases: Arc<dyn OutboxLeases>,
    /// Held for the sender's lifetime, so shutdown can wait for its end.
    pub alive: watch::Receiver<()>,
}

/// One sender's hold on its person's lease.
pub struct Hold {
    leases: Arc<dyn OutboxLeases>,
    user: UserId,
    /// Unique per sender, so two senders of one person never mistake each
    /// other's lease for their own.
    holder: String,
    /// True while the lease is ours; written by `acquire` and the renewal
    /// task, read through `Gate`s.
    held: Arc<watch::Sender<bool>>,
    /// The renewal task while the lease is ours.
    renewer: Option<tokio::task::JoinHandle<()>>,
}

impl Hold {
    pub fn new(leases: Arc<dyn OutboxLeases>, user: UserId) -> Self {
        Self {
            leases,
            user,
            holder: uuid::Uuid::new_v4().simple().to_string(),
            held: Arc::new(watch::channel(false).0),
            renewer: None,
        }
    }

    /// Whether the lease is ours now.
    pub fn held(&self) -> bool {
        *self.held.borrow()
    }

    /// Follows `held`, for a `Gate`.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.held.subscribe()
    }

    /// One attempt to take (or keep) the lease; on success the renewal task
    /// keeps it until `release`, or until another holder is found.
    pub async fn try_acquire(&mut self) -> bool {
        match self.leases.acquire_or_renew(self.user, &self.holder).await {
            Ok(true) => {
                self.held.send_replace(true);
                if self.renewer.as_ref().is_none_or(|r| r.is_finished()) {
                    self.renewer = Some(tokio::spawn(renew(
                        self.leases.clone(),
                        self.user,
                        self.holder.clone(),
                        self.held.clone(),
                    )));
                }
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::warn!(user = %self.user, error = %e, "outbox lease unavailable");
                false
            }
        }
    }

    /// Lets go of the lease (the sender is done).
    pub async fn release(&mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
        self.held.send_replace(false);
        if let Err(e) = self.leases.release(self.user, &self.holder).await {
            tracing::warn!(user = %self.user, error = %e, "outbox lease not released; it expires");
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(r) = self.renewer.take() {
            r.abort();
        }
    }
}

/// Renews until the lease is found in other hands, or cannot be renewed
/// for so long that it may have expired.
async fn renew(
    leases: Arc<dyn OutboxLeases>,
    user: UserId,
    holder: String,
    held: Arc<watch::Sender<bool>>,
) {
    let mut renewed = Instant::now();
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        match leases.acquire_or_renew(user, &holder).await {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => {
                held.send_replace(false);
                return;
            }
            Err(e) => {
                tracing::warn!(user = %user, error = %e, "outbox lease not renewed");
                if renewed.elapsed() + RENEW_EVERY >= OUTBOX_LEASE_TTL {
                    held.send_replace(false);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time_and_release_hands_over() {
        let leases = LocalOutboxLeases::default();
        let user = UserId::new();
        assert!(leases.acquire_or_renew(user, "old").await.unwrap());
        assert!(!leases.acquire_or_renew(user, "new").await.unwrap());
        assert!(leases.acquire_or_renew(user, "old").await.unwrap());
        // Someone else's release changes nothing.
        leases.release(user, "new").await.unwrap();
        assert!(!leases.acquire_or_renew(user, "new").await.unwrap());
        leases.release(user, "old").await.unwrap();
        assert!(leases.acquire_or_renew(user, "new").await.unwrap());
    }
}
