//! `/profile` and `/settings` for Telegram people. `/settings` sends one
//! message with an inline keyboard; each button edits that message in
//! place (`editMessageText`) to a sub-menu or, once a value is picked,
//! stores it (validated by the domain, as the WebSocket's are) and shows
//! the menu again with the profile as it now stands.
//!
//! Callback data (at most 64 bytes, as Telegram allows): `st:<screen>`
//! shows a screen; `sg:<gender|->` sets one's gender, `sa:<age>` one's age,
//! `si:<tag>` / `sl:<code>` toggle an interest / a language, `pg:<gender|->`
//! toggles a wanted gender (`-` = any), `pa:<min>-<max>|-` sets the wanted
//! age range.

use strum::VariantArray;
use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::{
    CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage,
};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::update::Handled;
use crate::domain::{
    Age, Gender, InputError, Interest, Lang, Profile, ProfileUpdate, SearchPrefs, UserId,
};
use crate::error::ChatError;
use crate::i18n::{UiLang, tr, tr_args};

/// The languages offered as buttons (any code can be set over the
/// WebSocket; these cover most people).
const LANGS: [&str; 12] = [
    "en", "es", "de", "fr", "it", "pt", "ru", "uk", "tr", "ar", "hi", "zh",
];
/// Age ranges offered for a partner.
const AGE_RANGES: [(u8, u8); 5] = [(16, 20), (18, 25), (25, 35), (35, 50), (50, 99)];
/// Buttons per keyboard row.
const PER_ROW: usize = 4;

/// Whether callback data belongs to the settings keyboards.
pub fn is_settings(data: &str) -> bool {
    ["st:", "sg:", "sa:", "si:", "sl:", "pg:", "pa:"]
        .iter()
        .any(|p| data.starts_with(p))
}

fn gender_name(lang: UiLang, g: Gender) -> String {
    tr(lang, &format!("gender-{}", g.as_str()))
}

fn interest_name(lang: UiLang, i: Interest) -> String {
    tr(lang, &format!("interest-{}", i.as_str()))
}

fn or_unset(lang: UiLang, v: Option<String>) -> String {
    v.unwrap_or_else(|| tr(lang, "value-not-set"))
}

fn list<T>(lang: UiLang, items: &[T], name: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        tr(lang, "value-any")
    } else {
        items.iter().map(name).collect::<Vec<_>>().join(", ")
    }
}

fn age_range(lang: UiLang, prefs: &SearchPrefs) -> String {
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

fn button(label: impl Into<String>, data: impl Into<String>) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, data)
}

fn rows(buttons: Vec<InlineKeyboardButton>) -> Vec<Vec<InlineKeyboardButton>> {
    buttons.chunks(PER_ROW).map(<[_]>::to_vec).collect()
}

fn back(lang: UiLang) -> Vec<InlineKeyboardButton> {
    vec![button(tr(lang, "settings-back"), "st:main")]
}

fn tick(on: bool, label: &str) -> String {
    if on {
        format!("✓ {label}")
    } else {
        label.to_owned()
    }
}

/// A screen's keyboard in `lang`, marking what is chosen now.
fn keyboard(
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

/// What a settings button asks for.
enum Pick {
    Show(String),
    Profile(ProfileUpdate),
    Prefs(SearchPrefs),
}

fn toggle<T: PartialEq + Clone>(list: &[T], item: T) -> Vec<T> {
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
fn pick(data: &str, profile: &Profile, prefs: &SearchPrefs) -> Result<Pick, InputError> {
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
fn screen_of(data: &str) -> &'static str {
    match data.split_once(':').map_or("", |(k, _)| k) {
        "si" => "i",
        "sl" => "l",
        "pg" => "pg",
        _ => "main",
    }
}

impl TelegramTransport {
    /// `/settings`: the menu, under the profile as it stands.
    pub(super) async fn send_settings(
        &self,
        user: UserId,
        chat: TelegramChatId,
        lang: UiLang,
    ) -> Handled {
        let (profile, prefs) = self.deps.store.matching.profile(user).await?;
        let mut req = self
            .api
            .bot
            .send_message(chat.chat_id(), profile_text(lang, &profile, &prefs));
        req.payload_mut().reply_markup = Some(keyboard(lang, "main", &profile, &prefs).into());
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "settings menu not sent");
        }
        Ok(())
    }

    /// A settings button: store what was picked, then redraw the message.
    pub(super) async fn on_settings(
        &self,
        user: UserId,
        chat: TelegramChatId,
        q: &CallbackQuery,
        data: &str,
        lang: UiLang,
    ) -> Handled {
        let store = &self.deps.store.matching;
        let (mut profile, mut prefs) = store.profile(user).await?;
        let (screen, note) = match pick(data, &profile, &prefs) {
            Ok(Pick::Show(screen)) => (screen, None),
            Ok(Pick::Profile(update)) => {
                profile = store.update_profile(user, &update).await?;
                (screen_of(data).to_owned(), Some(tr(lang, "settings-saved")))
            }
            Ok(Pick::Prefs(new)) => {
                store.set_prefs(user, &new).await?;
                prefs = new;
                (screen_of(data).to_owned(), Some(tr(lang, "settings-saved")))
            }
            // Nothing changes; the person reads why.
            Err(e) => (
                screen_of(data).to_owned(),
                Some(super::texts::error_text(lang, &ChatError::Input(e))),
            ),
        };
        let Some(MaybeInaccessibleMessage::Regular(msg)) = &q.message else {
            return self.send_settings(user, chat, lang).await;
        };
        let mut text = profile_text(lang, &profile, &prefs);
        if let Some(note) = note {
            text = format!("{note}\n\n{text}");
        }
        let mut req = self.api.bot.edit_message_text(chat.chat_id(), msg.id, text);
        req.payload_mut().reply_markup = Some(keyboard(lang, &screen, &profile, &prefs));
        if let Err(e) = self.api.call(Some(chat), req).await {
            tracing::debug!(error = %e, "settings menu not redrawn");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_fits_telegrams_64_bytes_and_parses() {
        let (p, s) = (Profile::default(), SearchPrefs::default());
        for screen in ["main", "g", "a", "a1", "a9", "i", "l", "pg", "pa"] {
            for row in keyboard(UiLang::Uk, screen, &p, &s).inline_keyboard {
                for b in row {
                    let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = b.kind else {
                        panic!("a callback button");
                    };
                    assert!(d.len() <= 64 && is_settings(&d), "{d}");
                    assert!(pick(&d, &p, &s).is_ok(), "{d}");
                }
            }
        }
        assert!(pick("sa:7", &p, &s).is_err());
        // A forged decade shows the main menu rather than overflowing.
        let main = keyboard(UiLang::En, "main", &p, &s);
        assert_eq!(keyboard(UiLang::En, "a99", &p, &s), main);
        assert_eq!(keyboard(UiLang::En, "a0", &p, &s), main);
        assert!(pick("sg:robot", &p, &s).is_err());
    }

    #[test]
    fn a_sixth_interest_is_refused() {
        let p = Profile {
            interests: Interest::parse_list(&["music", "books", "art", "food", "tech"]).unwrap(),
            ..Profile::default()
        };
        let err = pick("si:games", &p, &SearchPrefs::default()).err().unwrap();
        assert_eq!(err.code(), "too_many_interests");
        assert!(
            pick("si:music", &p, &SearchPrefs::default()).is_ok(),
            "a toggle off"
        );
    }
}
