//! The matching parts of the WebSocket protocol (the README's): the
//! `prefs` of `search`, the client's `profile` frame and the server's
//! `profile` answer. Raw shapes are read here and parsed into the domain's
//! validated types, each bad value refused with its own code.

use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::{Age, Gender, InputError, Interest, Lang, Profile, ProfileUpdate, SearchPrefs};

/// `search.prefs` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrefs {
    #[serde(default)]
    gender: Vec<String>,
    #[serde(default)]
    age_min: Option<i64>,
    #[serde(default)]
    age_max: Option<i64>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    shared_interest: bool,
}

impl RawPrefs {
    /// Every refusal is `bad_prefs`, naming what was wrong.
    pub(super) fn parse(self) -> Result<SearchPrefs, InputError> {
        self.parse_fields()
            .map_err(|e| InputError::BadPrefs(e.to_string()))
    }

    fn parse_fields(self) -> Result<SearchPrefs, InputError> {
        SearchPrefs {
            gender: self
                .gender
                .iter()
                .map(|g| Gender::parse(g))
                .collect::<Result<_, _>>()?,
            age_min: self.age_min.map(Age::parse).transpose()?,
            age_max: self.age_max.map(Age::parse).transpose()?,
            lang: self.lang.as_deref().map(Lang::parse).transpose()?,
            shared_interest: self.shared_interest,
        }
        .check()
    }
}

/// One language or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawLangs {
    One(String),
    Many(Vec<String>),
}

/// Present (even as `null`) versus absent: `null` unsets a field, an
/// absent field stays as it is.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The client's `profile` frame: every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    #[serde(default, deserialize_with = "present")]
    pub gender: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub age: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub interests: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "present")]
    pub lang: Option<Option<RawLangs>>,
}

impl RawProfile {
    pub(super) fn parse(self) -> Result<ProfileUpdate, InputError> {
        Ok(ProfileUpdate {
            gender: self
                .gender
                .map(|g| g.as_deref().map(Gender::parse).transpose())
                .transpose()?,
            age: self
                .age
                .map(|a| a.map(Age::parse).transpose())
                .transpose()?,
            interests: self
                .interests
                .map(|i| Interest::parse_list(&i.unwrap_or_default()))
                .transpose()?,
            langs: self
                .lang
                .map(|l| match l {
                    None => Ok(Vec::new()),
                    Some(RawLangs::One(one)) => Lang::parse_list(&[one]),
                    Some(RawLangs::Many(many)) => Lang::parse_list(&many),
                })
                .transpose()?,
        })
    }
}

/// The server's `profile` frame body: the whole stored profile (unset
/// fields as `null`, languages as a list) and the stored preferences.
#[derive(Debug, Serialize)]
pub(super) struct ProfileBody<'a> {
    gender: Option<Gender>,
    age: Option<Age>,
    interests: &'a [Interest],
    lang: &'a [Lang],
    prefs: &'a SearchPrefs,
}

impl<'a> ProfileBody<'a> {
    pub(super) fn of(profile: &'a Profile, prefs: &'a SearchPrefs) -> Self {
        Self {
            gender: profile.gender,
            age: profile.age,
            interests: &profile.interests,
            lang: &profile.langs,
            prefs,
        }
    }
}
