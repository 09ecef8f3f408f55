//! The write path for messages. Appends are queued per shard (a room always
//! maps to the same shard, so one replica never races itself for a room's
//! row lock); each shard's writer takes whatever has queued up while its
//! previous statement ran and stores it with one `AppendBatch` statement.
//! Idle, that is one message per statement and one round trip; under load
//! batches grow by themselves and one commit (one WAL flush) covers many
//! messages, without any added delay.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::{mpsc, oneshot};

use super::append_sql::{AppendBatch, AppendRow};
use super::{checkout, db_error, with_conn};
use crate::domain::Seq;
use crate::store::{Appended, NewMessage, StoreError};

/// Most messages stored by one statement.
const MAX_BATCH: usize = 256;
/// Appends waiting per shard before callers are pushed back on.
const QUEUE_DEPTH: usize = 4096;
/// Attempts for a batch that lost a race (a concurrent retry of the same
/// message, a deadlock between replicas); the retry then sees the winner.
const ATTEMPTS: usize = 3;

type Reply = oneshot::Sender<Result<Appended, StoreError>>;

struct Pending {
    msg: NewMessage,
    reply: Reply,
}

pub(super) struct AppendWriter {
    shards: Vec<mpsc::Sender<Pending>>,
}

impl AppendWriter {
    /// Starts `shards` writer tasks on the current tokio runtime. They stop
    /// when the writer is dropped.
    pub(super) fn start(pool: Pool<AsyncPgConnection>, shards: usize) -> Self {
        let shards = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
                tokio::spawn(run_shard(pool.clone(), rx));
                tx
            })
            .collect();
        Self { shards }
    }

    pub(super) async fn append(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        msg.room.hash(&mut hasher);
        let shard = (hasher.finish() % self.shards.len() as u64) as usize;
        let stopped = || StoreError::Unavailable("message writer stopped".into());
        let (reply, answer) = oneshot::channel();
        self.shards
            .get(shard)
            .ok_or_else(stopped)?
            .send(Pending { msg, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run_shard(pool: Pool<AsyncPgConnection>, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A caller that gave up (timed out) has been told to retry; storing
        // its message now would only add load when the database is slow.
        batch.retain(|p| !p.reply.is_closed());
        if !batch.is_empty() {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
            store_batch(&pool, full).await;
        }
    }
}

async fn store_batch(pool: &Pool<AsyncPgConnection>, batch: Vec<Pending>) {
    // Within a batch each idempotency key goes to the database once; later
    // copies (a client retrying faster than we store) share its answer.
    let mut query = AppendBatch::default();
    let mut slot_of_key: HashMap<(uuid::Uuid, &str), usize> = HashMap::new();
    let mut slots = Vec::with_capacity(batch.len());
    for p in &batch {
        let key = (p.msg.sender.0, p.msg.client_msg_id.as_str());
        let fresh = !slot_of_key.contains_key(&key);
        let slot = *slot_of_key.entry(key).or_insert_with(|| {
            query.rooms.push(p.msg.room.0);
            query.senders.push(p.msg.sender.0);
            query.kinds.push(p.msg.kind.as_str());
            query.texts.push(p.msg.text.clone());
            query
                .client_msg_ids
                .push(p.msg.client_msg_id.as_str().to_owned());
            let extra = &p.msg.extra;
            query.media_file_ids.push(extra.media_file_id.clone());
            query.captions.push(extra.caption.clone());
            query.reply_to_seqs.push(extra.reply_to_seq.map(|s| s.0));
            query
                .sender_platform_msg_ids
                .push(extra.sender_platform_msg_id);
            query.metadata.push(extra.metadata.clone());
            query.rooms.len() - 1
        });
        slots.push((slot, fresh));
    }
    let outcome = run_with_retries(pool, &query).await;
    for (p, (slot, fresh)) in batch.into_iter().zip(slots) {
        let answer = match &outcome {
            // Rows come back ordered by `ord`, which counts slots from 1.
            // A duplicate carries the retry's content here; `append_message`
            // replaces it with the first copy as stored.
            Ok(rows) => match rows.get(slot).filter(|row| row.0 == slot as i64 + 1) {
                Some(&(_, Some(seq), _, Some(at))) => Ok(Appended {
                    message: p.msg.stored(Seq(seq), at),
                    duplicate: true,
                }),
                Some(&(_, None, Some(seq), Some(at))) => Ok(Appended {
                    message: p.msg.stored(Seq(seq), at),
                    duplicate: !fresh,
                }),
                Some(&(_, None, None, _)) => Err(StoreError::RoomClosed),
                Some(_) | None => Err(StoreError::Internal("append lost a row".into())),
            },
            Err(e) => Err(e.clone()),
        };
        // The caller may have timed out meanwhile; nothing to do then.
        let _ = p.reply.send(answer);
    }
}

async fn run_with_retries(
    pool: &Pool<AsyncPgConnection>,
    query: &AppendBatch,
) -> Result<Vec<AppendRow>, StoreError> {
    let mut attempt = 1;
    loop {
        let result = with_conn!(checkout(pool), |conn| async move {
            Ok(query.load::<AppendRow>(conn).await)
        })?;
        match result {
            Ok(rows) => return Ok(rows),
            Err(e) if attempt < ATTEMPTS && lost_a_race(&e) => {
                tracing::debug!(attempt, error = %e, "append batch lost a race; retrying");
                attempt += 1;
            }
            Err(e) => return Err(db_error(e)),
        }
    }
}

/// Errors after which the same statement is expected to succeed.
fn lost_a_race(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
        | DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // 40P01: deadlock between two replicas' batches touching the same rooms.
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            info.message().contains("deadlock")
        }
        _ => false,
    }
}
