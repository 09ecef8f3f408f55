//! Data protection: export everything about one person, or erase them, and
//! retention. Erasure keeps the opaque id as a tombstone, so that partners'
//! rooms and message sequences stay whole. Retention empties message content
//! older than the retention period, in bounded chunks so that no statement
//! holds many row locks for long.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::models::{RoomRow, parse_kind};
use super::rooms::end_room_on;
use super::schema::{bans, complaints, messages, room_members, rooms, users};
use super::{PgStore, db_error, with_conn};
use crate::domain::{EndReason, Platform, Room, RoomId, Seq, UserId};
use crate::store::{
    BanExport, ComplaintExport, ComplaintStatus, MessageExport, Privacy, Profile, RoomExport,
    StoreError, UserExport,
};

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

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    platform: String,
    platform_user_id: Option<String>,
    gender: Option<String>,
    age: Option<i16>,
    interests: Vec<String>,
    languages: Vec<String>,
    search_prefs: serde_json::Value,
    default_media_spoiler: bool,
    settings: serde_json::Value,
    reputation_up: i32,
    reputation_down: i32,
    complaints_received: i32,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

/// (room, seq, kind, text, created_at) of one of the person's messages.
type OwnMessage = (uuid::Uuid, i64, String, Option<String>, DateTime<Utc>);

type ComplaintTuple = (
    uuid::Uuid,
    uuid::Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn complaint_export(c: ComplaintTuple) -> Result<ComplaintExport, StoreError> {
    Ok(ComplaintExport {
        id: crate::domain::ComplaintId(c.0),
        room: RoomId(c.1),
        reason: c.2,
        status: ComplaintStatus::parse(&c.3)
            .ok_or_else(|| StoreError::Internal("unexpected complaint status".into()))?,
        created_at: c.4,
        resolved_at: c.5,
    })
}

/// Empties the user's own messages inside every complaint's evidence.
const SCRUB_EVIDENCE: &str = "\
UPDATE complaints c SET evidence = (
    SELECT coalesce(jsonb_agg(CASE WHEN e->>'sender' = $1::text
                                   THEN jsonb_set(e, '{text}', '\"\"') ELSE e END
                              ORDER BY o), '[]'::jsonb)
    FROM jsonb_array_elements(c.evidence) WITH ORDINALITY AS x (e, o))
WHERE c.room_id IN (SELECT room_id FROM room_members WHERE user_id = $1)";

