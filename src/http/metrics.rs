//! `GET /metrics`: the recorder's series in Prometheus text format, with
//! the gauges that are read at scrape time.

use actix_web::{HttpResponse, web};

use super::AppState;
use crate::actors::hub::CountRooms;
use crate::actors::matcher::QueueLength;
use crate::telemetry::metric::{
    DEPENDENCY_UP, QUEUE_WAITING, READY, ROOMS_ACTIVE, SERVICE_ROOMS_ACTIVE, handle,
};

pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    // Gauges read at scrape time rather than kept up to date on every change.
    if let Ok(Ok(waiting)) = state.deps.matcher.send(QueueLength).await {
        metrics::gauge!(QUEUE_WAITING).set(waiting as f64);
    }
    if let Ok(rooms) = state.deps.hub.send(CountRooms).await {
        metrics::gauge!(ROOMS_ACTIVE).set(rooms as f64);
    }
    // Readiness as a series, so an alert can see it without probing /readyz.
    let (store_ok, bus_ok) = super::health::dependencies(&state.deps).await;
    let up = |ok: bool| if ok { 1.0 } else { 0.0 };
    metrics::gauge!(READY).set(up(store_ok && bus_ok));
    metrics::gauge!(DEPENDENCY_UP, "dependency" => "store").set(up(store_ok));
    metrics::gauge!(DEPENDENCY_UP, "dependency" => "bus").set(up(bus_ok));
    // Rooms service-wide from the store: per-replica counts summed would
    // count a room twice when its members are on two replicas. Only asked
    // of a store that just answered, and bounded like the probe; a failed
    // read keeps the last figure.
    if store_ok {
        let count = state.deps.store.oversight.active_rooms();
        if let Ok(Ok(rooms)) = tokio::time::timeout(super::health::READY_TIMEOUT, count).await {
            metrics::gauge!(SERVICE_ROOMS_ACTIVE).set(rooms as f64);
        }
    }
    match handle() {
        Some(handle) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(handle.render()),
        None => HttpResponse::ServiceUnavailable().body("metrics unavailable\n"),
    }
}
