//! `send`: store a message in the person's room and ring the room.

use actix::prelude::*;

use super::{Act, done};
use crate::actors::client::{ClientActor, PersonState};
use crate::bus::{BusEvent, Topic};
use crate::domain::{ClientMsgId, MessageBody, Origin, Seq};
use crate::error::ChatError;
use crate::store::NewMessage;

impl ClientActor {
    /// Stores a message in the person's room and rings the room with the
    /// record as stored.
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
        let new = NewMessage {
            room,
            sender: self.user,
            body,
            origin,
            reply_to,
            client_msg_id: id,
        };
        let (store, bus) = (self.deps.store.clone(), self.deps.bus.clone());
        let ack_id = new.client_msg_id.as_str().to_owned();
        let fut = async move {
            let appended = store.rooms.append_message(new).await?;
            if appended.duplicate {
                metrics::counter!(crate::telemetry::metric::MESSAGES_DUPLICATE).increment(1);
            } else {
                metrics::counter!(crate::telemetry::metric::MESSAGES_STORED).increment(1);
            }
            // Ring the room even for a duplicate: the first attempt may have
            // died between storing and ringing. Receivers de-duplicate by seq.
            // The doorbell carries the record as stored, so a receiver that
            // takes it from the bus sees what a catch-up read would.
            let message = appended.message;
            let seq = message.seq;
            bus.publish(Topic::Room(room), &BusEvent::Message { message })
                .await?;
            Ok(Some(seq))
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| {
                if let Ok(Some(seq)) = res {
                    act.ack(ack_id, seq, ctx);
                }
                res
            }),
        )
    }
}
