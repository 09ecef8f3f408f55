//! Oversight on PostgreSQL: what moderators and operators read (one
//! person's record, the audit log, service-wide counts).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;

use super::models::ProfileRow;
use super::moderation::{SummaryRow, active_ban_on};
use super::{PgStore, db_error, with_conn};
use crate::domain::{ComplaintId, Platform, UserId};
use crate::store::{
    AuditAction, AuditEntry, BanRecordView, ComplaintSummary, Oversight, PageCursor, StoreCounts,
    StoreError, UserModeration,
};

const USER_REPORTS: &str = "\
SELECT c.id, c.created_at, c.reason, c.status, c.reported_id,
       (SELECT count(*) FROM complaints o WHERE o.reported_id = c.reported_id AND o.status = 'open') AS reported_open
FROM complaints c
WHERE c.reported_id = $1
ORDER BY c.created_at DESC, c.id DESC
LIMIT 200";

const AUDIT_PAGE: &str = "\
SELECT id, at, actor, action, target_user, complaint_id, detail
FROM audit_log
WHERE ($1::timestamptz IS NULL OR (at, id) < ($1, $2))
ORDER BY at DESC, id DESC
LIMIT $3";

const COUNTS: &str = "\
SELECT (SELECT count(*) FROM users WHERE id = ANY($1) AND platform = 'web') AS web,
       (SELECT count(*) FROM users WHERE id = ANY($1) AND platform = 'telegram') AS telegram,
       (SELECT count(*) FROM rooms WHERE ended_at IS NULL) AS active_rooms,
       (SELECT count(*) FROM messages WHERE created_at > now() - interval '1 minute') AS messages_last_minute";

#[derive(QueryableByName)]
struct AuditRow {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = Timestamptz)]
    at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    actor: String,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    target_user: Option<uuid::Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    complaint_id: Option<uuid::Uuid>,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct CountsRow {
    #[diesel(sql_type = BigInt)]
    web: i64,
    #[diesel(sql_type = BigInt)]
    telegram: i64,
    #[diesel(sql_type = BigInt)]
    active_rooms: i64,
    #[diesel(sql_type = BigInt)]
    messages_last_minute: i64,
}

#[derive(QueryableByName)]
struct ActiveRoomsRow {
    #[diesel(sql_type = BigInt)]
    active_rooms: i64,
}

#[derive(QueryableByName)]
struct UserRow {
    #[diesel(sql_type = Text)]
    platform: String,
    #[diesel(sql_type = Bool)]
    deleted: bool,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    last_seen_at: DateTime<Utc>,
    #[diesel(embed)]
    profile: ProfileRow,
    #[diesel(sql_type = BigInt)]
    dismissed_filed: i64,
}

#[derive(QueryableByName)]
struct BanRow {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Text)]
    banned_by: String,
    #[diesel(sql_type = Bool)]
    automatic: bool,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    lifted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    lifted_by: Option<String>,
}

/// Writes one audit entry on `conn` (inside the action's transaction).
#[async_trait]
impl Oversight for PgStore {
    async fn user_moderation(&self, user: UserId) -> Result<Option<UserModeration>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            let row: Option<UserRow> = diesel::sql_query(
                "SELECT platform, deleted_at IS NOT NULL AS deleted, created_at, last_seen_at, \
                 gender, age, interests, languages, search_prefs, default_media_spoiler, settings, \
                 reputation_up, reputation_down, complaints_received, \
                 (SELECT count(*) FROM complaints WHERE reporter_id = $1 AND status = 'dismissed') AS dismissed_filed \
                 FROM users WHERE id = $1",
            )
            .bind::<SqlUuid, _>(user.0)
            .get_result(conn)
            .await
            .optional()
            .map_err(db_error)?;
            let Some(u) = row else {
                return Ok(None);
            };
            let reports = diesel::sql_query(USER_REPORTS)
                .bind::<SqlUuid, _>(user.0)
                .load::<SummaryRow>(conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(ComplaintSummary::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let bans = diesel::sql_query(
                "SELECT until, reason, banned_by, automatic, created_at, lifted_at, lifted_by \
                 FROM bans WHERE user_id = $1 ORDER BY created_at DESC",
            )
            .bind::<SqlUuid, _>(user.0)
            .load::<BanRow>(conn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|b| BanRecordView {
                until: b.until,
                reason: b.reason,
                by: b.banned_by,
                automatic: b.automatic,
                created_at: b.created_at,
                lifted_at: b.lifted_at,
                lifted_by: b.lifted_by,
            })
            .collect();
            let active_ban = active_ban_on(conn, user).await.map_err(db_error)?;
            let platform = Platform::parse(&u.platform)
                .ok_or_else(|| StoreError::Internal("unexpected platform".into()))?;
            Ok(Some(UserModeration {
                id: user,
                platform,
                deleted: u.deleted,
                created_at: u.created_at,
                last_seen_at: u.last_seen_at,
                profile: u.profile.into(),
                reports,
                dismissed_reports_filed: u.dismissed_filed,
                bans,
                active_ban,
            }))
        })
    }

    async fn audit_page(
        &self,
        before: Option<PageCursor>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query(AUDIT_PAGE)
                .bind::<Nullable<Timestamptz>, _>(before.map(|b| b.at))
                .bind::<SqlUuid, _>(before.map(|b| b.id).unwrap_or_default())
                .bind::<BigInt, _>(limit)
                .load::<AuditRow>(conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.id,
                        at: r.at,
                        actor: r.actor,
                        action: AuditAction::parse(&r.action).ok_or_else(|| {
                            StoreError::Internal("unexpected audit action".into())
                        })?,
                        user: r.target_user.map(UserId),
                        complaint: r.complaint_id.map(ComplaintId),
                        detail: r.detail,
                    })
                })
                .collect()
        })
    }

    async fn counts(&self, online: &[UserId]) -> Result<StoreCounts, StoreError> {
        let ids: Vec<uuid::Uuid> = online.iter().map(|u| u.0).collect();
        with_conn!(self.checkout(), |conn| async move {
            let row: CountsRow = diesel::sql_query(COUNTS)
                .bind::<Array<SqlUuid>, _>(&ids)
                .get_result(conn)
                .await
                .map_err(db_error)?;
            let mut by_platform = std::collections::BTreeMap::new();
            by_platform.insert(Platform::Web.as_str().to_owned(), row.web);
            by_platform.insert(Platform::Telegram.as_str().to_owned(), row.telegram);
            Ok(StoreCounts {
                by_platform,
                active_rooms: row.active_rooms,
                messages_last_minute: row.messages_last_minute,
            })
        })
    }

    async fn active_rooms(&self) -> Result<i64, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            // Answered from the partial index of active rooms.
            let row: ActiveRoomsRow = diesel::sql_query(
                "SELECT count(*) AS active_rooms FROM rooms WHERE ended_at IS NULL",
            )
            .get_result(conn)
            .await
            .map_err(db_error)?;
            Ok(row.active_rooms)
        })
    }
}
