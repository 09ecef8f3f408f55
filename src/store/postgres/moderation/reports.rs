//! Filing a report: the complaint with the room's last messages as
//! evidence, and the automatic ban rule in the same transaction.

use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::DbResult;
use super::autoban::autoban_on;
use crate::domain::{AutobanPolicy, ComplaintId, ReportReason, RoomId, StoredMessage, UserId};
use crate::store::postgres::models::{MessageRow, RoomRow};
use crate::store::postgres::schema::{complaints, messages, rooms};
use crate::store::postgres::{PgStore, db_error, with_conn};
use crate::store::{COMPLAINT_EVIDENCE_MESSAGES, Filed, StoreError};

pub(super) async fn file_report(
    store: &PgStore,
    room: RoomId,
    reporter: UserId,
    reason: &ReportReason,
    autoban: Option<&AutobanPolicy>,
) -> Result<Filed, StoreError> {
    let policy = autoban.cloned();
    let reason = reason.as_str().to_owned();
    with_conn!(store.checkout(), |conn| async move {
        let row: Option<RoomRow> = rooms::table
            .find(room.0)
            .select(RoomRow::as_select())
            .first(conn)
            .await
            .optional()
            .map_err(db_error)?;
        let reported = row
            .map(crate::domain::Room::try_from)
            .transpose()?
            .and_then(|r| r.partner_of(reporter))
            .ok_or(StoreError::NoSuchRoom)?;
        let mut last: Vec<MessageRow> = messages::table
            .filter(messages::room_id.eq(room.0))
            .order(messages::seq.desc())
            .limit(COMPLAINT_EVIDENCE_MESSAGES as i64)
            .select(MessageRow::as_select())
            .load(conn)
            .await
            .map_err(db_error)?;
        last.reverse();
        let evidence = last
            .into_iter()
            .map(StoredMessage::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let evidence = serde_json::to_value(evidence)
            .map_err(|e| StoreError::Internal(format!("evidence: {e}")))?;
        conn.transaction(async |conn| -> DbResult<Filed> {
            // Reports against one person are decided one at a time.
            diesel::sql_query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
                .bind::<SqlUuid, _>(reported.0)
                .execute(conn)
                .await?;
            let existing: Option<uuid::Uuid> = complaints::table
                .filter(complaints::room_id.eq(room.0))
                .filter(complaints::reporter_id.eq(reporter.0))
                .select(complaints::id)
                .first(conn)
                .await
                .optional()?;
            if let Some(id) = existing {
                return Ok(Filed {
                    id: ComplaintId(id),
                    reported,
                    new: false,
                    autoban: None,
                });
            }
            let id = ComplaintId::new();
            diesel::insert_into(complaints::table)
                .values((
                    complaints::id.eq(id.0),
                    complaints::room_id.eq(room.0),
                    complaints::reporter_id.eq(reporter.0),
                    complaints::reported_id.eq(reported.0),
                    complaints::reason.eq(&reason),
                    complaints::evidence.eq(&evidence),
                ))
                .execute(conn)
                .await?;
            diesel::sql_query(
                "UPDATE users SET complaints_received = complaints_received + 1 WHERE id = $1",
            )
            .bind::<SqlUuid, _>(reported.0)
            .execute(conn)
            .await?;
            let autoban = match &policy {
                Some(p) => autoban_on(conn, reported, p).await?,
                None => None,
            };
            Ok(Filed {
                id,
                reported,
                new: true,
                autoban,
            })
        })
        .await
        .map_err(db_error)
    })
}
