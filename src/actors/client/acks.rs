//! Acknowledgements that wait for the room to catch up.
//!
//! A person's message can be stored with seq N while their partner's N-1 is
//! still on its way to this actor (the command runs atomically, so the
//! doorbell for N-1 waits in the mailbox; or it crossed replicas). The web
//! page resumes from the highest seq it saw, acks included: an ack for N
//! sent before N-1 was delivered would make a reconnect skip N-1 for good.
//! So an ack ahead of delivery is held until everything before it was
//! delivered (through doorbells, or the gap timer's store read), and an ack
//! never runs ahead of what the person has seen.

use actix::prelude::*;

use super::{ClientActor, Outgoing, PersonState};
use crate::domain::Seq;

impl ClientActor {
    /// Acknowledges the person's message `id`, stored with `seq`: at once
    /// when everything before it was delivered, else once it is.
    /// A transport without acks (Telegram) is told nothing.
    pub(super) fn ack(&mut self, id: String, seq: Seq, ctx: &mut Context<Self>) {
        if !self.start.acks() {
            return;
        }
        let in_room = matches!(self.state, PersonState::InRoom(_));
        if in_room && seq > self.cursor.next() {
            self.held_acks.insert(seq, id);
            self.arm_gap_wait(ctx);
        } else {
            self.push(Outgoing::Ack { id, seq }, ctx);
        }
    }

    /// Sends the held acks that delivery has caught up with (all of them
    /// when `all`: the room is over, nothing more will be delivered in it).
    pub(super) fn release_acks(&mut self, all: bool, ctx: &mut Context<Self>) {
        while let Some(entry) = self.held_acks.first_entry() {
            if !all && *entry.key() > self.cursor.next() {
                break;
            }
            let (seq, id) = entry.remove_entry();
            self.push(Outgoing::Ack { id, seq }, ctx);
        }
    }
}
