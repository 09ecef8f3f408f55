//! Records the store returns besides the chat vocabulary of `domain`:
//! complaints and bans (moderation), read by the admin API and exports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ComplaintId, RoomId, StoredMessage, UserId};

/// Where a complaint stands. Only `Open` complaints hold messages back from
/// retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    Resolved,
    Dismissed,
}

impl ComplaintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Open => "open",
            ComplaintStatus::Resolved => "resolved",
            ComplaintStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ComplaintStatus::Open,
            "resolved" => ComplaintStatus::Resolved,
            "dismissed" => ComplaintStatus::Dismissed,
            _ => return None,
        })
    }
}

/// A complaint with its evidence: the room's last messages when it was filed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: ComplaintId,
    pub room: RoomId,
    pub reporter: UserId,
    pub reported: UserId,
    pub reason: String,
    pub status: ComplaintStatus,
    pub evidence: Vec<StoredMessage>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A ban to record: `until = None` is permanent; `by` names the moderator or
/// the automatic rule that issued it (never a platform identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBan {
    pub user: UserId,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub by: String,
}

/// A person's profile and settings, as far as they told the hub.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub gender: Option<String>,
    pub age: Option<i16>,
    pub interests: Vec<String>,
    pub language: Option<String>,
    pub search_prefs: serde_json::Value,
    pub default_media_spoiler: bool,
    pub settings: serde_json::Value,
    pub reputation_up: i32,
    pub reputation_down: i32,
    pub complaints_received: i32,
}

/// The answer to a data-protection export request. Both stores build this
/// one type, so an export has the same shape whichever store served it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserExport {
    pub id: UserId,
    pub platform: crate::domain::Platform,
    pub platform_user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub profile: Profile,
    pub rooms: Vec<RoomExport>,
    pub messages: Vec<MessageExport>,
    pub complaints_filed: Vec<ComplaintExport>,
    pub complaints_received: Vec<ComplaintExport>,
    pub bans: Vec<BanExport>,
}

/// A room as its participant may see it: the partner stays anonymous.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoomExport {
    pub id: RoomId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<crate::domain::EndReason>,
    pub ended_by_me: bool,
}

/// One of the person's own messages; `text` is `None` once purged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageExport {
    pub room: RoomId,
    pub seq: crate::domain::Seq,
    pub kind: crate::domain::MessageKind,
    pub text: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A complaint by or against the person, without the other side's identity
/// or messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplaintExport {
    pub id: ComplaintId,
    pub room: RoomId,
    pub reason: String,
    pub status: ComplaintStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BanExport {
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}
