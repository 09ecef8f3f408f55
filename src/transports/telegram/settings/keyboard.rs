//! What `/profile` and `/settings` show: the profile as text and the
//! inline keyboards of each screen, labelled in the person's language.

use strum::VariantArray;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::domain::{Age, Gender, Interest, Profile, SearchPrefs};
use crate::i18n::{UiLang, tr, tr_args};

/// The languages offered as buttons (any code can be set over the
/// WebSocket; these cover most people).
pub(super) const LANGS: [&str; 12] = [
    "en", "es", "de", "fr", "it", "pt", "ru", "uk", "tr", "ar", "hi", "zh",
];
/// Age ranges offered for a partner.
pub(super) const AGE_RANGES: [(u8, u8); 5] = [(16, 20), (18, 25), (25, 35), (35, 50), (50, 99)];
/// Buttons per keyboard row.
pub(super) const PER_ROW: usize = 4;

pub(super) fn gender_name(lang: UiLang, g: Gender) -> String {
    tr(lang, &format!("gender-{}", g.as_str()))
}

pub(super) fn interest_name(lang: UiLang, i: Interest) -> String {
    tr(lang, &format!("interest-{}", i.as_str()))
}

pub(super) fn or_unset(lang: UiLang, v: Option<String>) -> String {
    v.unwrap_or_else(|| tr(lang, "value-not-set"))
}

pub(super) fn list<T>(lang: UiLang, items: &[T], name: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        tr(lang, "value-any")
    } else {
        items.iter().map(name).collect::<Vec<_>>().join(", ")
    }
}

pub(super) fn age_range(lang: UiLang, prefs: &SearchPrefs) -> String {
    match (prefs.age_min, prefs.age_max) {
        (None, None) => tr(lang, "value-any"),
        (lo, hi) => format!("{}-{}", lo.map_or(16, Age::get), hi.map_or(99, Age::get)),
    }
}

/// The person's profile and preferences, for them to read in `lang`
/// (language codes stay codes).
pub fn profile_text(lang: UiLang, profile: &Profile, prefs: &SearchPrefs) -> String {
    let values = [
        (
            "gender",
            or_unset(lang, profile.gender.map(|g| gender_name(lang, g))),
        ),
        (
            "age",
            or_unset(lang, profile.age.map(|a| a.get().to_string())),
        ),
        (
            "interests",
            list(lang, &profile.interests, |i| interest_name(lang, *i)),
        ),
        (
            "langs",
            list(lang, &profile.langs, |l| l.as_str().to_owned()),
        ),
        (
            "wantGender",
            list(lang, &prefs.gender, |g| gender_name(lang, *g)),
        ),
        ("wantAge", age_range(lang, prefs)),
        (
            "wantLang",
            prefs
                .lang
                .as_ref()
                .map_or_else(|| tr(lang, "value-any"), |l| l.as_str().to_owned()),
        ),
        (
            "shared",
            tr(
                lang,
                if prefs.shared_interest {
                    "value-yes"
                } else {
                    "value-no"
                },
            ),
        ),
    ];
    let args: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tr_args(lang, "profile-text", &args)
}

pub(super) fn button(label: impl Into<String>, data: impl Into<String>) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, data)
}

pub(super) fn rows(buttons: Vec<InlineKeyboardButton>) -> Vec<Vec<InlineKeyboardButton>> {
    buttons.chunks(PER_ROW).map(<[_]>::to_vec).collect()
}

pub(super) fn back(lang: UiLang) -> Vec<InlineKeyboardButton> {
    vec![button(tr(lang, "settings-back"), "st:main")]
}

pub(super) fn tick(on: bool, label: &str) -> String {
    if on {
        format!("✓ {label}")
    } else {
        label.to_owned()
    }
}

/// A screen's keyboard in `lang`, marking what is chosen now.
pub(super) fn keyboard(
    lang: UiLang,
    screen: &str,
    profile: &Profile,
    prefs: &SearchPrefs,
) -> InlineKeyboardMarkup {
    let t = |key| tr(lang, key);
    let genders = |prefix: &str, chosen: &dyn Fn(Gender) -> bool| {
        let mut b: Vec<_> = Gender::VARIANTS
            .iter()
            .map(|g| {
                button(
                    tick(chosen(*g), &gender_name(lang, *g)),
                    format!("{prefix}{}", g.as_str()),
                )
            })
            .collect();
        b.push(button(
            t(if prefix == "pg:" {
                "value-any"
            } else {
                "value-unset"
            }),
            format!("{prefix}-"),
        ));
        b
    };
    let mut kb = match screen {
        "g" => rows(genders("sg:", &|g| profile.gender == Some(g))),
        "a" => rows(
            (1..=9u8)
                .map(|d| {
                    let lo = (d * 10).max(16);
                    button(format!("{lo}-{}", d * 10 + 9), format!("st:a{d}"))
                })
                .collect(),
        ),
        // One decade of ages (`a1` = 16-19 ... `a9` = 90-99); anything else
        // (a forged button) shows the main menu.
        s if s.starts_with('a') && s[1..].parse::<u8>().is_ok_and(|d| (1..=9).contains(&d)) => {
            let d: u8 = s[1..].parse().unwrap_or(1);
            rows(
                ((d * 10).max(16)..=(d * 10 + 9))
                    .map(|a| {
                        let chosen = profile.age.map(Age::get) == Some(a);
                        button(tick(chosen, &a.to_string()), format!("sa:{a}"))
                    })
                    .collect(),
            )
        }
        "i" => rows(
            Interest::VARIANTS
                .iter()
                .map(|i| {
                    let on = profile.interests.contains(i);
                    button(
                        tick(on, &interest_name(lang, *i)),
                        format!("si:{}", i.as_str()),
                    )
                })
                .collect(),
        ),
        "l" => rows(
            LANGS
                .iter()
                .map(|l| {
                    let on = profile.langs.iter().any(|x| x.as_str() == *l);
                    button(tick(on, l), format!("sl:{l}"))
                })
                .collect(),
        ),
        "pg" => rows(genders("pg:", &|g| prefs.gender.contains(&g))),
        "pa" => {
            let mut b: Vec<_> = AGE_RANGES
                .iter()
                .map(|(lo, hi)| {
                    let on = prefs.age_min.map(Age::get) == Some(*lo)
                        && prefs.age_max.map(Age::get) == Some(*hi);
                    button(tick(on, &format!("{lo}-{hi}")), format!("pa:{lo}-{hi}"))
                })
                .collect();
            b.push(button(t("value-any"), "pa:-"));
            rows(b)
        }
        _ => {
            return InlineKeyboardMarkup::new([
                vec![
                    button(t("settings-my-gender"), "st:g"),
                    button(t("settings-my-age"), "st:a"),
                ],
                vec![
                    button(t("settings-my-interests"), "st:i"),
                    button(t("settings-my-languages"), "st:l"),
                ],
                vec![
                    button(t("settings-partner-gender"), "st:pg"),
                    button(t("settings-partner-age"), "st:pa"),
                ],
            ]);
        }
    };
    kb.push(back(lang));
    InlineKeyboardMarkup::new(kb)
}
