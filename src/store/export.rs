//! The answer to a data-protection export request. Both stores build these
//! types, so an export has the same shape whichever store served it.
//! Partners appear only as opaque ids (rooms, people the person blocked),
//! never with their messages or identities.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ComplaintStatus, Profile};
use crate::domain::{ComplaintId, RoomId, Score, UserId};

/// Everything stored about one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserExport {
    pub id: UserId,
    pub platform: crate::domain::Platform,
    pub platform_user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Matching profile, partner preferences (`search_prefs`), reputation.
    pub profile: Profile,
    pub settings: SettingsExport,
    pub rooms: Vec<RoomExport>,
    pub messages: Vec<MessageExport>,
    pub complaints_filed: Vec<ComplaintExport>,
    pub complaints_received: Vec<ComplaintExport>,
    pub bans: Vec<BanExport>,
    /// People the person blocked, oldest first.
    pub blocks: Vec<BlockExport>,
    /// Ratings the person gave, oldest first.
    pub ratings: Vec<RatingExport>,
}

/// What the person chose for their chat (Telegram's commands; the spoiler
/// default is also in the profile, where the stores keep it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsExport {
    /// `/language`: `en`, `ru`, `uk`; `None` until chosen.
    pub ui_lang: Option<String>,
    /// `/protect`.
    pub protect_content: bool,
    /// `/spoiler_on`, `/spoiler_off`.
    pub media_spoiler_default: bool,
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

/// Someone the person blocked: the blocked person's opaque id only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockExport {
    pub blocked: UserId,
    pub created_at: DateTime<Utc>,
}

/// A rating the person gave: the room it was about (whose partner stays
/// anonymous, as in `RoomExport`), up or down, and when (the latest, as a
/// second rating of a room replaces the first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatingExport {
    pub room: RoomId,
    pub score: Score,
    pub rated_at: DateTime<Utc>,
}
