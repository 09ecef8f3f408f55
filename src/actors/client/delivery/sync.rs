//! The periodic check (`CatchUp`, from the Hub after a bus reconnect and
//! from the connection's own timer): finds a lost takeover, ban, end of
//! room, message or match by reading presence and the store.

use actix::prelude::*;

use super::Step;
use crate::actors::client::{ClientActor, CloseReason, PersonState};
use crate::actors::hub::CatchUp;
use crate::actors::matcher::Search;
use crate::domain::EndReason;

impl Handler<CatchUp> for ClientActor {
    type Result = ();

    fn handle(&mut self, _: CatchUp, ctx: &mut Context<Self>) {
        // A lost `Takeover` is found here: presence names a newer connection
        // of this person. Connection ids are time-ordered (UUIDv7), and only
        // a newer one wins: presence records arrivals asynchronously, so a
        // sync early in this connection's life may still read the one it
        // replaced (an unknown latest proves nothing either).
        let (presence, user, me) = (self.deps.presence.clone(), self.user, self.id);
        ctx.spawn(
            actix::fut::wrap_future(async move { presence.latest(user).await }).map(
                move |res, act: &mut Self, ctx| {
                    if let Ok(Some(latest)) = res
                        && latest > me
                    {
                        act.close(CloseReason::TakenOver, ctx);
                    }
                },
            ),
        );
        if self.state != PersonState::Idle {
            // A lost `Banned` doorbell is found here: the store is the truth.
            self.check_ban(ctx);
        }
        match self.state {
            PersonState::InRoom(room) => {
                // One read of the room finds both a lost `RoomEnded` and a
                // lost message doorbell (its `last_seq` is past this
                // connection's cursor); the log is read only then.
                let store = self.deps.store.clone();
                let check = actix::fut::wrap_future(async move { store.rooms.room(room).await });
                ctx.wait(check.then(move |res, act: &mut Self, _| -> Step {
                    match res {
                        Ok(Some(r)) if !r.is_active() => {
                            let reason = r.end_reason.unwrap_or(EndReason::Disconnected);
                            act.room_ended(room, r.ended_by, reason)
                        }
                        Ok(Some(r)) if r.last_seq > act.cursor => act.catch_up(),
                        Ok(_) => Box::pin(actix::fut::ready(())),
                        // The store's state is unknown: read the log anyway
                        // (the catch-up logs and retries on its own failure).
                        Err(_) => act.catch_up(),
                    }
                }));
            }
            PersonState::Searching => {
                // A lost `Matched` doorbell is found here; and a queue entry
                // lost with a Redis restart is restored by joining again
                // (joining keeps an existing place, so this is idempotent).
                let store = self.deps.store.clone();
                let user = self.user;
                let fut = async move { store.rooms.active_room(user).await };
                ctx.wait(actix::fut::wrap_future(fut).map(
                    move |res, act: &mut Self, ctx| match res {
                        Ok(Some(room)) => act.on_matched(room.id, ctx),
                        Ok(None) => {
                            act.deps.matcher.do_send(Search {
                                user,
                                relax: act.relax_steps,
                                only_if_queued: false,
                            });
                        }
                        Err(e) => {
                            tracing::warn!(client = %act.id, error = %e, "search check failed")
                        }
                    },
                ));
            }
            PersonState::Idle => {}
        }
    }
}
