//! Rooms: creation and ending are single statements that keep `rooms` and
//! `room_members` in step; the partial unique index on `room_members` is
//! what makes "one active room per person" hold across replicas.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::RoomRow;
use super::schema::{room_members, rooms};
use super::{PgStore, db_error, is_foreign_key_violation, is_unique_violation, with_conn};
use crate::domain::{EndReason, Room, RoomId, UserId};
use crate::store::StoreError;

/// Inserts the room and both memberships in one statement: if either person
/// already has an active membership, the unique index refuses the whole
/// statement and nothing is left behind.
const CREATE_ROOM: &str = "\
WITH room AS (
    INSERT INTO rooms (id, user_a, user_b)
    SELECT $1, $2, $3
    -- A deleted person gets no new room.
    WHERE NOT EXISTS (SELECT 1 FROM users WHERE id IN ($2, $3) AND deleted_at IS NOT NULL)
    RETURNING id, user_a, user_b, started_at, ended_at, end_reason, ended_by
), members AS (
    INSERT INTO room_members (room_id, user_id)
    SELECT id, user_a FROM room UNION ALL SELECT id, user_b FROM room
)
SELECT * FROM room";

/// Ends an active room and releases both memberships; returns no row if the
/// room had already ended, so exactly one caller sees it end.
const END_ROOM: &str = "\
WITH ended AS (
    UPDATE rooms SET ended_at = now(), end_reason = $2, ended_by = $3
    WHERE id = $1 AND ended_at IS NULL
    RETURNING id, user_a, user_b, started_at, ended_at, end_reason, ended_by
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

impl PgStore {
    pub(super) async fn create_room_impl(&self, a: UserId, b: UserId) -> Result<Room, StoreError> {
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

    pub(super) async fn room_impl(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
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

    pub(super) async fn active_room_impl(&self, user: UserId) -> Result<Option<Room>, StoreError> {
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

    pub(super) async fn end_room_impl(
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
}
