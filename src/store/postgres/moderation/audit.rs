//! The audit entry that every moderator action writes, in the transaction
//! of the action (so an action whose entry cannot be written changes nothing).

use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{ComplaintId, UserId};
use crate::store::AuditAction;
use crate::store::postgres::PgStore;

pub(super) async fn audit(
    conn: &mut AsyncPgConnection,
    actor: &str,
    action: AuditAction,
    user: Option<UserId>,
    complaint: Option<ComplaintId>,
    detail: &str,
) -> Result<(), diesel::result::Error> {
    let detail: String = detail
        .chars()
        .take(crate::store::AUDIT_DETAIL_CHARS)
        .collect();
    diesel::sql_query(
        "INSERT INTO audit_log (id, actor, action, target_user, complaint_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
    .bind::<Text, _>(actor)
    .bind::<Text, _>(action.as_str())
    .bind::<Nullable<SqlUuid>, _>(user.map(|u| u.0))
    .bind::<Nullable<SqlUuid>, _>(complaint.map(|c| c.0))
    .bind::<Text, _>(detail)
    .execute(conn)
    .await
    .map(|_| ())
}

impl PgStore {
    /// The audit entry of a deletion, on the erasing transaction's connection.
    pub(in crate::store::postgres) async fn audit_delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        by: &str,
    ) -> Result<(), diesel::result::Error> {
        audit(conn, by, AuditAction::Delete, Some(user), None, "").await
    }

    /// The audit entry of a data-protection export, on the exporting
    /// transaction's connection.
    pub(in crate::store::postgres) async fn audit_export(
        conn: &mut AsyncPgConnection,
        user: UserId,
        by: &str,
    ) -> Result<(), diesel::result::Error> {
        audit(conn, by, AuditAction::Export, Some(user), None, "").await
    }
}
