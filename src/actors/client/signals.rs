//! Signals between two people in a room that are not messages: the
//! partner's presence (away while their connection is lost, back when they
//! resume) and typing. Never stored; carried by room doorbells only, so a
//! lost one is simply lost (the next one, a message or the room's end
//! tells the rest).

use std::time::{Duration, Instant};

use actix::prelude::*;

use super::{ClientActor, Outgoing, PersonState};
use crate::bus::{BusEvent, Topic};
use crate::domain::{Platform, Room, RoomId, UserId};

/// A person's typing is passed on at most this often; extra signals from
/// the client are dropped without an answer.
pub const TYPING_MIN_INTERVAL: Duration = Duration::from_secs(2);

impl ClientActor {
    /// The person typed: tell the room, at most once per interval.
    pub(super) fn typing(&mut self, _ctx: &mut Context<Self>) {
        let PersonState::InRoom(room) = self.state else {
            return;
        };
        let now = Instant::now();
        if self
            .last_typing
            .is_some_and(|last| now.duration_since(last) < TYPING_MIN_INTERVAL)
        {
            return;
        }
        self.last_typing = Some(now);
        self.ring(
            room,
            BusEvent::Typing {
                user: self.user,
                room,
            },
        );
    }

    /// Rings `room` without waiting (a signal nobody needs to wait for).
    fn ring(&self, room: RoomId, event: BusEvent) {
        let bus = self.deps.bus.clone();
        actix::spawn(async move {
            if let Err(e) = bus.publish(Topic::Room(room), &event).await {
                tracing::debug!(room = %room, error = %e, "room signal not sent");
            }
        });
    }

    /// Whether this connection's loss or return is worth telling the
    /// partner: only a web connection can drop and resume; a Telegram
    /// person's actor moves between replicas without them noticing.
    fn shows_presence(&self) -> bool {
        self.outbox.platform() == Platform::Web
    }

    /// This connection is in `room` (a fresh start or a resume): if the
    /// partner saw it away, they see it back.
    pub(super) fn announce_back(&self, room: RoomId) {
        if self.shows_presence() {
            self.ring(
                room,
                BusEvent::PartnerBack {
                    user: self.user,
                    room,
                },
            );
        }
    }

    /// This connection starts in `room` (a resume, most often): if the
    /// partner is not connected anywhere now, say so at once, since the
    /// `partner_away` sent while this person was gone never reached them.
    /// Only for a web connection: a Telegram person's actor starts again on
    /// whichever replica gets their next update, and their notice is sent at
    /// most once per away period.
    pub(super) fn check_partner_present(&self, room: &Room, ctx: &mut Context<Self>) {
        let Some(partner) = room.partner_of(self.user) else {
            return;
        };
        if !self.shows_presence() {
            return;
        }
        let (presence, room) = (self.deps.presence.clone(), room.id);
        ctx.spawn(
            actix::fut::wrap_future(async move { presence.latest(partner).await }).map(
                move |res, act: &mut Self, ctx| {
                    // Unknown (presence unreachable) proves nothing: say nothing.
                    if let Ok(None) = res
                        && act.state == PersonState::InRoom(room)
                        && !act.partner_away
                    {
                        act.partner_away = true;
                        act.push(Outgoing::PartnerAway { room }, ctx);
                    }
                },
            ),
        );
    }

    /// This connection ended without the person leaving (a lost socket, a
    /// restart, a slow reader): the partner sees them away until they
    /// resume or the grace period ends the room.
    pub(super) fn announce_away(&self) {
        if let PersonState::InRoom(room) = self.state
            && self.shows_presence()
        {
            self.ring(
                room,
                BusEvent::PartnerAway {
                    user: self.user,
                    room,
                },
            );
        }
    }

    /// A presence or typing signal from the room's doorbell.
    pub(super) fn on_signal(&mut self, event: BusEvent, ctx: &mut Context<Self>) {
        let (user, room) = match &event {
            BusEvent::PartnerAway { user, room }
            | BusEvent::PartnerBack { user, room }
            | BusEvent::Typing { user, room } => (*user, *room),
            _ => return,
        };
        if !self.is_partner_in(user, room) {
            return;
        }
        match event {
            BusEvent::PartnerAway { .. } if !self.partner_away => {
                self.partner_away = true;
                self.push(Outgoing::PartnerAway { room }, ctx);
            }
            BusEvent::PartnerBack { .. } if self.partner_away => {
                self.partner_away = false;
                self.push(Outgoing::PartnerBack { room }, ctx);
            }
            BusEvent::Typing { .. } => self.push(Outgoing::Typing { room }, ctx),
            _ => {}
        }
    }

    fn is_partner_in(&self, user: UserId, room: RoomId) -> bool {
        user != self.user && self.state == PersonState::InRoom(room)
    }
}
