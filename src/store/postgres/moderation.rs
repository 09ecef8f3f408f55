//! Moderation on PostgreSQL: reports with the automatic ban rule, bans and
//! unbans, the complaints queue (what moderators read is `oversight.rs`). Every
//! moderator action writes its audit entry in the transaction of the action.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

type DbResult<T> = Result<T, diesel::result::Error>;

use super::models::{ComplaintRow, MessageRow, RoomRow};
use super::schema::{complaints, messages, rooms};
use super::{PgStore, db_error, with_conn};
use crate::domain::{
    AutobanPolicy, BanLength, ComplaintId, ReportReason, RoomId, StoredMessage, UserId,
};
use crate::store::{
    ActiveBan, AuditAction, COMPLAINT_EVIDENCE_MESSAGES, Complaint, ComplaintStatus,
    ComplaintSummary, Filed, Moderation, NewBan, PageCursor, StoreError,
};

/// Who the audit log names for automatic bans.
const AUTOBAN_ACTOR: &str = "autoban";
/// Rounding slack when comparing a sum of fractional weights to the threshold.
const WEIGHT_EPSILON: f64 = 1e-9;

/// The ban in force: permanent if any in-force ban is, else the latest end.
const ACTIVE_BAN: &str = "\
SELECT count(*) AS n,
       bool_or(until IS NULL) AS permanent,
       max(until) AS until
FROM bans
WHERE user_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > now())";

/// The weight of distinct reporters of `$1` in the window (`$2` seconds)
/// since their last automatic ban, and how many automatic bans they had.
/// A reporter weighs `1 / (1 + their dismissed reports)`.
const REPORT_WEIGHT: &str = "\
WITH last_auto AS (
    SELECT max(created_at) AS at, count(*) AS n FROM bans WHERE user_id = $1 AND automatic
), reporters AS (
    SELECT DISTINCT c.reporter_id
    FROM complaints c, last_auto
    WHERE c.reported_id = $1 AND c.status <> 'dismissed'
      AND c.created_at > now() - make_interval(secs => $2)
      AND (last_auto.at IS NULL OR c.created_at > last_auto.at)
)
SELECT COALESCE(sum(1.0 / (1 + (SELECT count(*) FROM complaints d
                                WHERE d.reporter_id = r.reporter_id AND d.status = 'dismissed'))), 0)::float8 AS weight,
       count(*) AS reporters,
       (SELECT n FROM last_auto) AS earlier
FROM reporters r";

/// One line of the complaints queue, with the reported person's open count.
const COMPLAINTS_PAGE: &str = "\
SELECT c.id, c.created_at, c.reason, c.status, c.reported_id,
       (SELECT count(*) FROM complaints o WHERE o.reported_id = c.reported_id AND o.status = 'open') AS reported_open
FROM complaints c
WHERE c.status = $1 AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2, $3))
ORDER BY c.created_at, c.id
LIMIT $4";

#[derive(QueryableByName)]
struct ActiveBanRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Bool>)]
    permanent: Option<bool>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    until: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct WeightRow {
    #[diesel(sql_type = Double)]
    weight: f64,
    #[diesel(sql_type = BigInt)]
    reporters: i64,
    #[diesel(sql_type = BigInt)]
    earlier: i64,
}

