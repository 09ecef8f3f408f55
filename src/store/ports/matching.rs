//! The matching port: profiles, preferences, blocks and ratings.

use async_trait::async_trait;

use crate::domain::{Profile, ProfileUpdate, RoomId, Score, SearchPrefs, UserId};
use crate::store::{SearchContext, StoreError};

/// Profiles, partner preferences, blocks and ratings: what matching reads
/// and what people say about whom they meet.
#[async_trait]
pub trait Matching: Send + Sync + 'static {
    /// The person's profile and stored preferences (defaults if never
    /// set); `NoSuchUser` if unknown or deleted.
    async fn profile(&self, user: UserId) -> Result<(Profile, SearchPrefs), StoreError>;

    /// Changes the named fields of the profile in one step; returns the
    /// whole profile as stored.
    async fn update_profile(
        &self,
        user: UserId,
        update: &ProfileUpdate,
    ) -> Result<Profile, StoreError>;

    /// Stores the person's partner preferences (used by every later search
    /// that names none).
    async fn set_prefs(&self, user: UserId, prefs: &SearchPrefs) -> Result<(), StoreError>;

    /// `blocker` never meets `blocked` again (either way round); repeating
    /// it changes nothing.
    async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError>;

    /// Rates `rater`'s partner in `room` (one rating per rater and room: a
    /// second replaces the first) and updates the partner's reputation in
    /// the same step; returns the partner. `NoSuchRoom` if `rater` was not
    /// in `room`.
    async fn rate(&self, rater: UserId, room: RoomId, score: Score) -> Result<UserId, StoreError>;

    /// The person's most recent room (active or ended), if any: whom
    /// `block` and `rate` mean on a connection that has not seen a chat.
    async fn last_room(&self, user: UserId) -> Result<Option<RoomId>, StoreError>;

    /// What one search needs, read at once: the profile and stored
    /// preferences, the reputation (ups minus downs), and everyone this
    /// person must not be paired with now (blocked either way, ever; or
    /// in a room together that was active within `cooldown`).
    async fn search_context(
        &self,
        user: UserId,
        cooldown: std::time::Duration,
    ) -> Result<SearchContext, StoreError>;
}
