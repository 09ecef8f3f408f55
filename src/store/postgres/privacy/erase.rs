//! Erasure: the person's content, profile, settings, bans, the blocks they
//! made and the ratings they gave go, in one transaction. The opaque id
//! stays as a tombstone, so that partners' rooms and message sequences stay
//! whole.

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;

use crate::domain::{EndReason, RoomId, UserId};
use crate::store::postgres::matching::RECOUNT;
use crate::store::postgres::rooms::end_room_on;
use crate::store::postgres::schema::{bans, messages, room_members, users};

/// Empties the user's own messages inside every complaint's evidence.
const SCRUB_EVIDENCE: &str = "\
UPDATE complaints c SET evidence = (
    SELECT coalesce(jsonb_agg(CASE WHEN e->>'sender' = $1::text
                                   THEN jsonb_set(e, '{text}', '\"\"') ELSE e END
                              ORDER BY o), '[]'::jsonb)
    FROM jsonb_array_elements(c.evidence) WITH ORDINALITY AS x (e, o))
WHERE c.room_id IN (SELECT room_id FROM room_members WHERE user_id = $1)";

/// The blocks the person made (blocks of them are the blockers' data).
const DELETE_BLOCKS: &str = "DELETE FROM blocks WHERE blocker_id = $1";

/// Everyone the person rated, locked in id order before their ratings go:
/// a rating being given meanwhile holds its rated person's row first (see
/// `matching::rate`), so taking those rows before touching the ratings
/// keeps the two from waiting on each other; two erasures take them in the
/// same order. These are the people whose reputation is recounted: the
/// person's own row is locked already, so no rating of theirs can be added
/// before the delete.
const LOCK_RATED: &str = "\
SELECT id AS rated_id FROM users
WHERE id IN (SELECT rated_id FROM ratings WHERE rater_id = $1)
ORDER BY id FOR UPDATE";

/// The ratings the person gave.
const DELETE_RATINGS: &str = "DELETE FROM ratings WHERE rater_id = $1";

#[derive(diesel::QueryableByName)]
struct Rated {
    #[diesel(sql_type = SqlUuid)]
    rated_id: uuid::Uuid,
}

/// One transaction: either the person is fully erased or nothing changed.
pub(super) async fn erase(
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
    diesel::sql_query(DELETE_BLOCKS)
        .bind::<SqlUuid, _>(user.0)
        .execute(conn)
        .await?;
    let rated: Vec<Rated> = diesel::sql_query(LOCK_RATED)
        .bind::<SqlUuid, _>(user.0)
        .load(conn)
        .await?;
    diesel::sql_query(DELETE_RATINGS)
        .bind::<SqlUuid, _>(user.0)
        .execute(conn)
        .await?;
    for Rated { rated_id } in rated {
        diesel::sql_query(RECOUNT)
            .bind::<SqlUuid, _>(rated_id)
            .execute(conn)
            .await?;
    }
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
            users::protect_content.eq(false),
            users::ui_lang.eq(None::<String>),
            users::deleted_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}