#[derive(QueryableByName)]
pub(super) struct SummaryRow {
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

async fn audit(
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

pub(super) async fn active_ban_on(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Option<ActiveBan>, diesel::result::Error> {
    let row: ActiveBanRow = diesel::sql_query(ACTIVE_BAN)
        .bind::<SqlUuid, _>(user.0)
        .get_result(conn)
        .await?;
    Ok((row.n > 0).then(|| ActiveBan {
        until: if row.permanent == Some(true) {
            None
        } else {
            row.until
        },
    }))
}

fn insert_ban_sql() -> &'static str {
    "INSERT INTO bans (id, user_id, until, reason, banned_by, automatic) \
     VALUES ($1, $2, $3, $4, $5, $6)"
}

/// The threshold rule, inside the report's transaction (the reported
/// person's row is locked, so concurrent reports decide one at a time).
async fn autoban_on(
    conn: &mut AsyncPgConnection,
    user: UserId,
    policy: &AutobanPolicy,
) -> Result<Option<ActiveBan>, diesel::result::Error> {
    if active_ban_on(conn, user).await?.is_some() {
        return Ok(None);
    }
    let w: WeightRow = diesel::sql_query(REPORT_WEIGHT)
        .bind::<SqlUuid, _>(user.0)
        .bind::<Double, _>(policy.window.as_secs_f64())
        .get_result(conn)
        .await?;
    if w.weight + WEIGHT_EPSILON < f64::from(policy.reports) {
        return Ok(None);
    }
    let earlier = usize::try_from(w.earlier).unwrap_or(usize::MAX);
    let until = match policy.step(earlier) {
        BanLength::Permanent => None,
        // Microseconds, as the column keeps them, so callers see what is stored.
        BanLength::For(d) => chrono::Duration::from_std(d)
            .ok()
            .map(|d| (Utc::now() + d).trunc_subsecs(6)),
    };
    let reason = format!("automatic: {} distinct reporters", w.reporters);
    diesel::sql_query(insert_ban_sql())
        .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
        .bind::<SqlUuid, _>(user.0)
        .bind::<Nullable<Timestamptz>, _>(until)
        .bind::<Text, _>(&reason)
        .bind::<Text, _>(AUTOBAN_ACTOR)
        .bind::<Bool, _>(true)
        .execute(conn)
        .await?;
    audit(
        conn,
        AUTOBAN_ACTOR,
        AuditAction::Autoban,
        Some(user),
        None,
        &reason,
    )
    .await?;
    Ok(Some(ActiveBan { until }))
}

impl PgStore {
    /// The audit entry of a deletion, on the erasing transaction's connection.
    pub(super) async fn audit_delete(
        conn: &mut AsyncPgConnection,
        user: UserId,
        by: &str,
    ) -> Result<(), diesel::result::Error> {
        audit(conn, by, AuditAction::Delete, Some(user), None, "").await
    }
}

#[derive(QueryableByName)]
struct LiveRow {
    #[diesel(sql_type = Bool)]
    live: bool,
}

#[async_trait]
impl Moderation for PgStore {
    async fn file_report(
        &self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
        autoban: Option<&AutobanPolicy>,
    ) -> Result<Filed, StoreError> {
        let policy = autoban.cloned();
        let reason = reason.as_str().to_owned();
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

    async fn complaint(&self, id: ComplaintId) -> Result<Option<Complaint>, StoreError> {
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

    async fn resolve_complaint(
        &self,
        id: ComplaintId,
        status: ComplaintStatus,
        by: &str,
    ) -> Result<(), StoreError> {
        let by = by.to_owned();
        with_conn!(self.checkout(), |conn| async move {
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

    async fn complaints_page(
        &self,
        status: ComplaintStatus,
        after: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<ComplaintSummary>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        with_conn!(self.checkout(), |conn| async move {
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

    async fn ban(&self, ban: NewBan) -> Result<(), StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            let done = conn
                .transaction(async |conn| -> DbResult<bool> {
                    let live: Option<bool> = diesel::sql_query(
                        "SELECT (deleted_at IS NULL) AS live FROM users WHERE id = $1 FOR UPDATE",
                    )
                    .bind::<SqlUuid, _>(ban.user.0)
                    .get_result::<LiveRow>(conn)
                    .await
                    .optional()?
                    .map(|r| r.live);
                    if live != Some(true) {
                        return Ok(false);
                    }
                    diesel::sql_query(insert_ban_sql())
                        .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
                        .bind::<SqlUuid, _>(ban.user.0)
                        .bind::<Nullable<Timestamptz>, _>(ban.until)
                        .bind::<Text, _>(&ban.reason)
                        .bind::<Text, _>(&ban.by)
                        .bind::<Bool, _>(false)
                        .execute(conn)
                        .await?;
                    let detail = match ban.until {
                        Some(until) => format!("until {}: {}", until.to_rfc3339(), ban.reason),
                        None => format!("permanent: {}", ban.reason),
                    };
                    audit(
                        conn,
                        &ban.by,
                        AuditAction::Ban,
                        Some(ban.user),
                        None,
                        &detail,
                    )
                    .await?;
                    Ok(true)
                })
                .await
                .map_err(db_error)?;
            if done {
                Ok(())
            } else {
                Err(StoreError::NoSuchUser)
            }
        })
    }

    async fn unban(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        let by = by.to_owned();
        with_conn!(self.checkout(), |conn| async move {
            let outcome = conn
                .transaction(async |conn| -> DbResult<Option<bool>> {
                        let exists = diesel::sql_query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
                            .bind::<SqlUuid, _>(user.0)
                            .execute(conn)
                            .await?;
                        if exists == 0 {
                            return Ok(None);
                        }
                        let lifted = diesel::sql_query(
                            "UPDATE bans SET lifted_at = now(), lifted_by = $2 \
                             WHERE user_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > now())",
                        )
                        .bind::<SqlUuid, _>(user.0)
                        .bind::<Text, _>(&by)
                        .execute(conn)
                        .await?;
                        if lifted > 0 {
                            audit(conn, &by, AuditAction::Unban, Some(user), None, "").await?;
                        }
                        Ok(Some(lifted > 0))
                    })
                .await
                .map_err(db_error)?;
            outcome.ok_or(StoreError::NoSuchUser)
        })
    }

    async fn active_ban(&self, user: UserId) -> Result<Option<ActiveBan>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            active_ban_on(conn, user).await.map_err(db_error)
        })
    }
}
