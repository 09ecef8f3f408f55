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
