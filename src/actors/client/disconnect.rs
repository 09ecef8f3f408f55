//! The connection ends: the transport lost it (`Disconnected`), or the
//! server closes it (`Close`: shutdown, or the person connected again).

use actix::prelude::*;

use super::ClientActor;
use crate::actors::hub::Close;

/// The transport lost the connection.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnected;

impl Handler<Close> for ClientActor {
    type Result = ();

    fn handle(&mut self, msg: Close, ctx: &mut Context<Self>) {
        self.close(msg.reason, ctx);
    }
}

impl Handler<Disconnected> for ClientActor {
    type Result = ();

    fn handle(&mut self, _: Disconnected, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
