//! Retention: message content older than the retention period is emptied,
//! in bounded chunks so that no statement holds many row locks for long.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::RunQueryDsl;

use crate::store::StoreError;
use crate::store::postgres::{PgStore, db_error, with_conn};

/// Messages purged per statement.
const PURGE_CHUNK: i64 = 5_000;

/// Empties the content of messages created before `$1`, skipping rooms that
/// an open complaint is about (their evidence is still being looked at).
const PURGE_MESSAGES: &str = "\
UPDATE messages SET text = NULL, media_file_id = NULL, caption = NULL, metadata = NULL,
                    purged_at = now()
WHERE (room_id, seq) IN (
    SELECT m.room_id, m.seq FROM messages m
    WHERE m.purged_at IS NULL AND m.created_at < $1
      AND NOT EXISTS (SELECT 1 FROM complaints c
                      WHERE c.room_id = m.room_id AND c.status = 'open')
    LIMIT $2
)";

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
    loop {
        let n = with_conn!(store.checkout(), |conn| async move {
            diesel::sql_query(PURGE_MESSAGES)
                .bind::<Timestamptz, _>(cutoff)
                .bind::<BigInt, _>(PURGE_CHUNK)
                .execute(conn)
                .await
                .map_err(db_error)
        })?;
        purged += n as u64;
        if (n as i64) < PURGE_CHUNK {
            break;
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
