//! `GET /ws`: the browser's WebSocket. Resolves (or creates) the person from
//! the resume token, starts their ClientActor and the socket's reader and
//! writer.
//!
//! The resume token is a bearer secret, so it never travels in the URL
//! (which load balancers and ingresses log): the client offers it as a
//! WebSocket subprotocol, `Sec-WebSocket-Protocol: chathub,
//! chathub.session.<TOKEN>`, and the server selects `chathub`.

mod client_addr;
mod connection;
mod limit;
mod matching_frames;
mod message_text;
mod search_limit;
mod socket;

pub use limit::ConnectionLimit;
use limit::Full;
pub use search_limit::SearchLimit;
mod origin;
pub mod protocol;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use actix::Actor;
use actix_web::dev::RequestHead;
use actix_web::http::header;
use actix_web::web;
use futures_util::FutureExt;
use serde::Deserialize;

use crate::actors::Deps;
use crate::actors::client::{ClientActor, Start};
use crate::domain::{Platform, Seq, SessionToken, UserId};
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
struct WsQuery {
    /// Refused when present: the token must not be in a URL.
    session: Option<serde::de::IgnoredAny>,
    last_seq: Option<i64>,
}

/// The subprotocols the client offered in `Sec-WebSocket-Protocol`.
fn offered_protocols(head: &RequestHead) -> impl Iterator<Item = &str> {
    head.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
}

/// The resume token offered as a subprotocol, if any.
fn offered_token(head: &RequestHead) -> Option<&str> {
    offered_protocols(head).find_map(|p| p.strip_prefix(SESSION_PROTOCOL_PREFIX))
}

/// A handshake that passed every check, holding its place among this
/// replica's connections. Nothing is stored yet.
pub struct Admitted {
    slot: limit::ConnectionSlot,
    addr: std::net::IpAddr,
    last_seq: Seq,
}

/// Checks a WebSocket handshake: its query, the page's origin, where the
/// token is, this replica's and this address's connection limits, and the
/// handshake headers; in that order, so a plain GET (no upgrade) learns
/// what else is wrong with it first. Stores nothing.
pub fn admit(
    head: &RequestHead,
    peer: Option<std::net::SocketAddr>,
    state: &WsState,
) -> Result<Admitted, WsRefused> {
    let query = web::Query::<WsQuery>::from_query(head.uri.query().unwrap_or(""))
        .map_err(|e| WsRefused::BadRequest(e.to_string()))?;
    let last_seq = match query.last_seq {
        Some(n) if n < 0 => return Err(WsRefused::BadRequest("last_seq must be 0 or more".into())),
        Some(n) => Seq(n),
        None => Seq::ZERO,
    };
    let header = |name| head.headers().get(name).and_then(|v| v.to_str().ok());
    if !origin::allowed(
        header(header::ORIGIN),
        header(header::HOST),
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
    let addr = client_addr::client_addr(peer, head.headers(), &state.trusted_proxies);
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
    actix_http::ws::verify_handshake(head).map_err(|e| WsRefused::BadRequest(e.to_string()))?;
    Ok(Admitted {
        slot,
        addr,
        last_seq,
    })
}

/// An admitted connection whose person is known: ready to switch protocols.
pub struct Accepted {
    admitted: Admitted,
    user: UserId,
    start: Start,
}

/// Finds the person the offered token resumes, or creates a new one: the
/// last step before the handshake is answered.
pub async fn accept(
    admitted: Admitted,
    head: &RequestHead,
    state: &WsState,
) -> Result<Accepted, WsRefused> {
    let store = &state.deps.store;
    // A known token resumes the person; an unknown or malformed one (an old
    // tab after a data purge, say) starts a new person rather than failing.
    let known = match offered_token(head).map(SessionToken::parse) {
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
    let start = Start::session(session_token, resumed.then_some(admitted.last_seq));
    Ok(Accepted {
        admitted,
        user,
        start,
    })
}

/// The `101 Switching Protocols` answer, selecting [`SUBPROTOCOL`] when
/// the client offered it.
pub fn switching_protocols(head: &RequestHead) -> actix_http::Response<()> {
    let mut response = actix_http::ws::handshake_response(head);
    if offered_protocols(head).any(|p| p == SUBPROTOCOL) {
        response.insert_header((header::SEC_WEBSOCKET_PROTOCOL, SUBPROTOCOL));
    }
    response.finish().drop_body()
}

/// Starts the connection on its socket, once the handshake is answered:
/// the person's actor now, and the reader and writer in the future
/// returned, which ends when the connection does. `early`: what the client
/// sent behind its handshake.
///
/// Not an `async fn`: its future would also hold the setup's values for
/// the connection's whole life. What stays is the two loops, the place
/// among the replica's connections and the socket.
pub fn run(
    accepted: Accepted,
    state: &WsState,
    io: tokio::net::TcpStream,
    early: actix_web::web::BytesMut,
) -> impl std::future::Future<Output = ()> + use<> {
    let Accepted {
        admitted,
        user,
        start,
    } = accepted;
    let (outbox, events, close) = connection::outbox();
    let errors = outbox.sender();
    let actor = ClientActor::new(user, start, state.deps.clone(), Box::new(outbox)).start();
    let ws = Rc::new(socket::Socket::new(io));
    let frames = socket::Frames::new(ws.clone(), early, connection::MAX_FRAME_BYTES);
    let last_seen = Rc::new(Cell::new(Instant::now()));
    let (writer_done, reader_done) = connection::done_pair();
    let writer = connection::write_loop(
        ws.clone(),
        events,
        close,
        last_seen.clone(),
        state.idle_timeout,
        writer_done,
    );
    let addr = admitted.addr;
    let searches = state.searches.clone();
    let reader = connection::read_loop(
        ws.clone(),
        frames,
        actor,
        errors,
        last_seen,
        reader_done,
        move || searches.allow(addr),
    );
    let slot = admitted.slot;
    // A combinator, not an `async` block, which would keep both loops twice:
    // as captured, and as awaited.
    futures_util::future::join(writer, reader).map(move |_| {
        // The place is held until the connection is over.
        drop(slot);
        if let Ok(ws) = Rc::try_unwrap(ws) {
            ws.finish();
        }
    })
}
