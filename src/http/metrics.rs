//! `GET /metrics`: Prometheus text format. One recorder per process (tests
//! start several apps in one process, so it is installed once and shared).

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::AppState;
use crate::actors::matcher::QueueLength;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder on first call.
pub fn install() {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        match metrics::set_global_recorder(recorder) {
            Ok(()) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder already set; /metrics disabled");
                None
            }
        }
    });
}

pub async fn render(state: web::Data<AppState>) -> HttpResponse {
    // Gauges read at scrape time rather than kept up to date on every change.
    if let Ok(Ok(waiting)) = state.deps.matcher.send(QueueLength).await {
        metrics::gauge!("chathub_queue_waiting").set(waiting as f64);
    }
    match HANDLE.get().and_then(Option::as_ref) {
        Some(handle) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(handle.render()),
        None => HttpResponse::ServiceUnavailable().body("metrics unavailable\n"),
    }
}
