//! A person's profile (who they are), its fields validated here. Whom they
//! want to meet, and the compatibility rule, are in `prefs.rs`.

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

#[cfg(test)]
mod tests;
