//! Erasure: the person's content, profile and bans go, in one transaction.
//! The opaque id stays as a tombstone, so that partners' rooms and message
//! sequences stay whole.

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use diesel_async::RunQueryDsl;

use crate::domain::{EndReason, RoomId, UserId};
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
