//! The HTTP listeners' limits on slow clients, and the operator listener.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;

use crate::http::{self, AppState};

/// Longest a client may take to send a request's head (line and headers);
/// a slower one is answered 408 and dropped, so it holds no worker memory.
pub(super) const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a closing connection may linger for the client's side of the
/// shutdown before it is dropped.
pub(super) const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Worker threads of the operator listener.
const ADMIN_WORKERS: usize = 2;

/// The operator listener (`CHATHUB_ADMIN_LISTEN`): `/metrics` and
/// `/admin/*` only, nothing a public client uses.
pub(super) fn admin_server(
    addr: std::net::SocketAddr,
    state: web::Data<AppState>,
    shutdown: Duration,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("cannot listen on {addr} (CHATHUB_ADMIN_LISTEN)"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff")),
            )
            .app_data(state.clone())
            .configure(http::operator_routes)
    })
    // Scrapes and operator calls are few: two workers are plenty.
    .workers(ADMIN_WORKERS)
    .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
    .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(shutdown.as_secs())
    .run();
    Ok((port, server))
}
