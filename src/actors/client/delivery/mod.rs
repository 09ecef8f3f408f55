//! Bus events arriving at a ClientActor, and the catch-up from the store that
//! makes delivery exactly-once and in order (the README's "once and in order").
//! What arrives is handled by message: `bus_events.rs` (a doorbell from the
//! bus) and `sync.rs` (the periodic check for lost doorbells).

mod bus_events;
mod sync;

use std::time::Duration;

use actix::prelude::*;

use super::{ClientActor, Outgoing, PersonState};
use crate::actors::hub::{JoinRoom, LeaveRoom};
use crate::domain::{EndReason, RoomId, Seq, StoredMessage, UserId};

/// Messages fetched per store read while catching up.
const CATCH_UP_BATCH: usize = 500;
/// How long a doorbell ahead of a gap waits for the missing ones before the
/// store is read (doorbells from two replicas can cross by a few ms).
const GAP_WAIT: Duration = Duration::from_millis(50);
/// Doorbells held ahead of a gap at most; beyond that, read the store.
const MAX_EARLY: usize = 256;

/// A future that runs with the actor, boxed so steps can be chained.
type Step = std::pin::Pin<Box<dyn ActorFuture<ClientActor, Output = ()>>>;

// Note on ordering: actix polls the most recent `ctx.wait` first, so a
// sequence of steps is always one `wait` of a chained `Step`, never several.
impl ClientActor {
    /// Enters `room` having seen everything up to `from`, then catches up.
    pub(super) fn enter_room(&mut self, room: RoomId, from: Seq, ctx: &mut Context<Self>) {
        if let Some(since) = self.searching_since.take() {
            metrics::histogram!(crate::telemetry::metric::PAIRING_WAIT_SECONDS)
                .record(since.elapsed().as_secs_f64());
        }
        self.release_acks(true, ctx); // of an earlier room, if any
        self.set_state(PersonState::InRoom(room));
        self.cursor = from;
        self.early.clear();
        self.partner_away = false;
        let hub = self.deps.hub.clone();
        let client = self.id;
        // Subscribe first, then read the store: a message stored in between
        // is seen by the read or rung by the doorbell, and seq de-duplicates.
        ctx.wait(
            actix::fut::wrap_future(async move { hub.send(JoinRoom { room, client }).await })
                .then(|_, act: &mut Self, _| act.catch_up()),
        );
    }

    /// Leaves the current room locally (the store already ended it).
    pub(super) fn leave_room(&mut self, room: RoomId, ctx: &mut Context<Self>) {
        if self.state == PersonState::InRoom(room) {
            self.set_state(PersonState::Idle);
            self.early.clear();
            self.release_acks(true, ctx);
            self.partner_away = false;
        }
        self.last_room = Some(room);
        self.deps.hub.do_send(LeaveRoom {
            room,
            client: self.id,
        });
    }

    /// Applies one stored message in seq order, then whatever was held
    /// early and now follows. Returns false on a gap.
    fn apply(&mut self, msg: &StoredMessage, ctx: &mut Context<Self>) -> bool {
        if !self.apply_one(msg, ctx) {
            return false;
        }
        self.early = self.early.split_off(&self.cursor.next());
        while let Some(next) = self.early.remove(&self.cursor.next()) {
            self.apply_one(&next, ctx);
        }
        self.release_acks(false, ctx);
        if self.early.is_empty()
            && self.held_acks.is_empty()
            && let Some(timer) = self.gap_wait.take()
        {
            ctx.cancel_future(timer);
        }
        true
    }

    /// A doorbell ahead of a gap: hold it briefly, then read the store if
    /// the gap is still there.
    fn hold_early(&mut self, msg: StoredMessage, ctx: &mut Context<Self>) {
        if self.early.len() >= MAX_EARLY {
            let step = self.catch_up();
            ctx.wait(step);
            return;
        }
        self.early.insert(msg.seq, msg);
        self.arm_gap_wait(ctx);
    }

    /// Reads the store after [`GAP_WAIT`] unless the gap (a held doorbell
    /// or a held ack) was filled by then.
    pub(super) fn arm_gap_wait(&mut self, ctx: &mut Context<Self>) {
        if self.gap_wait.is_none() {
            self.gap_wait = Some(ctx.run_later(GAP_WAIT, |act, ctx| {
                act.gap_wait = None;
                if !act.early.is_empty() || !act.held_acks.is_empty() {
                    metrics::counter!(crate::telemetry::metric::GAP_READS).increment(1);
                    let step = act.catch_up();
                    ctx.wait(step);
                }
            }));
        }
    }

