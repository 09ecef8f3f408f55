//! The append statement: a batch of messages stored in one statement and
//! one round trip. Written as a `QueryFragment` with a static query id
//! rather than `sql_query`, because Diesel only caches prepared statements
//! it can identify; uncached, every append would pay an extra round trip to
//! prepare.
//!
//! The statement calls `append_messages`, the database function the
//! migration `append_function` defines: it locks the batch's rooms, then
//! stores the messages, each step reading the rows as the step before left
//! them (its comment says why, and what it answers).

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

use super::deliveries::Deliveries;

/// Column arrays of the messages to append, index-aligned. Within one batch
/// every (sender, client_msg_id) must be distinct (the caller de-duplicates).
#[derive(Debug, Default)]
pub(super) struct AppendBatch {
    /// Each message's room; `index_rooms` turns these into `rooms` and
    /// `room_idx`, which the statement takes.
    pub message_rooms: Vec<Uuid>,
    pub senders: Vec<Uuid>,
    pub kinds: Vec<&'static str>,
    pub texts: Vec<String>,
    pub client_msg_ids: Vec<String>,
    pub media_file_ids: Vec<Option<String>>,
    pub captions: Vec<Option<String>>,
    pub reply_to_seqs: Vec<Option<i64>>,
    pub sender_platform_msg_ids: Vec<Option<i64>>,
    pub metadata: Vec<Option<serde_json::Value>>,
    /// Seconds a room's `last_active_at` may lag before an append moves it.
    pub activity_step_secs: f64,
    /// The batch's rooms, each once, sorted so that a message's room is
    /// found by binary search (the function locks them in id order itself,
    /// whatever order they come in).
    rooms: Vec<Uuid>,
    /// Per message, its room's position in `rooms`, counted from 1.
    room_idx: Vec<i32>,
}

impl AppendBatch {
    /// An empty batch whose rooms' activity may lag `activity_step_secs`.
    pub(super) fn new(activity_step_secs: f64) -> Self {
        Self {
            activity_step_secs,
            ..Self::default()
        }
    }

    /// Lists the batch's rooms once each and points each message at its
    /// room; call once every message is pushed.
    pub(super) fn index_rooms(&mut self) {
        let mut rooms = self.message_rooms.clone();
        rooms.sort_unstable();
        rooms.dedup();
        self.room_idx = self
            .message_rooms
            .iter()
            // Every message's room is in the list just built from them, and
            // a batch holds at most `MAX_BATCH` messages, far below i32::MAX.
            .map(|room| rooms.binary_search(room).map_or(0, |i| i as i32 + 1))
            .collect();
        self.rooms = rooms;
    }

    /// Each row as a batch of its own, in order, rooms indexed.
    pub(super) fn into_rows(self) -> impl Iterator<Item = AppendBatch> {
        let mut rest = self;
        let mut out = Vec::with_capacity(rest.message_rooms.len());
        while let Some(room) = rest.message_rooms.pop() {
            // Every column has one entry per row (the caller fills them
            // together), so each `pop` below yields this row's value.
            let mut row = AppendBatch {
                message_rooms: vec![room],
                senders: rest.senders.pop().into_iter().collect(),
                kinds: rest.kinds.pop().into_iter().collect(),
                texts: rest.texts.pop().into_iter().collect(),
                client_msg_ids: rest.client_msg_ids.pop().into_iter().collect(),
                media_file_ids: rest.media_file_ids.pop().into_iter().collect(),
                captions: rest.captions.pop().into_iter().collect(),
                reply_to_seqs: rest.reply_to_seqs.pop().into_iter().collect(),
                sender_platform_msg_ids: rest.sender_platform_msg_ids.pop().into_iter().collect(),
                metadata: rest.metadata.pop().into_iter().collect(),
                activity_step_secs: rest.activity_step_secs,
                ..AppendBatch::default()
            };
            row.index_rooms();
            out.push(row);
        }
        out.into_iter().rev()
    }
}

/// One result row: (ord, sender, client_msg_id, seq, created_at, protect);
/// `ord` for a message stored before, sender and client id for one stored
/// now.
pub(super) type AppendRow = (
    Option<i64>,
    Option<Uuid>,
    Option<String>,
    i64,
    DateTime<Utc>,
    bool,
);

impl QueryId for AppendBatch {
    type QueryId = AppendBatch;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AppendBatch {
    type SqlType = (
        Nullable<BigInt>,
        Nullable<SqlUuid>,
        Nullable<Text>,
        BigInt,
        Timestamptz,
        Bool,
    );
}

impl QueryFragment<Pg> for AppendBatch {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT * FROM append_messages(");
        self.push_args(&mut out)?;
        out.push_sql(")");
        Ok(())
    }
}

impl AppendBatch {
    /// The function's arguments, after what precedes them.
    fn push_args<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<Array<SqlUuid>, _>(&self.rooms)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Integer>, _>(&self.room_idx)?;
        out.push_sql("::int[], ");
        out.push_bind_param::<Array<SqlUuid>, _>(&self.senders)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Text>, _>(&self.kinds)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Text>, _>(&self.texts)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Text>, _>(&self.client_msg_ids)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.media_file_ids)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.captions)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.reply_to_seqs)?;
        out.push_sql("::bigint[], ");
        out.push_bind_param::<Array<Nullable<BigInt>>, _>(&self.sender_platform_msg_ids)?;
        out.push_sql("::bigint[], ");
        out.push_bind_param::<Array<Nullable<Jsonb>>, _>(&self.metadata)?;
        out.push_sql("::jsonb[], ");
        out.push_bind_param::<Double, _>(&self.activity_step_secs)?;
        Ok(())
    }
}

/// A batch's appends and Telegram delivery records in one call and one
/// commit: `append_and_record`, which the migration `append_and_record`
/// defines (records first, then `append_messages`).
pub(super) struct AppendAndRecord<'a> {
    pub append: &'a AppendBatch,
    pub deliveries: &'a Deliveries,
}

/// One result row: an `AppendRow` (its time always set) with
/// `delivered_room` NULL, or a recorded delivery: `delivered_room` and
/// `seq` set, the rest NULL.
pub(super) type CombinedRow = (
    Option<i64>,
    Option<Uuid>,
    Option<String>,
    i64,
    Option<DateTime<Utc>>,
    bool,
    Option<Uuid>,
);

impl QueryId for AppendAndRecord<'_> {
    type QueryId = AppendAndRecord<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AppendAndRecord<'_> {
    type SqlType = (
        Nullable<BigInt>,
        Nullable<SqlUuid>,
        Nullable<Text>,
        BigInt,
        Nullable<Timestamptz>,
        Bool,
        Nullable<SqlUuid>,
    );
}

impl QueryFragment<Pg> for AppendAndRecord<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT * FROM append_and_record(");
        self.append.push_args(&mut out)?;
        out.push_sql(", ");
        self.deliveries.push_args(&mut out)?;
        out.push_sql(")");
        Ok(())
    }
}
