//! A bus event for this person or their room (`Deliver`, from the Hub):
//! messages in seq order, the room's end, a match, and the moderation and
//! presence doorbells.

use actix::prelude::*;

use crate::actors::client::{ClientActor, CloseReason, Outgoing, PersonState};
use crate::actors::hub::Deliver;
use crate::bus::BusEvent;

impl Handler<Deliver> for ClientActor {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Context<Self>) {
        match msg.event {
            BusEvent::Message { message } => {
                if !self.apply(&message, ctx) {
                    self.hold_early(message, ctx);
                }
            }
            BusEvent::RoomEnded { room, by, reason } => {
                let step = self.room_ended(room, by, reason);
                ctx.wait(step);
            }
            BusEvent::Matched { user, room } if user == self.user => self.on_matched(room, ctx),
            BusEvent::Matched { .. } => {}
            BusEvent::PartnerDelayed { user, room } => {
                if user == self.user && self.state == PersonState::InRoom(room) {
                    self.push(Outgoing::PartnerDelayed { room }, ctx);
                }
            }
            BusEvent::Takeover { user, keep } => {
                if user == self.user && keep != self.id {
                    self.close(CloseReason::TakenOver, ctx);
                }
            }
            BusEvent::Banned { user, until } if user == self.user => {
                self.on_banned(crate::store::ActiveBan { until }, ctx)
            }
            BusEvent::Deleted { user } if user == self.user => self.on_deleted(ctx),
            BusEvent::Banned { .. } | BusEvent::Deleted { .. } => {}
            event @ (BusEvent::PartnerAway { .. }
            | BusEvent::PartnerBack { .. }
            | BusEvent::Typing { .. }) => self.on_signal(event, ctx),
        }
    }
}
