//! `next` and `stop`: end the current room by this person, then search
//! again or stay idle.

use actix::prelude::*;

use super::{Act, done};
use crate::actors::client::{ClientActor, Outgoing, PersonState};
use crate::actors::matcher::CancelSearch;
use crate::domain::EndReason;
use crate::error::ChatError;

impl ClientActor {
    /// Ends the current room (if any) by this person, then runs `after`.
    pub(in crate::actors::client) fn leave_then(
        &mut self,
        reason: EndReason,
        after: fn(&mut Self, &mut Context<Self>) -> Act,
    ) -> Act {
        let PersonState::InRoom(room) = self.state else {
            return Box::pin(
                actix::fut::ready(()).then(move |_, act: &mut Self, ctx| after(act, ctx)),
            );
        };
        let deps = self.deps.clone();
        let user = self.user;
        let fut = deps.end_room(room, Some(user), reason);
        Box::pin(
            actix::fut::wrap_future(fut).then(move |res, act: &mut Self, ctx| -> Act {
                match res {
                    Ok(_) => {
                        act.leave_room(room, ctx);
                        after(act, ctx)
                    }
                    Err(e) => done(Err(e.into())),
                }
            }),
        )
    }

    pub(super) fn next(&mut self, _ctx: &mut Context<Self>) -> Act {
        if self.state == PersonState::Searching {
            return done(Ok(None));
        }
        self.leave_then(EndReason::Next, |act, ctx| act.search(None, ctx))
    }

    pub(super) fn stop(&mut self, _ctx: &mut Context<Self>) -> Act {
        // Idle here may still mean queued by an earlier connection of theirs
        // (taken over while searching): cancel in the queue either way.
        if matches!(self.state, PersonState::Searching | PersonState::Idle) {
            self.cancelled_search = true;
            let (matcher, user) = (self.deps.matcher.clone(), self.user);
            let fut = async move { matcher.send(CancelSearch { user }).await };
            return Box::pin(
                actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| {
                    res.map_err(|_| ChatError::Unavailable)??;
                    if act.state == PersonState::Searching {
                        act.set_state(PersonState::Idle);
                    }
                    act.push(Outgoing::Stopped, ctx);
                    Ok(None)
                }),
            );
        }
        self.leave_then(EndReason::Stop, |act, ctx| {
            act.push(Outgoing::Stopped, ctx);
            done(Ok(None))
        })
    }
}
