//! In-process bus for the embedded default: publishing hands the event
//! straight to this process's Hub if the topic is subscribed.

use std::collections::HashSet;
use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{BUS_CHANNEL_CAPACITY, Bus, BusError, BusEvent, BusSignal, Topic};

pub struct MemoryBus {
    /// Topics the Hub subscribed; changed only by `subscribe`/`unsubscribe`.
    subscribed: Mutex<HashSet<Topic>>,
    tx: mpsc::Sender<BusSignal>,
}

impl MemoryBus {
    /// The bus and the receiving end the Hub consumes.
    pub fn new() -> (Self, mpsc::Receiver<BusSignal>) {
        let (tx, rx) = mpsc::channel(BUS_CHANNEL_CAPACITY);
        let bus = Self {
            subscribed: Mutex::new(HashSet::new()),
            tx,
        };
        (bus, rx)
    }

    fn subs(&self) -> Result<std::sync::MutexGuard<'_, HashSet<Topic>>, BusError> {
        self.subscribed
            .lock()
            .map_err(|_| BusError::Unavailable("memory bus poisoned".into()))
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, topic: Topic, event: &BusEvent) -> Result<(), BusError> {
        if !self.subs()?.contains(&topic) {
            return Ok(());
        }
        self.tx
            .send(BusSignal::Event {
                topic,
                event: event.clone(),
            })
            .await
            .map_err(|_| BusError::Unavailable("hub stopped".into()))
    }

    async fn subscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.subs()?.insert(topic);
        Ok(())
    }

    async fn unsubscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.subs()?.remove(&topic);
        Ok(())
    }

    async fn ping(&self) -> Result<(), BusError> {
        if self.tx.is_closed() {
            Err(BusError::Unavailable("hub stopped".into()))
        } else {
            Ok(())
        }
    }
}
