//! `GET /ws`: the browser's WebSocket. Resolves (or creates) the person from
//! the resume token, starts their ClientActor and the socket tasks.

mod connection;
pub mod protocol;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use actix::Actor;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::actors::client::{ClientActor, Resume};
use crate::domain::{Platform, Seq, SessionToken};
use crate::http::{AppState, HttpError};

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    session: Option<String>,
    last_seq: Option<i64>,
}

pub async fn route(
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<WsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, HttpError> {
    let last_seq = match query.last_seq {
        Some(n) if n < 0 => return Err(HttpError::BadRequest("last_seq must be 0 or more".into())),
        Some(n) => Seq(n),
        None => Seq::ZERO,
    };
    let store = &state.deps.store;
    // A known token resumes the person; an unknown or malformed one (an old
    // tab after a data purge, say) starts a new person rather than failing.
    let known = match query.session.as_deref().map(SessionToken::parse) {
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

    let (response, session, stream) =
        actix_ws::handle(&req, body).map_err(|e| HttpError::BadRequest(e.to_string()))?;
    let (outbox, events, close) = connection::outbox();
    let errors = outbox.sender();
    let actor = ClientActor::new(
        user,
        session_token,
        Resume { resumed, last_seq },
        state.deps.clone(),
        Box::new(outbox),
    )
    .start();
    let last_seen = Rc::new(Cell::new(Instant::now()));
    actix_web::rt::spawn(connection::write_loop(
        session.clone(),
        events,
        close,
        last_seen.clone(),
        state.ws_idle_timeout,
    ));
    actix_web::rt::spawn(connection::read_loop(
        session, stream, actor, errors, last_seen,
    ));
    Ok(response)
}
