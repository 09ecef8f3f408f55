//! `/admin/users/{id}`: one person as moderators see them, bans and unbans,
//! and data-protection requests (export, deletion).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Admin, Params, REASON_MAX_CHARS, check_by, check_text, parse_id};
use crate::actors::moderation;
use crate::bus::BusEvent;
use crate::domain::{EndReason, UserId};
use crate::http::{AppState, HttpError};
use crate::store::NewBan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    /// End of the ban (RFC 3339); absent = permanent. Must be in the
    /// future. Parsed here rather than by serde so a bad one is a 400
    /// naming `until`.
    until: Option<String>,
    reason: String,
    /// Who decided (a moderator's handle), for the record.
    by: String,
}

/// `POST /admin/users/{id}/ban`: stored, then every replica acts on it.
pub async fn ban(
    _admin: Admin,
    path: web::Path<String>,
    body: web::Json<BanBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let user: UserId = parse_id("id", &path)?;
    let body = body.into_inner();
    check_text("reason", &body.reason, REASON_MAX_CHARS)?;
    check_by("by", &body.by)?;
    let until = match body.until.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse::<DateTime<Utc>>().map_err(|_| {
            HttpError::BadRequest(format!("until: {raw:?} is not an RFC 3339 time"))
        })?),
    };
    if until.is_some_and(|until| until <= Utc::now()) {
        return Err(HttpError::BadRequest("until must be in the future".into()));
    }
    moderation::ban(
        &state.deps,
        NewBan {
            user,
            until,
            reason: body.reason,
            by: body.by,
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The moderator acting, which the audit log records: required, like
/// every moderator action's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByQuery {
    by: String,
}

/// `DELETE /admin/users/{id}/ban?by=`: lifts every ban in force; 404 when
/// none was.
pub async fn unban(
    _admin: Admin,
    path: web::Path<String>,
    Params(query): Params<ByQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let user: UserId = parse_id("id", &path)?;
    check_by("by", &query.by)?;
    if !state.deps.store.moderation.unban(user, &query.by).await? {
        return Err(HttpError::NotFound);
    }
    tracing::info!(user = %user, "user unbanned");
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /admin/users/{id}`: profile, reputation, reports, bans, and whether
/// they are online or chatting now.
pub async fn show(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let user: UserId = parse_id("id", &path)?;
    let deps = &state.deps;
    let Some(view) = deps.store.oversight.user_moderation(user).await? else {
        return Err(HttpError::NotFound);
    };
    let online = deps.presence.latest(user).await.map_err(|e| {
        tracing::warn!(error = %e, "presence unavailable");
        HttpError::Unavailable
    })?;
    let room = deps.store.rooms.active_room(user).await?;
    let mut body = serde_json::to_value(view).map_err(|_| HttpError::Unavailable)?;
    if let Some(obj) = body.as_object_mut() {
        obj.insert("online".into(), online.is_some().into());
        obj.insert("chatting".into(), room.is_some().into());
    }
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Required: an export is a moderator reading everything about a
    /// person, so it is never recorded under the default name.
    by: String,
}

/// `GET /admin/users/{id}/export?by=`: everything the hub holds about one
/// person, audited (`export`, by `by`) as it is read; a missing or blank
/// `by` is a 400 and reads nothing.
pub async fn export(
    _admin: Admin,
    path: web::Path<String>,
    Params(query): Params<ExportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let user: UserId = parse_id("id", &path)?;
    check_by("by", &query.by)?;
    match state
        .deps
        .store
        .privacy
        .export_user(user, &query.by)
        .await?
    {
        Some(export) => {
            tracing::info!(user = %user, "user data exported on request");
            Ok(HttpResponse::Ok().json(export))
        }
        None => Err(HttpError::NotFound),
    }
}

/// `DELETE /admin/users/{id}?by=`: erases the person; a partner they were
/// chatting with is told the chat ended (`moderation`), and their own
/// sessions on every replica are closed.
pub async fn delete(
    _admin: Admin,
    path: web::Path<String>,
    Params(query): Params<ByQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let user: UserId = parse_id("id", &path)?;
    check_by("by", &query.by)?;
    let by = query.by.as_str();
    let deps = &state.deps;
    // The room ends first, the one way every room ends (stored, counted,
    // announced); the erasure then ends in its own transaction whatever
    // room the person may have entered meanwhile, which their partner's
    // periodic sync notices.
    if let Some(room) = deps.store.rooms.active_room(user).await? {
        deps.end_room(room.id, None, EndReason::Moderation).await?;
    }
    if !deps.store.privacy.delete_user(user, by).await? {
        return Err(HttpError::NotFound);
    }

    moderation::announce(deps, user, BusEvent::Deleted { user }).await;
    tracing::info!(user = %user, "user deleted on request");
    Ok(HttpResponse::NoContent().finish())
}
