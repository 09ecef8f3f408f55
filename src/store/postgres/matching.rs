//! Profiles, preferences, blocks and ratings on PostgreSQL. A search reads
//! everything it needs (profile, preferences, reputation, whom to avoid) in
//! one statement; a rating and the rated person's counters change in one
//! transaction that holds the rated person's row.

use std::time::Duration;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Array, Double, Integer, Jsonb, Nullable, SmallInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::schema::users;
use super::{PgStore, db_error, with_conn};
use crate::domain::{
    Age, Gender, Interest, Lang, Profile, ProfileUpdate, RoomId, Score, SearchPrefs, UserId,
};
use crate::store::{Matching, SearchContext, StoreError};

type DbResult<T> = Result<T, diesel::result::Error>;

/// The profile columns and, for a search, whom to avoid: people blocked
/// either way, and partners of rooms active within the cooldown (`$2`
/// seconds; 0 = none).
const SEARCH_CONTEXT: &str = "\
SELECT gender, age, interests, languages, search_prefs, reputation_up, reputation_down,
  ARRAY(
    SELECT blocked_id FROM blocks WHERE blocker_id = $1
    UNION SELECT blocker_id FROM blocks WHERE blocked_id = $1
    UNION SELECT m2.user_id FROM room_members m1
      JOIN rooms r ON r.id = m1.room_id
      JOIN room_members m2 ON m2.room_id = m1.room_id AND m2.user_id <> m1.user_id
      WHERE m1.user_id = $1 AND $2 > 0
        AND (r.ended_at IS NULL OR r.ended_at > now() - make_interval(secs => $2))
  ) AS avoid
FROM users WHERE id = $1 AND deleted_at IS NULL";

/// `rater`'s partner in the room, locked (ratings of one person are
/// counted one at a time); no row if `rater` was not in the room.
const RATED_PARTNER: &str = "\
SELECT u.id FROM users u JOIN room_members m ON m.user_id = u.id
WHERE m.room_id = $2 AND u.id <> $1
  AND EXISTS (SELECT 1 FROM room_members WHERE room_id = $2 AND user_id = $1)
FOR UPDATE OF u";

const UPSERT_RATING: &str = "\
INSERT INTO ratings (rater_id, room_id, rated_id, score) VALUES ($1, $2, $3, $4)
ON CONFLICT (rater_id, room_id) DO UPDATE SET score = EXCLUDED.score, rated_at = now()";

/// Recounted rather than adjusted: the row lock above makes the count
/// exact whatever ratings were replaced (or erased with their rater).
pub(in crate::store::postgres) const RECOUNT: &str = "\
UPDATE users SET
  reputation_up = (SELECT count(*) FROM ratings WHERE rated_id = $1 AND score = 1),
  reputation_down = (SELECT count(*) FROM ratings WHERE rated_id = $1 AND score = -1)
WHERE id = $1";

/// The person's newest room (their memberships, newest first).
const LAST_ROOM: &str = "\
SELECT r.id FROM room_members m JOIN rooms r ON r.id = m.room_id
WHERE m.user_id = $1 ORDER BY r.started_at DESC, r.id DESC LIMIT 1";

#[derive(QueryableByName)]
struct ContextRow {
    #[diesel(sql_type = Nullable<Text>)]
    gender: Option<String>,
    #[diesel(sql_type = Nullable<SmallInt>)]
    age: Option<i16>,
    #[diesel(sql_type = Array<Text>)]
    interests: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    languages: Vec<String>,
    #[diesel(sql_type = Jsonb)]
    search_prefs: serde_json::Value,
    #[diesel(sql_type = Integer)]
    reputation_up: i32,
    #[diesel(sql_type = Integer)]
    reputation_down: i32,
    #[diesel(sql_type = Array<SqlUuid>)]
    avoid: Vec<uuid::Uuid>,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
}

/// The stored columns as the domain's profile. Only validated values are
/// ever written, so anything that does not parse is a corrupt row.
fn profile_of(
    gender: Option<&str>,
    age: Option<i16>,
    interests: &[String],
    languages: &[String],
) -> Result<Profile, StoreError> {
    let corrupt = |_| StoreError::Internal("corrupt profile row".into());
    Ok(Profile {
        gender: gender.map(Gender::parse).transpose().map_err(corrupt)?,
        age: age
            .map(|a| Age::parse(a.into()))
            .transpose()
            .map_err(corrupt)?,
        interests: Interest::parse_list(interests).map_err(corrupt)?,
        langs: Lang::parse_list(languages).map_err(corrupt)?,
    })
}

