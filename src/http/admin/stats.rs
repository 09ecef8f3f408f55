//! `GET /admin/stats`: the whole service, not one replica: people online by
//! transport (presence), searching (the shared queue), active rooms and
//! messages in the last minute (the store).

use actix_web::{HttpResponse, web};

use super::Admin;
use crate::actors::hub::CountClients;
use crate::actors::matcher::QueueLength;
use crate::http::{AppState, HttpError};

pub async fn stats(_admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, HttpError> {
    let deps = &state.deps;
    let online = deps.presence.online().await.map_err(|e| {
        tracing::warn!(error = %e, "presence unavailable for stats");
        HttpError::Unavailable
    })?;
    let counts = deps.store.oversight.counts(&online).await?;
    let searching = deps
        .matcher
        .send(QueueLength)
        .await
        .map_err(|_| HttpError::Unavailable)?
        .map_err(|_| HttpError::Unavailable)?;
    let here = deps
        .hub
        .send(CountClients)
        .await
        .map_err(|_| HttpError::Unavailable)?;
    let replicas = deps.bus.live_replicas().await.unwrap_or_default();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "online": online.len(),
        "online_by_transport": counts.by_platform,
        "searching": searching,
        "active_rooms": counts.active_rooms,
        "messages_last_minute": counts.messages_last_minute,
        "replicas": replicas,
        // This replica's own view, for operators chasing one process.
        "instance": state.instance_id,
        "connections": here,
        "queue_waiting": searching,
    })))
}
