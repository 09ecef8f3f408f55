//! The room log on PostgreSQL: people, rooms and messages. Room creation
//! and ending are single statements that keep `rooms` and `room_members` in
//! step; the partial unique index on `room_members` is what makes "one
//! active room per person" hold across replicas. Appends go through the
//! batching writer (`writer.rs`).

use async_trait::async_trait;
use chrono::Utc;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{self, RoomRow};
use super::schema::{messages, room_members, rooms, users};
use super::{
    CHECKOUT_TIMEOUT, PgStore, QUERY_TIMEOUT, db_error, is_foreign_key_violation,
    is_unique_violation, with_conn,
};
use crate::domain::{EndReason, Platform, Room, RoomId, Seq, StoredMessage, UserId};
use crate::store::{Appended, NewMessage, RoomLog, StoreError};

/// Inserts both memberships and the room in one statement: if either person
/// already has an active membership, the unique index refuses the whole
/// statement and nothing is left behind. The memberships go first and the
/// room is stamped (`clock_timestamp()`) only once both are secured: a
/// creation that waited on the index for the person's previous room to end
/// then starts after that end, so the rooms' times never overlap either.
/// (The memberships' foreign key to the room is checked at the end of the
/// statement, when the room is there.)
const CREATE_ROOM: &str = "\
WITH members AS (
    INSERT INTO room_members (room_id, user_id)
    SELECT $1, member FROM unnest(ARRAY[$2, $3]::uuid[]) AS member
    -- A deleted person gets no new room.
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE id IN ($2, $3) AND deleted_at IS NOT NULL)
    RETURNING user_id
), room AS (
    INSERT INTO rooms (id, user_a, user_b, started_at)
    SELECT $1, $2, $3, clock_timestamp()
    WHERE (SELECT count(*) FROM members) = 2
    RETURNING id, user_a, user_b, started_at, ended_at, end_reason, ended_by, last_seq
)
SELECT * FROM room";

/// Ends an active room and releases both memberships; returns no row if the
/// room had already ended, so exactly one caller sees it end.
const END_ROOM: &str = "\
WITH ended AS (
    UPDATE rooms SET ended_at = now(), end_reason = $2, ended_by = $3
    WHERE id = $1 AND ended_at IS NULL
    RETURNING id, user_a, user_b, started_at, ended_at, end_reason, ended_by, last_seq
), released AS (
    UPDATE room_members SET active = false
    WHERE room_id IN (SELECT id FROM ended) AND active
)
SELECT * FROM ended";

/// Ends up to $2 active rooms idle for $1 seconds (the idle limit plus the
/// lag an append leaves in `last_active_at`, see `activity_step`). Rooms another replica is
/// ending at the same moment are skipped (`SKIP LOCKED`), and the idle
/// condition is checked again on the locked row, so an append that got the
/// row first (bumping `last_active_at`) keeps its room open.
const END_IDLE_ROOMS: &str = "\
WITH ended AS (
    UPDATE rooms SET ended_at = now(), end_reason = 'idle', ended_by = NULL
    WHERE id IN (
        SELECT id FROM rooms
        WHERE ended_at IS NULL AND last_active_at < now() - make_interval(secs => $1)
        ORDER BY last_active_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED
    ) AND ended_at IS NULL AND last_active_at < now() - make_interval(secs => $1)
    RETURNING id, user_a, user_b, started_at, ended_at, end_reason, ended_by, last_seq
), released AS (
    UPDATE room_members SET active = false
    WHERE room_id IN (SELECT id FROM ended) AND active
)
SELECT * FROM ended";

pub(super) async fn end_room_on(
    conn: &mut AsyncPgConnection,
    id: RoomId,
    by: Option<UserId>,
    reason: EndReason,
) -> Result<Option<Room>, DieselError> {
    diesel::sql_query(END_ROOM)
        .bind::<SqlUuid, _>(id.0)
        .bind::<Text, _>(reason.as_str())
        .bind::<Nullable<SqlUuid>, _>(by.map(|u| u.0))
        .get_result::<RoomRow>(conn)
        .await
        .optional()
        .map(|row| row.map(Room::try_from))?
        .transpose()
        .map_err(|e| DieselError::DeserializationError(Box::new(e)))
}

