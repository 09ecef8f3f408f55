//! The polling lease: exactly one replica polls `getUpdates` (two pollers
//! would make Telegram refuse both with 409). In Redis when configured; a
//! single process without Redis always holds it.

use std::time::Duration;

use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use crate::bus::BusError;
use crate::bus::redis::{TelegramKeys, command_connection};

/// How long a lease lasts without renewal. The holder renews before every
/// poll, and a poll plus handling its batch takes far less.
pub const LEASE_TTL: Duration = Duration::from_secs(30);

/// KEYS: lease. ARGV: holder, ttl ms. Takes a free lease or renews our own.
pub(super) const ACQUIRE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
";

/// KEYS: lease. ARGV: holder. Releases the lease only if we hold it.
pub(super) const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

#[async_trait]
pub trait Lease: Send + Sync + 'static {
    /// Takes the lease if it is free, renews it if we hold it; true if we
    /// hold it now (for `LEASE_TTL`).
    async fn acquire_or_renew(&self) -> Result<bool, BusError>;
    /// Gives the lease up if we hold it (shutdown), so another replica can
    /// start polling at once.
    async fn release(&self) -> Result<(), BusError>;
}

/// The only process there is holds the lease.
pub struct LocalLease;

#[async_trait]
impl Lease for LocalLease {
    async fn acquire_or_renew(&self) -> Result<bool, BusError> {
        Ok(true)
    }

    async fn release(&self) -> Result<(), BusError> {
        Ok(())
    }
}

pub struct RedisLease {
    conn: ConnectionManager,
    key: String,
    holder: String,
    acquire: Script,
    release: Script,
}

impl RedisLease {
    /// The lease `{prefix}:poller`, held under the name `holder` (the
    /// replica's instance id).
    pub async fn connect(url: &str, prefix: &str, holder: &str) -> anyhow::Result<Self> {
        let conn = command_connection(url).await?;
        Ok(Self {
            conn,
            key: TelegramKeys::new(prefix).poller(),
            holder: holder.to_owned(),
            acquire: Script::new(ACQUIRE),
            release: Script::new(RELEASE),
        })
    }
}

#[async_trait]
impl Lease for RedisLease {
    async fn acquire_or_renew(&self) -> Result<bool, BusError> {
        let ttl_ms = u64::try_from(LEASE_TTL.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.conn.clone();
        let held: i64 = self
            .acquire
            .key(&self.key)
            .arg(&self.holder)
            .arg(ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(held == 1)
    }

    async fn release(&self) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .release
            .key(&self.key)
            .arg(&self.holder)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
