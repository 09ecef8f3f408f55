//! One WebSocket connection: a reader task feeding the ClientActor one
//! command at a time, and a writer task draining the actor's bounded outbox,
//! pinging, and closing idle connections.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix::Addr;
use actix_ws::{AggregatedMessage as Message, CloseCode, MessageStream, Session};
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};

use super::protocol;
use crate::actors::client::{
    ClientActor, CloseReason, Command, Disconnected, Outbox, OutboxFull, Outgoing,
};
use crate::error::ChatError;

/// Frames waiting for a slow browser before it is disconnected.
pub const OUTBOX_CAPACITY: usize = 256;
/// How often the server pings, at most (shorter when the idle timeout is
/// short, so a live client always has a few pings to answer).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// Largest frame accepted; a 4096-character message fits several times over.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The actor's side: a bounded queue and a close signal.
pub struct WsOutbox {
    tx: mpsc::Sender<Outgoing>,
    close: Option<oneshot::Sender<CloseReason>>,
}

impl WsOutbox {
    /// Another handle on the same queue, for frames the reader refuses.
    pub fn sender(&self) -> mpsc::Sender<Outgoing> {
        self.tx.clone()
    }
}

impl Outbox for WsOutbox {
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull> {
        self.tx.try_send(event).map_err(|_| OutboxFull)
    }

    fn close(&mut self, reason: CloseReason) {
        if let Some(close) = self.close.take() {
            let _ = close.send(reason);
        }
    }
}

/// Creates the outbox pair for one connection.
pub fn outbox() -> (
    WsOutbox,
    mpsc::Receiver<Outgoing>,
    oneshot::Receiver<CloseReason>,
) {
    let (tx, rx) = mpsc::channel(OUTBOX_CAPACITY);
    let (close_tx, close_rx) = oneshot::channel();
    let outbox = WsOutbox {
        tx,
        close: Some(close_tx),
    };
    (outbox, rx, close_rx)
}

fn close_frame(reason: CloseReason) -> actix_ws::CloseReason {
    let (code, text) = match reason {
        CloseReason::Shutdown => (CloseCode::Away, "server restarting, reconnect"),
        CloseReason::TakenOver => (CloseCode::Other(4001), "session taken over"),
        CloseReason::TooSlow => (CloseCode::Other(4002), "too slow, reconnect"),
        CloseReason::Idle => (CloseCode::Normal, "idle"),
        CloseReason::Moderated => (CloseCode::Other(4003), "closed by moderation"),
    };
    actix_ws::CloseReason {
        code,
        description: Some(text.into()),
    }
}

/// Writes the actor's events, pings, and closes the socket. Runs until the
/// actor stops, asks to close, or the browser goes quiet.
pub async fn write_loop(
    mut session: Session,
    mut events: mpsc::Receiver<Outgoing>,
    mut close: oneshot::Receiver<CloseReason>,
    last_seen: Rc<Cell<Instant>>,
    idle_timeout: Duration,
) {
    let period = HEARTBEAT_INTERVAL.min(idle_timeout / 3);
    // The first ping one period in, not at once.
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let reason = loop {
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Some(event) => {
                    if session.text(protocol::render(&event)).await.is_err() {
                        return; // the socket is gone
                    }
                }
                None => break None,
            },
            reason = &mut close => {
                // Send what the actor queued before asking to close (the
                // error explaining why, say), then the close frame.
                while let Ok(event) = events.try_recv() {
                    if session.text(protocol::render(&event)).await.is_err() {
                        return;
                    }
                }
                break reason.ok();
            }
            _ = heartbeat.tick() => {
                if last_seen.get().elapsed() > idle_timeout {
                    tracing::debug!("closing idle websocket");
                    break None;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(reason.map(close_frame)).await;
}

/// Reads frames and hands each command to the actor, waiting for it to
/// finish before reading the next (order, and backpressure on the socket).
pub async fn read_loop(
    mut session: Session,
    stream: MessageStream,
    actor: Addr<ClientActor>,
    errors: mpsc::Sender<Outgoing>,
    last_seen: Rc<Cell<Instant>>,
) {
    let mut stream = stream
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    while let Some(frame) = stream.next().await {
        last_seen.set(Instant::now());
        let refused = match frame {
            Ok(Message::Text(text)) => match protocol::parse(&text) {
                Ok(cmd) => {
                    if actor.send(Command { cmd }).await.is_err() {
                        break; // actor stopped
                    }
                    continue;
                }
                Err(refused) => refused,
            },
            Ok(Message::Binary(_)) => protocol::Refused {
                error: ChatError::BinaryFrame,
                id: None,
            },
            Ok(Message::Ping(bytes)) => {
                let _ = session.pong(&bytes).await;
                continue;
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => continue, // pong, nop
            Err(e) => {
                tracing::debug!(error = %e, "websocket protocol error");
                break;
            }
        };
        let event = Outgoing::Error {
            error: refused.error,
            id: refused.id,
        };
        if errors.try_send(event).is_err() {
            break; // too slow to even take errors
        }
    }
    actor.do_send(Disconnected);
}
