//! Replica membership: each replica keeps `{p}replica:{instance id}` alive
//! with a TTL, holding the token of its current process run. A key that
//! expired means the replica is dead (or cut off long enough to count as
//! dead); a key holding another token means it restarted. Either way its
//! old queue entries are purged by whichever replica beats next.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context;
use redis::aio::ConnectionManager;
use tokio::task::JoinHandle;

use super::presence::RedisPresence;
use super::queue::QueueInner;
use super::{Keys, timed};

/// How often a replica refreshes its heartbeat and purges dead replicas'
/// queue entries.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);
/// How long a heartbeat lasts: five missed beats and a replica counts as
/// dead. Long enough to ride out a slow Redis or a GC-like pause, short
/// enough that nobody waits long for a ghost.
pub const REPLICA_TTL: Duration = Duration::from_secs(10);

pub(super) struct Membership {
    conn: ConnectionManager,
    keys: Keys,
    instance: String,
    owner: String,
    interval: Duration,
    ttl: Duration,
    /// Beats in a row that found another live token under our key: a
    /// restart leaves one such beat, only a twin instance id leaves more.
    overwrites: AtomicU32,
}

impl Membership {
    pub(super) fn new(
        conn: ConnectionManager,
        keys: Keys,
        instance: String,
        owner: String,
        interval: Duration,
        ttl: Duration,
    ) -> Self {
        Self {
            conn,
            keys,
            instance,
            owner,
            interval,
            ttl,
            overwrites: AtomicU32::new(0),
        }
    }

    /// Refreshes the heartbeat; true if the key still held this run's token
    /// (false on the first beat, after Redis lost its data, or after this
    /// replica was presumed dead).
    async fn beat(&self) -> anyhow::Result<bool> {
        let ttl_ms = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("SET")
            .arg(self.keys.replica(&self.instance))
            .arg(&self.owner)
            .arg("PX")
            .arg(ttl_ms)
            .arg("GET")
            .cmd("SADD")
            .arg(self.keys.replicas())
            .arg(&self.instance)
            .ignore();
        let mut conn = self.conn.clone();
        let (previous,): (Option<String>,) = timed(pipe.query_async(&mut conn))
            .await
            .context("heartbeat")?;
        match previous {
            Some(p) if p == self.owner => {
                self.overwrites.store(0, Ordering::Relaxed);
                Ok(true)
            }
            Some(_) => {
                if self.overwrites.fetch_add(1, Ordering::Relaxed) >= 1 {
                    // Two live processes share the id: each purges the
                    // other's queue entries. Only the operator can fix it.
                    tracing::error!(
                        instance = %self.instance,
                        "another live replica uses this CHATHUB_INSTANCE_ID; give every replica its own"
                    );
                }
                Ok(false)
            }
            None => Ok(false),
        }
    }

    /// One heartbeat round: refresh, then bring the queue in line.
    pub(super) async fn tick(
        &self,
        queue: &QueueInner,
        presence: &RedisPresence,
    ) -> anyhow::Result<()> {
        queue.retry_leaves().await?;
        if self.beat().await? {
            queue.reconcile().await?;
        } else {
            queue.restore().await?;
        }
        queue.purge().await?;
        let moved = presence.purge().await?;
        if moved > 0 {
            tracing::info!(
                people = moved,
                "grace started for the people of a dead replica"
            );
        }
        Ok(())
    }

    /// Beats every `interval` until aborted.
    pub(super) fn start(
        self: Arc<Self>,
        queue: Arc<QueueInner>,
        presence: Arc<RedisPresence>,
    ) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(self.interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await; // the first tick is immediate; `connect` already beat
            loop {
                ticker.tick().await;
                if let Err(e) = self.tick(&queue, &presence).await {
                    tracing::warn!(error = %format!("{e:#}"), "heartbeat failed; retrying");
                }
            }
        })
    }

    /// Instance ids of the replicas whose heartbeat is alive, sorted.
    pub(super) async fn live(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.conn.clone();
        let ids: Vec<String> = timed(
            redis::cmd("SMEMBERS")
                .arg(self.keys.replicas())
                .query_async(&mut conn),
        )
        .await
        .context("listing replicas")?;
        if ids.is_empty() {
            return Ok(ids);
        }
        let keys: Vec<String> = ids.iter().map(|id| self.keys.replica(id)).collect();
        let beats: Vec<Option<String>> =
            timed(redis::cmd("MGET").arg(&keys).query_async(&mut conn))
                .await
                .context("reading heartbeats")?;
        let mut live: Vec<String> = ids
            .into_iter()
            .zip(beats)
            .filter_map(|(id, beat)| beat.map(|_| id))
            .collect();
        live.sort();
        Ok(live)
    }
}
