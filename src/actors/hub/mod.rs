//! The Hub: one per replica. It owns the registry of this replica's live
//! connections and the bus subscriptions they need, and ends the rooms of
//! people whose grace period ran out. Bus events reach the connections
//! through its router task (`routes`), which reads the registry without
//! waiting for the Hub's mailbox.

mod connection;
mod keeper;
mod ops;
mod registry;
mod routes;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::mpsc;

use super::rooms::end_room;
use crate::bus::{Bus, BusSignal, Presence};
use crate::domain::{ClientId, EndReason, RoomId, UserId};
use crate::store::Stores;

pub use connection::{CatchUp, Close, CloseReason, Connection, Deliver};
pub use keeper::Keeper;
use ops::Ops;
pub use registry::{JoinRoom, LeaveRoom, Register, Unregister};
use routes::Routes;

/// How often the Hub asks presence for people whose grace ran out.
pub const GRACE_SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// People handled per sweep (the rest wait for the next one).
const GRACE_SWEEP_BATCH: usize = 200;

pub struct Hub {
    store: Stores,
    bus: Arc<dyn Bus>,
    presence: Arc<dyn Presence>,
    /// Ordered bus operations; set in `started`, never changed after.
    ops: Option<Ops>,
    /// How long a person who disconnected keeps their room.
    grace: Duration,
    /// Transports that take over abandoned people before their room would
    /// end. Fixed at creation.
    keepers: Arc<[Arc<dyn Keeper>]>,
    /// Live connections on this replica, the people and rooms they hear:
    /// written by the registry handlers, read by the router task that
    /// hands bus events to connections (`routes`).
    routes: Routes,
    /// Connection -> the room it is in (at most one); the reverse of the
    /// table's `rooms`, kept by the same handlers.
    client_room: HashMap<ClientId, RoomId>,
    /// Bus events, handed to the router task once in `started`.
    signals: Option<mpsc::Receiver<BusSignal>>,
}

impl Hub {
    pub fn new(
        store: Stores,
        bus: Arc<dyn Bus>,
        presence: Arc<dyn Presence>,
        signals: mpsc::Receiver<BusSignal>,
        grace: Duration,
        keepers: Vec<Arc<dyn Keeper>>,
    ) -> Self {
        Self {
            store,
            bus,
            presence,
            ops: None,
            grace,
            keepers: keepers.into(),
            routes: Routes::default(),
            client_room: HashMap::new(),
            signals: Some(signals),
        }
    }

    /// Ends the rooms of people whose grace period ran out (on any replica:
    /// presence hands each person to exactly one sweeper).
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        let (store, bus, presence) = (self.store.clone(), self.bus.clone(), self.presence.clone());
        let keepers = self.keepers.clone();
        ctx.spawn(actix::fut::wrap_future(async move {
            let due = match presence.take_due(GRACE_SWEEP_BATCH).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "grace sweep failed");
                    return;
                }
            };
            for user in due {
                if let Err(e) = end_abandoned_room(&store, &*bus, &keepers, user).await {
                    tracing::warn!(user = %user, error = %e, "could not end abandoned room");
                }
            }
        }));
    }
}

/// Ends the active room of someone who left and did not come back, unless
/// a keeper takes them over.
async fn end_abandoned_room(
    store: &Stores,
    bus: &dyn Bus,
    keepers: &[Arc<dyn Keeper>],
    user: UserId,
) -> anyhow::Result<()> {
    let Some(room) = store.rooms.active_room(user).await? else {
        return Ok(());
    };
    for keeper in keepers {
        if keeper.keep(user).await? {
            tracing::info!(room = %room.id, "abandoned person taken over; room kept");
            return Ok(());
        }
    }
    let ended = end_room(
        &*store.rooms,
        bus,
        room.id,
        Some(user),
        EndReason::Disconnected,
    )
    .await?;
    if ended.is_some() {
        tracing::info!(room = %room.id, "room ended: participant did not come back");
    }
    Ok(())
}

impl Actor for Hub {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.ops = Some(Ops::start(self.bus.clone(), self.presence.clone()));
        // On the runtime's worker threads, where the bus listener runs, not
        // on the Hub's: a doorbell crosses no thread it need not.
        if let Some(rx) = self.signals.take() {
            tokio::spawn(routes::run(rx, self.routes.clone()));
        }
        ctx.run_interval(GRACE_SWEEP_INTERVAL, |hub, ctx| hub.sweep(ctx));
    }
}

/// Close every connection on this replica (graceful shutdown); replies with
/// how many were told.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CloseAll;

impl Handler<CloseAll> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CloseAll, _ctx: &mut Context<Self>) -> usize {
        let table = self.routes.read();
        for (_, conn) in table.clients.values() {
            conn.close.do_send(Close {
                reason: CloseReason::Shutdown,
            });
        }
        table.clients.len()
    }
}

/// Live connections on this replica (for `/metrics` and tests).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountClients;

impl Handler<CountClients> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CountClients, _ctx: &mut Context<Self>) -> usize {
        self.routes.read().clients.len()
    }
}

/// Rooms with at least one member connected to this replica (for `/metrics`).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountRooms;

impl Handler<CountRooms> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CountRooms, _ctx: &mut Context<Self>) -> usize {
        self.routes.read().rooms.len()
    }
}
