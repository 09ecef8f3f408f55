//! One WebSocket connection: a reader feeding the ClientActor one command
//! at a time, and a writer draining the actor's bounded outbox, pinging,
//! and closing idle connections. Both run in the connection's one task
//! (`ws::run` joins them).
//!
//! Each loop's future is allocated once and held for the connection's
//! whole life, sized for its largest await point. The awaits that only run
//! while a frame or a command is in flight (a write with its timeout, a
//! command waiting for the actor, a close) are boxed, so an idle
//! connection's loops hold their loop state only and the larger state
//! exists only while in use.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix::Addr;
use actix_http::ws::{CloseCode, CloseReason as CloseFrame, ProtocolError};
use tokio::sync::{mpsc, oneshot};

use super::protocol;
use super::socket::{Frames, Incoming, Socket, WriteError};
use crate::actors::client::{
    ClientActor, ClientCommand, CloseReason, Command, Disconnected, Outbox, OutboxFull, Outgoing,
};
use crate::error::ChatError;

/// Frames waiting for a slow browser before it is disconnected.
pub const OUTBOX_CAPACITY: usize = 256;

/// One event in the outbox, boxed. A tokio channel allocates its slots in
/// blocks of 32 at once, the first block when the channel is made: 32
/// `Outgoing` values (over 100 bytes each, the size of the largest event)
/// were over 3 KiB held by every connection, idle or not, and a burst left
/// several such blocks behind. 32 pointers are 256 bytes; the event's own
/// box lives only while it waits.
pub type Queued = Box<Outgoing>;
/// How often the server pings, at most (shorter when the idle timeout is
/// short, so a live client always has a few pings to answer).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// Largest frame accepted; a 4096-character message fits several times over.
/// A larger one is refused on its header (1009), before its payload is read.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// After the server's close frame, how long it keeps reading while the
/// client answers with its own: closing a socket with unread input resets
/// it, and the reset can destroy frames the client has not read yet (the
/// error that says why it was closed).
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Dropped when one of the connection's two loops ends; the other then ends
/// too, and with both gone the socket is closed.
pub type Done = oneshot::Sender<()>;
/// The other side of [`Done`].
pub type PeerDone = oneshot::Receiver<()>;

/// A pair of linked end signals, one per loop.
pub fn done_pair() -> ((Done, PeerDone), (Done, PeerDone)) {
    let (writer_done, reader_sees) = oneshot::channel();
    let (reader_done, writer_sees) = oneshot::channel();
    ((writer_done, writer_sees), (reader_done, reader_sees))
}

/// Sends one event; `false` when the socket is gone or the client stopped
/// reading (the connection then ends, and its socket is shut down with it).
async fn send_event(ws: &Socket, event: &Outgoing) -> bool {
    Box::pin(ws.text(&protocol::render(event))).await.is_ok()
}

/// The actor's side: a bounded queue and a close signal.
pub struct WsOutbox {
    tx: mpsc::Sender<Queued>,
    close: Option<oneshot::Sender<CloseReason>>,
}

impl WsOutbox {
    /// Another handle on the same queue, for frames the reader refuses.
    pub fn sender(&self) -> mpsc::Sender<Queued> {
        self.tx.clone()
    }
}

