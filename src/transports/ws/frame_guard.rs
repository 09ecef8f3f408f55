//! Refuses an oversized WebSocket frame on its header.
//!
//! The frame decoder checks a frame's size only once the whole frame is
//! buffered, so a header announcing 1 GiB would keep the connection reading
//! (and the replica buffering) until the idle timeout. This guard sits
//! between the socket and the decoder, follows the frame boundaries in the
//! client's bytes, and fails the stream with [`PayloadError::Overflow`] as
//! soon as a header announces more than the limit: nothing of that payload
//! is read. The reader turns that error into a 1009 close.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// Longest frame header: 2 bytes, an 8-byte extended length, a 4-byte mask.
const MAX_HEADER_BYTES: usize = 14;

/// Where the guard is in the client's byte stream.
#[derive(Debug)]
enum Position {
    /// Collecting a frame header (`have` of its bytes so far).
    Header {
        bytes: [u8; MAX_HEADER_BYTES],
        have: usize,
    },
    /// Inside a payload, with this many bytes of it still to come.
    Payload { left: u64 },
    /// An oversized header was seen: everything before it was passed on,
    /// the error comes next.
    Refusing,
    /// The error was returned; the stream is over.
    Refused,
}

impl Position {
    fn header() -> Self {
        Position::Header {
            bytes: [0; MAX_HEADER_BYTES],
            have: 0,
        }
    }
}

/// The header's full length once its first two bytes are known.
fn header_len(second: u8) -> usize {
    let ext = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    2 + ext + mask
}

/// The payload length a complete header announces.
fn payload_len(header: &[u8]) -> u64 {
    match header[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut len = [0u8; 8];
            len.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(len)
        }
        n => u64::from(n),
    }
}

/// The client's byte stream, watched frame by frame.
pub struct FrameGuard<S> {
    inner: S,
    max_payload: u64,
    position: Position,
}

impl<S> FrameGuard<S> {
    pub fn new(inner: S, max_payload: usize) -> Self {
        Self {
            inner,
            max_payload: max_payload as u64,
            position: Position::header(),
        }
    }

    /// Follows `chunk`; `Some(n)` when a header announcing too much starts
    /// at offset `n` of it (0 when it started in an earlier chunk).
    fn follow(&mut self, chunk: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < chunk.len() {
            match &mut self.position {
                Position::Payload { left } => {
                    let take = (*left).min((chunk.len() - at) as u64);
                    at += take as usize; // at most chunk.len()
                    *left -= take;
                    if *left == 0 {
                        self.position = Position::header();
                    }
                }
                Position::Header { bytes, have } => {
                    let started = at.saturating_sub(*have);
                    bytes[*have] = chunk[at];
                    *have += 1;
                    at += 1;
                    if *have >= 2 && *have == header_len(bytes[1]) {
                        let len = payload_len(&bytes[..*have]);
                        if len > self.max_payload {
                            self.position = Position::Refusing;
                            return Some(started);
                        }
                        self.position = if len == 0 {
                            Position::header()
                        } else {
                            Position::Payload { left: len }
                        };
                    }
                }
                Position::Refusing | Position::Refused => return Some(0),
            }
        }
        None
    }
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.position {
            Position::Refusing => {
                self.position = Position::Refused;
                return Poll::Ready(Some(Err(PayloadError::Overflow)));
            }
            Position::Refused => return Poll::Ready(None),
            _ => {}
        }
        let chunk = match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => chunk,
            other => return other,
        };
        match self.follow(&chunk) {
            None => Poll::Ready(Some(Ok(chunk))),
            // Frames complete before the oversized one still count.
            Some(start) if start > 0 => Poll::Ready(Some(Ok(chunk.slice(..start)))),
            Some(_) => {
                self.position = Position::Refused;
                Poll::Ready(Some(Err(PayloadError::Overflow)))
            }
        }
    }
}

/// The request body with the guard in front of it.
pub fn guard(body: actix_web::web::Payload, max_payload: usize) -> Payload {
    // The boxed stream type `Payload` wraps (actix-web does not name it).
    type Boxed = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;
    let guarded: Boxed = Box::pin(FrameGuard::new(body, max_payload));
    Payload::from(guarded)
}

/// Whether a frame-stream error is this guard's refusal.
pub fn is_refusal(e: &actix_ws::ProtocolError) -> bool {
    match e {
        actix_ws::ProtocolError::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<PayloadError>())
            .is_some_and(|p| matches!(p, PayloadError::Overflow)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::FrameGuard;
    use proptest::prelude::*;

    /// A masked client frame header announcing `len` bytes.
    fn header(len: u64) -> Vec<u8> {
        let mut h = vec![0x81];
        match len {
            0..=125 => h.push(0x80 | len as u8),
            126..=0xffff => {
                h.push(0x80 | 126);
                h.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                h.push(0x80 | 127);
                h.extend_from_slice(&len.to_be_bytes());
            }
        }
        h.extend_from_slice(&[1, 2, 3, 4]);
        h
    }

    /// Feeds `bytes` in pieces of the given sizes; returns how many bytes
    /// were passed on before a refusal, and whether there was one. (Header
    /// bytes that arrived in earlier pieces were passed on before the
    /// header was complete: the decoder only buffers them.)
    fn feed(bytes: &[u8], pieces: &[usize], max: usize) -> (usize, bool) {
        let mut guard = FrameGuard::new((), max);
        let (mut at, mut passed) = (0, 0);
        for &n in pieces.iter().cycle() {
            if at >= bytes.len() {
                break;
            }
            let end = (at + n.max(1)).min(bytes.len());
            match guard.follow(&bytes[at..end]) {
                None => passed += end - at,
                Some(start) => return (passed + start, true),
            }
            at = end;
        }
        (passed, false)
    }

    #[test]
    fn a_header_announcing_a_gigabyte_is_refused_without_its_payload() {
        let h = header(1 << 30);
        assert_eq!(feed(&h, &[100], 65536), (0, true));
        // Byte by byte: the first 13 header bytes went on, then the refusal.
        assert_eq!(feed(&h, &[1], 65536), (13, true));
        assert_eq!(feed(&h[..h.len() - 1], &[100], 65536), (13, false));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the chunking, frames within the limit pass untouched and
        /// the first oversized one is refused on its header: not one byte
        /// of its payload is passed on.
        #[test]
        fn refuses_exactly_at_the_first_oversized_header(
            lens in proptest::collection::vec(
                prop_oneof![0u64..200, 60_000u64..70_000, Just(1u64 << 40)], 1..6),
            pieces in proptest::collection::vec(1usize..40, 1..8),
        ) {
            let max = 65_536;
            let mut bytes = Vec::new();
            let mut refused_at = None;
            for &len in &lens {
                if len > max as u64 {
                    refused_at = Some(bytes.len());
                    bytes.extend(header(len));
                    break;
                }
                bytes.extend(header(len));
                bytes.extend(std::iter::repeat_n(7u8, len as usize));
            }
            let (passed, refused) = feed(&bytes, &pieces, max);
            match refused_at {
                Some(at) => {
                    prop_assert!(refused);
                    prop_assert!((at..at + 14).contains(&passed), "{} passed, header at {}", passed, at);
                }
                None => prop_assert_eq!((passed, refused), (bytes.len(), false)),
            }
        }
    }
}
