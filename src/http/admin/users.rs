//! `/admin/users/{id}/*`: bans and data-protection requests.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{authorize, parse_id};
use crate::bus::{BusEvent, Topic};
use crate::domain::{EndReason, UserId};
use crate::http::{AppState, HttpError};
use crate::store::NewBan;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    /// End of the ban; absent = permanent.
    until: Option<DateTime<Utc>>,
    reason: String,
    /// Who decided (a moderator's handle), for the record.
    by: String,
}

/// `POST /admin/users/{id}/ban`.
pub async fn ban(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<BanBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let user: UserId = parse_id(&path)?;
    let body = body.into_inner();
    for (name, value) in [("reason", &body.reason), ("by", &body.by)] {
        if value.trim().is_empty() || value.chars().count() > 500 {
            return Err(HttpError::BadRequest(format!(
                "{name} must be 1-500 characters"
            )));
        }
    }
    state
        .deps
        .store
        .ban(NewBan {
            user,
            until: body.until,
            reason: body.reason,
            by: body.by,
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /admin/users/{id}/export`: everything the hub holds about one person.
pub async fn export(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let user: UserId = parse_id(&path)?;
    match state.deps.store.export_user(user).await? {
        Some(export) => Ok(HttpResponse::Ok().json(export)),
        None => Err(HttpError::NotFound),
    }
}

/// `DELETE /admin/users/{id}`: erases the person; a partner they were
/// chatting with is told the chat ended (`moderation`).
pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let user: UserId = parse_id(&path)?;
    let store = &state.deps.store;
    let active = store.active_room(user).await?;
    if !store.delete_user(user).await? {
        return Err(HttpError::NotFound);
    }
    if let Some(room) = active {
        let ended = BusEvent::RoomEnded {
            room: room.id,
            by: None,
            reason: EndReason::Moderation,
        };
        // The room is ended in the store either way; a lost doorbell is
        // found by the partner's periodic sync.
        if let Err(e) = state.deps.bus.publish(Topic::Room(room.id), &ended).await {
            tracing::warn!(room = %room.id, error = %e, "deletion not announced");
        }
    }
    tracing::info!(user = %user, "user deleted on request");
    Ok(HttpResponse::NoContent().finish())
}
