//! Retention: message content older than the retention period is emptied,
//! a bounded page of rooms per statement so that no statement holds many
//! row locks for long.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;

use crate::store::StoreError;
use crate::store::postgres::{PgStore, db_error, with_conn};

/// Rooms looked at per statement.
const PURGE_ROOMS: i64 = 500;

/// Empties the content of messages created before `$1` in the next `$2`
/// rooms started before it, after room (`$3`, `$4`) in (started_at, id)
/// order, skipping rooms that an open complaint is about (their evidence is
/// still being looked at). A room that ended before the cutoff has nothing
/// newer to purge later: it is marked and never looked at again. Returns
/// how many messages were emptied, how many rooms were looked at, and the
/// last of them (where the next statement goes on).
const PURGE_MESSAGES: &str = "\
WITH candidates AS (
    SELECT r.id, r.started_at, r.ended_at FROM rooms r
    WHERE r.content_purged_at IS NULL AND r.started_at < $1
      AND (r.started_at, r.id) > ($3, $4)
    ORDER BY r.started_at, r.id
    LIMIT $2
), kept AS (
    SELECT id, ended_at FROM candidates c
    WHERE NOT EXISTS (SELECT 1 FROM complaints x WHERE x.room_id = c.id AND x.status = 'open')
), purged AS (
    UPDATE messages m SET text = NULL, media_file_id = NULL, caption = NULL, metadata = NULL,
                          purged_at = now()
    WHERE m.room_id IN (SELECT id FROM kept) AND m.purged_at IS NULL AND m.created_at < $1
    RETURNING 1
), finished AS (
    UPDATE rooms r SET content_purged_at = now()
    WHERE r.id IN (SELECT id FROM kept WHERE ended_at < $1)
)
SELECT (SELECT count(*) FROM purged) AS purged,
       (SELECT count(*) FROM candidates) AS rooms,
       last.started_at, last.id
FROM (SELECT NULL::int AS nothing) one
LEFT JOIN LATERAL (SELECT started_at, id FROM candidates ORDER BY started_at DESC, id DESC LIMIT 1)
    last ON true";

/// One purge statement's answer (see `PURGE_MESSAGES`).
#[derive(QueryableByName)]
struct Purged {
    #[diesel(sql_type = BigInt)]
    purged: i64,
    #[diesel(sql_type = BigInt)]
    rooms: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
    id: Option<uuid::Uuid>,
}

/// Complaint evidence is kept until the complaint is closed, then for the
/// retention period like everything else.
const PURGE_EVIDENCE: &str = "\
UPDATE complaints SET evidence = '[]'
WHERE status <> 'open' AND resolved_at < $1 AND evidence <> '[]'";

pub(super) async fn purge_expired(
    store: &PgStore,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut purged = 0u64;
    // Before every room (no room started before the service existed).
    let mut after = (DateTime::<Utc>::UNIX_EPOCH, uuid::Uuid::nil());
    loop {
        let step: Purged = with_conn!(store.checkout(), |conn| async move {
            diesel::sql_query(PURGE_MESSAGES)
                .bind::<Timestamptz, _>(cutoff)
                .bind::<BigInt, _>(PURGE_ROOMS)
                .bind::<Timestamptz, _>(after.0)
                .bind::<SqlUuid, _>(after.1)
                .get_result(conn)
                .await
                .map_err(db_error)
        })?;
        purged += u64::try_from(step.purged).unwrap_or(0);
        match (step.started_at, step.id) {
            (Some(started_at), Some(id)) if step.rooms >= PURGE_ROOMS => {
                after = (started_at, id);
            }
            _ => break,
        }
    }
    with_conn!(store.checkout(), |conn| async move {
        diesel::sql_query(PURGE_EVIDENCE)
            .bind::<Timestamptz, _>(cutoff)
            .execute(conn)
            .await
            .map_err(db_error)
    })?;
    Ok(purged)
}
