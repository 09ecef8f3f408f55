//! `GET /ws`: the browser's WebSocket. Resolves (or creates) the person from
//! the resume token, starts their ClientActor and the socket tasks.
//!
//! The resume token is a bearer secret, so it never travels in the URL
//! (which load balancers and ingresses log): the client offers it as a
//! WebSocket subprotocol, `Sec-WebSocket-Protocol: chathub,
//! chathub.session.<TOKEN>`, and the server selects `chathub`.

mod client_addr;
mod connection;
mod frame_guard;
mod limit;
mod matching_frames;
mod message_text;
mod search_limit;

pub use connection::ConnSocket;
pub use limit::ConnectionLimit;
use limit::Full;
pub use search_limit::SearchLimit;
mod origin;
pub mod protocol;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use actix::Actor;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::actors::Deps;
use crate::actors::client::{ClientActor, Start};
use crate::domain::{Platform, Seq, SessionToken};
use crate::store::StoreError;

/// What `GET /ws` needs, registered by the HTTP layer that mounts it.
pub struct WsState {
    pub deps: Deps,
    /// Idle WebSocket connections are closed after this long.
    pub idle_timeout: std::time::Duration,
    /// `CHATHUB_ALLOWED_ORIGINS` (empty: the request's own host).
    pub allowed_origins: Vec<String>,
    /// Open WebSockets on this replica and per client address, against
    /// `CHATHUB_MAX_CONNECTIONS` and `CHATHUB_MAX_CONNECTIONS_PER_ADDRESS`.
    pub connections: ConnectionLimit,
    /// `CHATHUB_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN`, shared by the replica's workers.
    pub searches: std::sync::Arc<SearchLimit>,
}

/// Why a WebSocket was not opened; the HTTP layer turns it into a status.
#[derive(Debug, thiserror::Error)]
pub enum WsRefused {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// This replica is full: retry (the load balancer may pick another).
    #[error("{0}")]
    Busy(String),
    /// This client address has its share of connections open.
    #[error("{0}")]
    TooMany(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The subprotocol the server selects.
pub const SUBPROTOCOL: &str = "chathub";
/// Prefix of the subprotocol entry that carries the resume token.
pub const SESSION_PROTOCOL_PREFIX: &str = "chathub.session.";

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Refused when present: the token must not be in a URL.
    session: Option<serde::de::IgnoredAny>,
    last_seq: Option<i64>,
}

/// The resume token offered in `Sec-WebSocket-Protocol`, if any.
fn offered_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get_all(actix_web::http::header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix(SESSION_PROTOCOL_PREFIX))
}

pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<WsQuery>,
    state: web::Data<WsState>,
) -> Result<HttpResponse, WsRefused> {
    let last_seq = match query.last_seq {
        Some(n) if n < 0 => return Err(WsRefused::BadRequest("last_seq must be 0 or more".into())),
        Some(n) => Seq(n),
        None => Seq::ZERO,
    };
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    if !origin::allowed(
        header(actix_web::http::header::ORIGIN),
        header(actix_web::http::header::HOST),
        &state.allowed_origins,
    ) {
        return Err(WsRefused::Forbidden(
            "this page's origin may not open the chat (CHATHUB_ALLOWED_ORIGINS)".into(),
        ));
    }
    if query.session.is_some() {
        return Err(WsRefused::BadRequest(format!(
            "the session token must not be in the URL: offer it as the \
             {SESSION_PROTOCOL_PREFIX}<token> WebSocket subprotocol"
        )));
    }
    let addr = client_addr::client_addr(&req, &state.trusted_proxies);
    let slot = match state.connections.acquire(addr) {
        Ok(slot) => slot,
        Err(Full::Replica) => {
            return Err(WsRefused::Busy(
                "this replica has as many connections as it takes (CHATHUB_MAX_CONNECTIONS); retry shortly"
                    .into(),
            ));
        }
        Err(Full::Address) => {
            return Err(WsRefused::TooMany(
                "too many connections from your address (CHATHUB_MAX_CONNECTIONS_PER_ADDRESS); close one first"
                    .into(),
            ));
        }
    };
    // The handshake is checked before anything is stored: a plain GET (no
    // upgrade) creates nobody.
    // Frames are sized on their header, before any payload is read.
    let mut guarded = frame_guard::guard(body, connection::MAX_FRAME_BYTES);
    let body = web::Payload::from_request(&req, &mut guarded)
        .await
        .map_err(|e| WsRefused::BadRequest(e.to_string()))?;
    let (response, session, stream) = actix_ws::handle_with_protocols(&req, body, &[SUBPROTOCOL])
        .map_err(|e| WsRefused::BadRequest(e.to_string()))?;
    let store = &state.deps.store;
    // A known token resumes the person; an unknown or malformed one (an old
    // tab after a data purge, say) starts a new person rather than failing.
    let known = match offered_token(&req).map(SessionToken::parse) {
        Some(Ok(token)) => store
            .rooms
            .find_user(Platform::Web, &token.storage_key())
            .await?
            .map(|user| (token, user)),
        _ => None,
    };
    let (session_token, user, resumed) = match known {
        Some((token, user)) => (token, user, true),
        None => {
            let token = SessionToken::generate();
            let user = store
                .rooms
                .upsert_user(Platform::Web, &token.storage_key())
                .await?;
            (token, user, false)
        }
    };

    let (outbox, events, close) = connection::outbox();
    let errors = outbox.sender();
    let start = Start::session(session_token, resumed.then_some(last_seq));
    let actor = ClientActor::new(user, start, state.deps.clone(), Box::new(outbox)).start();
    let last_seen = Rc::new(Cell::new(Instant::now()));
    let (writer_done, reader_done) = connection::done_pair();
    actix_web::rt::spawn(connection::write_loop(
        session.clone(),
        events,
        close,
        last_seen.clone(),
        state.idle_timeout,
        writer_done,
        req.conn_data::<connection::ConnSocket>().cloned(),
    ));
    actix_web::rt::spawn(async move {
        // The place is held while the connection reads.
        let _slot = slot;
        let may_search = {
            let searches = state.searches.clone();
            move || searches.allow(addr)
        };
        connection::read_loop(
            session,
            stream,
            actor,
            errors,
            last_seen,
            reader_done,
            may_search,
        )
        .await;
    });
    Ok(response)
}