fn prefs_of(v: serde_json::Value) -> Result<SearchPrefs, StoreError> {
    serde_json::from_value(v).map_err(|_| StoreError::Internal("corrupt preferences row".into()))
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct ProfileChange {
    gender: Option<Option<String>>,
    age: Option<Option<i16>>,
    interests: Option<Vec<String>>,
    languages: Option<Vec<String>>,
}

async fn context_on(
    conn: &mut AsyncPgConnection,
    user: UserId,
    cooldown: Duration,
) -> Result<SearchContext, StoreError> {
    let row: Option<ContextRow> = diesel::sql_query(SEARCH_CONTEXT)
        .bind::<SqlUuid, _>(user.0)
        .bind::<Double, _>(cooldown.as_secs_f64())
        .get_result(conn)
        .await
        .optional()
        .map_err(db_error)?;
    let row = row.ok_or(StoreError::NoSuchUser)?;
    Ok(SearchContext {
        profile: profile_of(
            row.gender.as_deref(),
            row.age,
            &row.interests,
            &row.languages,
        )?,
        prefs: prefs_of(row.search_prefs)?,
        reputation: i64::from(row.reputation_up) - i64::from(row.reputation_down),
        avoid: row.avoid.into_iter().map(UserId).collect(),
    })
}

#[async_trait]
impl Matching for PgStore {
    async fn profile(&self, user: UserId) -> Result<(Profile, SearchPrefs), StoreError> {
        let ctx = with_conn!(self.checkout(), |conn| context_on(
            conn,
            user,
            Duration::ZERO
        ))?;
        Ok((ctx.profile, ctx.prefs))
    }

    async fn update_profile(
        &self,
        user: UserId,
        update: &ProfileUpdate,
    ) -> Result<Profile, StoreError> {
        if update.is_empty() {
            return Ok(self.profile(user).await?.0);
        }
        let change = ProfileChange {
            gender: update.gender.map(|g| g.map(|g| g.as_str().to_owned())),
            age: update.age.map(|a| a.map(|a| i16::from(a.get()))),
            interests: update
                .interests
                .as_ref()
                .map(|i| i.iter().map(|i| i.as_str().to_owned()).collect()),
            languages: update
                .langs
                .as_ref()
                .map(|l| l.iter().map(|l| l.as_str().to_owned()).collect()),
        };
        let row: Option<(Option<String>, Option<i16>, Vec<String>, Vec<String>)> =
            with_conn!(self.checkout(), |conn| async move {
                diesel::update(
                    users::table
                        .find(user.0)
                        .filter(users::deleted_at.is_null()),
                )
                .set(&change)
                .returning((
                    users::gender,
                    users::age,
                    users::interests,
                    users::languages,
                ))
                .get_result(conn)
                .await
                .optional()
                .map_err(db_error)
            })?;
        let (gender, age, interests, languages) = row.ok_or(StoreError::NoSuchUser)?;
        profile_of(gender.as_deref(), age, &interests, &languages)
    }

    async fn set_prefs(&self, user: UserId, prefs: &SearchPrefs) -> Result<(), StoreError> {
        let value = serde_json::to_value(prefs)
            .map_err(|e| StoreError::Internal(format!("preferences as JSON: {e}")))?;
        let n = with_conn!(self.checkout(), |conn| async move {
            diesel::update(
                users::table
                    .find(user.0)
                    .filter(users::deleted_at.is_null()),
            )
            .set(users::search_prefs.eq(value))
            .execute(conn)
            .await
            .map_err(db_error)
        })?;
        if n == 0 {
            return Err(StoreError::NoSuchUser);
        }
        Ok(())
    }

    async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError> {
        if blocker == blocked {
            return Err(StoreError::NoSuchUser);
        }
        with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query(
                "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind::<SqlUuid, _>(blocker.0)
            .bind::<SqlUuid, _>(blocked.0)
            .execute(conn)
            .await
            .map_err(|e| {
                if super::is_foreign_key_violation(&e) {
                    StoreError::NoSuchUser
                } else {
                    db_error(e)
                }
            })
        })?;
        Ok(())
    }

    async fn rate(&self, rater: UserId, room: RoomId, score: Score) -> Result<UserId, StoreError> {
        let rated = with_conn!(self.checkout(), |conn| async move {
            conn.transaction(async |conn| -> DbResult<Option<uuid::Uuid>> {
                let partner: Option<IdRow> = diesel::sql_query(RATED_PARTNER)
                    .bind::<SqlUuid, _>(rater.0)
                    .bind::<SqlUuid, _>(room.0)
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(IdRow { id: rated }) = partner else {
                    return Ok(None);
                };
                diesel::sql_query(UPSERT_RATING)
                    .bind::<SqlUuid, _>(rater.0)
                    .bind::<SqlUuid, _>(room.0)
                    .bind::<SqlUuid, _>(rated)
                    .bind::<SmallInt, _>(score.value())
                    .execute(conn)
                    .await?;
                diesel::sql_query(RECOUNT)
                    .bind::<SqlUuid, _>(rated)
                    .execute(conn)
                    .await?;
                Ok(Some(rated))
            })
            .await
            .map_err(db_error)
        })?;
        rated.map(UserId).ok_or(StoreError::NoSuchRoom)
    }

    async fn last_room(&self, user: UserId) -> Result<Option<RoomId>, StoreError> {
        let row: Option<IdRow> = with_conn!(self.checkout(), |conn| async move {
            diesel::sql_query(LAST_ROOM)
                .bind::<SqlUuid, _>(user.0)
                .get_result(conn)
                .await
                .optional()
                .map_err(db_error)
        })?;
        Ok(row.map(|r| RoomId(r.id)))
    }

    async fn search_context(
        &self,
        user: UserId,
        cooldown: Duration,
    ) -> Result<SearchContext, StoreError> {
        with_conn!(self.checkout(), |conn| context_on(conn, user, cooldown))
    }
}
