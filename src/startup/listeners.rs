//! The HTTP listeners' limits on slow clients, and the operator listener.

use std::net::TcpListener;
use std::time::Duration;

use actix_http::body::{BoxBody, MessageBody};
use actix_http::{HttpService, Request, Response};
use actix_service::{IntoServiceFactory, Service, ServiceFactory, fn_service, map_config};
use actix_web::dev::{AppConfig, Server};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use futures_util::FutureExt;

use crate::http::{self, AppState};
use crate::transports::ws::WsState;

/// Longest a client may take to send a request's head (line and headers);
/// a slower one is answered 408 and dropped, so it holds no worker memory.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a closing connection may linger for the client's side of the
/// shutdown before it is dropped.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);
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

/// Connections a worker takes beyond `CHATHUB_MAX_CONNECTIONS`: the page,
/// webhooks and probes, and handshakes that will be refused with a 503
/// rather than left unanswered in the accept queue.
const PLAIN_HTTP_CONNECTIONS: usize = 1024;

/// The public listener: the app's routes, with WebSocket handshakes handed
/// to `http::upgrade` together with their connection (actix-web's
/// `HttpServer` cannot take an upgrade service, so it is built from the
/// same parts: actix-server, actix-http's HTTP/1 service, the app).
pub(super) fn public_server<F, I, S, B>(
    listener: TcpListener,
    app: F,
    ws: web::Data<WsState>,
    max_connections: usize,
    workers: usize,
    shutdown: Duration,
) -> anyhow::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<Response<BoxBody>> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    B: MessageBody + 'static,
{
    let server = actix_server::Server::build()
        .listen("chathub", listener, move || {
            let ws = ws.clone();
            let upgrade = fn_service(move |handshake: http::upgrade::Handshake| {
                http::upgrade::serve(ws.clone(), handshake).map(Ok::<_, actix_web::Error>)
            });
            HttpService::build()
                // Chat frames are small and latency-bound: no Nagle delay.
                .tcp_nodelay(true)
                .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
                .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                .upgrade(upgrade)
                .finish(map_config(app(), |_| AppConfig::default()))
                .tcp()
        })
        .context("cannot serve the listener")?
        .max_concurrent_connections(max_connections.saturating_add(PLAIN_HTTP_CONNECTIONS))
        .workers(workers)
        // Signals are ours: clients must be told before the server stops.
        .disable_signals()
        .shutdown_timeout(shutdown.as_secs())
        .run();
    Ok(server)
}
