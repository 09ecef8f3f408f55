//! Reading a settings button: its callback data, checked against the
//! stored profile and preferences by the domain's parsers.

use crate::domain::{Age, Gender, InputError, Interest, Lang, Profile, ProfileUpdate, SearchPrefs};

/// What a settings button asks for.
pub(super) enum Pick {
    Show(String),
    Profile(ProfileUpdate),
    Prefs(SearchPrefs),
}

pub(super) fn toggle<T: PartialEq + Clone>(list: &[T], item: T) -> Vec<T> {
    if list.contains(&item) {
        list.iter().filter(|x| **x != item).cloned().collect()
    } else {
        let mut out = list.to_vec();
        out.push(item);
        out
    }
}

/// Reads a button's data against the stored profile and preferences;
/// every value goes through the domain's parsers.
pub(super) fn pick(data: &str, profile: &Profile, prefs: &SearchPrefs) -> Result<Pick, InputError> {
    let (kind, value) = data.split_once(':').unwrap_or((data, ""));
    let gender = |v: &str| (v != "-").then(|| Gender::parse(v)).transpose();
    Ok(match kind {
        "st" => Pick::Show(value.to_owned()),
        "sg" => Pick::Profile(ProfileUpdate {
            gender: Some(gender(value)?),
            ..ProfileUpdate::default()
        }),
        "sa" => Pick::Profile(ProfileUpdate {
            age: Some(Some(Age::parse(
                value.parse().map_err(|_| InputError::BadAge)?,
            )?)),
            ..ProfileUpdate::default()
        }),
        "si" => {
            let tag: Vec<&str> = toggle(
                &profile
                    .interests
                    .iter()
                    .map(|i| i.as_str())
                    .collect::<Vec<_>>(),
                value,
            );
            Pick::Profile(ProfileUpdate {
                interests: Some(Interest::parse_list(&tag)?),
                ..ProfileUpdate::default()
            })
        }
        "sl" => {
            let langs = toggle(&profile.langs, Lang::parse(value)?);
            Pick::Profile(ProfileUpdate {
                langs: Some(Lang::parse_list(
                    &langs.iter().map(Lang::as_str).collect::<Vec<_>>(),
                )?),
                ..ProfileUpdate::default()
            })
        }
        "pg" => Pick::Prefs(SearchPrefs {
            gender: match gender(value)? {
                None => vec![],
                Some(g) => toggle(&prefs.gender, g),
            },
            ..prefs.clone()
        }),
        "pa" => {
            let range = match value.split_once('-') {
                Some((lo, hi)) if !lo.is_empty() => {
                    let age = |v: &str| Age::parse(v.parse().map_err(|_| InputError::BadAge)?);
                    (Some(age(lo)?), Some(age(hi)?))
                }
                _ => (None, None),
            };
            Pick::Prefs(
                SearchPrefs {
                    age_min: range.0,
                    age_max: range.1,
                    ..prefs.clone()
                }
                .check()?,
            )
        }
        _ => Pick::Show("main".to_owned()),
    })
}

/// The screen a value picked with `data` returns to.
pub(super) fn screen_of(data: &str) -> &'static str {
    match data.split_once(':').map_or("", |(k, _)| k) {
        "si" => "i",
        "sl" => "l",
        "pg" => "pg",
        _ => "main",
    }
}
