//! `send`: hand a message to the connection's send task (`sends.rs`), which
//! stores it and rings the room; the ack follows once it is stored.

use actix::prelude::*;
use tokio::sync::{mpsc::error::TrySendError, oneshot};

use super::{Act, done};
use crate::actors::client::sends::{self, Job};
use crate::actors::client::{ClientActor, PersonState};
use crate::domain::{ClientMsgId, MessageBody, Origin, Seq};
use crate::error::ChatError;
use crate::store::NewMessage;

/// What a person whose send queue is full is asked to wait.
const QUEUE_FULL_RETRY_MS: u64 = 1000;

impl ClientActor {
    /// Queues a message for storing; the answer (and the ack) come once it
    /// is stored and rung. Runs beside the actor, not holding it.
    pub(super) fn send(
        &mut self,
        body: MessageBody,
        origin: Origin,
        reply_to: Option<Seq>,
        id: ClientMsgId,
    ) -> Act {
        if let Some(ban) = self.banned_now() {
            return done(Err(ChatError::Banned { until: ban.until }));
        }
        let PersonState::InRoom(room) = self.state else {
            return done(Err(ChatError::NotInRoom));
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
        let (reply, answer) = oneshot::channel();
        // Queued now, in the handler: the queue's order is the order sent.
        let queue = self.sends.get_or_insert_with(|| sends::spawn(&self.deps));
        match queue.try_send(Job::Send { message, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return done(Err(ChatError::Flood {
                    retry_after_ms: QUEUE_FULL_RETRY_MS,
                }));
            }
            Err(TrySendError::Closed(_)) => return done(Err(ChatError::Unavailable)),
        }
        self.sends_in_flight += 1;
        Box::pin(
            actix::fut::wrap_future(answer).map(move |res, act: &mut Self, ctx| {
                let res = res.unwrap_or(Err(ChatError::Unavailable));
                if let Ok(seq) = res {
                    act.ack(ack_id, seq, ctx);
                }
                act.sends_settled(ctx);
                res.map(Some)
            }),
        )
    }

    /// One send was answered; once none is left, a room end that came
    /// meanwhile is handled. Its `partner_left` comes after the answer
    /// either way: the ack was pushed above, an error is pushed by the
    /// command handler in this same turn, and the end first reads the
    /// store.
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
