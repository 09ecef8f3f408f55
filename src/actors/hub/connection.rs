//! What the Hub says to a connection, and how it reaches one without
//! knowing what kind of actor it is (the Hub sits below the connections:
//! they register with it, it never names their type).

use actix::prelude::*;

use crate::bus::BusEvent;

/// A bus event for this connection's person or room (sent by the Hub).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver {
    pub event: BusEvent,
}

/// Re-check state against the store: missed messages, a room that ended, a
/// match that happened while the doorbell was lost. Sent by the Hub after a
/// bus reconnect and by the connection's own timer.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUp;

/// The server closes this connection (shutdown, or the person connected again).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Close {
    pub reason: CloseReason,
}

/// Why the server closes a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The replica is shutting down; reconnect (to any replica) and resume.
    Shutdown,
    /// The same person connected again elsewhere; do not reconnect.
    TakenOver,
    /// The transport could not keep up; reconnect and catch up.
    TooSlow,
    /// The transport let go of a person who is neither searching nor in a
    /// room (Telegram, after a quiet while): nothing to hand over or cancel.
    Idle,
    /// The person was banned or deleted; the error before it says which.
    /// Do not reconnect.
    Moderated,
}

/// The addresses the Hub needs of one connection.
#[derive(Clone)]
pub struct Connection {
    pub deliver: Recipient<Deliver>,
    pub catch_up: Recipient<CatchUp>,
    pub close: Recipient<Close>,
}

impl Connection {
    /// The connection behind `addr`, whatever actor handles the three messages.
    pub fn of<A>(addr: &Addr<A>) -> Self
    where
        A: Actor<Context = Context<A>> + Handler<Deliver> + Handler<CatchUp> + Handler<Close>,
    {
        Self {
            deliver: addr.clone().recipient(),
            catch_up: addr.clone().recipient(),
            close: addr.clone().recipient(),
        }
    }
}
