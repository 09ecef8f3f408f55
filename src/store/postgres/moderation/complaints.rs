//! The complaints queue: one complaint, closing it, and the queue paged by
//! cursor.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::DbResult;
use super::audit::audit;
use crate::domain::{ComplaintId, UserId};
use crate::store::postgres::models::ComplaintRow;
use crate::store::postgres::schema::complaints;
use crate::store::postgres::{PgStore, db_error, with_conn};
use crate::store::{
    AuditAction, Complaint, ComplaintStatus, ComplaintSummary, PageCursor, StoreError,
};

/// One line of the complaints queue, with the reported person's open count.
const COMPLAINTS_PAGE: &str = "\
SELECT c.id, c.created_at, c.reason, c.status, c.reported_id,
       (SELECT count(*) FROM complaints o WHERE o.reported_id = c.reported_id AND o.status = 'open') AS reported_open
FROM complaints c
WHERE c.status = $1 AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2, $3))
ORDER BY c.created_at, c.id
LIMIT $4";

#[derive(QueryableByName)]
pub(in crate::store::postgres) struct SummaryRow {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = SqlUuid)]
    reported_id: uuid::Uuid,
    #[diesel(sql_type = BigInt)]
    reported_open: i64,
}

impl TryFrom<SummaryRow> for ComplaintSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        Ok(ComplaintSummary {
            id: ComplaintId(r.id),
            created_at: r.created_at,
            reason: r.reason,
            status: ComplaintStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Internal("unexpected complaint status".into()))?,
            reported: UserId(r.reported_id),
            reported_open: r.reported_open,
        })
    }
}

pub(super) async fn complaint(
    store: &PgStore,
    id: ComplaintId,
) -> Result<Option<Complaint>, StoreError> {
    with_conn!(store.checkout(), |conn| async move {
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

pub(super) async fn resolve_complaint(
    store: &PgStore,
    id: ComplaintId,
    status: ComplaintStatus,
    by: &str,
) -> Result<(), StoreError> {
    let by = by.to_owned();
    with_conn!(store.checkout(), |conn| async move {
        let found = conn
            .transaction(async |conn| -> DbResult<bool> {
                let reported: Option<uuid::Uuid> = complaints::table
                    .find(id.0)
                    .select(complaints::reported_id)
                    .first(conn)
                    .await
                    .optional()?;
                let Some(reported) = reported else {
                    return Ok(false);
                };
                if status == ComplaintStatus::Open {
                    return Ok(true);
                }
                // Closing is final; closing twice keeps the first.
                let closed = diesel::update(complaints::table.find(id.0))
                    .filter(complaints::status.eq(ComplaintStatus::Open.as_str()))
                    .set((
                        complaints::status.eq(status.as_str()),
                        complaints::resolved_at.eq(Utc::now()),
                    ))
                    .execute(conn)
                    .await?;
                if closed > 0 {
                    let action = if status == ComplaintStatus::Dismissed {
                        AuditAction::Dismiss
                    } else {
                        AuditAction::Resolve
                    };
                    audit(conn, &by, action, Some(UserId(reported)), Some(id), "").await?;
                }
                Ok(true)
            })
            .await
            .map_err(db_error)?;
        if found {
            Ok(())
        } else {
            Err(StoreError::NoSuchComplaint)
        }
    })
}

pub(super) async fn complaints_page(
    store: &PgStore,
    status: ComplaintStatus,
    after: Option<PageCursor>,
    limit: usize,
) -> Result<Vec<ComplaintSummary>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    with_conn!(store.checkout(), |conn| async move {
        diesel::sql_query(COMPLAINTS_PAGE)
            .bind::<Text, _>(status.as_str())
            .bind::<Nullable<Timestamptz>, _>(after.map(|a| a.at))
            .bind::<SqlUuid, _>(after.map(|a| a.id).unwrap_or_default())
            .bind::<BigInt, _>(limit)
            .load::<SummaryRow>(conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(ComplaintSummary::try_from)
            .collect()
    })
}
