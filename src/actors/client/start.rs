//! How a person's actor starts, as its transport asks: where their current
//! room is picked up, and whether they are greeted with a session at all.
//! The web page is a session client (a `hello` with its resume token, its
//! restored room announced like a match, every message acked); a Telegram
//! chat is not, and its person sees none of that.

use actix::prelude::*;

use super::{ClientActor, CloseReason, Outgoing};
use crate::domain::{Room, Seq, SessionToken};

/// What a transport tells a new ClientActor about the person's start.
#[derive(Clone, Debug)]
pub struct Start {
    /// Resume the person's current room after this seq (clamped to what the
    /// room holds); `None`: a fresh start, from the room's first message.
    pub after: Option<Seq>,
    /// The token of a session client, echoed in its `hello` so it can
    /// resume later. `None` for a transport with no session: no `hello`,
    /// no acks, and a restored room is not announced as news.
    pub session: Option<SessionToken>,
}

impl Start {
    /// A session client (the web page), resuming after `after` if given.
    pub fn session(token: SessionToken, after: Option<Seq>) -> Self {
        Self {
            after,
            session: Some(token),
        }
    }

    /// A transport without sessions, picking up after what it delivered.
    pub fn delivered_up_to(after: Seq) -> Self {
        Self {
            after: Some(after),
            session: None,
        }
    }

    /// Whether the person's messages are acknowledged one by one.
    pub fn acks(&self) -> bool {
        self.session.is_some()
    }
}

impl ClientActor {
    /// The store was read: greet the person (a session client) and restore
    /// the room they are in, if any.
    pub(super) fn begin(&mut self, room: Option<Room>, ctx: &mut Context<Self>) {
        if let Some(token) = &self.start.session {
            let hello = Outgoing::Hello {
                session: token.as_str().to_owned(),
                room: room.as_ref().map(|r| r.id),
                resumed: self.start.after.is_some(),
                flood: (self.deps.limits.flood_per_sec, self.deps.limits.flood_burst),
            };
            self.push(hello, ctx);
        }
        let Some(room) = room else { return };
        if self.start.session.is_some() {
            // The person is in a room already (a resume, or another tab):
            // say so as a fresh match would, then catch up.
            self.push(Outgoing::Matched { room: room.id }, ctx);
        }
        // A resume point beyond what the room holds (a stale or forged
        // one) is clamped: taken as is, it would silently skip the messages
        // still to come up to it.
        let from = self.start.after.map_or(Seq::ZERO, |s| s.min(room.last_seq));
        self.enter_room(room.id, from, ctx);
        self.announce_back(room.id);
        self.check_partner_present(&room, ctx);
    }

    /// The store could not be read: the person hears it and the connection
    /// closes (they try again).
    pub(super) fn fail_start(&mut self, e: &anyhow::Error, ctx: &mut Context<Self>) {
        tracing::warn!(client = %self.id, error = %e, "could not start client");
        self.push(
            Outgoing::Error {
                error: crate::error::ChatError::Unavailable,
                id: None,
            },
            ctx,
        );
        self.close(CloseReason::Shutdown, ctx);
    }
}
