//! A person's partner preferences (whom they want), validated here, and
//! how a long search relaxes them; the one compatibility rule the two
//! search queues (in-process and the Redis script) apply; and the matching
//! policy over time. The profile's own fields are in `profile.rs`.

use serde::{Deserialize, Serialize};
use strum::IntoStaticStr;

use super::{Age, Gender, InputError, Lang, Profile};

/// Whom a person wants to meet. The default wants anyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPrefs {
    /// Genders wanted; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gender: Vec<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_min: Option<Age>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_max: Option<Age>,
    /// The language to chat in; a partner must name it (in their search or
    /// their profile) or name no language at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// At least one interest in common.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared_interest: bool,
}

/// One preference that relaxation can drop, in the order it is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Relaxed {
    SharedInterest,
    Age,
    Gender,
    Lang,
}

impl Relaxed {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl SearchPrefs {
    /// Checks what single fields cannot: the age range is not empty.
    pub fn check(self) -> Result<Self, InputError> {
        let dedup = {
            let mut g = self.gender.clone();
            g.sort_by_key(|g| g.as_str());
            g.dedup();
            g
        };
        match (self.age_min, self.age_max) {
            (Some(lo), Some(hi)) if lo > hi => Err(InputError::BadAgeRange),
            _ => Ok(Self {
                gender: dedup,
                ..self
            }),
        }
    }

    /// The preferences that are set, in the order relaxation drops them.
    fn relaxable(&self) -> Vec<Relaxed> {
        let mut out = Vec::new();
        if self.shared_interest {
            out.push(Relaxed::SharedInterest);
        }
        if self.age_min.is_some() || self.age_max.is_some() {
            out.push(Relaxed::Age);
        }
        if !self.gender.is_empty() {
            out.push(Relaxed::Gender);
        }
        if self.lang.is_some() {
            out.push(Relaxed::Lang);
        }
        out
    }

    /// These preferences with the first `steps` set ones dropped; also
    /// which were dropped, and whether another step could drop more.
    pub fn relaxed(&self, steps: usize) -> (Self, Vec<Relaxed>, bool) {
        let order = self.relaxable();
        let dropped: Vec<Relaxed> = order.iter().copied().take(steps).collect();
        let mut out = self.clone();
        for r in &dropped {
            match r {
                Relaxed::SharedInterest => out.shared_interest = false,
                Relaxed::Age => (out.age_min, out.age_max) = (None, None),
                Relaxed::Gender => out.gender.clear(),
                Relaxed::Lang => out.lang = None,
            }
        }
        let more = order.len() > dropped.len();
        (out, dropped, more)
    }
}

/// The languages a person chats in for one search: the one they asked
/// for, else those of their profile (empty = any).
fn chat_langs<'a>(profile: &'a Profile, prefs: &'a SearchPrefs) -> &'a [Lang] {
    match &prefs.lang {
        Some(l) => std::slice::from_ref(l),
        None => &profile.langs,
    }
}

/// Whether a person with `prefs` (and `profile`, for shared interests)
/// accepts `other` as a partner. Compatibility is this both ways; the Redis
/// queue script (`queue.lua`, `accepts`) applies the same rule.
pub fn accepts(
    profile: &Profile,
    prefs: &SearchPrefs,
    other: &Profile,
    other_prefs: &SearchPrefs,
) -> bool {
    if !prefs.gender.is_empty() && !other.gender.is_some_and(|g| prefs.gender.contains(&g)) {
        return false;
    }
    if let Some(lo) = prefs.age_min
        && other.age.is_none_or(|a| a < lo)
    {
        return false;
    }
    if let Some(hi) = prefs.age_max
        && other.age.is_none_or(|a| a > hi)
    {
        return false;
    }
    if prefs.shared_interest
        && !profile
            .interests
            .iter()
            .any(|i| other.interests.contains(i))
    {
        return false;
    }
    if let Some(lang) = &prefs.lang {
        let theirs = chat_langs(other, other_prefs);
        if !theirs.is_empty() && !theirs.contains(lang) {
            return false;
        }
    }
    true
}

/// How matching treats people over time (`CHATHUB_RELAX_SECS`,
/// `CHATHUB_REMATCH_COOLDOWN_SECS`, `CHATHUB_REPUTATION_FLOOR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchPolicy {
    /// After each such wait one more preference is relaxed.
    pub relax_after: std::time::Duration,
    /// Two people who chatted are not paired again within this.
    pub cooldown: std::time::Duration,
    /// Reputations below this are paired among themselves first.
    pub reputation_floor: i64,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        Self {
            relax_after: std::time::Duration::from_secs(30),
            cooldown: std::time::Duration::from_secs(3600),
            reputation_floor: -3,
        }
    }
}
