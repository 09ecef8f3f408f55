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

use tokio::sync::{mpsc, oneshot};

use crate::actors::Deps;
use crate::bus::{BusEvent, Topic};
use crate::domain::Seq;
use crate::error::ChatError;
use crate::store::NewMessage;

/// Messages of one connection waiting to be stored. Far above any flood
/// burst a person is allowed; a person past it is told to slow down.
pub const SEND_QUEUE: usize = 256;

/// Work for a connection's send task, in the order the actor queued it.
pub enum Job {
    /// Store `message` and ring its room; answer with its seq. Boxed: the
    /// queue allocates its slots in blocks, and a connection keeps its
    /// block after its last message.
    Send {
        message: Box<NewMessage>,
        reply: oneshot::Sender<Result<Seq, ChatError>>,
    },
    /// Answered once every send queued before it was stored and rung.
    Barrier { reply: oneshot::Sender<()> },
}

/// Starts a connection's send task; it ends once the actor drops the sender
/// and the queued messages are done (a closing connection's last messages
/// are still stored).
pub fn spawn(deps: &Deps) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel(SEND_QUEUE);
    let deps = deps.clone();
    actix::spawn(async move {
        while let Some(job) = rx.recv().await {
            match job {
                Job::Send { message, reply } => {
                    let _ = reply.send(store_and_ring(&deps, *message).await);
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
