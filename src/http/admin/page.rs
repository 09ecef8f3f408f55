//! The moderators' page at `/admin/`, embedded in the binary like the chat
//! page. It holds no secret: the token is typed into it and sent with each
//! API call. Served only when the admin API is on.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, ContentType, LOCATION};
use actix_web::{HttpResponse, web};

use crate::http::{AppState, HttpError};

const ADMIN_HTML: &str = include_str!("../static/admin.html");
const ADMIN_JS: &str = include_str!("../static/admin.js");
const ADMIN_CSS: &str = include_str!("../static/admin.css");

/// Only our own script, style and API: evidence text can never run as code.
const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data:; \
                   style-src 'self'; script-src 'self'; frame-ancestors 'none'";

fn enabled(state: &AppState) -> Result<(), HttpError> {
    if state.admin_token.is_some() {
        Ok(())
    } else {
        Err(HttpError::NotFound)
    }
}

/// `/admin` → `/admin/`, so the page's relative paths resolve.
pub async fn redirect(state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    enabled(&state)?;
    Ok(HttpResponse::PermanentRedirect()
        .insert_header((LOCATION, "/admin/"))
        .finish())
}

pub async fn index(state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    enabled(&state)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((CONTENT_SECURITY_POLICY, CSP))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(ADMIN_HTML))
}

pub async fn script(state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    enabled(&state)?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(ADMIN_JS))
}

pub async fn style(state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    enabled(&state)?;
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(ADMIN_CSS))
}
