//! Bus operations of the Hub (subscriptions, presence), applied strictly in
//! the order the Hub decided them. Spawning each call would let an
//! `unsubscribe` overtake the `subscribe` that followed it (a deaf room), or a
//! `left` overtake the `arrived` after it (a room ended under someone's feet).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::bus::{Bus, BusError, Presence, Topic};
use crate::domain::{ClientId, UserId};

enum Op {
    Subscribe(Topic, Option<oneshot::Sender<Result<(), BusError>>>),
    Unsubscribe(Topic),
    Arrived(UserId, ClientId),
    Left(UserId, ClientId, Duration),
}

/// The Hub's handle on its ordered worker.
#[derive(Clone)]
pub struct Ops {
    // Unbounded on purpose: each op comes from one Hub message already
    // accepted, so this queue cannot outgrow the Hub's own input, and the Hub
    // must never block on it.
    tx: mpsc::UnboundedSender<Op>,
}

impl Ops {
    /// Starts the worker on the current runtime.
    pub fn start(bus: Arc<dyn Bus>, presence: Arc<dyn Presence>) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Op>();
        actix::spawn(async move {
            while let Some(op) = rx.recv().await {
                let (what, res) = match op {
                    Op::Subscribe(topic, done) => {
                        let res = bus.subscribe(topic).await;
                        if let Some(done) = done {
                            let _ = done.send(res);
                            continue;
                        }
                        ("subscribe", res)
                    }
                    Op::Unsubscribe(topic) => ("unsubscribe", bus.unsubscribe(topic).await),
                    Op::Arrived(user, client) => ("arrived", presence.arrived(user, client).await),
                    Op::Left(user, client, grace) => {
                        ("left", presence.left(user, client, grace).await)
                    }
                };
                if let Err(e) = res {
                    tracing::warn!(op = what, error = %e, "bus operation failed");
                }
            }
        });
        Self { tx }
    }

    fn send(&self, op: Op) {
        // Fails only when the worker is gone, i.e. the Hub is stopping.
        let _ = self.tx.send(op);
    }

    pub fn unsubscribe(&self, topic: Topic) {
        self.send(Op::Unsubscribe(topic));
    }

    pub fn arrived(&self, user: UserId, client: ClientId) {
        self.send(Op::Arrived(user, client));
    }

    pub fn left(&self, user: UserId, client: ClientId, grace: Duration) {
        self.send(Op::Left(user, client, grace));
    }

    /// Queues a subscription; the future resolves once it is in effect.
    pub fn subscribe(&self, topic: Topic) -> impl Future<Output = Result<(), BusError>> + 'static {
        let (done, rx) = oneshot::channel();
        let sent = self.tx.send(Op::Subscribe(topic, Some(done)));
        async move {
            sent.map_err(|_| BusError::Unavailable("hub stopped".into()))?;
            rx.await
                .map_err(|_| BusError::Unavailable("hub stopped".into()))?
        }
    }
}
