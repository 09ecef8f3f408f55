//! `/admin/*`: operator API, JSON, `Authorization: Bearer <CHATHUB_ADMIN_TOKEN>`.
//! Off (404) when no token is configured.

mod complaints;
mod users;

pub use complaints::{resolve as resolve_complaint, show as show_complaint};
pub use users::{ban as ban_user, delete as delete_user, export as export_user};

use actix_web::{HttpRequest, HttpResponse, web};
use subtle::ConstantTimeEq;

use super::{AppState, HttpError};
use crate::actors::hub::CountClients;
use crate::actors::matcher::QueueLength;

/// Checks the bearer token in constant time (no early exit on the first
/// differing byte, so response timing does not leak the token).
/// An id from the path, or a clear 400.
fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, HttpError> {
    raw.parse()
        .map_err(|_| HttpError::BadRequest(format!("{raw:?} is not a valid id")))
}

fn authorize(req: &HttpRequest, state: &AppState) -> Result<(), HttpError> {
    let Some(expected) = &state.admin_token else {
        return Err(HttpError::NotFound);
    };
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
        Ok(())
    } else {
        Err(HttpError::Unauthorized)
    }
}

/// `GET /admin/stats`: this replica's view of the service.
pub async fn stats(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    authorize(&req, &state)?;
    let connections = state
        .deps
        .hub
        .send(CountClients)
        .await
        .map_err(|_| HttpError::Unavailable)?;
    let waiting = state
        .deps
        .matcher
        .send(QueueLength)
        .await
        .map_err(|_| HttpError::Unavailable)?
        .map_err(|_| HttpError::Unavailable)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "instance": state.instance_id,
        "connections": connections,
        "queue_waiting": waiting,
    })))
}
