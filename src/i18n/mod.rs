//! What the hub says to people, in every language of [`UiLang`], from the
//! Fluent files under `src/i18n/locales/<code>/chathub.ftl` (embedded in
//! the binary). English is the fallback for a message a translation lacks;
//! the tests below fail if any file lacks a message or has one English has
//! not, or if a message's `{ $variables }` differ between languages.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

pub use crate::domain::UiLang;

/// The translation files, by language.
fn source(lang: UiLang) -> &'static str {
    match lang {
        UiLang::En => include_str!("locales/en/chathub.ftl"),
        UiLang::Ru => include_str!("locales/ru/chathub.ftl"),
        UiLang::Uk => include_str!("locales/uk/chathub.ftl"),
    }
}

type Bundle = FluentBundle<FluentResource>;

/// One bundle per language, in `UiLang::ALL` order, built on first use.
static BUNDLES: LazyLock<Vec<Bundle>> = LazyLock::new(|| UiLang::ALL.map(bundle).into());

fn bundle(lang: UiLang) -> Bundle {
    let id = lang.code().parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Telegram and the page show plain text: no bidi isolation marks
    // around placeables.
    b.set_use_isolating(false);
    // A file that does not parse fully still serves what it could read
    // (the tests make sure every shipped file parses).
    let res = FluentResource::try_new(source(lang).to_owned()).unwrap_or_else(|(res, errors)| {
        tracing::error!(lang = %lang, errors = errors.len(), "translation file has errors");
        res
    });
    if let Err(errors) = b.add_resource(res) {
        tracing::error!(lang = %lang, errors = errors.len(), "translation file repeats ids");
    }
    b
}

fn bundle_of(lang: UiLang) -> Option<&'static Bundle> {
    let i = UiLang::ALL.iter().position(|l| *l == lang)?;
    BUNDLES.get(i)
}

fn format(lang: UiLang, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let b = bundle_of(lang)?;
    let pattern = b.get_message(key)?.value()?;
    let mut errors = vec![];
    let text = b.format_pattern(pattern, args, &mut errors).into_owned();
    if !errors.is_empty() {
        tracing::warn!(lang = %lang, key, "translation formatted with errors");
    }
    Some(text)
}

/// The message `key` in `lang`, with `args` for its variables; English if
/// `lang` lacks it, and the key itself if English does too (a bug the
/// tests catch).
pub fn tr_args(lang: UiLang, key: &str, args: &[(&str, &str)]) -> String {
    let mut fa = FluentArgs::new();
    for (name, value) in args {
        fa.set(*name, FluentValue::from(*value));
    }
    let fa = (!args.is_empty()).then_some(&fa);
    format(lang, key, fa)
        .or_else(|| format(UiLang::En, key, fa))
        .unwrap_or_else(|| key.to_owned())
}

/// The message `key` in `lang` (see [`tr_args`]).
pub fn tr(lang: UiLang, key: &str) -> String {
    tr_args(lang, key, &[])
}

/// Every message of `lang` whose id starts with `prefix`, keyed by id:
/// the web page's dictionary (`GET /i18n.js`). A message's variables are
/// left as `{ $name }` for the page to fill in; one `lang` lacks is English.
pub fn messages(lang: UiLang, prefix: &str) -> BTreeMap<String, String> {
    let own = raw_texts(lang, prefix);
    let mut all = raw_texts(UiLang::En, prefix);
    all.extend(own);
    all
}

fn parsed(lang: UiLang) -> ast::Resource<&'static str> {
    fluent_syntax::parser::parse(source(lang)).unwrap_or_else(|(res, _)| res)
}

/// The messages of `lang` whose id starts with `prefix`, each variable
/// written back as `{ $name }`.
fn raw_texts(lang: UiLang, prefix: &str) -> BTreeMap<String, String> {
    parsed(lang)
        .body
        .iter()
        .filter_map(|e| match e {
            ast::Entry::Message(m) if m.id.name.starts_with(prefix) => {
                Some((m.id.name.to_owned(), raw_text(m.value.as_ref()?)))
            }
            _ => None,
        })
        .collect()
}

fn raw_text(pattern: &ast::Pattern<&str>) -> String {
    let mut out = String::new();
    for el in &pattern.elements {
        match el {
            ast::PatternElement::TextElement { value } => out.push_str(value),
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
            } => out.push_str(&format!("{{ ${} }}", id.name)),
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::StringLiteral { value }),
            } => out.push_str(value),
            // Selectors and functions are not used by the page's messages.
            ast::PatternElement::Placeable { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// Message id -> the variables it uses.
    fn shape(lang: UiLang) -> BTreeMap<String, BTreeSet<String>> {
        let res = fluent_syntax::parser::parse(source(lang))
            .unwrap_or_else(|(_, errors)| panic!("{lang}: {errors:?}"));
        let mut out = BTreeMap::new();
        for entry in &res.body {
            let ast::Entry::Message(m) = entry else {
                continue;
            };
            let vars = m
                .value
                .iter()
                .flat_map(|p| &p.elements)
                .filter_map(|el| match el {
                    ast::PatternElement::Placeable {
                        expression:
                            ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
                    } => Some(id.name.to_owned()),
                    _ => None,
                })
                .collect();
            assert!(
                out.insert(m.id.name.to_owned(), vars).is_none(),
                "{lang}: {} twice",
                m.id.name
            );
        }
        out
    }

    #[test]
    fn every_language_has_exactly_the_english_messages_and_variables() {
        let en = shape(UiLang::En);
        assert!(en.len() > 50, "the English file was read");
        for lang in UiLang::ALL {
            let other = shape(lang);
            let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has extra {extra:?}");
            for (id, vars) in &en {
                assert_eq!(&other[id], vars, "{lang}: variables of {id}");
            }
        }
    }

    #[test]
    fn messages_format_in_each_language_with_variables_filled() {
        assert_eq!(tr(UiLang::En, "button-search"), "Search");
        assert_eq!(tr(UiLang::Ru, "button-search"), "Искать");
        assert_eq!(tr(UiLang::Uk, "button-search"), "Шукати");
        let ru = tr_args(UiLang::Ru, "unsupported", &[("what", "опросы")]);
        assert!(ru.starts_with("Извините, опросы нельзя"), "{ru}");
        // Multi-line messages keep their blank lines; no isolation marks.
        let welcome = tr(UiLang::En, "welcome");
        assert!(welcome.contains("people.\n\nHow it works"), "{welcome:?}");
        assert!(!welcome.contains('\u{2068}'));
        assert_eq!(tr(UiLang::Uk, "no-such-message"), "no-such-message");
    }

    #[test]
    fn the_web_dictionary_keeps_variables_for_the_page() {
        let d = messages(UiLang::Ru, "error-too-long");
        assert_eq!(
            d["error-too-long"],
            "сообщение слишком длинное: { $chars } символов, допустимо не больше { $max }"
        );
        assert_eq!(messages(UiLang::Uk, "").len(), shape(UiLang::En).len());
    }
}
