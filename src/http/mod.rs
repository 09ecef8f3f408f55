//! The HTTP surface: routes, shared state, and the one place where errors
//! become HTTP responses.

mod admin;
mod health;
pub mod metrics;
mod pages;
pub mod upgrade;

use actix_web::{HttpResponse, ResponseError, http::StatusCode, web};

use crate::actors::Deps;
use crate::store::StoreError;
use crate::transports::ws;

/// Headers on every answer of the public listener: the app's middleware
/// adds them, and the WebSocket upgrade service (`upgrade.rs`) to the
/// refusals it writes itself.
/// Names in lower case, as `HeaderName::from_static` requires.
pub const PUBLIC_HEADERS: [(&str, &str); 2] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// Shared by every request handler.
pub struct AppState {
    pub deps: Deps,
    /// Bearer token of `/admin/*`; `None` turns the admin API off.
    pub admin_token: Option<crate::config::Secret>,
    /// This replica's name.
    pub instance_id: String,
}

/// What people and probes use: the page, its WebSocket, health.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index))
        .route("/app.js", web::get().to(pages::script))
        .route("/style.css", web::get().to(pages::style))
        .route("/settings.js", web::get().to(pages::settings_script))
        .route("/i18n.js", web::get().to(pages::i18n_script))
        .route("/ws", web::get().to(websocket))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz));
}

/// What only operators use: metrics, the admin API and its page.
pub fn operator_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics::render))
        .configure(admin::routes);
}

/// `GET /ws` without a WebSocket upgrade (real handshakes are taken off
/// the router by [`upgrade`]): refused, with the first thing wrong with it.
async fn websocket(
    req: actix_web::HttpRequest,
    state: web::Data<ws::WsState>,
) -> Result<HttpResponse, HttpError> {
    ws::admit(req.head(), req.peer_addr(), &state).map_err(refusal)?;
    Err(HttpError::BadRequest(
        "expected a WebSocket handshake (Connection: Upgrade, Upgrade: websocket)".into(),
    ))
}

/// Why a WebSocket was not opened, as an HTTP error.
fn refusal(e: ws::WsRefused) -> HttpError {
    match e {
        ws::WsRefused::BadRequest(m) => HttpError::BadRequest(m),
        ws::WsRefused::Forbidden(m) => HttpError::Forbidden(m),
        ws::WsRefused::Busy(m) => HttpError::Busy(m),
        ws::WsRefused::TooMany(m) => HttpError::TooMany(m),
        ws::WsRefused::Store(e) => e.into(),
    }
}

/// Errors of HTTP handlers, mapped to status codes in one place.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a dependency is unavailable; retry shortly")]
    Unavailable,
    /// A failure on the service's side that a retry will not fix.
    #[error("internal error")]
    Internal,
    #[error("missing or wrong credentials")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    /// A limit of this replica is reached; retry shortly (503).
    #[error("{0}")]
    Busy(String),
    /// One client has its share (per-address limits): 429.
    #[error("{0}")]
    TooMany(String),
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchUser | StoreError::NoSuchComplaint | StoreError::NoSuchRoom => {
                HttpError::NotFound
            }
            // The store logged the cause; `error_response` logs the reply.
            StoreError::Internal(_) => HttpError::Internal,
            StoreError::RoomClosed | StoreError::AlreadyInRoom | StoreError::Unavailable(_) => {
                HttpError::Unavailable
            }
        }
    }
}

impl ResponseError for HttpError {
    fn status_code(&self) -> StatusCode {
        match self {
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            HttpError::Unauthorized => StatusCode::UNAUTHORIZED,
            HttpError::Forbidden(_) => StatusCode::FORBIDDEN,
            HttpError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            HttpError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            HttpError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self, HttpError::Unavailable | HttpError::Internal) {
            tracing::warn!(status = self.status_code().as_u16(), "http request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        if matches!(self, HttpError::Unavailable | HttpError::Busy(_)) {
            res.insert_header(("Retry-After", "1"));
        }
        res.json(serde_json::json!({ "error": self.to_string() }))
    }
}
