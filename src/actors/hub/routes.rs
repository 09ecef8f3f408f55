//! Who on this replica hears each topic, and the task that hands bus
//! events to them.
//!
//! The Hub writes the table (its registry handlers, one at a time); the
//! router task reads it for every bus event and sends the event straight
//! to the connections. A doorbell used to wait in the Hub's mailbox and
//! cross to the Hub's thread before it went on to a connection's: one more
//! thread woken per delivered message, and every doorbell of the replica
//! queued behind whatever the Hub was doing.
//!
//! Order holds: the bus hands the router a room's events in the order it
//! received them, and the router sends each to a connection's mailbox in
//! that order. What a connection misses while it is being registered or
//! is joining a room (the table updated after the doorbell went by) it
//! catches up from the store, as it did when the Hub routed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::mpsc;

use super::connection::{CatchUp, Connection, Deliver};
use crate::bus::{BusEvent, BusSignal, Topic};
use crate::domain::{ClientId, RoomId, UserId};

/// The registry of this replica's live connections. Written only by the
/// Hub's handlers; read by the router task and the Hub.
#[derive(Default)]
pub struct Table {
    /// Live connections here. Added by `Register`, removed by `Unregister`
    /// (sent by the ClientActor when it stops).
    pub clients: HashMap<ClientId, (UserId, Connection)>,
    /// Person -> their live connection here. Same writers as `clients`; a
    /// newer connection of the same person replaces (and closes) the older.
    pub users: HashMap<UserId, ClientId>,
    /// Room -> connections here in it. Changed by `JoinRoom` / `LeaveRoom`
    /// and on `Unregister`; a room's topic is subscribed while non-empty.
    pub rooms: HashMap<RoomId, HashSet<ClientId>>,
}

impl Table {
    /// Sends `event` to every connection here that `topic` reaches.
    fn route(&self, topic: Topic, event: BusEvent) {
        match topic {
            Topic::Room(room) => {
                for client in self.rooms.get(&room).into_iter().flatten() {
                    if let Some((_, conn)) = self.clients.get(client) {
                        conn.deliver.do_send(Deliver {
                            event: event.clone(),
                        });
                    }
                }
            }
            Topic::User(user) => {
                if let Some((_, conn)) = self.users.get(&user).and_then(|c| self.clients.get(c)) {
                    conn.deliver.do_send(Deliver { event });
                }
            }
        }
    }
}

/// The table, shared between the Hub and the router task.
#[derive(Clone, Default)]
pub struct Routes(Arc<RwLock<Table>>);

impl Routes {
    /// For the Hub's handlers. A writer that panicked midway can only have
    /// left a connection half registered, which its own `Unregister`
    /// clears: the table stays usable, so a poisoned lock is taken as is.
    pub fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// For the router and the Hub's counts (see `write` on poisoning).
    pub fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands every bus signal to the connections it concerns, in arrival
/// order, until the bus closes its channel. The channel is bounded: while
/// this task is behind, the bus listener waits.
pub async fn run(mut signals: mpsc::Receiver<BusSignal>, routes: Routes) {
    while let Some(signal) = signals.recv().await {
        match signal {
            BusSignal::Event { topic, event } => routes.read().route(topic, event),
            BusSignal::Resynced => {
                metrics::counter!(crate::telemetry::metric::BUS_RECONNECTS).increment(1);
                for (_, conn) in routes.read().clients.values() {
                    conn.catch_up.do_send(CatchUp);
                }
            }
        }
    }
    tracing::info!("bus stream ended");
}

#[cfg(test)]
mod tests {
    use actix::prelude::*;

    use super::*;
    use crate::actors::hub::connection::Close;

    /// A connection that hands the test what reaches it.
    struct Recorder(mpsc::UnboundedSender<Heard>);

    #[derive(Debug, PartialEq)]
    enum Heard {
        Event(BusEvent),
        CatchUp,
    }

    impl Actor for Recorder {
        type Context = Context<Self>;
    }

    impl Handler<Deliver> for Recorder {
        type Result = ();
        fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
            self.0.send(Heard::Event(msg.event)).unwrap();
        }
    }

    impl Handler<CatchUp> for Recorder {
        type Result = ();
        fn handle(&mut self, _: CatchUp, _: &mut Context<Self>) {
            self.0.send(Heard::CatchUp).unwrap();
        }
    }

    impl Handler<Close> for Recorder {
        type Result = ();
        fn handle(&mut self, _: Close, _: &mut Context<Self>) {}
    }

    /// A connection of a new person, registered in `routes` (in `room`).
    fn connect(
        routes: &Routes,
        room: Option<RoomId>,
    ) -> (UserId, ClientId, mpsc::UnboundedReceiver<Heard>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (user, client) = (UserId::new(), ClientId::new());
        let conn = Connection::of(&Recorder(tx).start());
        let mut table = routes.write();
        table.clients.insert(client, (user, conn));
        table.users.insert(user, client);
        if let Some(room) = room {
            table.rooms.entry(room).or_default().insert(client);
        }
        (user, client, rx)
    }

    /// Five distinct events, standing for a room's first five.
    fn events() -> Vec<BusEvent> {
        let user = UserId::new();
        (0..5)
            .map(|_| BusEvent::Matched {
                user,
                room: RoomId::new(),
            })
            .collect()
    }

    #[actix::test]
    async fn events_reach_who_the_table_names_in_order_and_stop_at_leaving() {
        // Arrange: two people in a room here, one in another room, and
        // the router running.
        let routes = Routes::default();
        let (room, elsewhere) = (RoomId::new(), RoomId::new());
        let (_, _, mut a) = connect(&routes, Some(room));
        let (_, b_client, mut b) = connect(&routes, Some(room));
        let (c_user, _, mut c) = connect(&routes, Some(elsewhere));
        let (bus, signals) = mpsc::channel(16);
        tokio::spawn(run(signals, routes.clone()));
        let events = events();
        let room_event = |n: usize| BusSignal::Event {
            topic: Topic::Room(room),
            event: events[n].clone(),
        };

        // Act: three events of the room, then one of them leaves, then two
        // more; one event for the third person, then a resync.
        for n in 0..3 {
            bus.send(room_event(n)).await.unwrap();
        }
        for event in &events[..3] {
            assert_eq!(b.recv().await, Some(Heard::Event(event.clone())));
        }
        routes
            .write()
            .rooms
            .get_mut(&room)
            .unwrap()
            .remove(&b_client);
        for n in 3..5 {
            bus.send(room_event(n)).await.unwrap();
        }
        let to_c = BusSignal::Event {
            topic: Topic::User(c_user),
            event: events[0].clone(),
        };
        bus.send(to_c).await.unwrap();
        bus.send(BusSignal::Resynced).await.unwrap();

        // Assert: the one who stayed heard all five in order, the one who
        // left nothing after leaving, the third only their own event; the
        // resync reached every connection.
        for event in &events {
            assert_eq!(a.recv().await, Some(Heard::Event(event.clone())));
        }
        assert_eq!(a.recv().await, Some(Heard::CatchUp));
        assert_eq!(b.recv().await, Some(Heard::CatchUp));
        assert_eq!(c.recv().await, Some(Heard::Event(events[0].clone())));
        assert_eq!(c.recv().await, Some(Heard::CatchUp));
    }
}
