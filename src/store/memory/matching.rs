//! Profiles, preferences, blocks and ratings in memory. The profile lives
//! in the person's record in the stored form (`store::Profile`), so an
//! export shows it as the PostgreSQL store's does.

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;

use super::{MemoryStore, RatingRecord, State, UserRecord};
use crate::domain::{
    Age, Gender, Interest, Lang, Profile, ProfileUpdate, RoomId, Score, SearchPrefs, UserId,
};
use crate::store::{Matching, SearchContext, StoreError};

/// The stored form as the domain's profile and preferences. The stored
/// form is only ever written from validated values, so anything that does
/// not parse is a corrupt record.
fn read(u: &UserRecord) -> Result<(Profile, SearchPrefs), StoreError> {
    let p = &u.profile;
    let corrupt = |_| StoreError::Internal("corrupt profile".into());
    let profile = Profile {
        gender: p
            .gender
            .as_deref()
            .map(Gender::parse)
            .transpose()
            .map_err(corrupt)?,
        age: p
            .age
            .map(|a| Age::parse(a.into()))
            .transpose()
            .map_err(corrupt)?,
        interests: Interest::parse_list(&p.interests).map_err(corrupt)?,
        langs: Lang::parse_list(&p.languages).map_err(corrupt)?,
    };
    let prefs = if p.search_prefs.is_null() {
        SearchPrefs::default()
    } else {
        serde_json::from_value(p.search_prefs.clone())
            .map_err(|_| StoreError::Internal("corrupt preferences".into()))?
    };
    Ok((profile, prefs))
}

fn write(u: &mut UserRecord, profile: &Profile) {
    let p = &mut u.profile;
    p.gender = profile.gender.map(|g| g.as_str().to_owned());
    p.age = profile.age.map(|a| i16::from(a.get()));
    p.interests = profile
        .interests
        .iter()
        .map(|i| i.as_str().to_owned())
        .collect();
    p.languages = profile
        .langs
        .iter()
        .map(|l| l.as_str().to_owned())
        .collect();
}

impl State {
    /// Adds `step` (1 for a rating given, -1 for one replaced or erased) to
    /// the rated person's count of `score`.
    pub(super) fn count_rating(&mut self, rated: UserId, score: Score, step: i32) {
        if let Some(u) = self.users.get_mut(&rated) {
            match score {
                Score::Up => u.profile.reputation_up += step,
                Score::Down => u.profile.reputation_down += step,
            }
        }
    }

    fn live_user(&self, user: UserId) -> Result<&UserRecord, StoreError> {
        self.users
            .get(&user)
            .filter(|u| u.platform_user_id.is_some())
            .ok_or(StoreError::NoSuchUser)
    }

    fn live_user_mut(&mut self, user: UserId) -> Result<&mut UserRecord, StoreError> {
        self.users
            .get_mut(&user)
            .filter(|u| u.platform_user_id.is_some())
            .ok_or(StoreError::NoSuchUser)
    }
}

#[async_trait]
impl Matching for MemoryStore {
    async fn profile(&self, user: UserId) -> Result<(Profile, SearchPrefs), StoreError> {
        read(self.lock()?.live_user(user)?)
    }

    async fn update_profile(
        &self,
        user: UserId,
        update: &ProfileUpdate,
    ) -> Result<Profile, StoreError> {
        let mut s = self.lock()?;
        let u = s.live_user_mut(user)?;
        let (mut profile, _) = read(u)?;
        update.apply(&mut profile);
        write(u, &profile);
        Ok(profile)
    }

    async fn set_prefs(&self, user: UserId, prefs: &SearchPrefs) -> Result<(), StoreError> {
        let value = serde_json::to_value(prefs)
            .map_err(|e| StoreError::Internal(format!("preferences as JSON: {e}")))?;
        self.lock()?.live_user_mut(user)?.profile.search_prefs = value;
        Ok(())
    }

    async fn block(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        s.live_user(blocker)?;
        if !s.users.contains_key(&blocked) || blocker == blocked {
            return Err(StoreError::NoSuchUser);
        }
        // A repeated block keeps the first time, as `ON CONFLICT DO NOTHING`.
        s.blocks.entry((blocker, blocked)).or_insert_with(Utc::now);
        Ok(())
    }

    async fn rate(&self, rater: UserId, room: RoomId, score: Score) -> Result<UserId, StoreError> {
        let mut s = self.lock()?;
        let rated = s
            .rooms
            .get(&room)
            .and_then(|r| r.partner_of(rater))
            .ok_or(StoreError::NoSuchRoom)?;
        let rating = RatingRecord {
            rated,
            score,
            rated_at: Utc::now(),
        };
        if let Some(before) = s.ratings.insert((rater, room), rating) {
            s.count_rating(rated, before.score, -1);
        }
        s.count_rating(rated, score, 1);
        Ok(rated)
    }

    async fn last_room(&self, user: UserId) -> Result<Option<RoomId>, StoreError> {
        let s = self.lock()?;
        Ok(s.rooms
            .values()
            .filter(|r| r.partner_of(user).is_some())
            .max_by_key(|r| r.started_at)
            .map(|r| r.id))
    }

    async fn search_context(
        &self,
        user: UserId,
        cooldown: Duration,
    ) -> Result<SearchContext, StoreError> {
        let s = self.lock()?;
        let u = s.live_user(user)?;
        let (profile, prefs) = read(u)?;
        let reputation = i64::from(u.profile.reputation_up) - i64::from(u.profile.reputation_down);
        // No cut-off when the cooldown reaches before the calendar's start.
        let since = chrono::Duration::from_std(cooldown)
            .ok()
            .and_then(|d| Utc::now().checked_sub_signed(d));
        let mut avoid: Vec<UserId> = s
            .blocks
            .keys()
            .filter_map(|&(a, b)| match () {
                _ if a == user => Some(b),
                _ if b == user => Some(a),
                _ => None,
            })
            .collect();
        if !cooldown.is_zero() {
            avoid.extend(s.rooms.values().filter_map(|r| {
                let recent = r.ended_at.is_none_or(|t| since.is_none_or(|s| t > s));
                r.partner_of(user).filter(|_| recent)
            }));
        }
        avoid.sort();
        avoid.dedup();
        Ok(SearchContext {
            profile,
            prefs,
            reputation,
            avoid,
        })
    }
}
