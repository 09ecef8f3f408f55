//! `/admin/complaints/{id}`: read a complaint with its evidence, close it.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{authorize, parse_id};
use crate::domain::ComplaintId;
use crate::http::{AppState, HttpError};
use crate::store::ComplaintStatus;

/// `GET /admin/complaints/{id}`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let id: ComplaintId = parse_id(&path)?;
    match state.deps.store.complaint(id).await? {
        Some(c) => Ok(HttpResponse::Ok().json(c)),
        None => Err(HttpError::NotFound),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `resolved` or `dismissed`.
    status: String,
}

/// `POST /admin/complaints/{id}/resolve`.
pub async fn resolve(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ResolveBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let id: ComplaintId = parse_id(&path)?;
    let status = match ComplaintStatus::parse(&body.status) {
        Some(s @ (ComplaintStatus::Resolved | ComplaintStatus::Dismissed)) => s,
        _ => {
            return Err(HttpError::BadRequest(
                "status must be resolved or dismissed".into(),
            ));
        }
    };
    state.deps.store.resolve_complaint(id, status).await?;
    Ok(HttpResponse::NoContent().finish())
}
