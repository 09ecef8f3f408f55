//! Export: everything stored about one person, as one document.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::domain::{Platform, Room, RoomId, Seq, UserId};
use crate::store::postgres::models::{ProfileRow, RoomRow, parse_kind};
use crate::store::postgres::schema::{bans, complaints, messages, room_members, rooms, users};
use crate::store::postgres::{PgStore, db_error, with_conn};
use crate::store::{
    BanExport, ComplaintExport, ComplaintStatus, MessageExport, RoomExport, StoreError, UserExport,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    platform: String,
    platform_user_id: Option<String>,
    #[diesel(embed)]
    profile: ProfileRow,
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

impl PgStore {
    pub(super) async fn export(&self, user: UserId) -> Result<Option<UserExport>, StoreError> {
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
                profile: u.profile.into(),
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
