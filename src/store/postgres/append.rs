//! The write path for messages. Appends are queued per shard (a room always
//! maps to the same shard, so one replica never races itself for a room's
//! row lock); each shard's writer takes whatever has queued up while its
//! previous statement ran and stores it with one `AppendBatch` statement.
//! Idle, that is one message per statement and one round trip; under load
//! batches grow by themselves and one commit (one WAL flush) covers many
//! messages, without any added delay.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;
use tokio::sync::{mpsc, oneshot};

use super::append_sql::{AppendBatch, AppendRow};
use super::{checkout, db_error, with_conn};
use crate::domain::Columns;
use crate::domain::{Origin, Seq};
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

/// What every shard's batches share.
#[derive(Clone, Copy)]
struct ShardConfig {
    /// Seconds a room's `last_active_at` may lag (`activity_step`).
    activity_step_secs: f64,
}

impl AppendWriter {
    /// Starts `shards` writer tasks on the current tokio runtime. They stop
    /// when the writer is dropped.
    pub(super) fn start(
        pool: Pool<AsyncPgConnection>,
        shards: usize,
        activity_step: std::time::Duration,
    ) -> Self {
        let config = ShardConfig {
            activity_step_secs: activity_step.as_secs_f64(),
        };
        let shards = (0..shards.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
                tokio::spawn(run_shard(pool.clone(), rx, config));
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

async fn run_shard(
    pool: Pool<AsyncPgConnection>,
    mut queue: mpsc::Receiver<Pending>,
    config: ShardConfig,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A caller that gave up (timed out) has been told to retry; storing
        // its message now would only add load when the database is slow.
        batch.retain(|p| !p.reply.is_closed());
        if !batch.is_empty() {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
            store_batch(&pool, full, config).await;
        }
    }
}

async fn store_batch(pool: &Pool<AsyncPgConnection>, batch: Vec<Pending>, config: ShardConfig) {
    // Within a batch each idempotency key goes to the database once; later
    // copies (a client retrying faster than we store) share its answer.
    let mut query = AppendBatch {
        activity_step_secs: config.activity_step_secs,
        ..AppendBatch::default()
    };
    let mut slot_of_key: HashMap<(uuid::Uuid, &str), usize> = HashMap::new();
    let mut slots = Vec::with_capacity(batch.len());
    for p in &batch {
        let key = (p.msg.sender.0, p.msg.client_msg_id.as_str());
        let fresh = !slot_of_key.contains_key(&key);
        let slot = *slot_of_key.entry(key).or_insert_with(|| {
            query.rooms.push(p.msg.room.0);
            query.senders.push(p.msg.sender.0);
            let cols = Columns::new(&p.msg.body, &p.msg.origin, p.msg.reply_to);
            query.kinds.push(cols.kind.as_str());
            query.texts.push(cols.text);
            let extra = cols.extra;
            query
                .client_msg_ids
                .push(p.msg.client_msg_id.as_str().to_owned());
            query.media_file_ids.push(extra.media_file_id);
            query.captions.push(extra.caption);
            query.reply_to_seqs.push(extra.reply_to_seq.map(|s| s.0));
            query
                .sender_platform_msg_ids
                .push(extra.sender_platform_msg_id);
            query.metadata.push(extra.metadata);
            query.rooms.len() - 1
        });
        slots.push((slot, fresh));
    }
    let outcome = store_rows(pool, query).await;
    for (p, (slot, fresh)) in batch.into_iter().zip(slots) {
        // A duplicate carries the retry's content here; `append_message`
        // replaces it with the first copy as stored.
        let answer = match outcome.get(slot) {
            Some(Ok((Some(seq), _, Some(at), _))) => Ok(Appended {
                message: p.msg.stored(Seq(*seq), *at),
                duplicate: true,
            }),
            Some(Ok((None, Some(seq), Some(at), protect))) => {
                let mut message = p.msg.stored(Seq(*seq), *at);
                if let Origin::Telegram(origin) = &mut message.origin {
                    origin.protect |= *protect;
                }
                Ok(Appended {
                    message,
                    duplicate: !fresh,
                })
            }
            Some(Ok((None, None, _, _))) => Err(StoreError::RoomClosed),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(_)) | None => Err(StoreError::Internal("append lost a row".into())),
        };
        // The caller may have timed out meanwhile; nothing to do then.
        let _ = p.reply.send(answer);
    }
}

/// Per slot: (existing_seq, new_seq, created_at, protect), or why it could
/// not be stored.
type SlotOutcome = Result<(Option<i64>, Option<i64>, Option<DateTime<Utc>>, bool), StoreError>;

/// Stores the batch with one statement. If the database refuses the
/// statement itself (a value it cannot hold, a constraint), one bad row must
/// not fail everybody else's message: each row is then stored on its own,
/// and only the offending one is answered with the error.
async fn store_rows(pool: &Pool<AsyncPgConnection>, query: AppendBatch) -> Vec<SlotOutcome> {
    let slots = query.rooms.len();
    match run_with_retries(pool, &query).await {
        Ok(rows) => rows_by_slot(rows, slots),
        Err(Failure::Rejected(e)) if slots > 1 => {
            tracing::warn!(rows = slots, error = %e, "append batch refused; storing its rows one by one");
            let mut outcome = Vec::with_capacity(slots);
            for row in query.into_rows() {
                match run_with_retries(pool, &row).await {
                    Ok(rows) => outcome.extend(rows_by_slot(rows, 1)),
                    Err(e) => outcome.push(Err(e.error())),
                }
            }
            outcome
        }
        Err(e) => vec![Err(e.error()); slots],
    }
}

/// Rows come back ordered by `ord`, which counts slots from 1.
fn rows_by_slot(rows: Vec<AppendRow>, slots: usize) -> Vec<SlotOutcome> {
    (0..slots)
        .map(|slot| match rows.get(slot) {
            Some(&(ord, existing, new, at, protect)) if ord == slot as i64 + 1 => {
                Ok((existing, new, at, protect))
            }
            _ => Err(StoreError::Internal("append lost a row".into())),
        })
        .collect()
}

/// Why a batch statement failed.
enum Failure {
    /// No connection, a timeout, a lost connection: the next attempt may work.
    Unavailable(StoreError),
    /// The database refused the statement's content; retrying it as is will
    /// fail again.
    Rejected(StoreError),
}

impl Failure {
    /// The error given to every caller the failure concerns.
    fn error(&self) -> StoreError {
        match self {
            Failure::Unavailable(e) | Failure::Rejected(e) => e.clone(),
        }
    }
}

async fn run_with_retries(
    pool: &Pool<AsyncPgConnection>,
    query: &AppendBatch,
) -> Result<Vec<AppendRow>, Failure> {
    let mut attempt = 1;
    loop {
        // The block scopes the macro's `?` (checkout failures).
        let result = async {
            with_conn!(checkout(pool), |conn| async move {
                Ok(query.load::<AppendRow>(conn).await)
            })
        }
        .await
        .map_err(Failure::Unavailable)?;
        match result {
            Ok(rows) => return Ok(rows),
            Err(e) if attempt < ATTEMPTS && lost_a_race(&e) => {
                tracing::debug!(attempt, error = %e, "append batch lost a race; retrying");
                attempt += 1;
            }
            Err(e) if refused_content(&e) => return Err(Failure::Rejected(db_error(e))),
            Err(e) => return Err(Failure::Unavailable(db_error(e))),
        }
    }
}

/// Errors about what the statement carries rather than the connection it
/// ran on (which `ClosedConnection` and driver errors are about).
fn refused_content(e: &DieselError) -> bool {
    // Races (a duplicate key, a serialization failure, a deadlock with
    // another replica's batch) are about timing, not content: storing the
    // batch row by row would only multiply the statements under load.
    if lost_a_race(e) {
        return false;
    }
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => false,
        DieselError::DatabaseError(..) | DieselError::SerializationError(_) => true,
        _ => false,
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
