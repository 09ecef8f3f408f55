//! `/healthz` (the process answers) and `/readyz` (its dependencies do).

use std::time::Duration;

use actix_web::{HttpResponse, web};

use super::AppState;

/// A readiness probe that takes longer than this counts as a failure.
pub(super) const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Whether the store and the bus answer, each within [`READY_TIMEOUT`].
pub(super) async fn dependencies(deps: &crate::actors::Deps) -> (bool, bool) {
    let store = tokio::time::timeout(READY_TIMEOUT, deps.store.rooms.ping()).await;
    let bus = tokio::time::timeout(READY_TIMEOUT, deps.bus.ping()).await;
    (matches!(store, Ok(Ok(()))), matches!(bus, Ok(Ok(()))))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (store_ok, bus_ok) = dependencies(&state.deps).await;
    let body = serde_json::json!({
        "store": if store_ok { "ok" } else { "unavailable" },
        "bus": if bus_ok { "ok" } else { "unavailable" },
    });
    if store_ok && bus_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
