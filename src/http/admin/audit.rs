//! `GET /admin/audit`: every moderator action, newest first.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Admin, Params, page_params};
use crate::http::{AppState, HttpError};
use crate::store::PageCursor;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    cursor: Option<String>,
    limit: Option<String>,
}

pub async fn list(
    _admin: Admin,
    Params(query): Params<AuditQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let (cursor, limit) = page_params(query.cursor.as_deref(), query.limit.as_deref())?;
    let items = state.deps.store.oversight.audit_page(cursor, limit).await?;
    let next = (items.len() == limit)
        .then(|| {
            items
                .last()
                .map(|e| PageCursor { at: e.at, id: e.id }.encode())
        })
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next": next })))
}
