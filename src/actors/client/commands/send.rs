//! `send`: hand a message to the connection's send task (`sends.rs`), which
//! stores it and rings the room; the ack follows once it is stored.

use actix::prelude::*;
use tokio::sync::{mpsc::error::TrySendError, oneshot};

use super::{Act, Outcome, done};
use crate::actors::client::sends::{self, Job, Stored};
use crate::actors::client::{ClientActor, PersonState};
use crate::domain::{ClientMsgId, MessageBody, Origin, Seq};
use crate::error::ChatError;
use crate::store::NewMessage;

/// What a person whose send queue is full is asked to wait.
const QUEUE_FULL_RETRY_MS: u64 = 1000;

impl Handler<Stored> for ClientActor {
    type Result = ();

    /// The person is told (ack, or error), then the caller, if it waits.
    fn handle(&mut self, msg: Stored, ctx: &mut Context<Self>) {
        match &msg.outcome {
            Ok(seq) => self.ack(msg.id, *seq, ctx),
            Err(e) => self.report_failure(e, Some(msg.id), ctx),
        }
        self.sends_settled(ctx);
        if let Some(caller) = msg.caller {
            let _ = caller.send(msg.outcome.map(Some));
        }
    }
}

impl ClientActor {
    /// Queues a message for storing. A session client is answered at once
    /// (its ack or error follows as [`Stored`] comes back); any other
    /// caller is answered with the outcome. Runs beside the actor, not
    /// holding it. Failures reach the person here or in [`Stored`]'s
    /// handler, so the command's caller does not report them again.
    pub(super) fn send(
        &mut self,
        body: MessageBody,
        origin: Origin,
        reply_to: Option<Seq>,
        id: ClientMsgId,
        ctx: &mut Context<Self>,
    ) -> Act {
        match self.queue_send(body, origin, reply_to, id, ctx) {
            Err((e, id)) => {
                self.report_failure(&e, Some(id), ctx);
                done(Err(e))
            }
            Ok(None) => done(Ok(None)),
            Ok(Some(outcome)) => Box::pin(
                actix::fut::wrap_future(outcome)
                    .map(|res, _, _| res.unwrap_or(Err(ChatError::Unavailable))),
            ),
        }
    }

    /// Puts the message in the send task's queue: what the caller waits
    /// for, if it waits. A refusal comes with the message's id, for the
    /// error the person is shown.
    fn queue_send(
        &mut self,
        body: MessageBody,
        origin: Origin,
        reply_to: Option<Seq>,
        id: ClientMsgId,
        ctx: &mut Context<Self>,
    ) -> Result<Option<oneshot::Receiver<Outcome>>, (ChatError, String)> {
        if let Some(ban) = self.banned_now() {
            let e = ChatError::Banned { until: ban.until };
            return Err((e, id.as_str().to_owned()));
        }
        let PersonState::InRoom(room) = self.state else {
            return Err((ChatError::NotInRoom, id.as_str().to_owned()));
        };
        let ack_id = id.as_str().to_owned();
        let message = Box::new(NewMessage {
            room,
            sender: self.user,
            body,
            origin,
            reply_to,
            client_msg_id: id,
        });
        let (caller, outcome) = if self.start.acks() {
            (None, None)
        } else {
            let (caller, outcome) = oneshot::channel();
            (Some(caller), Some(outcome))
        };
        // Queued now, in the handler: the queue's order is the order sent.
        let queue = self
            .sends
            .get_or_insert_with(|| sends::spawn(&self.deps, ctx.address().recipient()));
        // A place first, so a refusal still has the id to show.
        let place = match queue.try_reserve() {
            Ok(place) => place,
            Err(TrySendError::Full(())) => {
                let e = ChatError::Flood {
                    retry_after_ms: QUEUE_FULL_RETRY_MS,
                };
                return Err((e, ack_id));
            }
            Err(TrySendError::Closed(())) => return Err((ChatError::Unavailable, ack_id)),
        };
        place.send(Job::Send {
            message,
            id: ack_id,
            caller,
        });
        self.sends_in_flight += 1;
        Ok(outcome)
    }

    /// One send was answered; once none is left, a room end that came
    /// meanwhile is handled. Its `partner_left` comes after the answer:
    /// the ack or the error was pushed just before (`Stored`), and the end
    /// first reads the store.
    fn sends_settled(&mut self, ctx: &mut Context<Self>) {
        self.sends_in_flight = self.sends_in_flight.saturating_sub(1);
        if self.sends_in_flight == 0
            && let Some((room, by, reason)) = self.ended_meanwhile.take()
        {
            let step = self.room_ended(room, by, reason);
            ctx.wait(step);
        }
    }

    /// Completes once every message this connection queued so far is
    /// stored and rung (at once when it never sent one).
    pub(super) fn sends_done(&self) -> impl Future<Output = ()> + 'static {
        let queue = self.sends.clone();
        async move {
            let Some(queue) = queue else { return };
            let (reply, done) = oneshot::channel();
            // Waiting for room is safe: the actor is held until this ends,
            // so nothing is queued behind the barrier meanwhile.
            if queue.send(Job::Barrier { reply }).await.is_ok() {
                let _ = done.await;
            }
        }
    }
}
