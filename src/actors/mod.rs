//! The actor core: one Hub and one Matcher per replica, one ClientActor per
//! connected person. Transports talk to ClientActors; ClientActors talk to
//! the store, the bus, the Hub and the Matcher.

pub mod client;
pub mod hub;
pub mod matcher;
pub mod moderation;
pub mod rooms;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use actix::Addr;

use crate::bus::Bus;
use crate::store::Stores;

/// What every ClientActor needs; cheap to clone.
#[derive(Clone)]
pub struct Deps {
    pub store: Stores,
    pub bus: Arc<dyn Bus>,
    /// Who is connected where (read by the periodic sync).
    pub presence: Arc<dyn crate::bus::Presence>,
    pub hub: Addr<hub::Hub>,
    pub matcher: Addr<matcher::Matcher>,
    pub limits: Limits,
    /// When reports ban someone automatically (`CHATHUB_AUTOBAN_*`).
    pub autoban: Arc<crate::domain::AutobanPolicy>,
    /// How matching treats people over time (`CHATHUB_RELAX_SECS`, ...).
    pub matching: crate::domain::MatchPolicy,
    /// New complaints to post to the moderators' Telegram chat, when one
    /// is configured.
    pub complaints: Option<moderation::ComplaintFeed>,
}

/// Per-person limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Commands per second a person may send (sustained).
    pub flood_per_sec: u32,
    /// Commands a person may send in a burst.
    pub flood_burst: u32,
    /// A search unanswered this long stops (`CHATHUB_SEARCH_MAX_SECS`).
    pub search_max: std::time::Duration,
}
