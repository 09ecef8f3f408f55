//! The Hub: one per replica. It owns the registry of this replica's live
//! connections and the bus subscriptions they need, routes bus events to
//! them, and ends the rooms of people whose grace period ran out.

mod connection;
mod keeper;
mod ops;
mod registry;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::rooms::end_room;
use crate::bus::{Bus, BusEvent, BusSignal, Presence, Topic};
use crate::domain::{ClientId, EndReason, RoomId, UserId};
use crate::store::Stores;

pub use connection::{CatchUp, Close, CloseReason, Connection, Deliver};
pub use keeper::Keeper;
use ops::Ops;
pub use registry::{JoinRoom, LeaveRoom, Register, Unregister};

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
    /// Live connections on this replica. Added by `Register`, removed by
    /// `Unregister` (sent by the ClientActor when it stops).
    clients: HashMap<ClientId, (UserId, Connection)>,
    /// Person -> their live connection here. Same writers as `clients`; a
    /// newer connection of the same person replaces (and closes) the older.
    users: HashMap<UserId, ClientId>,
    /// Room -> connections here in it. Changed by `JoinRoom` / `LeaveRoom`
    /// and on `Unregister`; a room's topic is subscribed while non-empty.
    rooms: HashMap<RoomId, HashSet<ClientId>>,
    /// Connection -> the room it is in (at most one); the reverse of `rooms`,
    /// kept by the same writers.
    client_room: HashMap<ClientId, RoomId>,
    /// Bus events, consumed once in `started`.
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
            clients: HashMap::new(),
            users: HashMap::new(),
            rooms: HashMap::new(),
            client_room: HashMap::new(),
            signals: Some(signals),
        }
    }

    fn route(&mut self, topic: Topic, event: BusEvent) {
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
        // Bounded: when the Hub falls behind, the bus listener waits.
        if let Some(rx) = self.signals.take() {
            ctx.add_stream(ReceiverStream::new(rx));
        }
        ctx.run_interval(GRACE_SWEEP_INTERVAL, |hub, ctx| hub.sweep(ctx));
    }
}

impl StreamHandler<BusSignal> for Hub {
    fn handle(&mut self, signal: BusSignal, _ctx: &mut Context<Self>) {
        match signal {
            BusSignal::Event { topic, event } => self.route(topic, event),
            BusSignal::Resynced => {
                metrics::counter!(crate::telemetry::metric::BUS_RECONNECTS).increment(1);
                for (_, conn) in self.clients.values() {
                    conn.catch_up.do_send(CatchUp);
                }
            }
        }
    }

    fn finished(&mut self, _ctx: &mut Context<Self>) {
        tracing::info!("bus stream ended");
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
        for (_, conn) in self.clients.values() {
            conn.close.do_send(Close {
                reason: CloseReason::Shutdown,
            });
        }
        self.clients.len()
    }
}

/// Live connections on this replica (for `/metrics` and tests).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountClients;

impl Handler<CountClients> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CountClients, _ctx: &mut Context<Self>) -> usize {
        self.clients.len()
    }
}

/// Rooms with at least one member connected to this replica (for `/metrics`).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountRooms;

impl Handler<CountRooms> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CountRooms, _ctx: &mut Context<Self>) -> usize {
        self.rooms.len()
    }
}
