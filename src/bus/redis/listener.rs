//! From the subscription connection to the Hub: the push sender every
//! connection calls, and the listener that decodes doorbells and hands them
//! on. The one queue in between is bounded; see `push_sender` for what
//! happens when it is full.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::{PushInfo, PushKind};
use tokio::sync::{Notify, mpsc};

use super::Keys;
use crate::bus::{BUS_CHANNEL_CAPACITY, BusSignal};

/// Doorbells buffered between the connection and the decoding listener.
pub const RAW_CHANNEL_CAPACITY: usize = BUS_CHANNEL_CAPACITY;
/// Least time between two `Resynced` caused by dropped doorbells: each one
/// makes every client read the store, which must not add to an overload.
pub const OVERFLOW_RESYNC_GAP: Duration = Duration::from_secs(1);

/// What the push sender of every connection feeds.
#[derive(Clone)]
pub(super) struct Link {
    pub(super) raw: mpsc::Sender<PushInfo>,
    /// Set when a doorbell had to be dropped; the listener then emits
    /// `Resynced` so every client catches up from the store.
    pub(super) lost: Arc<AtomicBool>,
}

/// Called by the connection's reader for every push, synchronously: it must
/// not wait. Doorbells go to the bounded raw queue; when that is full (the
/// Hub is far behind), the doorbell is dropped and a resync owed, which is
/// safe because every doorbell's content is in the store first.
pub(super) fn push_sender(
    link: Link,
    dropped: Arc<Notify>,
) -> impl Fn(PushInfo) -> Result<(), ()> + Send + Sync {
    move |info: PushInfo| {
        match info.kind {
            PushKind::Message => {
                if let Err(mpsc::error::TrySendError::Full(_)) = link.raw.try_send(info) {
                    link.lost.store(true, Ordering::Release);
                }
            }
            // `notify_one` keeps a permit, so a drop before `watch` waits is not lost.
            PushKind::Disconnection => dropped.notify_one(),
            _ => {}
        }
        Ok(())
    }
}

/// Decodes doorbells and hands them to the Hub in arrival order.
pub(super) async fn listen(
    mut raw: mpsc::Receiver<PushInfo>,
    keys: Keys,
    hub: mpsc::Sender<BusSignal>,
    lost: Arc<AtomicBool>,
) {
    let mut last_resync: Option<Instant> = None;
    while let Some(push) = raw.recv().await {
        if let Some(signal) = decode(&keys, push) {
            // Bounded: while the Hub is behind this waits, and the raw
            // queue in front of it fills up (see `push_sender`).
            if hub.send(signal).await.is_err() {
                return;
            }
        }
        if lost.load(Ordering::Acquire) {
            if let Some(gap) =
                last_resync.and_then(|t| OVERFLOW_RESYNC_GAP.checked_sub(t.elapsed()))
            {
                // Whatever is dropped meanwhile is covered by the resync
                // below: the flag is cleared only after this pause.
                tokio::time::sleep(gap).await;
            }
            lost.store(false, Ordering::Release);
            last_resync = Some(Instant::now());
            tracing::warn!("hub fell behind: doorbells dropped, clients catch up from the store");
            if hub.send(BusSignal::Resynced).await.is_err() {
                return;
            }
        }
    }
}

fn decode(keys: &Keys, push: PushInfo) -> Option<BusSignal> {
    let mut data = push.data.into_iter();
    let channel: String = redis::from_redis_value(data.next()?).ok()?;
    let payload: Vec<u8> = redis::from_redis_value(data.next()?).ok()?;
    let topic = keys.topic_of(&channel)?;
    match serde_json::from_slice(&payload) {
        Ok(event) => Some(BusSignal::Event { topic, event }),
        Err(e) => {
            // Never log the payload: it may carry message text.
            tracing::warn!(?topic, error = %e, "undecodable bus event dropped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::{BusEvent, Topic};
    use crate::domain::{RoomId, UserId};

    fn doorbell(keys: &Keys, topic: Topic, payload: &[u8]) -> PushInfo {
        PushInfo {
            kind: PushKind::Message,
            data: vec![
                redis::Value::BulkString(keys.channel(topic).into_bytes()),
                redis::Value::BulkString(payload.to_vec()),
            ],
        }
    }

    #[tokio::test]
    async fn a_full_queue_drops_doorbells_and_owes_a_resync() {
        let keys = Keys::new("t:");
        let (raw_tx, raw_rx) = mpsc::channel(2);
        let lost = Arc::new(AtomicBool::new(false));
        let link = Link {
            raw: raw_tx,
            lost: lost.clone(),
        };
        let send = push_sender(link, Arc::new(Notify::new()));
        let (user, room) = (UserId::new(), RoomId::new());
        let event = BusEvent::Matched { user, room };
        let json = serde_json::to_vec(&event).unwrap();
        for _ in 0..5 {
            send(doorbell(&keys, Topic::User(user), &json)).unwrap();
        }
        assert!(lost.load(Ordering::Acquire), "three of five did not fit");

        let (hub_tx, mut hub_rx) = mpsc::channel(16);
        tokio::spawn(listen(raw_rx, keys, hub_tx, lost));
        // The two that fit arrive, and a resync covers the three that did not.
        let (mut events, mut resyncs) = (0, 0);
        while events + resyncs < 3 {
            match hub_rx.recv().await {
                Some(BusSignal::Event { topic, event: got }) => {
                    assert_eq!((topic, got), (Topic::User(user), event.clone()));
                    events += 1;
                }
                Some(BusSignal::Resynced) => resyncs += 1,
                None => panic!("listener stopped"),
            }
        }
        assert_eq!((events, resyncs), (2, 1));
    }

    #[test]
    fn foreign_channels_and_bad_payloads_are_ignored() {
        let keys = Keys::new("t:");
        let topic = Topic::Room(RoomId::new());
        assert!(decode(&keys, doorbell(&keys, topic, b"not json")).is_none());
        let foreign = doorbell(&Keys::new("other:"), topic, b"{}");
        assert!(decode(&keys, foreign).is_none());
    }
}
