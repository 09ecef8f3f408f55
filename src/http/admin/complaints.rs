//! `/admin/complaints`: the queue, one complaint with its evidence, closing one.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Admin, Params, check_by, page_params, parse_id};
use crate::domain::ComplaintId;
use crate::http::{AppState, HttpError};
use crate::store::{ComplaintStatus, PageCursor};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default), `resolved` or `dismissed`.
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `GET /admin/complaints?status=open&cursor=&limit=`: oldest first.
pub async fn list(
    _admin: Admin,
    Params(query): Params<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let status = match query.status.as_deref() {
        None => ComplaintStatus::Open,
        Some(s) => ComplaintStatus::parse(s).ok_or_else(|| {
            HttpError::BadRequest("status must be open, resolved or dismissed".into())
        })?,
    };
    let (cursor, limit) = page_params(query.cursor.as_deref(), query.limit.as_deref())?;
    let items = state
        .deps
        .store
        .moderation
        .complaints_page(status, cursor, limit)
        .await?;
    let next = (items.len() == limit)
        .then(|| {
            items.last().map(|c| {
                PageCursor {
                    at: c.created_at,
                    id: c.id.0,
                }
                .encode()
            })
        })
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next": next })))
}

/// `GET /admin/complaints/{id}`.
pub async fn show(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let id: ComplaintId = parse_id("id", &path)?;
    match state.deps.store.moderation.complaint(id).await? {
        Some(c) => Ok(HttpResponse::Ok().json(c)),
        None => Err(HttpError::NotFound),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `resolved` or `dismissed`.
    status: String,
    /// The moderator, for the audit log (required).
    by: String,
}

/// `POST /admin/complaints/{id}/resolve`.
pub async fn resolve(
    _admin: Admin,
    path: web::Path<String>,
    body: web::Json<ResolveBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let id: ComplaintId = parse_id("id", &path)?;
    let status = match ComplaintStatus::parse(&body.status) {
        Some(s @ (ComplaintStatus::Resolved | ComplaintStatus::Dismissed)) => s,
        _ => {
            return Err(HttpError::BadRequest(
                "status must be resolved or dismissed".into(),
            ));
        }
    };
    check_by("by", &body.by)?;
    crate::actors::moderation::resolve(&state.deps, id, status, &body.by).await?;
    Ok(HttpResponse::NoContent().finish())
}
