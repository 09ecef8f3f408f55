//! The web chat page, embedded in the binary (no front-end build step).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, ContentType};

use crate::i18n::{self, UiLang};

const INDEX_HTML: &str = include_str!("static/index.html");
const APP_JS: &str = include_str!("static/app.js");
const STYLE_CSS: &str = include_str!("static/style.css");
const SETTINGS_JS: &str = include_str!("static/settings.js");
const I18N_JS: &str = include_str!("static/i18n.js");

/// The message id prefixes the page uses (its own, and the names and error
/// texts it shares with the bot).
const PAGE_MESSAGES: [&str; 4] = ["web-", "error-", "gender-", "interest-"];

/// `/i18n.js`: every language's page dictionary (from the translation
/// files, so they stay the one source of the page's words), then the
/// script that applies them. Built once.
static I18N_SCRIPT: LazyLock<String> = LazyLock::new(|| {
    let dicts: BTreeMap<&str, BTreeMap<String, String>> = UiLang::ALL
        .iter()
        .map(|lang| {
            let words = PAGE_MESSAGES
                .iter()
                .flat_map(|prefix| i18n::messages(*lang, prefix))
                .collect();
            (lang.code(), words)
        })
        .collect();
    // A map of strings always serializes; `{}` would leave the page English.
    let json = serde_json::to_string(&dicts).unwrap_or_else(|_| "{}".to_owned());
    format!("window.CHATHUB_I18N = {json};\n{I18N_JS}")
});

/// Only our own script, style and socket: user text can never run as code.
const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
                   style-src 'self'; script-src 'self'; frame-ancestors 'none'";

pub async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((CONTENT_SECURITY_POLICY, CSP))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(INDEX_HTML)
}

pub async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(APP_JS)
}

pub async fn style() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(STYLE_CSS)
}

/// The settings panel's script (profile and partner preferences).
pub async fn settings_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(SETTINGS_JS)
}

/// The page's words in every language, and the script applying them.
pub async fn i18n_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(I18N_SCRIPT.as_str())
}
