//! Telegram bookkeeping on Postgres: the two copies of each message, what
//! was delivered, processed updates, orphaned people. (What each person
//! chose is in `telegram_settings.rs`.)

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::{messages, orphans, processed_updates};
use super::{CHECKOUT_TIMEOUT, PgStore, QUERY_TIMEOUT, db_error, with_conn};
use crate::domain::{Platform, RoomId, Seq, UserId};
use crate::store::{MessageCopies, StoreError, TelegramLog};

/// Kinds that change an earlier message and are never the target of one.
const CHANGE_KINDS: [&str; 2] = ["edit", "reaction"];

#[async_trait]
impl TelegramLog for PgStore {
    async fn record_delivery(
        &self,
        room: RoomId,
        seq: Seq,
        receiver_platform_msg_id: Option<i64>,
    ) -> Result<(), StoreError> {
        // Batched with other chats' copies and messages (`deliveries.rs`).
        let recorded = self
            .writer
            .record_delivery(room, seq, receiver_platform_msg_id);
        tokio::time::timeout(CHECKOUT_TIMEOUT + QUERY_TIMEOUT, recorded)
            .await
            .map_err(|_| StoreError::Unavailable("delivery record timed out".into()))?
    }

    async fn message_copies(
        &self,
        room: RoomId,
        seq: Seq,
    ) -> Result<Option<MessageCopies>, StoreError> {
        type Row = (uuid::Uuid, Option<i64>, Option<i64>, Option<DateTime<Utc>>);
        let row: Option<Row> = with_conn!(self.checkout(), |conn| async move {
            messages::table
                .find((room.0, seq.0))
                .select((
                    messages::sender_id,
                    messages::sender_platform_msg_id,
                    messages::receiver_platform_msg_id,
                    messages::delivered_at,
                ))
                .first(conn)
                .await
                .optional()
                .map_err(db_error)
        })?;
        Ok(
            row.map(|(sender, sent, received, delivered_at)| MessageCopies {
                sender: UserId(sender),
                sender_platform_msg_id: sent,
                receiver_platform_msg_id: received,
                delivered_at,
            }),
        )
    }

    async fn find_by_platform_msg_id(
        &self,
        room: RoomId,
        user: UserId,
        platform_msg_id: i64,
    ) -> Result<Option<Seq>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            // Either the person's own message (their copy is the original)
            // or one they received (their copy is the delivered one).
            let own = messages::sender_id
                .eq(user.0)
                .and(messages::sender_platform_msg_id.eq(platform_msg_id));
            let received = messages::sender_id
                .ne(user.0)
                .and(messages::receiver_platform_msg_id.eq(platform_msg_id));
            messages::table
                .filter(messages::room_id.eq(room.0))
                .filter(messages::kind.ne_all(CHANGE_KINDS))
                .filter(own.or(received))
                .select(messages::seq)
                .order(messages::seq)
                .first::<i64>(conn)
                .await
                .optional()
                .map(|s| s.map(Seq))
                .map_err(db_error)
        })
    }

    async fn last_delivered_seq(&self, room: RoomId, receiver: UserId) -> Result<Seq, StoreError> {
        // The newest first, one row: the primary key (room, seq) read
        // backwards stops at the first match. As `max(seq)`, PostgreSQL
        // planned it (on statistics of a young table, a plan it keeps) as
        // reading every message of the room, and a takeover's read grew
        // with the chat.
        with_conn!(self.checkout(), |conn| async move {
            messages::table
                .filter(messages::room_id.eq(room.0))
                .filter(messages::sender_id.ne(receiver.0))
                .filter(messages::delivered_at.is_not_null())
                .order(messages::seq.desc())
                .select(messages::seq)
                .first::<i64>(conn)
                .await
                .optional()
                .map(|s| Seq(s.unwrap_or(0)))
                .map_err(db_error)
        })
    }

    async fn update_processed(&self, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        with_conn!(self.checkout(), |conn| async move {
            diesel::select(diesel::dsl::exists(processed_updates::table.find(&key)))
                .get_result(conn)
                .await
                .map_err(db_error)
        })
    }

    async fn record_update_processed(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        with_conn!(self.checkout(), |conn| async move {
            diesel::insert_into(processed_updates::table)
                .values(processed_updates::key.eq(&key))
                .on_conflict_do_nothing()
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(db_error)
        })
    }

    async fn mark_orphaned(
        &self,
        user: UserId,
        platform: Platform,
        pid: &str,
    ) -> Result<(), StoreError> {
        let pid = pid.to_owned();
        with_conn!(self.checkout(), |conn| async move {
            // Marking again moves the person to the back of the line.
            diesel::insert_into(orphans::table)
                .values((
                    orphans::user_id.eq(user.0),
                    orphans::platform.eq(platform.as_str()),
                    orphans::platform_user_id.eq(&pid),
                ))
                .on_conflict(orphans::user_id)
                .do_update()
                .set((
                    orphans::platform.eq(platform.as_str()),
                    orphans::platform_user_id.eq(&pid),
                    orphans::marked_at.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(db_error)
        })
    }

    async fn claim_orphans(
        &self,
        platform: Platform,
        limit: usize,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        #[derive(QueryableByName)]
        struct Claimed {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            user_id: uuid::Uuid,
            #[diesel(sql_type = diesel::sql_types::Text)]
            platform_user_id: String,
            #[diesel(sql_type = diesel::sql_types::Timestamptz)]
            marked_at: DateTime<Utc>,
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut claimed: Vec<Claimed> = with_conn!(self.checkout(), |conn| async move {
            // SKIP LOCKED: replicas claiming at once each get different people.
            diesel::sql_query(
                "WITH c AS (SELECT user_id FROM orphans WHERE platform = $1 \
                   ORDER BY marked_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 DELETE FROM orphans o USING c WHERE o.user_id = c.user_id \
                 RETURNING o.user_id, o.platform_user_id, o.marked_at",
            )
            .bind::<diesel::sql_types::Text, _>(platform.as_str())
            .bind::<diesel::sql_types::BigInt, _>(limit)
            .load(conn)
            .await
            .map_err(db_error)
        })?;
        claimed.sort_by_key(|c| c.marked_at);
        Ok(claimed
            .into_iter()
            .map(|c| (UserId(c.user_id), c.platform_user_id))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MessageKind;

    #[test]
    fn change_kinds_are_the_domain_kinds() {
        assert_eq!(
            CHANGE_KINDS,
            [MessageKind::Edit.as_str(), MessageKind::Reaction.as_str()]
        );
    }
}
