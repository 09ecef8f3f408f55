//! Subscription changes, applied to the bus strictly in the order the Hub
//! decided them. (Spawning each call would let an `unsubscribe` overtake the
//! `subscribe` that followed it, leaving a room deaf.)

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::bus::{Bus, BusError, Topic};

struct Change {
    topic: Topic,
    subscribe: bool,
    done: Option<oneshot::Sender<Result<(), BusError>>>,
}

/// The Hub's handle on its subscription worker.
#[derive(Clone)]
pub struct Subscriptions {
    // Unbounded on purpose: each change comes from one Hub message already
    // accepted, so this queue cannot outgrow the Hub's own input, and the Hub
    // must never block on it.
    tx: mpsc::UnboundedSender<Change>,
}

impl Subscriptions {
    /// Starts the worker on the current runtime.
    pub fn start(bus: Arc<dyn Bus>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Change>();
        actix::spawn(async move {
            while let Some(change) = rx.recv().await {
                let res = if change.subscribe {
                    bus.subscribe(change.topic).await
                } else {
                    bus.unsubscribe(change.topic).await
                };
                if let Err(e) = &res {
                    tracing::warn!(topic = ?change.topic, error = %e, "bus subscription change failed");
                }
                if let Some(done) = change.done {
                    let _ = done.send(res);
                }
            }
        });
        Self { tx }
    }

    /// Queues a change without waiting for it.
    pub fn change(&self, topic: Topic, subscribe: bool) {
        let _ = self.tx.send(Change {
            topic,
            subscribe,
            done: None,
        });
    }

    /// Queues a subscription; the future resolves once it is in effect.
    pub fn subscribe(&self, topic: Topic) -> impl Future<Output = Result<(), BusError>> + 'static {
        let (done, rx) = oneshot::channel();
        let sent = self.tx.send(Change {
            topic,
            subscribe: true,
            done: Some(done),
        });
        async move {
            sent.map_err(|_| BusError::Unavailable("subscription worker stopped".into()))?;
            rx.await
                .map_err(|_| BusError::Unavailable("subscription worker stopped".into()))?
        }
    }
}
