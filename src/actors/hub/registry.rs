//! Registry messages: connections coming and going, joining and leaving rooms.

use actix::prelude::*;

use super::Hub;
use super::connection::{Close, CloseReason, Connection};
use crate::bus::{BusError, Topic};
use crate::domain::{ClientId, RoomId, UserId};

/// A connection of `user` starts on this replica. Replies once the person's
/// topic is subscribed, so no control event for them is missed.
#[derive(Message)]
#[rtype(result = "Result<(), BusError>")]
pub struct Register {
    pub user: UserId,
    pub client: ClientId,
    pub conn: Connection,
}

/// A connection ended. If it was the person's latest anywhere, their grace
/// period starts (presence decides, globally).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unregister {
    pub user: UserId,
    pub client: ClientId,
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

impl Hub {
    fn ops(&self) -> Result<&super::Ops, BusError> {
        self.ops
            .as_ref()
            .ok_or_else(|| BusError::Unavailable("hub not started".into()))
    }

    fn leave(&mut self, room: RoomId, client: ClientId) {
        if self.client_room.get(&client) == Some(&room) {
            self.client_room.remove(&client);
        }
        let mut table = self.routes.write();
        if let Some(members) = table.rooms.get_mut(&room) {
            members.remove(&client);
            if members.is_empty() {
                table.rooms.remove(&room);
                drop(table);
                if let Ok(ops) = self.ops() {
                    ops.unsubscribe(Topic::Room(room));
                }
            }
        }
    }
}

impl Handler<Register> for Hub {
    type Result = ResponseFuture<Result<(), BusError>>;

    fn handle(&mut self, msg: Register, _ctx: &mut Context<Self>) -> Self::Result {
        let mut table = self.routes.write();
        if let Some(old) = table.users.insert(msg.user, msg.client)
            && let Some((_, conn)) = table.clients.get(&old)
        {
            conn.close.do_send(Close {
                reason: CloseReason::TakenOver,
            });
        }
        table.clients.insert(msg.client, (msg.user, msg.conn));
        drop(table);
        let ops = match self.ops() {
            Ok(ops) => ops,
            Err(e) => return Box::pin(async { Err(e) }),
        };
        ops.arrived(msg.user, msg.client);
        Box::pin(ops.subscribe(Topic::User(msg.user)))
    }
}

impl Handler<Unregister> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Unregister, _ctx: &mut Context<Self>) {
        if self.routes.write().clients.remove(&msg.client).is_none() {
            return;
        }
        if let Some(room) = self.client_room.get(&msg.client).copied() {
            self.leave(room, msg.client);
        }
        let Ok(ops) = self.ops().cloned() else { return };
        // A no-op unless this was the person's latest connection anywhere.
        ops.left(msg.user, msg.client, self.grace);
        let mut table = self.routes.write();
        if table.users.get(&msg.user) == Some(&msg.client) {
            table.users.remove(&msg.user);
            drop(table);
            ops.unsubscribe(Topic::User(msg.user));
        }
    }
}

impl Handler<JoinRoom> for Hub {
    type Result = ResponseFuture<Result<(), BusError>>;

    fn handle(&mut self, msg: JoinRoom, _ctx: &mut Context<Self>) -> Self::Result {
        if let Some(previous) = self.client_room.insert(msg.client, msg.room)
            && previous != msg.room
        {
            self.leave(previous, msg.client);
            self.client_room.insert(msg.client, msg.room);
        }
        let first = {
            let mut table = self.routes.write();
            let members = table.rooms.entry(msg.room).or_default();
            let first = members.is_empty();
            members.insert(msg.client);
            first
        };
        if !first {
            return Box::pin(async { Ok(()) });
        }
        match self.ops() {
            Ok(ops) => Box::pin(ops.subscribe(Topic::Room(msg.room))),
            Err(e) => Box::pin(async { Err(e) }),
        }
    }
}

impl Handler<LeaveRoom> for Hub {
    type Result = ();

    fn handle(&mut self, msg: LeaveRoom, _ctx: &mut Context<Self>) {
        self.leave(msg.room, msg.client);
    }
}
