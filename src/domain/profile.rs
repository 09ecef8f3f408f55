//! A person's profile (who they are) and their partner preferences (whom
//! they want), both validated here, and the one compatibility rule the two
//! search queues (in-process and the Redis script) apply.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::InputError;

/// Youngest and oldest age a person may give.
pub const MIN_AGE: u8 = 16;
pub const MAX_AGE: u8 = 99;
/// Most interests a profile holds.
pub const MAX_INTERESTS: usize = 5;
/// Most languages a profile holds.
pub const MAX_LANGS: usize = 5;
/// Longest language code (`en`, `pt-br`, ...).
pub const MAX_LANG_LEN: usize = 8;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        raw.parse().map_err(|_| InputError::BadGender)
    }
}

/// The fixed list of interest tags a profile picks from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Interest {
    Music,
    Movies,
    Games,
    Sports,
    Books,
    Travel,
    Tech,
    Art,
    Food,
    Science,
    Anime,
    Fitness,
    Pets,
    Nature,
    Photography,
    Languages,
}

impl Interest {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a list of tags: known ones only, at most [`MAX_INTERESTS`],
    /// duplicates dropped, kept in a stable order.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Self>, InputError> {
        if raw.len() > MAX_INTERESTS {
            return Err(InputError::TooManyInterests { count: raw.len() });
        }
        let mut out: Vec<Self> = raw
            .iter()
            .map(|s| s.as_ref().parse().map_err(|_| InputError::BadInterest))
            .collect::<Result<_, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// An age in years, [`MIN_AGE`]..=[`MAX_AGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Age(u8);

impl Age {
    pub fn parse(raw: i64) -> Result<Self, InputError> {
        if (i64::from(MIN_AGE)..=i64::from(MAX_AGE)).contains(&raw) {
            Ok(Self(raw as u8)) // in 16..=99, fits a u8
        } else {
            Err(InputError::BadAge)
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Age {
    type Error = InputError;
    fn try_from(v: i64) -> Result<Self, InputError> {
        Self::parse(v)
    }
}

impl From<Age> for u8 {
    fn from(a: Age) -> u8 {
        a.0
    }
}

/// A language code: 2-8 of `a-z` and `-`, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lang(String);

impl Lang {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let ok = (2..=MAX_LANG_LEN).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
        if ok {
            Ok(Self(raw.to_ascii_lowercase()))
        } else {
            Err(InputError::BadLang)
        }
    }

    /// At most [`MAX_LANGS`] codes, duplicates dropped.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Self>, InputError> {
        if raw.len() > MAX_LANGS {
            return Err(InputError::BadLang);
        }
        let mut out: Vec<Self> = raw
            .iter()
            .map(|s| Self::parse(s.as_ref()))
            .collect::<Result<_, _>>()?;
        out.sort();
        out.dedup();
        Ok(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Lang {
    type Error = InputError;
    fn try_from(v: String) -> Result<Self, InputError> {
        Self::parse(&v)
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.0
    }
}

/// Who a person is, as far as matching goes. Every field may be unset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Age>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interests: Vec<Interest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub langs: Vec<Lang>,
}

/// A change to a profile: `None` leaves a field as it is, `Some(None)`
/// unsets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    pub gender: Option<Option<Gender>>,
    pub age: Option<Option<Age>>,
    pub interests: Option<Vec<Interest>>,
    pub langs: Option<Vec<Lang>>,
}

impl ProfileUpdate {
    pub fn apply(&self, profile: &mut Profile) {
        if let Some(g) = self.gender {
            profile.gender = g;
        }
        if let Some(a) = self.age {
            profile.age = a;
        }
        if let Some(i) = &self.interests {
            profile.interests = i.clone();
        }
        if let Some(l) = &self.langs {
            profile.langs = l.clone();
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

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

/// A rating of the last partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Score {
    Up,
    Down,
}

impl Score {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        raw.parse().map_err(|_| InputError::BadScore)
    }

    /// +1 or -1, what it adds to the reputation.
    pub fn value(self) -> i16 {
        match self {
            Score::Up => 1,
            Score::Down => -1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(gender: Option<Gender>, age: Option<i64>, interests: &[&str]) -> Profile {
        Profile {
            gender,
            age: age.map(|a| Age::parse(a).unwrap()),
            interests: Interest::parse_list(interests).unwrap(),
            langs: vec![],
        }
    }

    #[test]
    fn bad_values_are_refused_with_their_codes() {
        assert_eq!(Age::parse(7).unwrap_err().code(), "bad_age");
        assert_eq!(Age::parse(100).unwrap_err().code(), "bad_age");
        assert!(Age::parse(16).is_ok() && Age::parse(99).is_ok());
        assert_eq!(Gender::parse("robot").unwrap_err().code(), "bad_gender");
        assert_eq!(
            Interest::parse_list(&["music", "knitting"])
                .unwrap_err()
                .code(),
            "bad_interest"
        );
        let twenty = vec!["music"; 20];
        assert_eq!(
            Interest::parse_list(&twenty).unwrap_err().code(),
            "too_many_interests"
        );
        assert_eq!(Lang::parse("<b>").unwrap_err().code(), "bad_lang");
        let range = SearchPrefs {
            age_min: Some(Age::parse(40).unwrap()),
            age_max: Some(Age::parse(20).unwrap()),
            ..SearchPrefs::default()
        };
        assert_eq!(range.check().unwrap_err().code(), "bad_age_range");
    }

    #[test]
    fn preferences_are_checked_against_the_other_side() {
        let f30 = person(Some(Gender::Female), Some(30), &["music"]);
        let m20 = person(Some(Gender::Male), Some(20), &["games"]);
        let any = SearchPrefs::default();
        let women = SearchPrefs {
            gender: vec![Gender::Female],
            ..any.clone()
        };
        assert!(accepts(&m20, &women, &f30, &any));
        assert!(!accepts(&f30, &women, &m20, &any));
        let older = SearchPrefs {
            age_min: Some(Age::parse(25).unwrap()),
            ..any.clone()
        };
        assert!(accepts(&m20, &older, &f30, &any));
        assert!(!accepts(&f30, &older, &m20, &any));
        // An unset age or gender does not meet a preference for one.
        assert!(!accepts(&m20, &older, &Profile::default(), &any));
        let shared = SearchPrefs {
            shared_interest: true,
            ..any.clone()
        };
        assert!(!accepts(&m20, &shared, &f30, &any));
        let en = SearchPrefs {
            lang: Some(Lang::parse("EN").unwrap()),
            ..any.clone()
        };
        let de = SearchPrefs {
            lang: Some(Lang::parse("de").unwrap()),
            ..any.clone()
        };
        assert!(accepts(&m20, &en, &f30, &any));
        assert!(!accepts(&m20, &en, &f30, &de));
        let german = Profile {
            langs: vec![Lang::parse("de").unwrap()],
            ..f30.clone()
        };
        assert!(!accepts(&m20, &en, &german, &any));
    }

    #[test]
    fn relaxation_drops_set_preferences_in_order() {
        let prefs = SearchPrefs {
            gender: vec![Gender::Other],
            age_min: None,
            age_max: Some(Age::parse(30).unwrap()),
            lang: Some(Lang::parse("en").unwrap()),
            shared_interest: false,
        };
        let (p, dropped, more) = prefs.relaxed(1);
        assert_eq!(dropped, vec![Relaxed::Age]);
        assert!(p.age_max.is_none() && !p.gender.is_empty() && more);
        let (p, dropped, more) = prefs.relaxed(3);
        assert_eq!(dropped, vec![Relaxed::Age, Relaxed::Gender, Relaxed::Lang]);
        assert_eq!(p, SearchPrefs::default());
        assert!(!more);
        assert_eq!(SearchPrefs::default().relaxed(2).1, vec![]);
    }
}
