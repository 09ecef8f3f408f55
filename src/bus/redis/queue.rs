//! The global search queue on Redis.
//!
//! Why a Lua script rather than a fenced single-writer Matcher: the script
//! runs atomically on the Redis server, so "find the oldest compatible
//! person and remove them, or enqueue me" is one indivisible step no matter
//! how many replicas call it at once. Two replicas can never pop the same
//! person, and nobody has to elect, fence or fail over a writer: any replica
//! can pair, and a replica dying changes nothing for the others. The store's
//! one-active-room constraint is the second line of defence (the Matcher
//! drops an entry the store refuses), so even a stale entry can never put
//! anyone in two rooms. The script reads the waiting oldest first and takes
//! the first compatible one (both sides' preferences, blocks and cooldowns,
//! reputation class first): O(1) when the oldest fits, O(n) in the worst
//! case (everyone waiting incompatible with the searcher).
//!
//! Entries of a dead replica: every entry names its owner, a token unique to
//! one process run (an "incarnation"), and the replica's heartbeat key holds
//! the token of its live incarnation. Any live replica's heartbeat runs the
//! `purge` operation, which drops the entries of owners that are no longer
//! live (heartbeat expired, or the instance restarted under the same id). So
//! a replica killed with people queued leaves no ghosts to pair with. A
//! person who searches again elsewhere keeps their place and the entry moves
//! to the new owner; only the owner's `leave` removes it, so a late leave
//! from the replica they left cannot undo their new search. For the same
//! reason a `requeue_front` after a failed pairing gives the entry back to
//! its owner (the pairing left a short-lived receipt naming it).
//!
//! The owner also keeps a local list of the people it queued ("mine"). If
//! its queue entries vanish while it is alive (Redis restarted without
//! persistence, or a long partition got it purged), its heartbeat notices
//! that its registration is gone and searches again for them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::Context;
use async_trait::async_trait;
use redis::Script;
use redis::aio::ConnectionManager;

use super::{Keys, timed, unavailable};
use crate::bus::queue::Rejoin;
use crate::bus::{BusError, QueueEntry, SearchQueue};
use crate::domain::UserId;

/// The queue on Redis; cheap to clone.
#[derive(Clone)]
pub struct RedisQueue {
    pub(super) inner: Arc<QueueInner>,
}

pub(super) struct QueueInner {
    conn: ConnectionManager,
    keys: Keys,
    script: Script,
    /// This replica's instance id (names its heartbeat key).
    instance: String,
    /// This process run's owner token, written into every entry it queues.
    owner: String,
    /// People this replica queued and believes are still waiting, in join
    /// order. Added by `join` (when queued) and `requeue_front`; removed by
    /// `leave`, by pairing here, and by the heartbeat's reconciliation when
    /// someone else paired them.
    mine: Mutex<Vec<QueueEntry>>,
    /// How to search again for someone whose entry was lost (set once the
    /// Matcher runs); without it, lost entries are put back at the front.
    rejoin: Mutex<Option<Rejoin>>,
    /// People whose `leave` could not reach Redis. The heartbeat retries
    /// them, so nobody who left stays queued as a ghost. A later join of the
    /// same person cancels the retry; this async lock orders the two, so a
    /// retry never removes the entry of a newer search.
    leaving: tokio::sync::Mutex<Vec<UserId>>,
}

impl RedisQueue {
    pub(super) fn new(
        conn: ConnectionManager,
        keys: Keys,
        instance: String,
        owner: String,
    ) -> Self {
        Self {
            inner: Arc::new(QueueInner {
                conn,
                keys,
                script: Script::new(concat!(
                    include_str!("owners.lua"),
                    include_str!("queue.lua")
                )),
                instance,
                owner,
                mine: Mutex::new(Vec::new()),
                rejoin: Mutex::new(None),
                leaving: tokio::sync::Mutex::new(Vec::new()),
            }),
        }
    }
}

