//! One ClientActor per connected person (a WebSocket, or a Telegram chat).
//! It holds the person's chat state on this replica, runs their commands one
//! at a time (so their messages keep their order), and turns bus events into
//! what the person sees, de-duplicated and in seq order.

mod acks;
mod commands;
mod delivery;
mod disconnect;
mod matching;
mod moderation;
mod outbox;
mod search_timeout;
mod sends;
mod signals;
mod start;

use std::num::NonZeroU32;
use std::time::Duration;

use actix::prelude::*;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::Deps;
use super::hub::{Connection, Register, Unregister};
use crate::bus::{BusEvent, Topic};
use crate::domain::{ClientId, RoomId, Seq, UserId};

pub use crate::actors::hub::{CatchUp, Close, Deliver};
pub use commands::{ClientCommand, Command};
pub use disconnect::Disconnected;
pub use matching::show_profile;
pub use outbox::{CloseReason, Outbox, OutboxFull, Outgoing};
pub use start::Start;

/// How often a connection re-checks its state against the store, so a lost
/// doorbell (bus outage, replica crash between store and publish) delays a
/// message or an event by at most this long.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(10);

/// Where the person stands. Changed only by this actor's handlers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PersonState {
    Idle,
    Searching,
    InRoom(RoomId),
}

pub struct ClientActor {
    /// This connection. Fixed at creation.
    id: ClientId,
    /// The person. Fixed at creation.
    user: UserId,
    /// How the transport asked this person to start (resume point,
    /// session or not). Fixed at creation.
    start: Start,
    deps: Deps,
    /// Towards the transport. Pushed to by every handler, in handler order.
    outbox: Box<dyn Outbox>,
    /// Changed by commands (search/next/stop/report) and by bus events
    /// (matched, room ended), always through `set_state` so the transport
    /// hears of it; never by anyone outside this actor.
    state: PersonState,
    /// Highest seq of the current room already accounted for: delivered to
    /// the person, or their own. Advanced only in seq order (so a gap is
    /// noticed); reset when a room starts.
    cursor: Seq,
    /// The room that ended last, so `report` still works after a partner left.
    last_room: Option<RoomId>,
    /// Set when the person stopped searching through this connection,
    /// cleared when they search again. A match announced while idle is
    /// refused only then: a fresh connection that never stopped (a takeover
    /// while searching; a Telegram person whose update reached another
    /// replica) is still searching as far as the person knows.
    cancelled_search: bool,
    /// Per-person flood limit; checked by every command.
    flood: DefaultDirectRateLimiter,
    /// Set when the server closes on purpose; `stopping` reads it.
    closing: Option<CloseReason>,
    /// Doorbells that arrived ahead of a gap (two replicas' doorbells can
    /// cross), held for a moment in case the missing ones follow, before
    /// the store is read. Filled and drained by delivery; cleared with the
    /// room.
    early: std::collections::BTreeMap<Seq, crate::domain::StoredMessage>,
    /// The timer that reads the store if a gap is not filled in time.
    gap_wait: Option<SpawnHandle>,
    /// Acks of the person's own messages held until everything before them
    /// was delivered (`acks.rs`); released by delivery, all of them when
    /// the room ends.
    held_acks: std::collections::BTreeMap<Seq, String>,
    /// A ban this connection learned of (bus event, sync or refused
    /// search); messages are refused while it holds.
    ban: Option<crate::store::ActiveBan>,
    /// When the current search began here, for the pairing-wait histogram.
    searching_since: Option<std::time::Instant>,
    /// When this person's typing was last passed on (rate limit).
    last_typing: Option<std::time::Instant>,
    /// The partner's connection is lost (their `partner_away` was passed
    /// on and no `partner_back` since); reset with the room.
    partner_away: bool,
    /// Counts searches begun here; a relaxation or timeout timer acts only
    /// for the search that set it. Bumped only by `search`.
    search_gen: u64,
    /// The connection's send task (`sends.rs`), started with its first
    /// message; dropped with the actor, after which the task finishes what
    /// was queued and ends.
    sends: Option<tokio::sync::mpsc::Sender<sends::Job>>,
    /// Messages handed to the send task and not answered yet: raised by
    /// `send`, lowered when its answer (ack or error) was passed on.
    sends_in_flight: usize,
    /// A room end that arrived while `sends_in_flight` was not zero; handled
    /// once it is (`sends_settled`), so the acks go first.
    ended_meanwhile: Option<(RoomId, Option<UserId>, crate::domain::EndReason)>,
    /// Relaxation steps of the current search so far (a re-join after a
    /// lost queue entry keeps them).
    relax_steps: usize,
}

