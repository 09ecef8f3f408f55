//! The language the hub speaks to a person in (its own words: notices,
//! buttons, the web page), as opposed to `Lang`, the languages a person
//! chats in for matching.

use std::fmt;

/// A language the hub's texts are translated into. English is the default
/// for anyone whose language is not one of these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UiLang {
    #[default]
    En,
    Ru,
    Uk,
}

impl UiLang {
    /// Every language, English first.
    pub const ALL: [UiLang; 3] = [UiLang::En, UiLang::Ru, UiLang::Uk];

    /// The ISO 639-1 code (also the translation files' folder name).
    pub const fn code(self) -> &'static str {
        match self {
            UiLang::En => "en",
            UiLang::Ru => "ru",
            UiLang::Uk => "uk",
        }
    }

    /// Exactly one of the codes above; anything else is `None`.
    pub fn parse(code: &str) -> Option<UiLang> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language for a client's IETF tag (Telegram's `language_code`,
    /// a browser's `navigator.language`): its primary subtag, any case;
    /// English for a missing or unknown one.
    pub fn from_tag(tag: Option<&str>) -> UiLang {
        tag.and_then(|t| t.split(['-', '_']).next())
            .and_then(|primary| Self::parse(&primary.to_ascii_lowercase()))
            .unwrap_or_default()
    }
}

impl fmt::Display for UiLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_their_primary_language_else_english() {
        assert_eq!(UiLang::from_tag(Some("ru")), UiLang::Ru);
        assert_eq!(UiLang::from_tag(Some("uk-UA")), UiLang::Uk);
        assert_eq!(UiLang::from_tag(Some("RU_ru")), UiLang::Ru);
        assert_eq!(UiLang::from_tag(Some("de")), UiLang::En);
        assert_eq!(UiLang::from_tag(Some("")), UiLang::En);
        assert_eq!(UiLang::from_tag(None), UiLang::En);
        assert_eq!(UiLang::parse("uk"), Some(UiLang::Uk));
        assert_eq!(UiLang::parse("UK"), None);
    }
}
