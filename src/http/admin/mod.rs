//! `/admin/*`: operator API, JSON, `Authorization: Bearer <CHATHUB_ADMIN_TOKEN>`,
//! and the moderators' page at `/admin/`. Off (404) when no token is configured.

mod audit;
mod complaints;
mod page;
mod stats;
mod users;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use subtle::ConstantTimeEq;

use super::{AppState, HttpError};
use crate::store::PageCursor;

/// `bans.banned_by`, `bans.lifted_by` and `audit_log.actor` hold at most this
/// many characters (the columns' own limits).
pub const BY_MAX_CHARS: usize = 100;
pub use crate::actors::moderation::REASON_MAX_CHARS;
/// Items per page of the complaints queue and the audit log, by default and at most.
const PAGE_DEFAULT: usize = 50;
const PAGE_MAX: usize = 200;
/// Largest admin JSON body: a ban or a resolution is a few short fields.
const ADMIN_JSON_LIMIT: usize = 4 * 1024;

/// Registers the admin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(page::redirect))
        .route("/admin/", web::get().to(page::index))
        .route("/admin/admin.js", web::get().to(page::script))
        .route("/admin/admin.css", web::get().to(page::style))
        .route("/admin/stats", web::get().to(stats::stats))
        .route("/admin/audit", web::get().to(audit::list))
        .route("/admin/users/{id}", web::get().to(users::show))
        .route("/admin/users/{id}", web::delete().to(users::delete))
        .service(
            web::resource("/admin/users/{id}/ban")
                .app_data(json_config())
                .route(web::post().to(users::ban))
                .route(web::delete().to(users::unban)),
        )
        .route("/admin/users/{id}/export", web::get().to(users::export))
        .route("/admin/complaints", web::get().to(complaints::list))
        .route("/admin/complaints/{id}", web::get().to(complaints::show))
        .service(
            web::resource("/admin/complaints/{id}/resolve")
                .app_data(json_config())
                .route(web::post().to(complaints::resolve)),
        );
}

/// Admin bodies are small; a bigger or malformed one is a 400 naming the
/// field serde names, or `body` when it names none (a type error, bad JSON).
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(ADMIN_JSON_LIMIT)
        .error_handler(|e, _| {
            let message = match &e {
                actix_web::error::JsonPayloadError::Deserialize(inner) => {
                    name_the_field(&inner.to_string(), "body")
                }
                other => format!("body: {other}"),
            };
            HttpError::BadRequest(message).into()
        })
}

/// An admin query string, deserialised into `T` (whose fields are all
/// strings, so the handler names the field of a bad value itself); an
/// unknown, repeated or missing parameter is a 400 naming it.
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest for Params<T> {
    type Error = HttpError;
    type Future = std::future::Ready<Result<Self, HttpError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            web::Query::<T>::from_query(req.query_string())
                .map(|q| Params(q.into_inner()))
                .map_err(|e| {
                    let message = match &e {
                        actix_web::error::QueryPayloadError::Deserialize(inner) => {
                            name_the_field(&inner.to_string(), "query")
                        }
                        other => format!("query: {other}"),
                    };
                    HttpError::BadRequest(message)
                }),
        )
    }
}

/// serde's messages name a field between backticks (``unknown field `x`,
/// expected ...``, ``missing field `x` ``, ``duplicate field `x` ``): the
/// 400 then starts with that name, as every admin 400 does; a message
/// naming none starts with `whole` (the body or the query).
fn name_the_field(message: &str, whole: &str) -> String {
    const NAMED: [&str; 3] = ["unknown field `", "missing field `", "duplicate field `"];
    for prefix in NAMED {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((field, _)) = rest.split_once('`')
        {
            let what = prefix.trim_end_matches(" field `");
            return format!("{field}: {what} field");
        }
    }
    format!("{whole}: {message}")
}

/// An id from the path, or a 400 naming `field`.
fn parse_id<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, HttpError> {
    raw.parse()
        .map_err(|_| HttpError::BadRequest(format!("{field}: {raw:?} is not a valid id")))
}

/// A moderator's name (`by`): 1–[`BY_MAX_CHARS`] characters, or a 400
/// naming `field`.
fn check_by(field: &str, value: &str) -> Result<(), HttpError> {
    check_text(field, value, BY_MAX_CHARS)
}

/// Text for a PostgreSQL `text`/`varchar(max)` column: 1–`max` characters,
/// not only blanks, and no NUL (the one character PostgreSQL text cannot
/// hold: Rust strings are already valid UTF-8), or a 400 naming `field`
/// before anything changes.
fn check_text(field: &str, value: &str, max: usize) -> Result<(), HttpError> {
    if value.contains('\0') {
        return Err(HttpError::BadRequest(format!(
            "{field} must not contain NUL characters"
        )));
    }
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(HttpError::BadRequest(format!(
            "{field} must be 1-{max} characters"
        )));
    }
    Ok(())
}

/// `?cursor=` and `?limit=` of a paginated list.
fn page_params(
    cursor: Option<&str>,
    limit: Option<&str>,
) -> Result<(Option<PageCursor>, usize), HttpError> {
    let cursor = match cursor {
        None | Some("") => None,
        Some(raw) => Some(
            PageCursor::decode(raw)
                .ok_or_else(|| HttpError::BadRequest("cursor is not valid".into()))?,
        ),
    };
    let limit = match limit {
        None => PAGE_DEFAULT,
        Some(raw) => raw.parse().unwrap_or(0),
    };
    if limit == 0 || limit > PAGE_MAX {
        return Err(HttpError::BadRequest(format!("limit must be 1-{PAGE_MAX}")));
    }
    Ok((cursor, limit))
}

/// Proof that the request carries the admin bearer token. Every admin
/// handler takes it as its first argument: extractors run in argument
/// order and this one is ready at once, so a request without the token is
/// answered (404 with the API off, 401 otherwise) before any body is read.
pub struct Admin;

impl FromRequest for Admin {
    type Error = HttpError;
    type Future = std::future::Ready<Result<Self, HttpError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(authorize(req))
    }
}

/// Checks the bearer token in constant time (no early exit on the first
/// differing byte, so response timing does not leak the token).
fn authorize(req: &HttpRequest) -> Result<Admin, HttpError> {
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.admin_token.as_ref())
        .ok_or(HttpError::NotFound)?;
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
        Ok(Admin)
    } else {
        Err(HttpError::Unauthorized)
    }
}
