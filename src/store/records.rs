//! Records the store returns besides the chat vocabulary of `domain`:
//! complaints and bans (moderation), read by the admin API and exports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use crate::domain::{ComplaintId, RoomId, StoredMessage, UserId};

/// Where a complaint stands. Only `Open` complaints hold messages back from
/// retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    Resolved,
    Dismissed,
}

impl ComplaintStatus {
    /// The name used in the store and the admin API (snake_case, as serde).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub gender: Option<String>,
    pub age: Option<i16>,
    pub interests: Vec<String>,
    pub languages: Vec<String>,
    pub search_prefs: serde_json::Value,
    pub default_media_spoiler: bool,
    pub settings: serde_json::Value,
    pub reputation_up: i32,
    pub reputation_down: i32,
    pub complaints_received: i32,
}

impl Default for Profile {
    /// Nothing told yet: no preferences and no settings are empty JSON
    /// objects, as PostgreSQL's column defaults have them, so both stores
    /// answer alike (a fresh person, or one erased).
    fn default() -> Self {
        Self {
            gender: None,
            age: None,
            interests: Vec::new(),
            languages: Vec::new(),
            search_prefs: serde_json::json!({}),
            default_media_spoiler: false,
            settings: serde_json::json!({}),
            reputation_up: 0,
            reputation_down: 0,
            complaints_received: 0,
        }
    }
}

/// A ban in force: `until = None` is permanent. When several overlap, the
/// one ending last wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveBan {
    pub until: Option<DateTime<Utc>>,
}

impl ActiveBan {
    /// The ban that holds while both `self` and `other` hold.
    pub fn longest(self, other: ActiveBan) -> ActiveBan {
        match (self.until, other.until) {
            (Some(a), Some(b)) => ActiveBan {
                until: Some(a.max(b)),
            },
            _ => ActiveBan { until: None },
        }
    }
}

/// What filing a report did: the complaint, whether it is new (a retry
/// returns the first), and the automatic ban it triggered, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filed {
    pub id: ComplaintId,
    pub reported: UserId,
    pub new: bool,
    pub autoban: Option<ActiveBan>,
}

/// One ban in a person's history, as moderators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanRecordView {
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub by: String,
    pub automatic: bool,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub lifted_by: Option<String>,
}

/// One line of the complaints queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintSummary {
    pub id: ComplaintId,
    pub created_at: DateTime<Utc>,
    pub reason: String,
    pub status: ComplaintStatus,
    /// The reported person's opaque id.
    pub reported: UserId,
    /// How many open complaints the reported person has now.
    pub reported_open: i64,
}

/// Where a page of a newest-last (complaints) or newest-first (audit) list
/// continues: the last item's time and id. Rendered opaquely for clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCursor {
    pub at: DateTime<Utc>,
    pub id: uuid::Uuid,
}

impl PageCursor {
    /// The opaque text form: hex of `micros:uuid`, so clients never build one.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.at.timestamp_micros(), self.id.simple())
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Parses what [`encode`](Self::encode) produced; `None` for anything else.
    pub fn decode(raw: &str) -> Option<Self> {
        if !raw.len().is_multiple_of(2) || raw.len() > 2 * CURSOR_MAX_TEXT {
            return None;
        }
        let bytes = (0..raw.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(raw.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let text = String::from_utf8(bytes).ok()?;
        let (micros, id) = text.split_once(':')?;
        Some(Self {
            at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// Longest decoded cursor text (a timestamp, a colon, a simple uuid).
const CURSOR_MAX_TEXT: usize = 64;

/// What a moderator action was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Ban,
    Unban,
    Delete,
    /// A data-protection export: a moderator read everything about a person.
    Export,
    Resolve,
    Dismiss,
    Autoban,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Ban => "ban",
            AuditAction::Unban => "unban",
            AuditAction::Delete => "delete",
            AuditAction::Export => "export",
            AuditAction::Resolve => "resolve",
            AuditAction::Dismiss => "dismiss",
            AuditAction::Autoban => "autoban",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ban" => AuditAction::Ban,
            "unban" => AuditAction::Unban,
            "delete" => AuditAction::Delete,
            "export" => AuditAction::Export,
            "resolve" => AuditAction::Resolve,
            "dismiss" => AuditAction::Dismiss,
            "autoban" => AuditAction::Autoban,
            _ => return None,
        })
    }
}

/// One entry of the audit log: who did what to whom, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    pub user: Option<UserId>,
    pub complaint: Option<ComplaintId>,
    pub detail: String,
}

/// What moderators see of one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserModeration {
    pub id: UserId,
    pub platform: crate::domain::Platform,
    pub deleted: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub profile: Profile,
    /// Complaints against them, newest first.
    pub reports: Vec<ComplaintSummary>,
    /// Complaints they filed that moderators dismissed.
    pub dismissed_reports_filed: i64,
    pub bans: Vec<BanRecordView>,
    pub active_ban: Option<ActiveBan>,
}

/// Service-wide counts the store can answer for `/admin/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCounts {
    /// Of the people given, how many per platform (`web`, `telegram`).
    pub by_platform: std::collections::BTreeMap<String, i64>,
    pub active_rooms: i64,
    pub messages_last_minute: i64,
}

/// What one search reads from the store ([`Matching::search_context`](super::Matching::search_context)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchContext {
    pub profile: crate::domain::Profile,
    pub prefs: crate::domain::SearchPrefs,
    /// Ratings received: ups minus downs.
    pub reputation: i64,
    /// People never to be paired with now.
    pub avoid: Vec<UserId>,
}
