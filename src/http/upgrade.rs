//! WebSocket handshakes, taken off the router: actix-http hands every
//! request that asks for a WebSocket upgrade here together with its
//! connection, so that once `/ws` is accepted the socket is the
//! transport's own (`transports::ws::socket`) and none of the HTTP layer's
//! per-connection buffers stay behind for the connection's life.
//!
//! The checks and the store lookups are the transport's (`ws::admit`,
//! `ws::accept`); refusals are answered here, mapped like every other HTTP
//! error, and the connection is closed after them.

use actix_codec::Framed;
use actix_http::body::{BodySize, MessageBody};
use actix_http::{ConnectionType, Request, h1};
use actix_web::ResponseError;
use actix_web::http::header;
use actix_web::web;
use futures_util::SinkExt;
use tokio::net::TcpStream;

use super::{HttpError, refusal};
use crate::transports::ws;

/// A client's connection as actix-http hands it over: the handshake read,
/// nothing answered yet.
pub type Handshake = (Request, Framed<TcpStream, h1::Codec>);

/// Answers one WebSocket handshake, and runs the connection when it is
/// accepted; returns when the connection is over (so a graceful shutdown
/// waits for it like for any request).
pub async fn serve(state: web::Data<ws::WsState>, (req, mut framed): Handshake) {
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
            return;
        }
    };
    let switching = ws::switching_protocols(req.head());
    if let Err(e) = framed
        .send(h1::Message::Item((switching, BodySize::None)))
        .await
    {
        tracing::debug!(error = %e, "websocket handshake answer not delivered");
        return;
    }
    // The HTTP layer's buffers are dropped here, at the end of this block
    // (a field left in a partly moved value would live as long as the
    // connection); what the client sent right behind its handshake is
    // kept, in a buffer of its own size.
    let (io, early) = {
        let parts = framed.into_parts();
        (parts.io, web::BytesMut::from(&parts.read_buf[..]))
    };
    drop(req);
    ws::run(accepted, state, io, early).await;
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
    head.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    let body = body.try_into_bytes().unwrap_or_default();
    framed
        .send(h1::Message::Item((
            head,
            BodySize::Sized(body.len() as u64),
        )))
        .await?;
    framed.send(h1::Message::Chunk(Some(body))).await?;
    framed.send(h1::Message::Chunk(None)).await?;
    Ok(())
}