impl RedisQueue {
    /// `join` or `rejoin` (the script's operations of the same names).
    async fn join_op(&self, op: &str, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError> {
        let q = &self.inner;
        q.cancel_leave(entry.user).await;
        let (paired, json): (i64, String) = q.entry_op(op, &entry).await.map_err(unavailable)?;
        if paired == 0 {
            if op == "join" || q.is_mine(entry.user) {
                q.remember(entry);
            }
            return Ok(None);
        }
        let partner: QueueEntry = serde_json::from_str(&json)
            .map_err(|_| BusError::Unavailable("queue returned a malformed entry".into()))?;
        q.forget(partner.user);
        // Paired on its first join or on a re-join: either way no longer
        // waiting.
        q.forget(entry.user);
        Ok(Some(partner))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values stay consistent between statements (no await, no
    // panic while held), so a poisoned lock is still safe to use.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl QueueInner {
    fn invoke(&self, op: &str) -> redis::ScriptInvocation<'_> {
        let mut inv = self.script.prepare_invoke();
        inv.arg(self.keys.prefix()).arg(op);
        inv
    }

    /// Runs `op` for one entry with the owner's arguments.
    async fn entry_op<T: redis::FromRedisValue>(
        &self,
        op: &str,
        e: &QueueEntry,
    ) -> anyhow::Result<T> {
        let json = serde_json::to_string(e).context("queue entry as JSON")?;
        let mut inv = self.invoke(op);
        inv.arg(e.user.to_string())
            .arg(json)
            .arg(&self.owner)
            .arg(&self.instance);
        let mut conn = self.conn.clone();
        timed(inv.invoke_async(&mut conn))
            .await
            .with_context(|| format!("queue {op}"))
    }

    fn remember(&self, entry: QueueEntry) {
        let mut mine = lock(&self.mine);
        match mine.iter_mut().find(|e| e.user == entry.user) {
            Some(e) => *e = entry,
            None => mine.push(entry),
        }
    }

    fn is_mine(&self, user: UserId) -> bool {
        lock(&self.mine).iter().any(|e| e.user == user)
    }

    fn forget(&self, user: UserId) {
        lock(&self.mine).retain(|e| e.user != user);
    }

    async fn leave_now(&self, user: UserId) -> anyhow::Result<bool> {
        let mut inv = self.invoke("leave");
        inv.arg(user.to_string()).arg(&self.owner);
        let mut conn = self.conn.clone();
        let left: i64 = timed(inv.invoke_async(&mut conn))
            .await
            .context("queue leave")?;
        Ok(left == 1)
    }

    /// Stops retrying the leave of someone who searches again.
    async fn cancel_leave(&self, user: UserId) {
        self.leaving.lock().await.retain(|u| *u != user);
    }

    /// Retries the leaves that failed; the rest wait for the next beat.
    pub(super) async fn retry_leaves(&self) -> anyhow::Result<()> {
        let mut leaving = self.leaving.lock().await;
        while let Some(user) = leaving.last().copied() {
            self.leave_now(user).await?;
            leaving.pop();
        }
        Ok(())
    }

    /// Keeps in "mine" only the people still queued under this owner.
    pub(super) async fn reconcile(&self) -> anyhow::Result<()> {
        let users: Vec<UserId> = lock(&self.mine).iter().map(|e| e.user).collect();
        if users.is_empty() {
            return Ok(());
        }
        let mut inv = self.invoke("owned");
        inv.arg(&self.owner);
        for u in &users {
            inv.arg(u.to_string());
        }
        let mut conn = self.conn.clone();
        let owned: Vec<i64> = timed(inv.invoke_async(&mut conn))
            .await
            .context("queue owned")?;
        let gone: Vec<UserId> = users
            .iter()
            .zip(owned)
            .filter(|(_, o)| *o == 0)
            .map(|(u, _)| *u)
            .collect();
        lock(&self.mine).retain(|e| !gone.contains(&e.user));
        Ok(())
    }

    /// This replica's registration was gone: its entries may be lost too.
    /// Search again for everyone it had queued (a join keeps the place of
    /// whoever is still queued, so this is harmless if nothing was lost).
    pub(super) async fn restore(&self) -> anyhow::Result<()> {
        let mine = lock(&self.mine).clone();
        if mine.is_empty() {
            return Ok(());
        }
        tracing::info!(
            people = mine.len(),
            "queue registration was lost; searching again"
        );
        let rejoin = lock(&self.rejoin).clone();
        match rejoin {
            Some(rejoin) => mine.into_iter().for_each(|e| rejoin(e)),
            // Back at the front, in their old order (so the last goes first).
            None => {
                for e in mine.iter().rev() {
                    let _: i64 = self.entry_op("front", e).await?;
                }
            }
        }
        Ok(())
    }

    /// Drops the entries of dead owners; returns how many.
    pub(super) async fn purge(&self) -> anyhow::Result<usize> {
        let mut conn = self.conn.clone();
        let n: usize = timed(self.invoke("purge").invoke_async(&mut conn))
            .await
            .context("queue purge")?;
        if n > 0 {
            tracing::info!(entries = n, "purged queue entries of dead replicas");
        }
        Ok(n)
    }
}

#[async_trait]
impl SearchQueue for RedisQueue {
    async fn join(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError> {
        self.join_op("join", entry).await
    }

    async fn rejoin(&self, entry: QueueEntry) -> Result<Option<QueueEntry>, BusError> {
        self.join_op("rejoin", entry).await
    }

    async fn requeue_front(&self, entry: QueueEntry) -> Result<(), BusError> {
        let q = &self.inner;
        q.cancel_leave(entry.user).await;
        let queued: i64 = q.entry_op("front", &entry).await.map_err(unavailable)?;
        if queued == 1 {
            q.remember(entry);
        }
        Ok(())
    }

    /// Removes the person if this replica queued them (see the module
    /// comment). When Redis is unreachable the removal is deferred to the heartbeat
    /// (and this answers `false`): the person's wish to stop is honoured
    /// here at once and in the queue as soon as Redis answers. Meanwhile a
    /// pairing with them is undone by their own actor (they are no longer
    /// searching) or by their grace timer (they are gone).
    async fn leave(&self, user: UserId) -> Result<bool, BusError> {
        let q = &self.inner;
        // Forget first: a person who left must not be searched again by a
        // restore.
        q.forget(user);
        let mut leaving = q.leaving.lock().await;
        match q.leave_now(user).await {
            Ok(left) => Ok(left),
            Err(e) => {
                tracing::warn!(user = %user, error = %format!("{e:#}"), "queue leave deferred");
                if !leaving.contains(&user) {
                    leaving.push(user);
                }
                Ok(false)
            }
        }
    }

    async fn waiting(&self) -> Result<usize, BusError> {
        let q = &self.inner;
        let mut conn = q.conn.clone();
        timed(
            redis::cmd("ZCARD")
                .arg(q.keys.queue())
                .query_async(&mut conn),
        )
        .await
        .context("queue length")
        .map_err(unavailable)
    }

    fn set_rejoin(&self, rejoin: Rejoin) {
        *lock(&self.inner.rejoin) = Some(rejoin);
    }
}