impl ClientActor {
    pub fn new(user: UserId, start: Start, deps: Deps, outbox: Box<dyn Outbox>) -> Self {
        let per_sec = NonZeroU32::new(deps.limits.flood_per_sec).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(deps.limits.flood_burst).unwrap_or(NonZeroU32::MIN);
        Self {
            id: ClientId::new(),
            user,
            start,
            deps,
            outbox,
            state: PersonState::Idle,
            cursor: Seq::ZERO,
            last_room: None,
            cancelled_search: false,
            flood: RateLimiter::direct(Quota::per_second(per_sec).allow_burst(burst)),
            closing: None,
            early: std::collections::BTreeMap::new(),
            gap_wait: None,
            held_acks: std::collections::BTreeMap::new(),
            ban: None,
            searching_since: None,
            last_typing: None,
            partner_away: false,
            search_gen: 0,
            sends: None,
            sends_in_flight: 0,
            ended_meanwhile: None,
            relax_steps: 0,
        }
    }

    /// Queues an event for the person; a full queue closes the connection.
    fn push(&mut self, event: Outgoing, ctx: &mut Context<Self>) {
        if self.closing.is_some() {
            return;
        }
        if self.outbox.push(event).is_err() {
            tracing::info!(client = %self.id, "client too slow, closing");
            self.close(CloseReason::TooSlow, ctx);
        }
    }

    /// Changes where the person stands and tells the transport, which
    /// may keep an idle person's actor for a while only (Telegram).
    fn set_state(&mut self, state: PersonState) {
        if self.state != state {
            self.state = state;
            self.outbox.state_changed(&self.state);
        }
    }

    fn close(&mut self, reason: CloseReason, ctx: &mut Context<Self>) {
        if self.closing.is_none() {
            self.closing = Some(reason);
            self.outbox.close(reason);
        }
        ctx.stop();
    }
}

impl Actor for ClientActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Register before anything else so no event for this person is missed,
        // then claim the person (other connections of theirs close), then
        // restore their room from the store. `wait` holds every command until
        // this is done.
        let deps = self.deps.clone();
        let (user, id, addr) = (self.user, self.id, ctx.address());
        let fut = async move {
            deps.hub
                .send(Register {
                    user,
                    client: id,
                    conn: Connection::of(&addr),
                })
                .await
                .map_err(|_| anyhow::anyhow!("hub gone"))??;
            deps.bus
                .publish(Topic::User(user), &BusEvent::Takeover { user, keep: id })
                .await?;
            Ok::<_, anyhow::Error>(deps.store.rooms.active_room(user).await?)
        };
        ctx.wait(
            actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| match res {
                Ok(room) => act.begin(room, ctx),
                Err(e) => act.fail_start(&e, ctx),
            }),
        );
        // Connections opened together (a replica's restart, a load test)
        // would otherwise all sync in the same instant, every ten seconds,
        // and queue for the store's pool in front of the messages being
        // sent. Each starts its period at a random point instead.
        let first = SYNC_INTERVAL.mul_f64(rand::random::<f64>());
        ctx.run_later(first, |_, ctx| {
            ctx.notify(CatchUp);
            ctx.run_interval(SYNC_INTERVAL, |_, ctx| ctx.notify(CatchUp));
        });
        metrics::gauge!(crate::telemetry::metric::CONNECTIONS).increment(1.0);
        metrics::gauge!(crate::telemetry::metric::PEOPLE_ONLINE, "transport" => self.outbox.platform().as_str())
            .increment(1.0);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        metrics::gauge!(crate::telemetry::metric::CONNECTIONS).decrement(1.0);
        metrics::gauge!(crate::telemetry::metric::PEOPLE_ONLINE, "transport" => self.outbox.platform().as_str())
            .decrement(1.0);
        // A taken-over connection leaves the person to their new connection;
        // an idle one has nothing to leave.
        let handover = !matches!(
            self.closing,
            Some(CloseReason::TakenOver | CloseReason::Idle | CloseReason::Moderated)
        );
        if handover {
            self.announce_away();
        }
        if handover && self.state == PersonState::Searching {
            self.deps
                .matcher
                .do_send(super::matcher::CancelSearch { user: self.user });
        }
        self.deps.hub.do_send(Unregister {
            user: self.user,
            client: self.id,
        });
    }
}
