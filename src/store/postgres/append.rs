//! Storing a batch's messages: one `append_messages` call (or one
//! `append_and_record` with the batch's Telegram delivery records), and
//! each caller's outcome from its rows. A batch the database refuses as a
//! whole is stored row by row, so that one bad row fails only itself.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;

use super::append_sql::{AppendAndRecord, AppendBatch, AppendRow, CombinedRow};
use super::deliveries::Deliveries;
use super::writer::{Reply, Written};
use super::{checkout, db_error, with_conn};
use crate::domain::Columns;
use crate::domain::{Origin, Seq};
use crate::store::{Appended, NewMessage, StoreError};

/// Attempts for a batch that lost a race (a concurrent retry of the same
/// message, a deadlock between replicas); the retry then sees the winner.
const ATTEMPTS: usize = 3;

/// The appends' statement, and per ask its slot in it and whether it is
/// the first ask with that idempotency key.
pub(super) fn append_query(
    appends: &[(NewMessage, Reply)],
    activity_step_secs: f64,
) -> (AppendBatch, Vec<(usize, bool)>) {
    // Within a batch each idempotency key goes to the database once; later
    // copies (a client retrying faster than we store) share its answer.
    let mut query = AppendBatch::new(activity_step_secs);
    let mut slot_of_key: HashMap<(uuid::Uuid, &str), usize> = HashMap::new();
    let mut slots = Vec::with_capacity(appends.len());
    for (msg, _) in appends {
        let key = (msg.sender.0, msg.client_msg_id.as_str());
        let fresh = !slot_of_key.contains_key(&key);
        let slot = *slot_of_key.entry(key).or_insert_with(|| {
            query.message_rooms.push(msg.room.0);
            query.senders.push(msg.sender.0);
            let cols = Columns::new(&msg.body, &msg.origin, msg.reply_to);
            query.kinds.push(cols.kind.as_str());
            query.texts.push(cols.text);
            let extra = cols.extra;
            query
                .client_msg_ids
                .push(msg.client_msg_id.as_str().to_owned());
            query.media_file_ids.push(extra.media_file_id);
            query.captions.push(extra.caption);
            query.reply_to_seqs.push(extra.reply_to_seq.map(|s| s.0));
            query
                .sender_platform_msg_ids
                .push(extra.sender_platform_msg_id);
            query.metadata.push(extra.metadata);
            query.message_rooms.len() - 1
        });
        slots.push((slot, fresh));
    }
    query.index_rooms();
    (query, slots)
}

pub(super) fn answer_appends(
    appends: Vec<(NewMessage, Reply)>,
    slots: Vec<(usize, bool)>,
    outcome: &[SlotOutcome],
) {
    for ((msg, reply), (slot, fresh)) in appends.into_iter().zip(slots) {
        // A duplicate carries the retry's content here; `append_message`
        // replaces it with the first copy as stored.
        let answer = match outcome.get(slot) {
            Some(Ok((Some(seq), _, Some(at), _))) => Ok(Appended {
                message: msg.stored(Seq(*seq), *at),
                duplicate: true,
            }),
            Some(Ok((None, Some(seq), Some(at), protect))) => {
                let mut message = msg.stored(Seq(*seq), *at);
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
        reply.answer(answer.map(Written::Appended));
    }
}

/// The appends and the records in one call: the appends' rows, and the
/// (room, seq) of each recorded delivery.
pub(super) async fn append_and_record(
    pool: &Pool<AsyncPgConnection>,
    append: &AppendBatch,
    deliveries: &Deliveries,
) -> Result<(Vec<AppendRow>, Vec<(uuid::Uuid, i64)>), StoreError> {
    let rows: Vec<CombinedRow> = with_conn!(checkout(pool), |conn| async move {
        AppendAndRecord { append, deliveries }
            .load::<CombinedRow>(conn)
            .await
            .map_err(db_error)
    })?;
    let mut appended = Vec::with_capacity(rows.len());
    let mut recorded = Vec::new();
    for (ord, sender, client_msg_id, seq, at, protect, delivered_room) in rows {
        match (delivered_room, at) {
            (Some(room), _) => recorded.push((room, seq)),
            (None, Some(at)) => appended.push((ord, sender, client_msg_id, seq, at, protect)),
            (None, None) => {
                return Err(StoreError::Internal(
                    "append answered without a time".into(),
                ));
            }
        }
    }
    Ok((appended, recorded))
}

/// Per slot: (existing_seq, new_seq, created_at, protect), or why it could
/// not be stored.
pub(super) type SlotOutcome =
    Result<(Option<i64>, Option<i64>, Option<DateTime<Utc>>, bool), StoreError>;

/// Stores the batch with one statement. If the database refuses the
/// statement itself (a value it cannot hold, a constraint), one bad row must
/// not fail everybody else's message: each row is then stored on its own,
/// and only the offending one is answered with the error.
pub(super) async fn store_rows(
    pool: &Pool<AsyncPgConnection>,
    query: AppendBatch,
) -> Vec<SlotOutcome> {
    let slots = query.message_rooms.len();
    match run_with_retries(pool, &query).await {
        Ok(rows) => rows_by_slot(rows, &query),
        Err(Failure::Rejected(e)) if slots > 1 => {
            tracing::warn!(rows = slots, error = %e, "append batch refused; storing its rows one by one");
            let mut outcome = Vec::with_capacity(slots);
            for row in query.into_rows() {
                match run_with_retries(pool, &row).await {
                    Ok(rows) => outcome.extend(rows_by_slot(rows, &row)),
                    Err(e) => outcome.push(Err(e.error())),
                }
            }
            outcome
        }
        Err(e) => vec![Err(e.error()); slots],
    }
}

/// Each slot's outcome from the statement's rows: a message stored before
/// comes back by position (`ord`, counted from 1), one stored now by its
/// sender and client id; a slot with neither was not stored (its room is
/// not active for that sender).
pub(super) fn rows_by_slot(rows: Vec<AppendRow>, query: &AppendBatch) -> Vec<SlotOutcome> {
    let mut outcome = vec![Ok((None, None, None, false)); query.message_rooms.len()];
    let slot_of_key: HashMap<(uuid::Uuid, &str), usize> = query
        .senders
        .iter()
        .zip(&query.client_msg_ids)
        .enumerate()
        .map(|(slot, (sender, id))| ((*sender, id.as_str()), slot))
        .collect();
    for (ord, sender, client_msg_id, seq, at, protect) in rows {
        let (slot, found) = match (ord, sender, client_msg_id.as_deref()) {
            (Some(ord), _, _) => (
                usize::try_from(ord - 1).ok(),
                (Some(seq), None, Some(at), false),
            ),
            (None, Some(sender), Some(id)) => (
                slot_of_key.get(&(sender, id)).copied(),
                (None, Some(seq), Some(at), protect),
            ),
            _ => (None, (None, None, None, false)),
        };
        match slot.and_then(|slot| outcome.get_mut(slot)) {
            Some(entry) => *entry = Ok(found),
            None => tracing::error!("append answered for a message it was not given"),
        }
    }
    outcome
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
