//! A rating of the last partner, and what it adds to their reputation.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use super::InputError;

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
