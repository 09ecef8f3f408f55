//! `/profile` and `/settings` for Telegram people: the profile as text.
//! (The inline keyboards of `/settings` are not built yet.)

use crate::domain::{Profile, SearchPrefs};

fn or_unset(v: Option<String>) -> String {
    v.unwrap_or_else(|| "not set".to_owned())
}

fn list<T>(items: &[T], name: impl Fn(&T) -> &str) -> String {
    if items.is_empty() {
        "any".to_owned()
    } else {
        items.iter().map(name).collect::<Vec<_>>().join(", ")
    }
}

/// The person's profile and preferences, for them to read.
pub fn profile_text(profile: &Profile, prefs: &SearchPrefs) -> String {
    let ages = match (prefs.age_min, prefs.age_max) {
        (None, None) => "any".to_owned(),
        (lo, hi) => format!(
            "{}-{}",
            lo.map_or(16, |a| a.get()),
            hi.map_or(99, |a| a.get())
        ),
    };
    format!(
        "Your profile\nGender: {}\nAge: {}\nInterests: {}\nLanguages: {}\n\n\
         Partner preferences\nGender: {}\nAge: {}\nLanguage: {}\nShared interest required: {}",
        or_unset(profile.gender.map(|g| g.as_str().to_owned())),
        or_unset(profile.age.map(|a| a.get().to_string())),
        list(&profile.interests, |i| i.as_str()),
        list(&profile.langs, |l| l.as_str()),
        list(&prefs.gender, |g| g.as_str()),
        ages,
        prefs.lang.as_ref().map_or("any", |l| l.as_str()),
        if prefs.shared_interest { "yes" } else { "no" },
    )
}
