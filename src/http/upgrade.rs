//! WebSocket handshakes, taken off the router: actix-http hands every
//! request that asks for a WebSocket upgrade here together with its
//! connection, so that once `/ws` is accepted the socket is the
//! transport's own (`transports::ws::socket`) and none of the HTTP layer's
//! per-connection buffers stay behind for the connection's life.
//!
//! The checks and the store lookups are the transport's (`ws::admit`,
//! `ws::accept`); refusals are answered here, mapped like every other HTTP
//! error, and the connection is closed after them.

use std::future::Future;

use actix_codec::Framed;
use actix_http::body::{BodySize, MessageBody};
use actix_http::{ConnectionType, Request, h1};
use actix_web::ResponseError;
use actix_web::http::header;
use actix_web::web;
use futures_util::future::Either;
use futures_util::{FutureExt, SinkExt};
use tokio::net::TcpStream;

use super::{HttpError, PUBLIC_HEADERS, refusal};
use crate::transports::ws;

/// A client's connection as actix-http hands it over: the handshake read,
/// nothing answered yet.
pub type Handshake = (Request, Framed<TcpStream, h1::Codec>);

/// Answers one WebSocket handshake, and runs the connection when it is
/// accepted; the future ends when the connection does (so a graceful
/// shutdown waits for it like for any request).
///
/// This future lives in the connection's task for the connection's whole
/// life, so it is put together from combinators rather than written as an
/// `async` block: a block keeps what it captured (here the request and the
/// HTTP codec, over 2 KiB) for as long as it runs, even once moved out.
/// The handshake runs boxed and is freed once answered; then only the
/// connection's loops stay.
pub fn serve(
    state: web::Data<ws::WsState>,
    handshake: Handshake,
) -> impl Future<Output = ()> + use<> {
    Box::pin(answer(state.clone(), handshake)).then(move |answered| match answered {
        Some((accepted, io, early)) => Either::Left(ws::run(accepted, &state, io, early)),
        None => Either::Right(std::future::ready(())),
    })
}

/// The handshake answered: the connection's socket and what the client
/// sent behind its handshake, when `/ws` accepted it; `None` once a
/// refusal was answered.
async fn answer(
    state: web::Data<ws::WsState>,
    (req, mut framed): Handshake,
) -> Option<(ws::Accepted, TcpStream, web::BytesMut)> {
    let accepted = match req.path() {
        "/ws" => match ws::admit(req.head(), req.peer_addr(), &state) {
            Ok(admitted) => ws::accept(admitted, req.head(), &state)
                .await
                .map_err(refusal),
            Err(e) => Err(refusal(e)),
        },
        _ => Err(HttpError::NotFound),
    };
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err(e) => {
            if let Err(e) = answer_error(&mut framed, &e).await {
                tracing::debug!(error = %e, "websocket refusal not delivered");
            }
            return None;
        }
    };
    let switching = ws::switching_protocols(req.head());
    if let Err(e) = framed
        .send(h1::Message::Item((switching, BodySize::None)))
        .await
    {
        tracing::debug!(error = %e, "websocket handshake answer not delivered");
        return None;
    }
    // The HTTP layer's buffers are dropped with `parts`; what the client
    // sent right behind its handshake is kept, in a buffer of its own size.
    let parts = framed.into_parts();
    let early = web::BytesMut::from(&parts.read_buf[..]);
    Some((accepted, parts.io, early))
}

/// Writes an error response and closes the connection.
async fn answer_error(
    framed: &mut Framed<TcpStream, h1::Codec>,
    error: &HttpError,
) -> std::io::Result<()> {
    let response: actix_http::Response<_> = error.error_response().into();
    let (mut head, body) = response.into_parts();
    head.head_mut().set_connection_type(ConnectionType::Close);
    // What the app's middleware adds to every other answer.
    for (name, value) in PUBLIC_HEADERS {
        head.headers_mut().insert(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        );
    }
    let body = body.try_into_bytes().unwrap_or_default();
    // Fed, then flushed once: head and body leave in one write, so a client
    // that reads only what arrived with the head (as WebSocket clients do
    // with a refused handshake) still gets the reason.
    framed
        .feed(h1::Message::Item((
            head,
            BodySize::Sized(body.len() as u64),
        )))
        .await?;
    framed.feed(h1::Message::Chunk(Some(body))).await?;
    framed.feed(h1::Message::Chunk(None)).await?;
    framed.flush().await
}
