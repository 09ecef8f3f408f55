//! The message writers: the write path for messages and Telegram delivery
//! records. Asks are queued per shard (a room always maps to the same
//! shard, so one replica never races itself for a room's row lock); each
//! shard's writer takes whatever has queued up while its previous call ran
//! and writes it with one call (`append.rs`, `deliveries.rs`). Idle, that
//! is one ask per call and one round trip; under load batches grow by
//! themselves and one commit (one WAL flush) covers many messages and
//! records, without any added delay.

use std::hash::{Hash, Hasher};

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;

use super::append::{answer_appends, append_and_record, append_query, rows_by_slot, store_rows};
use super::deliveries::{Deliveries, Record};
use crate::batch::{self, Batcher};
use crate::domain::{RoomId, Seq};
use crate::store::{Appended, NewMessage, StoreError};

/// Most asks written by one call.
const MAX_BATCH: usize = 256;
/// Asks waiting per shard before callers are pushed back on.
const QUEUE_DEPTH: usize = 4096;

/// What a message writer is asked.
pub(super) enum Write {
    /// Store a message.
    Append(NewMessage),
    /// Record a Telegram copy's delivery (`deliveries.rs`).
    Deliver(Record),
}

/// What a message writer answers.
pub(super) enum Written {
    Appended(Appended),
    Delivered,
}

type Answer = Result<Written, StoreError>;
/// Where one ask's answer goes, once its ask was taken out.
pub(super) type Reply = batch::Pending<(), Answer>;

pub(super) struct MessageWriter {
    shards: Vec<Batcher<Shard>>,
}

/// One shard's writer task: the pool its statements run on, and what every
/// batch's statement carries.
pub(super) struct Shard {
    pool: Pool<AsyncPgConnection>,
    /// Seconds a room's `last_active_at` may lag (`activity_step`).
    activity_step_secs: f64,
}

impl batch::Handler for Shard {
    type Ask = Write;
    type Answer = Answer;

    async fn handle(&mut self, batch: Vec<batch::Pending<Write, Answer>>) {
        let mut appends = Vec::with_capacity(batch.len());
        let mut records = Vec::new();
        for pending in batch {
            match pending.into_ask() {
                (Write::Append(msg), reply) => appends.push((msg, reply)),
                (Write::Deliver(record), reply) => records.push((record, reply)),
            }
        }
        let deliveries = Deliveries::new(records);
        write_batch(&self.pool, appends, deliveries, self.activity_step_secs).await;
    }
}

impl MessageWriter {
    /// Starts `shards` writer tasks on the current tokio runtime. They stop
    /// when the writer is dropped.
    pub(super) fn start(
        pool: Pool<AsyncPgConnection>,
        shards: usize,
        activity_step: std::time::Duration,
    ) -> Self {
        let shards = (0..shards.max(1))
            .map(|_| {
                let shard = Shard {
                    pool: pool.clone(),
                    activity_step_secs: activity_step.as_secs_f64(),
                };
                Batcher::start(shard, QUEUE_DEPTH, MAX_BATCH)
            })
            .collect();
        Self { shards }
    }

    pub(super) async fn append(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        match self.ask(msg.room, Write::Append(msg)).await? {
            Written::Appended(appended) => Ok(appended),
            Written::Delivered => Err(StoreError::Internal("append answered as a record".into())),
        }
    }

    /// Records one Telegram copy; answers once it is committed. `NoSuchRoom`
    /// when the message does not exist.
    pub(super) async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        copy: Option<i64>,
    ) -> Result<(), StoreError> {
        match self
            .ask(room, Write::Deliver(Record { room, seq, copy }))
            .await?
        {
            Written::Delivered => Ok(()),
            Written::Appended(_) => {
                Err(StoreError::Internal("record answered as an append".into()))
            }
        }
    }

    /// Asks the shard of `room`: a room always maps to the same shard.
    async fn ask(&self, room: RoomId, write: Write) -> Answer {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        room.hash(&mut hasher);
        let shard = (hasher.finish() % self.shards.len() as u64) as usize;
        let stopped = || StoreError::Unavailable("message writer stopped".into());
        self.shards
            .get(shard)
            .ok_or_else(stopped)?
            .ask(write)
            .await
            .map_err(|_| stopped())?
    }
}

/// One batch: its delivery records ride in the appends' call when there
/// are both; should that call fail, each part runs on its own, with its
/// own fallbacks (both are idempotent, so a call that did commit before
/// its answer was lost changes nothing when run again).
async fn write_batch(
    pool: &Pool<AsyncPgConnection>,
    appends: Vec<(NewMessage, Reply)>,
    deliveries: Deliveries,
    activity_step_secs: f64,
) {
    if appends.is_empty() {
        return deliveries.record_alone(pool).await;
    }
    let (query, slots) = append_query(&appends, activity_step_secs);
    if !deliveries.is_empty() {
        match append_and_record(pool, &query, &deliveries).await {
            Ok((rows, found)) => {
                deliveries.answer(found);
                let outcome = rows_by_slot(rows, &query);
                return answer_appends(appends, slots, &outcome);
            }
            Err(e) => {
                tracing::debug!(error = %e, "append with records failed; running them apart");
                deliveries.record_alone(pool).await;
            }
        }
    }
    let outcome = store_rows(pool, query).await;
    answer_appends(appends, slots, &outcome);
}
