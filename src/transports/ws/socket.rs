//! A WebSocket on its own TCP socket, once the HTTP/1 handshake is done.
//!
//! Why not actix-http's dispatcher, which carried the frames before: it
//! holds a read and a write buffer of 8 KiB each for the connection's whole
//! life, allocated when it opens, so every idle WebSocket kept 16 KiB it
//! never used. Here the socket is read only once the kernel says it is
//! readable, into a buffer that exists while bytes are waiting to be
//! decoded and is freed once they are; a frame is encoded into a buffer of
//! its own size and written out. An idle connection holds no buffer at all.
//!
//! Frames are decoded and encoded by actix-http's WebSocket codec; this
//! module only moves bytes, puts fragmented messages together, and refuses
//! an oversized frame on its header.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use actix_codec::Decoder;
use actix_http::ws::{CloseReason, Codec, Frame, Item, OpCode, Parser, ProtocolError};
use actix_web::web::{Bytes, BytesMut};
use bytestring::ByteString;
use tokio::net::TcpStream;

/// Bytes asked of the kernel per read: a chat frame is far smaller.
const READ_CHUNK: usize = 4096;
/// Longest frame header: 2 bytes, an 8-byte extended length, a 4-byte mask.
const MAX_HEADER_BYTES: usize = 14;

/// The socket, shared by the connection's reader (which answers pings and
/// closes on protocol errors) and its writer.
pub struct Socket {
    io: TcpStream,
    /// Held while one frame is written, so a pong or a close from the reader
    /// never lands inside a frame the writer is halfway through.
    writing: tokio::sync::Mutex<()>,
    /// Set once a close frame went out: nothing may follow it. Changed only
    /// under `writing`.
    closed: Cell<bool>,
}

/// Longest one frame may wait for room in the socket, frames ahead of it
/// included. A client that does not read for this long gets no more time:
/// the write fails (`Stalled`) and the connection ends at once, whether or
/// not the client ever reads again, so a stalled client holds neither a
/// task nor its backlog. Every frame counts, pongs and closes too: a client
/// that pings but never reads must not hold the connection either.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a frame was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The socket is gone, or a close frame was already sent.
    Closed,
    /// The client did not read for [`WRITE_TIMEOUT`].
    Stalled,
}

/// A whole message from the client.
#[derive(Debug)]
pub enum Incoming {
    Text(ByteString),
    Binary,
    Ping(Bytes),
    Pong,
    Close,
}

impl Socket {
    pub fn new(io: TcpStream) -> Self {
        Self {
            io,
            writing: tokio::sync::Mutex::new(()),
            closed: Cell::new(false),
        }
    }

    pub async fn text(&self, text: &str) -> Result<(), WriteError> {
        self.send(OpCode::Text, text.as_bytes()).await
    }

    pub async fn ping(&self, payload: &[u8]) -> Result<(), WriteError> {
        self.send(OpCode::Ping, payload).await
    }

    pub async fn pong(&self, payload: &[u8]) -> Result<(), WriteError> {
        self.send(OpCode::Pong, payload).await
    }

    /// Sends the close frame; nothing is sent after it.
    pub async fn close(&self, reason: Option<CloseReason>) -> Result<(), WriteError> {
        let mut frame = BytesMut::new();
        Parser::write_close(&mut frame, reason, false);
        self.write_frame(&frame, true).await
    }

    async fn send(&self, op: OpCode, payload: &[u8]) -> Result<(), WriteError> {
        let mut frame = BytesMut::new();
        Parser::write_message(&mut frame, payload, op, true, false);
        self.write_frame(&frame, false).await
    }

    /// Writes one whole frame after those ahead of it, within
    /// [`WRITE_TIMEOUT`]; `closing` for the close frame.
    async fn write_frame(&self, frame: &[u8], closing: bool) -> Result<(), WriteError> {
        let write = async {
            let _turn = self.writing.lock().await;
            if self.closed.get() {
                return Err(WriteError::Closed);
            }
            if closing {
                self.closed.set(true);
            }
            self.write_all(frame).await.map_err(|_| WriteError::Closed)
        };
        match tokio::time::timeout(WRITE_TIMEOUT, write).await {
            Ok(written) => written,
            Err(_) => {
                tracing::info!("websocket client not reading; dropping the connection");
                Err(WriteError::Stalled)
            }
        }
    }

