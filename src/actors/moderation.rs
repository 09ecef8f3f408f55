//! Moderators' decisions, whoever takes them (the admin API, the admin page
//! through it, the buttons of the Telegram moderator chat): one path, so a
//! ban is stored with its audit entry in one transaction and then acts at
//! once on every replica, whichever door it came through.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Deps;
use crate::bus::{BusEvent, Topic};
use crate::domain::{ComplaintId, EndReason, UserId};
use crate::store::{Complaint, ComplaintStatus, NewBan, StoreError};

/// A complaint just filed on this replica, for the moderators' chat.
#[derive(Clone, Copy, Debug)]
pub struct NewComplaint {
    pub id: ComplaintId,
    pub reported: UserId,
}

/// Where this replica hands new complaints to be posted to moderators
/// (`TELEGRAM_MODERATOR_CHAT_ID`); bounded, so a Bot API outage costs
/// posts, never memory or reports.
pub type ComplaintFeed = tokio::sync::mpsc::Sender<NewComplaint>;

/// Hands a new complaint to the feed, if there is one, without waiting: a
/// full or closed feed loses the post (logged), never the report.
pub fn feed(deps: &Deps, complaint: NewComplaint) {
    let Some(feed) = &deps.complaints else {
        return;
    };
    if let Err(e) = feed.try_send(complaint) {
        let why = match e {
            tokio::sync::mpsc::error::TrySendError::Full(_) => "feed full",
            tokio::sync::mpsc::error::TrySendError::Closed(_) => "feed closed",
        };
        tracing::warn!(complaint = %complaint.id, why, "complaint not posted to moderators");
    }
}

/// Bans `ban.user` (stored and audited together), ends their chat here
/// and now, then tells every replica, whose sessions of that person end.
/// Returns the end of the ban now in force (`None` = permanent), which may
/// outlast this one.
pub async fn ban(deps: &Deps, ban: NewBan) -> Result<Option<DateTime<Utc>>, StoreError> {
    let (user, asked) = (ban.user, ban.until);
    let moderation = &deps.store.moderation;
    moderation.ban(ban).await?;
    let until = moderation
        .active_ban(user)
        .await?
        .map_or(asked, |b| b.until);
    // Ended by the store, not only by the person's actor once the doorbell
    // below reaches it: a lost doorbell would otherwise leave the room open
    // to their messages until their next periodic sync. The store refuses
    // an ended room's messages, and the partner hears the end at once.
    if let Some(room) = deps.store.rooms.active_room(user).await? {
        deps.end_room(room.id, Some(user), EndReason::Moderation)
            .await?;
    }
    announce(deps, user, BusEvent::Banned { user, until }).await;
    tracing::info!(user = %user, "user banned");
    Ok(until)
}

/// Closes a complaint (`Resolved` or `Dismissed`) for moderator `by`,
/// audited in the same transaction; closing a closed one changes nothing.
pub async fn resolve(
    deps: &Deps,
    id: ComplaintId,
    status: ComplaintStatus,
    by: &str,
) -> Result<(), StoreError> {
    deps.store
        .moderation
        .resolve_complaint(id, status, by)
        .await?;
    tracing::info!(complaint = %id, status = status.as_str(), "complaint closed");
    Ok(())
}

/// The ban button of a complaint, as the admin page presses it: the
/// reported person is banned for `length` (`None` = permanently) with the
/// complaint named in the reason, then the complaint is resolved.
pub async fn ban_for_complaint(
    deps: &Deps,
    complaint: &Complaint,
    length: Option<Duration>,
    by: &str,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let until = match length {
        Some(length) => Some(
            Utc::now()
                + chrono::Duration::from_std(length)
                    .map_err(|_| StoreError::Internal("ban length out of range".into()))?,
        ),
        None => None,
    };
    let reason = format!("complaint {}: {}", complaint.id, complaint.reason);
    let until = ban(
        deps,
        NewBan {
            user: complaint.reported,
            until,
            reason: reason.chars().take(REASON_MAX_CHARS).collect(),
            by: by.to_owned(),
        },
    )
    .await?;
    resolve(deps, complaint.id, ComplaintStatus::Resolved, by).await?;
    Ok(until)
}

/// `bans.reason` holds at most this many characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Tells every replica about a decision on `user`. The store already holds
/// it, so a lost doorbell is found by the periodic sync.
pub async fn announce(deps: &Deps, user: UserId, event: BusEvent) {
    if let Err(e) = deps.bus.publish(Topic::User(user), &event).await {
        tracing::warn!(user = %user, error = %e, "moderation not announced");
    }
}
