//! Registry messages: connections coming and going, joining and leaving rooms.

use actix::prelude::*;

use super::Hub;
use crate::actors::client::{ClientActor, Close, CloseReason};
use crate::bus::{BusError, Topic};
use crate::domain::{ClientId, RoomId, UserId};

/// A connection of `user` starts on this replica. Replies once the person's
/// topic is subscribed, so no control event for them is missed.
#[derive(Message)]
#[rtype(result = "Result<(), BusError>")]
pub struct Register {
    pub user: UserId,
    pub client: ClientId,
    pub addr: Addr<ClientActor>,
}

/// A connection ended. `start_grace` is false when it was replaced by a
/// newer connection of the same person (their room is in good hands).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unregister {
    pub user: UserId,
    pub client: ClientId,
    pub start_grace: bool,
}

/// A connection entered a room. Replies once the room topic is subscribed.
#[derive(Message)]
#[rtype(result = "Result<(), BusError>")]
pub struct JoinRoom {
    pub room: RoomId,
    pub client: ClientId,
}

/// A connection left a room.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LeaveRoom {
    pub room: RoomId,
    pub client: ClientId,
}

impl Handler<Register> for Hub {
    type Result = ResponseFuture<Result<(), BusError>>;

    fn handle(&mut self, msg: Register, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(old) = self.users.insert(msg.user, msg.client)
            && let Some((_, addr)) = self.clients.get(&old)
        {
            addr.do_send(Close {
                reason: CloseReason::TakenOver,
            });
        }
        self.clients.insert(msg.client, (msg.user, msg.addr));
        let was_away = self.away.contains_key(&msg.user);
        self.cancel_grace(msg.user, ctx);
        if was_away {
            // Still subscribed from before they went away.
            return Box::pin(async { Ok(()) });
        }
        Box::pin(self.subscribe(Topic::User(msg.user)))
    }
}

impl Handler<Unregister> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Unregister, ctx: &mut Context<Self>) {
        if self.clients.remove(&msg.client).is_none() {
            return;
        }
        if let Some(room) = self.client_room.get(&msg.client).copied() {
            self.leave(room, msg.client, ctx);
        }
        if self.users.get(&msg.user) != Some(&msg.client) {
            return; // a newer connection of theirs is live here
        }
        self.users.remove(&msg.user);
        if msg.start_grace {
            // Keep their topic subscribed while away: a `Takeover` from
            // another replica means they are back.
            self.start_grace(msg.user, ctx);
        } else {
            self.bus_call(Topic::User(msg.user), false, ctx);
        }
    }
}

impl Handler<JoinRoom> for Hub {
    type Result = ResponseFuture<Result<(), BusError>>;

    fn handle(&mut self, msg: JoinRoom, ctx: &mut Context<Self>) -> Self::Result {
        if let Some(previous) = self.client_room.insert(msg.client, msg.room)
            && previous != msg.room
        {
            self.leave(previous, msg.client, ctx);
            self.client_room.insert(msg.client, msg.room);
        }
        let members = self.rooms.entry(msg.room).or_default();
        let first = members.is_empty();
        members.insert(msg.client);
        if !first {
            return Box::pin(async { Ok(()) });
        }
        Box::pin(self.subscribe(Topic::Room(msg.room)))
    }
}

impl Handler<LeaveRoom> for Hub {
    type Result = ();

    fn handle(&mut self, msg: LeaveRoom, ctx: &mut Context<Self>) {
        self.leave(msg.room, msg.client, ctx);
    }
}

impl Hub {
    fn leave(&mut self, room: RoomId, client: ClientId, ctx: &mut Context<Self>) {
        if self.client_room.get(&client) == Some(&room) {
            self.client_room.remove(&client);
        }
        if let Some(members) = self.rooms.get_mut(&room) {
            members.remove(&client);
            if members.is_empty() {
                self.rooms.remove(&room);
                self.bus_call(Topic::Room(room), false, ctx);
            }
        }
    }
}
