//! A person's messages are stored and rung off their actor: one task per
//! connection (started with its first message) takes them in the order sent,
//! appends each and rings the room, then answers. Meanwhile the actor goes
//! on delivering the partner's messages, which used to wait behind every
//! send of the person's own for the store's batch and the publish.
//!
//! Order per sender holds because the task is the only one storing this
//! connection's messages and takes them one at a time; the person's other
//! commands (next, stop, report...) wait for the messages sent before them
//! (`Job::Barrier`), so "send, then next" still stores the message first.
//!
//! Each outcome goes back to the actor as a [`Stored`] message, in the
//! order the task finished them, which is the order sent: an actor's
//! mailbox is first in, first out, where futures spawned on its context are
//! not (actix polls them in no fixed order, so two outcomes ready at once
//! could be acknowledged out of order).

use actix::prelude::*;
use tokio::sync::{mpsc, oneshot};

use crate::actors::Deps;
use crate::bus::{BusEvent, Topic};
use crate::domain::Seq;
use crate::error::ChatError;
use crate::store::NewMessage;

/// Messages of one connection waiting to be stored. Far above any flood
/// burst a person is allowed; a person past it is told to slow down.
pub const SEND_QUEUE: usize = 256;

/// What the command that sent a message waits for, when it waits (a
/// transport without acks learns the outcome from the command itself).
pub type Caller = oneshot::Sender<Result<Option<Seq>, ChatError>>;

/// Work for a connection's send task, in the order the actor queued it.
pub enum Job {
    /// Store `message` and ring its room, then tell the actor. Boxed: the
    /// queue allocates its slots in blocks, and a connection keeps its
    /// block after its last message.
    Send {
        message: Box<NewMessage>,
        /// The client's id of the message, for its ack or error.
        id: String,
        caller: Option<Caller>,
    },
    /// Answered once every send queued before it was stored and rung.
    Barrier { reply: oneshot::Sender<()> },
}

/// One of the connection's messages was stored and its room rung (`Ok`
/// with its seq), or could not be; sent by the send task to the actor, one
/// per message, in the order the messages were sent.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stored {
    pub id: String,
    pub outcome: Result<Seq, ChatError>,
    pub caller: Option<Caller>,
}

/// Starts a connection's send task; it ends once the actor drops the sender
/// and the queued messages are done (a closing connection's last messages
/// are still stored, though nobody is told).
pub fn spawn(deps: &Deps, actor: Recipient<Stored>) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel(SEND_QUEUE);
    let deps = deps.clone();
    actix::spawn(async move {
        while let Some(job) = rx.recv().await {
            match job {
                Job::Send {
                    message,
                    id,
                    caller,
                } => {
                    let outcome = store_and_ring(&deps, *message).await;
                    actor.do_send(Stored {
                        id,
                        outcome,
                        caller,
                    });
                }
                Job::Barrier { reply } => {
                    let _ = reply.send(());
                }
            }
        }
    });
    tx
}

/// Stores a message and rings its room with the record as stored.
async fn store_and_ring(deps: &Deps, message: NewMessage) -> Result<Seq, ChatError> {
    let room = message.room;
    let appended = deps.store.rooms.append_message(message).await?;
    if appended.duplicate {
        metrics::counter!(crate::telemetry::metric::MESSAGES_DUPLICATE).increment(1);
    } else {
        metrics::counter!(crate::telemetry::metric::MESSAGES_STORED).increment(1);
    }
    // Ring the room even for a duplicate: the first attempt may have died
    // between storing and ringing. Receivers de-duplicate by seq. The
    // doorbell carries the record as stored, so a receiver that takes it
    // from the bus sees what a catch-up read would.
    let message = appended.message;
    let seq = message.seq;
    deps.bus
        .publish(Topic::Room(room), &BusEvent::Message { message })
        .await?;
    Ok(seq)
}
