//! The append statement: a batch of messages stored in one statement and
//! one round trip. Written as a `QueryFragment` with a static query id
//! rather than `sql_query`, because Diesel only caches prepared statements
//! it can identify; uncached, every append would pay an extra round trip to
//! prepare.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    Array, BigInt, Bool, Double, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

/// For each input row (by position `ord`, from 1): the seq an earlier
/// attempt already stored under the same (sender, client_msg_id), or the
/// newly assigned seq, or neither when the room is not active for that
/// sender; the stored `created_at` with either seq; and whether a newly
/// stored Telegram message was protected because its sender has
/// `/protect` on (the store, not the caller, applies the setting, so it is
/// read in this statement instead of by a query per message).
///
/// Seqs are assigned by bumping `rooms.last_seq` by the number of new
/// messages per room; the UPDATE's row lock serialises concurrent appends
/// to a room (Postgres re-reads `last_seq` and re-checks `ended_at` after
/// waiting), so seqs are gapless and unique. `messages` primary key and the
/// idempotency constraint are the backstop: a racing duplicate makes the
/// statement fail as a whole (and the caller retries), never store twice.
const SQL_HEAD: &str = "\
WITH input AS (
    SELECT * FROM unnest(";

const SQL_TAIL: &str = ")
        WITH ORDINALITY AS t (room_id, sender_id, kind, body, client_msg_id, media_file_id,
            caption, reply_to_seq, sender_platform_msg_id, metadata, ord)
), existing AS (
    SELECT i.ord, m.seq, m.created_at FROM input i
    JOIN messages m ON m.sender_id = i.sender_id AND m.client_msg_id = i.client_msg_id
), locked AS (
    -- Lock the batch's rooms in id order before bumping them: two replicas
    -- batching the same rooms in different orders would otherwise deadlock,
    -- and Postgres only breaks a deadlock after `deadlock_timeout` (1 s).
    SELECT r.id, r.user_a, r.user_b FROM rooms r
    WHERE r.id IN (SELECT room_id FROM input) AND r.ended_at IS NULL
    ORDER BY r.id
    FOR UPDATE
), fresh AS (
    SELECT i.*, row_number() OVER (PARTITION BY i.room_id ORDER BY i.ord) AS n
    FROM input i
    JOIN locked r ON r.id = i.room_id AND i.sender_id IN (r.user_a, r.user_b)
    WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)
), bumped AS (
    -- last_active_at moves only once it lags by the activity step: left
    -- as it is, this is a HOT update that writes no index entry.
    UPDATE rooms r SET last_seq = r.last_seq + c.cnt,
        last_active_at = CASE WHEN r.last_active_at < now() - make_interval(secs => ";

const SQL_AFTER_STEP: &str = ")
            THEN now() ELSE r.last_active_at END
    FROM (SELECT room_id, count(*) AS cnt FROM fresh GROUP BY room_id) c
    WHERE r.id = c.room_id AND r.ended_at IS NULL
    RETURNING r.id, r.last_seq - c.cnt AS base
), protecting AS (
    -- Telegram senders with `/protect` on, read with the append itself
    -- rather than by a query of its own before every message.
    SELECT u.id FROM users u
    WHERE u.id IN (SELECT sender_id FROM fresh WHERE metadata ? 'telegram')
        AND u.protect_content
), inserted AS (
    INSERT INTO messages (room_id, seq, sender_id, kind, text, client_msg_id, media_file_id,
        caption, reply_to_seq, sender_platform_msg_id, metadata)
    SELECT f.room_id, b.base + f.n, f.sender_id, f.kind, f.body, f.client_msg_id,
        f.media_file_id, f.caption, f.reply_to_seq, f.sender_platform_msg_id,
        CASE WHEN f.sender_id IN (SELECT id FROM protecting) AND f.metadata ? 'telegram'
            THEN jsonb_set(f.metadata, '{telegram,protect}', 'true') ELSE f.metadata END
    FROM fresh f JOIN bumped b ON b.id = f.room_id
    RETURNING sender_id, client_msg_id, seq, created_at,
        coalesce((metadata #>> '{telegram,protect}')::boolean, false) AS protect
)
SELECT i.ord, e.seq AS existing_seq, n.seq AS new_seq,
    coalesce(e.created_at, n.created_at) AS created_at, coalesce(n.protect, false) AS protect
FROM input i
LEFT JOIN existing e ON e.ord = i.ord
LEFT JOIN inserted n ON n.sender_id = i.sender_id AND n.client_msg_id = i.client_msg_id
ORDER BY i.ord";

/// Column arrays of the messages to append, index-aligned. Within one batch
/// every (sender, client_msg_id) must be distinct (the caller de-duplicates).
#[derive(Debug, Default)]
pub(super) struct AppendBatch {
    pub rooms: Vec<Uuid>,
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
}

impl AppendBatch {
    /// Each row as a batch of its own, in order.
    pub(super) fn into_rows(self) -> impl Iterator<Item = AppendBatch> {
        let mut rest = self;
        let mut out = Vec::with_capacity(rest.rooms.len());
        while let Some(room) = rest.rooms.pop() {
            // Every column has one entry per row (the caller fills them
            // together), so each `pop` below yields this row's value.
            out.push(AppendBatch {
                rooms: vec![room],
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
            });
        }
        out.into_iter().rev()
    }
}

/// One result row: (ord, existing_seq, new_seq, created_at, protect).
pub(super) type AppendRow = (i64, Option<i64>, Option<i64>, Option<DateTime<Utc>>, bool);

impl QueryId for AppendBatch {
    type QueryId = AppendBatch;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AppendBatch {
    type SqlType = (
        BigInt,
        Nullable<BigInt>,
        Nullable<BigInt>,
        Nullable<Timestamptz>,
        Bool,
    );
}

impl QueryFragment<Pg> for AppendBatch {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(SQL_HEAD);
        out.push_bind_param::<Array<SqlUuid>, _>(&self.rooms)?;
        out.push_sql("::uuid[], ");
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
        out.push_sql("::jsonb[]");
        out.push_sql(SQL_TAIL);
        out.push_bind_param::<Double, _>(&self.activity_step_secs)?;
        out.push_sql(SQL_AFTER_STEP);
        Ok(())
    }
}
