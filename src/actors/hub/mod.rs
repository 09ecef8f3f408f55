//! The Hub: one per replica. It owns the registry of this replica's live
//! connections and the bus subscriptions they need, routes bus events to
//! them, and ends the rooms of people who left and did not come back.

mod registry;
mod subscriptions;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::client::{CatchUp, ClientActor, Close, CloseReason, Deliver};
use crate::bus::{Bus, BusError, BusEvent, BusSignal, Topic};
use crate::domain::{ClientId, EndReason, RoomId, UserId};
use crate::store::Store;

pub use registry::{JoinRoom, LeaveRoom, Register, Unregister};
use subscriptions::Subscriptions;

pub struct Hub {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    /// Ordered subscription changes; started with the actor.
    subs: Option<Subscriptions>,
    /// How long a person who disconnected keeps their room.
    grace: Duration,
    /// Live connections on this replica. Added by `Register`, removed by
    /// `Unregister` (sent by the ClientActor when it stops).
    clients: HashMap<ClientId, (UserId, Addr<ClientActor>)>,
    /// Person -> their live connection here. Same writers as `clients`; a
    /// newer connection of the same person replaces (and closes) the older.
    users: HashMap<UserId, ClientId>,
    /// Room -> connections here in it. Changed by `JoinRoom` / `LeaveRoom`
    /// and on `Unregister`; a room's topic is subscribed while non-empty.
    rooms: HashMap<RoomId, HashSet<ClientId>>,
    /// Connection -> the room it is in (at most one); the reverse of `rooms`,
    /// kept by the same writers.
    client_room: HashMap<ClientId, RoomId>,
    /// People who disconnected, with the timer that ends their room if they
    /// do not come back. Set by `Unregister`, cleared by `Register` or by a
    /// bus `Takeover` (they came back on another replica).
    away: HashMap<UserId, SpawnHandle>,
    /// Bus events, consumed once in `started`.
    signals: Option<mpsc::Receiver<BusSignal>>,
}

impl Hub {
    pub fn new(
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        signals: mpsc::Receiver<BusSignal>,
        grace: Duration,
    ) -> Self {
        Self {
            store,
            bus,
            subs: None,
            grace,
            clients: HashMap::new(),
            users: HashMap::new(),
            rooms: HashMap::new(),
            client_room: HashMap::new(),
            away: HashMap::new(),
            signals: Some(signals),
        }
    }

    /// Queues a subscription change (in order, without waiting).
    fn bus_call(&self, topic: Topic, subscribe: bool, _ctx: &mut Context<Self>) {
        if let Some(subs) = &self.subs {
            subs.change(topic, subscribe);
        }
    }

    /// Queues a subscription and returns a future for its completion.
    fn subscribe(&self, topic: Topic) -> impl Future<Output = Result<(), BusError>> + 'static {
        let subs = self.subs.clone();
        async move {
            match subs {
                Some(subs) => subs.subscribe(topic).await,
                None => Err(BusError::Unavailable("hub not started".into())),
            }
        }
    }

    /// Starts the timer that ends `user`'s room unless they come back.
    fn start_grace(&mut self, user: UserId, ctx: &mut Context<Self>) {
        if let Some(old) = self.away.remove(&user) {
            ctx.cancel_future(old);
        }
        let handle = ctx.run_later(self.grace, move |hub, ctx| {
            hub.away.remove(&user);
            if !hub.users.contains_key(&user) {
                hub.bus_call(Topic::User(user), false, ctx);
            }
            let (store, bus) = (hub.store.clone(), hub.bus.clone());
            ctx.spawn(actix::fut::wrap_future(async move {
                if let Err(e) = end_abandoned_room(&*store, &*bus, user).await {
                    tracing::warn!(user = %user, error = %e, "could not end abandoned room");
                }
            }));
        });
        self.away.insert(user, handle);
    }

    /// The person came back (here or elsewhere): keep their room.
    fn cancel_grace(&mut self, user: UserId, ctx: &mut Context<Self>) {
        if let Some(handle) = self.away.remove(&user) {
            ctx.cancel_future(handle);
            if !self.users.contains_key(&user) {
                self.bus_call(Topic::User(user), false, ctx);
            }
        }
    }

    fn route(&mut self, topic: Topic, event: BusEvent, ctx: &mut Context<Self>) {
        match topic {
            Topic::Room(room) => {
                if let Some(members) = self.rooms.get(&room) {
                    for client in members {
                        if let Some((_, addr)) = self.clients.get(client) {
                            addr.do_send(Deliver {
                                event: event.clone(),
                            });
                        }
                    }
                }
            }
            Topic::User(user) => {
                if let BusEvent::Takeover { keep, .. } = &event
                    && !self.clients.contains_key(keep)
                {
                    // They are back on another replica.
                    self.cancel_grace(user, ctx);
                }
                if let Some((_, addr)) = self.users.get(&user).and_then(|c| self.clients.get(c)) {
                    addr.do_send(Deliver { event });
                }
            }
        }
    }
}

/// Ends the active room of someone who left and did not come back.
async fn end_abandoned_room(store: &dyn Store, bus: &dyn Bus, user: UserId) -> anyhow::Result<()> {
    let Some(room) = store.active_room(user).await? else {
        return Ok(());
    };
    if store
        .end_room(room.id, Some(user), EndReason::Disconnected)
        .await?
        .is_some()
    {
        let ended = BusEvent::RoomEnded {
            room: room.id,
            by: Some(user),
            reason: EndReason::Disconnected,
        };
        bus.publish(Topic::Room(room.id), &ended).await?;
        metrics::counter!("chathub_rooms_ended_total", "reason" => EndReason::Disconnected.as_str())
            .increment(1);
        tracing::info!(room = %room.id, "room ended: participant did not come back");
    }
    Ok(())
}

impl Actor for Hub {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.subs = Some(Subscriptions::start(self.bus.clone()));
        // Bounded: when the Hub falls behind, the bus listener waits.
        if let Some(rx) = self.signals.take() {
            ctx.add_stream(ReceiverStream::new(rx));
        }
    }
}

impl StreamHandler<BusSignal> for Hub {
    fn handle(&mut self, signal: BusSignal, ctx: &mut Context<Self>) {
        match signal {
            BusSignal::Event { topic, event } => self.route(topic, event, ctx),
            BusSignal::Resynced => {
                for (_, addr) in self.clients.values() {
                    addr.do_send(CatchUp);
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
        for (_, addr) in self.clients.values() {
            addr.do_send(Close {
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