impl Outbox for WsOutbox {
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull> {
        self.tx.try_send(Box::new(event)).map_err(|_| OutboxFull)
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
    mpsc::Receiver<Queued>,
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

fn close_frame(reason: CloseReason) -> CloseFrame {
    let (code, text) = match reason {
        CloseReason::Shutdown => (CloseCode::Away, "server restarting, reconnect"),
        CloseReason::TakenOver => (CloseCode::Other(4001), "session taken over"),
        CloseReason::TooSlow => (CloseCode::Other(4002), "too slow, reconnect"),
        CloseReason::Idle => (CloseCode::Normal, "idle"),
        CloseReason::Moderated => (CloseCode::Other(4003), "closed by moderation"),
    };
    CloseFrame {
        code,
        description: Some(text.into()),
    }
}

/// Writes the actor's events, pings, and closes the socket. Runs until the
/// actor stops, asks to close, or the browser goes quiet.
pub async fn write_loop(
    ws: Rc<Socket>,
    mut events: mpsc::Receiver<Queued>,
    mut close: oneshot::Receiver<CloseReason>,
    last_seen: Rc<Cell<Instant>>,
    idle_timeout: Duration,
    (_done, mut reader_done): (Done, PeerDone),
) {
    let period = HEARTBEAT_INTERVAL.min(idle_timeout / 3);
    // The first ping one period in, not at once.
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let reason = loop {
        tokio::select! {
            biased;
            // The reader ended (it sent its own close, or the client left).
            _ = &mut reader_done => return,
            event = events.recv() => match event {
                Some(event) => {
                    if !send_event(&ws, &event).await {
                        return; // the socket is gone or stalled
                    }
                }
                None => break None,
            },
            reason = &mut close => {
                // Send what the actor queued before asking to close (the
                // error explaining why, say), then the close frame.
                while let Ok(event) = events.try_recv() {
                    if !send_event(&ws, &event).await {
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
                if Box::pin(ws.ping(b"")).await.is_err() {
                    return;
                }
            }
        }
    };
    if let Err(WriteError::Stalled) = Box::pin(ws.close(reason.map(close_frame))).await {
        return;
    }
    // The reader stays up while this loop holds `_done`.
    let _ = Box::pin(tokio::time::timeout(CLOSE_GRACE, &mut reader_done)).await;
}

/// The close a protocol error deserves: 1009 for a frame over the limit,
/// 1007 for text that is not UTF-8, 1002 for anything else.
fn protocol_close(e: &ProtocolError) -> CloseFrame {
    let (code, text) = match e {
        ProtocolError::Overflow => (CloseCode::Size, "frame too large"),
        ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            (CloseCode::Invalid, "text is not valid UTF-8")
        }
        _ => (CloseCode::Protocol, "websocket protocol error"),
    };
    CloseFrame {
        code,
        description: Some(text.into()),
    }
}

/// Reads frames and hands each command to the actor, waiting for its
/// answer before reading the next (order, and backpressure on the socket).
/// A message is answered once queued for the store (its ack or error comes
/// through the outbox), so what follows it is read at once.
pub async fn read_loop(
    ws: Rc<Socket>,
    mut frames: Frames,
    actor: Addr<ClientActor>,
    errors: mpsc::Sender<Queued>,
    last_seen: Rc<Cell<Instant>>,
    (_done, mut writer_done): (Done, PeerDone),
    may_search: impl Fn() -> bool,
) {
    loop {
        let frame = tokio::select! {
            // The writer ended: the socket is closed, stalled or gone.
            _ = &mut writer_done => break,
            frame = frames.next() => match frame {
                Some(frame) => frame,
                None => break,
            },
        };
        last_seen.set(Instant::now());
        let refused = match frame {
            Ok(Incoming::Text(text)) => match protocol::parse(&text) {
                Ok(ClientCommand::Search { .. } | ClientCommand::Next) if !may_search() => {
                    protocol::Refused {
                        error: ChatError::TooManySearches,
                        id: None,
                    }
                }
                Ok(cmd) => {
                    if Box::pin(actor.send(Command { cmd })).await.is_err() {
                        break; // actor stopped
                    }
                    continue;
                }
                Err(refused) => refused,
            },
            Ok(Incoming::Binary) => protocol::Refused {
                error: ChatError::BinaryFrame,
                id: None,
            },
            Ok(Incoming::Ping(bytes)) => {
                if Box::pin(ws.pong(&bytes)).await.is_err() {
                    break;
                }
                continue;
            }
            Ok(Incoming::Close) => break,
            Ok(Incoming::Pong) => continue,
            Err(e) => {
                tracing::debug!(error = %e, "websocket protocol error");
                let _ = Box::pin(ws.close(Some(protocol_close(&e)))).await;
                break;
            }
        };
        let event = Box::new(Outgoing::Error {
            error: refused.error,
            id: refused.id,
        });
        if errors.try_send(event).is_err() {
            break; // too slow to even take errors
        }
    }
    actor.do_send(Disconnected);
}
