//! Presence on Redis (see `presence.lua` for the key layout): the grace
//! period of someone who disconnected is global, so it ends their room
//! whichever replica sweeps first, and it also starts for the people of a
//! replica that died without saying goodbye (the heartbeat `purge`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use super::{Keys, timed, unavailable};
use crate::bus::{BusError, Presence};
use crate::domain::{ClientId, UserId};

pub struct RedisPresence {
    conn: ConnectionManager,
    keys: Keys,
    instance: String,
    /// This process run's token (shared with the queue and membership).
    owner: String,
    /// Grace given to the people of a dead replica.
    grace: Duration,
    script: Script,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn deadline_ms(grace: Duration) -> u64 {
    now_ms().saturating_add(u64::try_from(grace.as_millis()).unwrap_or(u64::MAX))
}

impl RedisPresence {
    pub(super) fn new(
        conn: ConnectionManager,
        keys: Keys,
        instance: String,
        owner: String,
        grace: Duration,
    ) -> Self {
        Self {
            conn,
            keys,
            instance,
            owner,
            grace,
            script: Script::new(concat!(
                include_str!("owners.lua"),
                include_str!("presence.lua")
            )),
        }
    }

    async fn run<T: redis::FromRedisValue>(&self, op: &str, args: &[String]) -> anyhow::Result<T> {
        let mut inv = self.script.prepare_invoke();
        inv.arg(self.keys.prefix()).arg(op);
        for a in args {
            inv.arg(a);
        }
        let mut conn = self.conn.clone();
        timed(inv.invoke_async(&mut conn))
            .await
            .with_context(|| format!("presence {op}"))
    }

    /// Starts the grace period of everyone held by a dead replica.
    pub(super) async fn purge(&self) -> anyhow::Result<u64> {
        self.run("purge", &[deadline_ms(self.grace).to_string()])
            .await
    }
}

#[async_trait]
impl Presence for RedisPresence {
    async fn arrived(&self, user: UserId, client: ClientId) -> Result<(), BusError> {
        let args = [
            user.to_string(),
            self.owner.clone(),
            client.to_string(),
            self.instance.clone(),
        ];
        self.run::<i64>("arrived", &args)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn left(&self, user: UserId, client: ClientId, grace: Duration) -> Result<(), BusError> {
        let args = [
            user.to_string(),
            self.owner.clone(),
            client.to_string(),
            deadline_ms(grace).to_string(),
        ];
        self.run::<i64>("left", &args).await.map_err(unavailable)?;
        Ok(())
    }

    async fn latest(&self, user: UserId) -> Result<Option<ClientId>, BusError> {
        let mut conn = self.conn.clone();
        let value: Option<String> = timed(
            redis::cmd("HGET")
                .arg(self.keys.presence_latest())
                .arg(user.to_string())
                .query_async(&mut conn),
        )
        .await
        .context("presence latest")
        .map_err(unavailable)?;
        // "owner token|client id"
        Ok(value
            .as_deref()
            .and_then(|v| v.split_once('|'))
            .and_then(|(_, client)| client.parse().ok()))
    }

    async fn take_due(&self, limit: usize) -> Result<Vec<UserId>, BusError> {
        let args = [now_ms().to_string(), limit.to_string()];
        let due: Vec<String> = self.run("due", &args).await.map_err(unavailable)?;
        Ok(due.iter().filter_map(|u| u.parse().ok()).collect())
    }

    async fn online(&self) -> Result<Vec<UserId>, BusError> {
        let mut conn = self.conn.clone();
        let people: Vec<String> = timed(
            redis::cmd("HKEYS")
                .arg(self.keys.presence_latest())
                .query_async(&mut conn),
        )
        .await
        .context("presence online")
        .map_err(unavailable)?;
        Ok(people.iter().filter_map(|u| u.parse().ok()).collect())
    }
}
