//! Complaints with their evidence snapshot.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::models::{ComplaintRow, MessageRow, RoomRow};
use super::schema::{complaints, messages, rooms};
use super::{PgStore, db_error, with_conn};
use crate::domain::{ComplaintId, ReportReason, RoomId, StoredMessage, UserId};
use crate::store::{COMPLAINT_EVIDENCE_MESSAGES, Complaint, ComplaintStatus, StoreError};

impl PgStore {
    pub(super) async fn file_complaint_impl(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
    ) -> Result<ComplaintId, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
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
                .map_err(|e| StoreError::Unavailable(format!("evidence: {e}")))?;
            // A retried report is the same complaint: the no-op update makes
            // RETURNING yield the existing id.
            diesel::insert_into(complaints::table)
                .values((
                    complaints::id.eq(ComplaintId::new().0),
                    complaints::room_id.eq(room.0),
                    complaints::reporter_id.eq(reporter.0),
                    complaints::reported_id.eq(reported.0),
                    complaints::reason.eq(reason.as_str()),
                    complaints::evidence.eq(evidence),
                ))
                .on_conflict((complaints::room_id, complaints::reporter_id))
                .do_update()
                .set(complaints::room_id.eq(complaints::room_id))
                .returning(complaints::id)
                .get_result(conn)
                .await
                .map(ComplaintId)
                .map_err(db_error)
        })
    }

    pub(super) async fn complaint_impl(
        &self,
        id: ComplaintId,
    ) -> Result<Option<Complaint>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            complaints::table
                .find(id.0)
                .select(ComplaintRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
                .map(Complaint::try_from)
                .transpose()
        })
    }

    pub(super) async fn resolve_complaint_impl(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
    ) -> Result<(), StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            if status != ComplaintStatus::Open {
                diesel::update(complaints::table.find(id.0))
                    .filter(complaints::status.eq(ComplaintStatus::Open.as_str()))
                    .set((
                        complaints::status.eq(status.as_str()),
                        complaints::resolved_at.eq(chrono::Utc::now()),
                    ))
                    .execute(conn)
                    .await
                    .map_err(db_error)?;
            }
            let exists: i64 = complaints::table
                .find(id.0)
                .count()
                .get_result(conn)
                .await
                .map_err(db_error)?;
            if exists == 0 {
                Err(StoreError::NoSuchComplaint)
            } else {
                Ok(())
            }
        })
    }
}