    async fn write_all(&self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            self.io.writable().await?;
            match self.io.try_write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
                // Readiness can be spurious; wait for the next.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ends the connection's TCP stream (the FIN after the close frames).
    pub fn finish(self) {
        if let Ok(io) = self.io.into_std() {
            let _ = io.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The client's messages, read off the socket one at a time.
pub struct Frames {
    socket: Rc<Socket>,
    codec: Codec,
    /// Bytes read but not decoded yet. Empty (no allocation) between frames.
    buf: BytesMut,
    /// A fragmented message being put together: whether it is text, and its
    /// parts so far.
    partial: Option<(bool, BytesMut)>,
    /// Largest message, whole or put together from fragments.
    max: usize,
}

impl Frames {
    /// `early`: bytes the client sent right behind its handshake, read with it.
    pub fn new(socket: Rc<Socket>, early: BytesMut, max: usize) -> Self {
        Self {
            socket,
            codec: Codec::new().max_size(max),
            buf: early,
            partial: None,
            max,
        }
    }

    /// The next whole message; `None` once the client closed the stream.
    pub async fn next(&mut self) -> Option<Result<Incoming, ProtocolError>> {
        loop {
            match self.decode() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            if self.buf.is_empty() {
                // Decoded frames may still hold the old allocation; the
                // connection itself keeps none while it waits.
                self.buf = BytesMut::new();
            }
            if let Err(e) = self.socket.io.readable().await {
                return Some(Err(ProtocolError::Io(e)));
            }
            self.buf.reserve(READ_CHUNK);
            match self.socket.io.try_read_buf(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Some(Err(ProtocolError::Io(e))),
            }
        }
    }

    /// A message from what is buffered, if a whole one is there.
    fn decode(&mut self) -> Result<Option<Incoming>, ProtocolError> {
        loop {
            // The codec checks a frame's size only once all of it is
            // buffered: a header announcing a gigabyte would keep us
            // reading. The buffer always starts at a frame's header.
            if announced_len(&self.buf).is_some_and(|len| len > self.max as u64) {
                return Err(ProtocolError::Overflow);
            }
            let Some(frame) = self.codec.decode(&mut self.buf)? else {
                return Ok(None);
            };
            let (starts_text, part, last) = match frame {
                Frame::Text(bytes) => return text(bytes).map(Some),
                Frame::Binary(_) => return Ok(Some(Incoming::Binary)),
                Frame::Ping(bytes) => return Ok(Some(Incoming::Ping(bytes))),
                Frame::Pong(_) => return Ok(Some(Incoming::Pong)),
                Frame::Close(_) => return Ok(Some(Incoming::Close)),
                // The codec refuses fragments out of order.
                Frame::Continuation(Item::FirstText(part)) => (true, part, false),
                Frame::Continuation(Item::FirstBinary(part)) => (false, part, false),
                Frame::Continuation(Item::Continue(part)) => (false, part, false),
                Frame::Continuation(Item::Last(part)) => (false, part, true),
            };
            let (is_text, parts) = self
                .partial
                .get_or_insert_with(|| (starts_text, BytesMut::new()));
            if parts.len() + part.len() > self.max {
                return Err(ProtocolError::Overflow);
            }
            parts.extend_from_slice(&part);
            if last {
                let is_text = *is_text;
                let whole = std::mem::take(parts).freeze();
                self.partial = None;
                return if is_text {
                    text(whole).map(Some)
                } else {
                    Ok(Some(Incoming::Binary))
                };
            }
        }
    }
}

/// A text message, which must be UTF-8 (1007 otherwise).
fn text(bytes: Bytes) -> Result<Incoming, ProtocolError> {
    ByteString::try_from(bytes)
        .map(Incoming::Text)
        .map_err(|_| {
            ProtocolError::Io(io::Error::new(
                io::ErrorKind::InvalidData,
                "text is not valid UTF-8",
            ))
        })
}

/// The payload length the header at the start of `buf` announces, once
/// that header is complete.
fn announced_len(buf: &[u8]) -> Option<u64> {
    let second = *buf.get(1)?;
    let ext = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    // Holds the whole header, so the indexes below (at most 2 + ext) exist.
    let header = buf.get(..2 + ext + mask)?;
    debug_assert!(header.len() <= MAX_HEADER_BYTES);
    Some(match second & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut len = [0u8; 8];
            len.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(len)
        }
        n => u64::from(n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame header announcing `len` bytes (mask of zeros).
    fn header(op: u8, len: u64) -> Vec<u8> {
        let mut h = vec![0x80 | op];
        match len {
            0..=125 => h.push(0x80 | len as u8),
            126..=65535 => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                h.push(0x80 | 127);
                h.extend_from_slice(&len.to_be_bytes());
            }
        }
        h.extend_from_slice(&[0; 4]);
        h
    }

    #[test]
    fn a_header_is_read_whole_before_its_length_counts() {
        let gig = header(0x1, 1 << 30);
        for cut in 0..gig.len() {
            assert_eq!(announced_len(&gig[..cut]), None, "cut at {cut}");
        }
        assert_eq!(announced_len(&gig), Some(1 << 30));
        assert_eq!(announced_len(&header(0x1, 300)), Some(300));
        assert_eq!(announced_len(&header(0x1, 5)), Some(5));
    }
}
