//! Delivery records of Telegram copies. Every copy that reaches a partner's
//! chat is recorded (its message id there, and that it was delivered)
//! before the next copy of that chat goes out. The records are asks to the
//! message writers (`writer.rs`): a batch's records ride in the same call
//! and commit as its appends (`append_and_record`), or, when the batch has
//! no appends, run as a statement of their own. One statement and one
//! commit per copy had made this the Telegram path's costliest write; a
//! writer of their own still cost a third of the database's calls.

use std::collections::HashSet;

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Uuid as SqlUuid};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use diesel_async::pooled_connection::deadpool::Pool;

use super::writer::{Reply, Written};
use super::{checkout, db_error, with_conn};
use crate::domain::{RoomId, Seq};
use crate::store::StoreError;

/// The statement (around its three array arguments) that sets each listed
/// message's receiver copy and delivery time; returns the rows it found (a
/// message missing from the result does not exist). Rows are listed in key
/// order, so two batches never lock in opposite orders.
const RECORD_HEAD: &str = "\
UPDATE messages m SET receiver_platform_msg_id = d.copy, delivered_at = now()
FROM unnest(";
const RECORD_TAIL: &str = ") AS d (room_id, seq, copy)
WHERE m.room_id = d.room_id AND m.seq = d.seq
RETURNING m.room_id, m.seq";

/// One copy to record.
pub(super) struct Record {
    pub(super) room: RoomId,
    pub(super) seq: Seq,
    pub(super) copy: Option<i64>,
}

/// A batch's records as the statements take them: index-aligned arrays in
/// key order, each message once (a retry racing its first attempt is
/// written once, with the latest copy), and the callers to answer.
pub(super) struct Deliveries {
    rooms: Vec<uuid::Uuid>,
    seqs: Vec<i64>,
    copies: Vec<Option<i64>>,
    callers: Vec<((uuid::Uuid, i64), Reply)>,
}

impl Deliveries {
    pub(super) fn new(mut records: Vec<(Record, Reply)>) -> Self {
        records.sort_by_key(|(r, _)| (r.room.0, r.seq.0));
        let mut rooms = Vec::with_capacity(records.len());
        let mut seqs = Vec::with_capacity(records.len());
        let mut copies = Vec::with_capacity(records.len());
        for (i, (r, _)) in records.iter().enumerate() {
            let next_same = records
                .get(i + 1)
                .is_some_and(|(n, _)| (n.room, n.seq) == (r.room, r.seq));
            if !next_same {
                rooms.push(r.room.0);
                seqs.push(r.seq.0);
                copies.push(r.copy);
            }
        }
        let callers = records
            .into_iter()
            .map(|(r, reply)| ((r.room.0, r.seq.0), reply))
            .collect();
        Self {
            rooms,
            seqs,
            copies,
            callers,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.callers.is_empty()
    }

    /// Records them with a statement of their own, and answers.
    pub(super) async fn record_alone(self, pool: &Pool<AsyncPgConnection>) {
        let batch = &self;
        let outcome: Result<Vec<(uuid::Uuid, i64)>, StoreError> = async {
            with_conn!(checkout(pool), |conn| async move {
                RecordBatch { batch }
                    .load::<(uuid::Uuid, i64)>(conn)
                    .await
                    .map_err(db_error)
            })
        }
        .await;
        match outcome {
            Ok(found) => self.answer(found),
            Err(e) => self.fail(&e),
        }
    }

    /// Answers each caller from the (room, seq) of the messages recorded;
    /// `NoSuchRoom` for a message that does not exist.
    pub(super) fn answer(self, found: impl IntoIterator<Item = (uuid::Uuid, i64)>) {
        let found: HashSet<(uuid::Uuid, i64)> = found.into_iter().collect();
        for (key, reply) in self.callers {
            reply.answer(if found.contains(&key) {
                Ok(Written::Delivered)
            } else {
                Err(StoreError::NoSuchRoom)
            });
        }
    }

    fn fail(self, e: &StoreError) {
        for (_, reply) in self.callers {
            reply.answer(Err(e.clone()));
        }
    }

    /// The three arrays as the statements' arguments, after what precedes
    /// them.
    pub(super) fn push_args<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<Array<SqlUuid>, _>(&self.rooms)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<BigInt>, _>(&self.seqs)?;
        out.push_sql("::bigint[], ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.copies)?;
        out.push_sql("::bigint[]");
        Ok(())
    }
}

/// The statement with its arguments, as a query with a static id: Diesel
/// caches the prepared statement of such a query on the connection, where
/// `sql_query` would parse and plan it anew for every batch.
struct RecordBatch<'a> {
    batch: &'a Deliveries,
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
        self.batch.push_args(&mut out)?;
        out.push_sql(RECORD_TAIL);
        Ok(())
    }
}