impl PgStore {
    async fn export(&self, user: UserId) -> Result<Option<UserExport>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            let Some(u) = users::table
                .find(user.0)
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
            else {
                return Ok(None);
            };
            let room_rows: Vec<RoomRow> = rooms::table
                .inner_join(room_members::table)
                .filter(room_members::user_id.eq(user.0))
                .order((rooms::started_at, rooms::id))
                .select(RoomRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?;
            let own: Vec<OwnMessage> = messages::table
                .inner_join(rooms::table)
                .filter(messages::sender_id.eq(user.0))
                .order((rooms::started_at, rooms::id, messages::seq))
                .select((
                    messages::room_id,
                    messages::seq,
                    messages::kind,
                    messages::text,
                    messages::created_at,
                ))
                .load(conn)
                .await
                .map_err(db_error)?;
            let complaint_cols = (
                complaints::id,
                complaints::room_id,
                complaints::reason,
                complaints::status,
                complaints::created_at,
                complaints::resolved_at,
            );
            let filed: Vec<ComplaintTuple> = complaints::table
                .filter(complaints::reporter_id.eq(user.0))
                .order((complaints::created_at, complaints::id))
                .select(complaint_cols)
                .load(conn)
                .await
                .map_err(db_error)?;
            let received: Vec<ComplaintTuple> = complaints::table
                .filter(complaints::reported_id.eq(user.0))
                .order((complaints::created_at, complaints::id))
                .select(complaint_cols)
                .load(conn)
                .await
                .map_err(db_error)?;
            let user_bans: Vec<(Option<DateTime<Utc>>, String, DateTime<Utc>)> = bans::table
                .filter(bans::user_id.eq(user.0))
                .order((bans::created_at, bans::id))
                .select((bans::until, bans::reason, bans::created_at))
                .load(conn)
                .await
                .map_err(db_error)?;

            let rooms = room_rows
                .into_iter()
                .map(|r| {
                    Room::try_from(r).map(|r| RoomExport {
                        id: r.id,
                        started_at: r.started_at,
                        ended_at: r.ended_at,
                        end_reason: r.end_reason,
                        ended_by_me: r.ended_by == Some(user),
                    })
                })
                .collect::<Result<_, _>>()?;
            let messages = own
                .into_iter()
                .map(|(room, seq, kind, text, created_at)| {
                    Ok(MessageExport {
                        room: RoomId(room),
                        seq: Seq(seq),
                        kind: parse_kind(&kind)?,
                        text,
                        created_at,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            let platform = Platform::parse(&u.platform).ok_or_else(|| {
                StoreError::Internal("unexpected platform in the database".into())
            })?;
            Ok(Some(UserExport {
                id: user,
                platform,
                platform_user_id: u.platform_user_id,
                created_at: u.created_at,
                last_seen_at: u.last_seen_at,
                profile: Profile {
                    gender: u.gender,
                    age: u.age,
                    interests: u.interests,
                    languages: u.languages,
                    search_prefs: u.search_prefs,
                    default_media_spoiler: u.default_media_spoiler,
                    settings: u.settings,
                    reputation_up: u.reputation_up,
                    reputation_down: u.reputation_down,
                    complaints_received: u.complaints_received,
                },
                rooms,
                messages,
                complaints_filed: filed
                    .into_iter()
                    .map(complaint_export)
                    .collect::<Result<_, _>>()?,
                complaints_received: received
                    .into_iter()
                    .map(complaint_export)
                    .collect::<Result<_, _>>()?,
                bans: user_bans
                    .into_iter()
                    .map(|(until, reason, created_at)| BanExport {
                        until,
                        reason,
                        created_at,
                    })
                    .collect(),
            }))
        })
    }
}

/// One transaction: either the person is fully erased or nothing changed.
async fn erase(
    conn: &mut diesel_async::AsyncPgConnection,
    user: UserId,
) -> Result<bool, diesel::result::Error> {
    let found: Option<uuid::Uuid> = users::table
        .find(user.0)
        .select(users::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if found.is_none() {
        return Ok(false);
    }
    let active: Option<uuid::Uuid> = room_members::table
        .filter(room_members::user_id.eq(user.0))
        .filter(room_members::active)
        .select(room_members::room_id)
        .first(conn)
        .await
        .optional()?;
    if let Some(room) = active {
        end_room_on(conn, RoomId(room), None, EndReason::Moderation).await?;
    }
    let now = Utc::now();
    diesel::update(messages::table.filter(messages::sender_id.eq(user.0)))
        .set((
            messages::text.eq(None::<String>),
            messages::media_file_id.eq(None::<String>),
            messages::caption.eq(None::<String>),
            messages::metadata.eq(None::<serde_json::Value>),
            messages::purged_at.eq(now),
        ))
        .execute(conn)
        .await?;
    diesel::sql_query(SCRUB_EVIDENCE)
        .bind::<SqlUuid, _>(user.0)
        .execute(conn)
        .await?;
    diesel::delete(bans::table.filter(bans::user_id.eq(user.0)))
        .execute(conn)
        .await?;
    diesel::update(users::table.find(user.0))
        .set((
            users::platform_user_id.eq(None::<String>),
            users::gender.eq(None::<String>),
            users::age.eq(None::<i16>),
            users::interests.eq(Vec::<String>::new()),
            users::languages.eq(Vec::<String>::new()),
            users::search_prefs.eq(serde_json::json!({})),
            users::default_media_spoiler.eq(false),
            users::settings.eq(serde_json::json!({})),
            users::deleted_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

#[async_trait]
impl Privacy for PgStore {
    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut purged = 0u64;
        // Before every room (no room started before the service existed).
        let mut after = (DateTime::<Utc>::UNIX_EPOCH, uuid::Uuid::nil());
        loop {
            let step: Purged = with_conn!(self.checkout(), |conn| async move {
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
        with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query(PURGE_EVIDENCE)
                .bind::<Timestamptz, _>(cutoff)
                .execute(conn)
                .await
                .map_err(db_error)
        })?;
        Ok(purged)
    }

    async fn export_user(&self, user: UserId) -> Result<Option<serde_json::Value>, StoreError> {
        self.export(user)
            .await?
            .map(|e| serde_json::to_value(e).map_err(|e| StoreError::Internal(e.to_string())))
            .transpose()
    }

    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            conn.transaction(async |conn| {
                let erased = erase(conn, user).await?;
                if erased {
                    PgStore::audit_delete(conn, user, by).await?;
                }
                Ok::<_, diesel::result::Error>(erased)
            })
            .await
            .map_err(db_error)
        })
    }
}