    fn apply_one(&mut self, msg: &StoredMessage, ctx: &mut Context<Self>) -> bool {
        if self.state != PersonState::InRoom(msg.room) || msg.seq <= self.cursor {
            return true; // another room, or already accounted for
        }
        if msg.seq != self.cursor.next() {
            return false;
        }
        self.cursor = msg.seq;
        if msg.sender != self.user {
            metrics::counter!(crate::telemetry::metric::MESSAGES_DELIVERED).increment(1);
            // Clocks of replicas can disagree a little: never a negative latency.
            let latency = (chrono::Utc::now() - msg.created_at).num_microseconds();
            let latency = latency.unwrap_or(0).max(0) as f64 / 1e6;
            metrics::histogram!(crate::telemetry::metric::RELAY_SECONDS).record(latency);
            self.push(
                Outgoing::Message {
                    seq: msg.seq,
                    message: Box::new(msg.clone()),
                },
                ctx,
            );
        }
        true
    }

    /// Reads everything after the cursor from the store and delivers it.
    pub(super) fn catch_up(&mut self) -> Step {
        let PersonState::InRoom(room) = self.state else {
            return Box::pin(actix::fut::ready(()));
        };
        metrics::counter!(crate::telemetry::metric::CATCH_UPS).increment(1);
        let store = self.deps.store.clone();
        let after = self.cursor;
        let fut = async move {
            let mut all = Vec::new();
            let mut from = after;
            loop {
                let batch = store
                    .rooms
                    .messages_after(room, from, CATCH_UP_BATCH)
                    .await?;
                let full = batch.len() == CATCH_UP_BATCH;
                if let Some(last) = batch.last() {
                    from = last.seq;
                }
                all.extend(batch);
                if !full {
                    break;
                }
            }
            Ok::<_, crate::store::StoreError>(all)
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| match res {
                Ok(messages) => {
                    for m in &messages {
                        act.apply(m, ctx);
                    }
                }
                Err(e) => {
                    tracing::warn!(client = %act.id, error = %e, "catch-up failed; timer retries")
                }
            }),
        )
    }

    /// The room ended (by anyone): deliver what is left, then tell the person.
    /// While messages of the person's are still being stored, the end waits
    /// for them (`sends_settled`): their acks come before `partner_left`,
    /// as they did when a message held the actor.
    pub(super) fn room_ended(
        &mut self,
        room: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> Step {
        if self.state != PersonState::InRoom(room) {
            return Box::pin(actix::fut::ready(()));
        }
        if self.sends_in_flight > 0 {
            self.ended_meanwhile = Some((room, by, reason));
            return Box::pin(actix::fut::ready(()));
        }
        Box::pin(self.catch_up().map(move |_, act: &mut Self, ctx| {
            act.leave_room(room, ctx);
            if by == Some(act.user) && reason == EndReason::Moderation {
                // Ended for their ban by the replica that stored it; the
                // ban's own doorbell may be lost or still on its way, so
                // the store says what to tell them.
                act.check_ban(ctx);
            } else if by == Some(act.user) {
                act.push(Outgoing::Stopped, ctx);
            } else {
                act.push(Outgoing::PartnerLeft { room, reason }, ctx);
            }
        }))
    }

    /// The matcher paired this person into `room`.
    fn on_matched(&mut self, room: RoomId, ctx: &mut Context<Self>) {
        match self.state {
            PersonState::Searching => {
                self.push(Outgoing::Matched { room }, ctx);
                self.enter_room(room, Seq::ZERO, ctx);
            }
            PersonState::InRoom(current) if current == room => {}
            PersonState::Idle if !self.cancelled_search => {
                // Searching through an earlier connection that was taken
                // over: the person is still waiting for this.
                self.push(Outgoing::Matched { room }, ctx);
                self.enter_room(room, Seq::ZERO, ctx);
            }
            _ => {
                // They stopped while the pairing was under way: end the room
                // at once so the partner is not left waiting.
                tracing::info!(client = %self.id, %room, state = ?self.state, "match refused: not searching");
                let fut = self.deps.end_room(room, Some(self.user), EndReason::Stop);
                ctx.spawn(actix::fut::wrap_future(fut).map(|res, act: &mut Self, _| {
                    if let Err(e) = res {
                        tracing::warn!(client = %act.id, error = %e, "could not end unwanted room");
                    }
                }));
            }
        }
    }
}