#[async_trait]
impl RoomLog for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        use diesel::IntoSql;
        use diesel_async::RunQueryDsl;
        with_conn!(self.checkout(), |conn| async move {
            diesel::select(1_i32.into_sql::<diesel::sql_types::Integer>())
                .get_result::<i32>(conn)
                .await
                .map(|_| ())
                .map_err(db_error)
        })
    }

    async fn upsert_user(&self, platform: Platform, pid: &str) -> Result<UserId, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            // One statement: insert on first sight, otherwise touch
            // `last_seen_at` (which also makes RETURNING yield the old id).
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(UserId::new().0),
                    users::platform.eq(platform.as_str()),
                    users::platform_user_id.eq(pid),
                ))
                .on_conflict((users::platform, users::platform_user_id))
                .do_update()
                .set(users::last_seen_at.eq(Utc::now()))
                .returning(users::id)
                .get_result(conn)
                .await
                .map(UserId)
                .map_err(db_error)
        })
    }

    async fn find_user(&self, platform: Platform, pid: &str) -> Result<Option<UserId>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            users::table
                .filter(users::platform.eq(platform.as_str()))
                .filter(users::platform_user_id.eq(pid))
                .select(users::id)
                .first(conn)
                .await
                .optional()
                .map(|id| id.map(UserId))
                .map_err(db_error)
        })
    }

    async fn identity(&self, user: UserId) -> Result<Option<(Platform, String)>, StoreError> {
        let row: Option<(String, Option<String>)> =
            with_conn!(self.checkout(), |conn| async move {
                users::table
                    .find(user.0)
                    .select((users::platform, users::platform_user_id))
                    .first(conn)
                    .await
                    .optional()
                    .map_err(db_error)
            })?;
        let Some((platform, Some(pid))) = row else {
            return Ok(None);
        };
        let platform = Platform::parse(&platform)
            .ok_or_else(|| StoreError::Internal("unexpected platform in the database".into()))?;
        Ok(Some((platform, pid)))
    }

    async fn create_room(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
        if a == b {
            // Already in the room being made (the rooms' CHECK says the
            // same; the memberships, inserted first, would trip their key).
            return Err(StoreError::AlreadyInRoom);
        }
        with_conn!(self.checkout(), |conn| async move {
            let row = diesel::sql_query(CREATE_ROOM)
                .bind::<SqlUuid, _>(RoomId::new().0)
                .bind::<SqlUuid, _>(a.0)
                .bind::<SqlUuid, _>(b.0)
                .get_result::<RoomRow>(conn)
                .await
                .map_err(|e| match e {
                    DieselError::NotFound => StoreError::NoSuchUser,
                    e if is_unique_violation(&e, "room_members_one_active_room") => {
                        StoreError::AlreadyInRoom
                    }
                    DieselError::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
                        StoreError::AlreadyInRoom
                    }
                    e if is_foreign_key_violation(&e) => StoreError::NoSuchUser,
                    e => db_error(e),
                })?;
            Room::try_from(row)
        })
    }

    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            rooms::table
                .find(id.0)
                .select(RoomRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
                .map(Room::try_from)
                .transpose()
        })
    }

    async fn active_room(&self, user: UserId) -> Result<Option<Room>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            rooms::table
                .inner_join(room_members::table)
                .filter(room_members::user_id.eq(user.0))
                .filter(room_members::active)
                .select(RoomRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
                .map(Room::try_from)
                .transpose()
        })
    }

    async fn end_room(
        &self,
        id: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Result<Option<Room>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            if let Some(room) = end_room_on(conn, id, by, reason).await.map_err(db_error)? {
                return Ok(Some(room));
            }
            // Not ended by us: already ended, or never existed.
            let exists: i64 = rooms::table
                .find(id.0)
                .count()
                .get_result(conn)
                .await
                .map_err(db_error)?;
            if exists == 0 {
                Err(StoreError::NoSuchRoom)
            } else {
                Ok(None)
            }
        })
    }

    async fn append_message(&self, msg: NewMessage) -> Result<Appended, StoreError> {
        let (sender, client_msg_id) = (msg.sender, msg.client_msg_id.clone());
        // The writer bounds its own statements; this bounds the queueing too.
        let mut appended =
            tokio::time::timeout(CHECKOUT_TIMEOUT + QUERY_TIMEOUT, self.writer.append(msg))
                .await
                .unwrap_or_else(|_| Err(StoreError::Unavailable("append timed out".into())))?;
        if appended.duplicate {
            // Retries are rare: one more read returns the first copy as
            // stored rather than the retry's.
            appended.message = with_conn!(self.checkout(), |conn| async move {
                messages::table
                    .filter(messages::sender_id.eq(sender.0))
                    .filter(messages::client_msg_id.eq(client_msg_id.as_str()))
                    .select(models::MessageRow::as_select())
                    .first(conn)
                    .await
                    .map_err(db_error)
                    .and_then(StoredMessage::try_from)
            })?;
        }
        Ok(appended)
    }

    async fn messages_after(
        &self,
        room: RoomId,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        with_conn!(self.checkout(), |conn| async move {
            messages::table
                .filter(messages::room_id.eq(room.0))
                .filter(messages::seq.gt(after.0))
                .order(messages::seq)
                .limit(limit)
                .select(models::MessageRow::as_select())
                .load(conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(StoredMessage::try_from)
                .collect()
        })
    }

    async fn end_idle_rooms(
        &self,
        idle: std::time::Duration,
        limit: usize,
    ) -> Result<Vec<Room>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query(END_IDLE_ROOMS)
                .bind::<diesel::sql_types::Double, _>((idle + self.activity_step).as_secs_f64())
                .bind::<diesel::sql_types::BigInt, _>(limit)
                .load::<RoomRow>(conn)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(Room::try_from)
                .collect()
        })
    }
}
