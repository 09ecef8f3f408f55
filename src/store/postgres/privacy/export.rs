//! Export: everything stored about one person, as one document. Read as
//! stored (`read`, on the exporting transaction's connection), then parsed
//! (`build`), so a corrupt row is an error of this store, not of the query.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::{ComplaintId, Platform, Room, RoomId, Score, Seq, UserId};
use crate::store::postgres::models::{ProfileRow, RoomRow, parse_kind};
use crate::store::postgres::schema::{bans, complaints, messages, room_members, rooms, users};
use crate::store::{
    BanExport, BlockExport, ComplaintExport, ComplaintStatus, MessageExport, RatingExport,
    RoomExport, SettingsExport, StoreError, UserExport,
};

type DbResult<T> = Result<T, diesel::result::Error>;

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    platform: String,
    platform_user_id: Option<String>,
    #[diesel(embed)]
    profile: ProfileRow,
    ui_lang: Option<String>,
    protect_content: bool,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

/// (room, seq, kind, text, created_at) of one of the person's messages.
type OwnMessage = (uuid::Uuid, i64, String, Option<String>, DateTime<Utc>);

/// (id, room, reason, status, created_at, resolved_at) of a complaint.
type ComplaintTuple = (
    uuid::Uuid,
    uuid::Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// (blocked, created_at) of a block the person made.
#[derive(QueryableByName)]
struct BlockRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    blocked_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
}

/// A rating the person gave (the rated person is left out on purpose).
#[derive(QueryableByName)]
struct RatingRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    room_id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    score: i16,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    rated_at: DateTime<Utc>,
}

/// `blocks` and `ratings` are not in diesel's schema (matching reads them
/// with SQL of its own), so they are read here the same way.
const BLOCKS: &str = "\
SELECT blocked_id, created_at FROM blocks WHERE blocker_id = $1
ORDER BY created_at, blocked_id";
const RATINGS: &str = "\
SELECT room_id, score, rated_at FROM ratings WHERE rater_id = $1
ORDER BY rated_at, room_id";

/// Every row of one export, as stored.
pub(super) struct Stored {
    user: UserRow,
    rooms: Vec<RoomRow>,
    own: Vec<OwnMessage>,
    filed: Vec<ComplaintTuple>,
    received: Vec<ComplaintTuple>,
    bans: Vec<(Option<DateTime<Utc>>, String, DateTime<Utc>)>,
    blocks: Vec<BlockRow>,
    ratings: Vec<RatingRow>,
}

/// Reads everything about `user`; `None` if unknown.
pub(super) async fn read(conn: &mut AsyncPgConnection, user: UserId) -> DbResult<Option<Stored>> {
    let Some(u) = users::table
        .find(user.0)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    let rooms = rooms::table
        .inner_join(room_members::table)
        .filter(room_members::user_id.eq(user.0))
        .order((rooms::started_at, rooms::id))
        .select(RoomRow::as_select())
        .load(conn)
        .await?;
    let own = messages::table
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
        .await?;
    let complaint_cols = (
        complaints::id,
        complaints::room_id,
        complaints::reason,
        complaints::status,
        complaints::created_at,
        complaints::resolved_at,
    );
    let filed = complaints::table
        .filter(complaints::reporter_id.eq(user.0))
        .order((complaints::created_at, complaints::id))
        .select(complaint_cols)
        .load(conn)
        .await?;
    let received = complaints::table
        .filter(complaints::reported_id.eq(user.0))
        .order((complaints::created_at, complaints::id))
        .select(complaint_cols)
        .load(conn)
        .await?;
    let bans = bans::table
        .filter(bans::user_id.eq(user.0))
        .order((bans::created_at, bans::id))
        .select((bans::until, bans::reason, bans::created_at))
        .load(conn)
        .await?;
    let blocks = diesel::sql_query(BLOCKS)
        .bind::<diesel::sql_types::Uuid, _>(user.0)
        .load(conn)
        .await?;
    let ratings = diesel::sql_query(RATINGS)
        .bind::<diesel::sql_types::Uuid, _>(user.0)
        .load(conn)
        .await?;
    Ok(Some(Stored {
        user: u,
        rooms,
        own,
        filed,
        received,
        bans,
        blocks,
        ratings,
    }))
}

fn complaint_export(c: ComplaintTuple) -> Result<ComplaintExport, StoreError> {
    Ok(ComplaintExport {
        id: ComplaintId(c.0),
        room: RoomId(c.1),
        reason: c.2,
        status: ComplaintStatus::parse(&c.3)
            .ok_or_else(|| StoreError::Internal("unexpected complaint status".into()))?,
        created_at: c.4,
        resolved_at: c.5,
    })
}

fn rating_export(r: RatingRow) -> Result<RatingExport, StoreError> {
    // The column's CHECK admits only these two.
    let score = match r.score {
        1 => Score::Up,
        -1 => Score::Down,
        _ => return Err(StoreError::Internal("unexpected rating score".into())),
    };
    Ok(RatingExport {
        room: RoomId(r.room_id),
        score,
        rated_at: r.rated_at,
    })
}

/// The rows of `read` as the export document.
pub(super) fn build(user: UserId, s: Stored) -> Result<UserExport, StoreError> {
    let u = s.user;
    let rooms = s
        .rooms
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
    let messages = s
        .own
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
    let platform = Platform::parse(&u.platform)
        .ok_or_else(|| StoreError::Internal("unexpected platform in the database".into()))?;
    let profile: crate::store::Profile = u.profile.into();
    Ok(UserExport {
        id: user,
        platform,
        platform_user_id: u.platform_user_id,
        created_at: u.created_at,
        last_seen_at: u.last_seen_at,
        settings: SettingsExport {
            ui_lang: u.ui_lang,
            protect_content: u.protect_content,
            media_spoiler_default: profile.default_media_spoiler,
        },
        profile,
        rooms,
        messages,
        complaints_filed: s
            .filed
            .into_iter()
            .map(complaint_export)
            .collect::<Result<_, _>>()?,
        complaints_received: s
            .received
            .into_iter()
            .map(complaint_export)
            .collect::<Result<_, _>>()?,
        bans: s
            .bans
            .into_iter()
            .map(|(until, reason, created_at)| BanExport {
                until,
                reason,
                created_at,
            })
            .collect(),
        blocks: s
            .blocks
            .into_iter()
            .map(|b| BlockExport {
                blocked: UserId(b.blocked_id),
                created_at: b.created_at,
            })
            .collect(),
        ratings: s
            .ratings
            .into_iter()
            .map(rating_export)
            .collect::<Result<_, _>>()?,
    })
}
