//! Delivery records of Telegram copies, written in batches. Every copy that
//! reaches a partner's chat is recorded (its message id there, and that it
//! was delivered) before the next copy of that chat goes out; one statement
//! and one commit per copy made this the Telegram path's costliest write.
//! As with appends, a writer task takes whatever has queued up while its
//! previous statement ran and records it with one statement: idle, one copy
//! per statement; under load, one commit covers many chats' copies.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Uuid as SqlUuid};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;

use super::{checkout, db_error, with_conn};
use crate::batch::{self, Batcher};
use crate::domain::{RoomId, Seq};
use crate::store::StoreError;

/// Most copies recorded by one statement.
const MAX_BATCH: usize = 256;
/// Records waiting before callers are pushed back on.
const QUEUE_DEPTH: usize = 4096;

/// The statement (around its three array arguments) that sets each listed
/// message's receiver copy and delivery time; returns the rows it found (a message missing from the result does not exist).
/// Rows are listed in key order, so two batches never lock in opposite
/// orders.
const RECORD_HEAD: &str = "\
UPDATE messages m SET receiver_platform_msg_id = d.copy, delivered_at = now()
FROM unnest(";
const RECORD_TAIL: &str = ") AS d (room_id, seq, copy)
WHERE m.room_id = d.room_id AND m.seq = d.seq
RETURNING m.room_id, m.seq";

/// The statement with its arguments, as a query with a static id: Diesel
/// caches the prepared statement of such a query on the connection, where
/// `sql_query` would parse and plan it anew for every batch.
struct RecordBatch<'a> {
    rooms: &'a [uuid::Uuid],
    seqs: &'a [i64],
    copies: &'a [Option<i64>],
}

impl QueryId for RecordBatch<'_> {
    type QueryId = RecordBatch<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for RecordBatch<'_> {
    /// (room_id, seq) of each message found.
    type SqlType = (SqlUuid, BigInt);
}

impl QueryFragment<Pg> for RecordBatch<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(RECORD_HEAD);
        out.push_bind_param::<Array<SqlUuid>, _>(self.rooms)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<BigInt>, _>(self.seqs)?;
        out.push_sql("::bigint[], ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(self.copies)?;
        out.push_sql("::bigint[]");
        out.push_sql(RECORD_TAIL);
        Ok(())
    }
}

/// One copy to record.
pub(super) struct Record {
    room: RoomId,
    seq: Seq,
    copy: Option<i64>,
}

type Pending = batch::Pending<Record, Result<(), StoreError>>;

/// The writer task's state: the pool its statements run on.
pub(super) struct Writer {
    pool: Pool<AsyncPgConnection>,
}

impl batch::Handler for Writer {
    type Ask = Record;
    type Answer = Result<(), StoreError>;

    async fn handle(&mut self, batch: Vec<Pending>) {
        store_batch(&self.pool, batch).await;
    }
}

pub(super) struct DeliveryWriter {
    writer: Batcher<Writer>,
}

impl DeliveryWriter {
    /// Starts the writer task on the current tokio runtime; it stops when
    /// the writer is dropped.
    pub(super) fn start(pool: Pool<AsyncPgConnection>) -> Self {
        Self {
            writer: Batcher::start(Writer { pool }, QUEUE_DEPTH, MAX_BATCH),
        }
    }

    /// Records one copy; answers once it is committed. `NoSuchRoom` when
    /// the message does not exist.
    pub(super) async fn record(
        &self,
        room: RoomId,
        seq: Seq,
        copy: Option<i64>,
    ) -> Result<(), StoreError> {
        let record = Record { room, seq, copy };
        self.writer
            .ask(record)
            .await
            .map_err(|_| StoreError::Unavailable("delivery writer stopped".into()))?
    }
}

async fn store_batch(pool: &Pool<AsyncPgConnection>, mut batch: Vec<Pending>) {
    // Key order for the row locks; a message listed twice (a retry racing
    // its first attempt) is written once, with the latest copy.
    batch.sort_by_key(|p| (p.ask.room.0, p.ask.seq.0));
    let mut rooms = Vec::with_capacity(batch.len());
    let mut seqs = Vec::with_capacity(batch.len());
    let mut copies = Vec::with_capacity(batch.len());
    for (i, p) in batch.iter().enumerate() {
        let p = &p.ask;
        let next_same = batch
            .get(i + 1)
            .is_some_and(|n| (n.ask.room, n.ask.seq) == (p.room, p.seq));
        if !next_same {
            rooms.push(p.room.0);
            seqs.push(p.seq.0);
            copies.push(p.copy);
        }
    }
    let outcome: Result<Vec<(uuid::Uuid, i64)>, StoreError> = async {
        with_conn!(checkout(pool), |conn| async move {
            let query = RecordBatch {
                rooms: &rooms,
                seqs: &seqs,
                copies: &copies,
            };
            query
                .load::<(uuid::Uuid, i64)>(conn)
                .await
                .map_err(db_error)
        })
    }
    .await;
    match outcome {
        Ok(found) => {
            let found: std::collections::HashSet<(uuid::Uuid, i64)> = found.into_iter().collect();
            for p in batch {
                let answer = if found.contains(&(p.ask.room.0, p.ask.seq.0)) {
                    Ok(())
                } else {
                    Err(StoreError::NoSuchRoom)
                };
                p.answer(answer);
            }
        }
        Err(e) => {
            for p in batch {
                p.answer(Err(e.clone()));
            }
        }
    }
}
