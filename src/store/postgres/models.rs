//! Rows as Diesel loads them, and their conversion into domain records.
//! A row that does not convert (an unknown enum text) is reported as a store
//! failure rather than guessed at.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{complaints, messages, rooms, users};
use crate::domain::{
    ClientMsgId, Columns, ComplaintId, EndReason, Extra, MessageKind, Room, RoomId, Seq,
    StoredMessage, UserId,
};
use crate::store::{Complaint, ComplaintStatus, Profile, StoreError};

fn corrupt(what: &str) -> StoreError {
    tracing::error!(what, "unexpected value in the database");
    StoreError::Internal(format!("unexpected {what} in the database"))
}

pub(super) fn parse_kind(s: &str) -> Result<MessageKind, StoreError> {
    MessageKind::parse(s).ok_or_else(|| corrupt("message kind"))
}

/// A person's profile columns: embedded by every reader that shows a
/// profile (a person's moderation record, their data export), so a
/// profile is built from a row in one place.
#[derive(Queryable, QueryableByName, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(super) struct ProfileRow {
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
}

impl From<ProfileRow> for Profile {
    fn from(u: ProfileRow) -> Self {
        Profile {
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
        }
    }
}

#[derive(Queryable, QueryableByName, Selectable)]
#[diesel(table_name = rooms, check_for_backend(diesel::pg::Pg))]
pub(super) struct RoomRow {
    pub id: Uuid,
    pub user_a: Uuid,
    pub user_b: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub ended_by: Option<Uuid>,
    pub last_seq: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;

    fn try_from(r: RoomRow) -> Result<Self, StoreError> {
        let end_reason = r
            .end_reason
            .map(|s| EndReason::parse(&s).ok_or_else(|| corrupt("end reason")))
            .transpose()?;
        Ok(Room {
            id: RoomId(r.id),
            a: UserId(r.user_a),
            b: UserId(r.user_b),
            started_at: r.started_at,
            ended_at: r.ended_at,
            end_reason,
            ended_by: r.ended_by.map(UserId),
            last_seq: Seq(r.last_seq),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub(super) struct MessageRow {
    pub room_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub kind: String,
    pub text: Option<String>,
    pub client_msg_id: String,
    pub created_at: DateTime<Utc>,
    pub media_file_id: Option<String>,
    pub caption: Option<String>,
    pub reply_to_seq: Option<i64>,
    pub sender_platform_msg_id: Option<i64>,
    pub metadata: Option<serde_json::Value>,
}

impl TryFrom<MessageRow> for StoredMessage {
    type Error = StoreError;

    fn try_from(m: MessageRow) -> Result<Self, StoreError> {
        let (body, origin, reply_to) = Columns {
            kind: parse_kind(&m.kind)?,
            // Purged content reads as empty text; the seq stays so resumes
            // and de-duplication keep working.
            text: m.text.unwrap_or_default(),
            extra: Extra {
                caption: m.caption,
                media_file_id: m.media_file_id,
                reply_to_seq: m.reply_to_seq.map(Seq),
                sender_platform_msg_id: m.sender_platform_msg_id,
                metadata: m.metadata,
            },
        }
        .read()
        .map_err(|e| corrupt(e.0))?;
        Ok(StoredMessage {
            room: RoomId(m.room_id),
            seq: Seq(m.seq),
            sender: UserId(m.sender_id),
            body,
            origin,
            reply_to,
            client_msg_id: ClientMsgId::parse(m.client_msg_id)
                .map_err(|_| corrupt("client message id"))?,
            created_at: m.created_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = complaints, check_for_backend(diesel::pg::Pg))]
pub(super) struct ComplaintRow {
    pub id: Uuid,
    pub room_id: Uuid,
    pub reporter_id: Uuid,
    pub reported_id: Uuid,
    pub reason: String,
    pub status: String,
    pub evidence: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl TryFrom<ComplaintRow> for Complaint {
    type Error = StoreError;

    fn try_from(c: ComplaintRow) -> Result<Self, StoreError> {
        Ok(Complaint {
            id: ComplaintId(c.id),
            room: RoomId(c.room_id),
            reporter: UserId(c.reporter_id),
            reported: UserId(c.reported_id),
            reason: c.reason,
            status: ComplaintStatus::parse(&c.status).ok_or_else(|| corrupt("complaint status"))?,
            evidence: serde_json::from_value(c.evidence).map_err(|_| corrupt("evidence"))?,
            created_at: c.created_at,
            resolved_at: c.resolved_at,
        })
    }
}
