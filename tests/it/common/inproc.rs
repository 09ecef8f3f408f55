//! Several replicas in one test process: each its own Application (Hub,
//! Matcher, HTTP server, Telegram transport), sharing one in-memory store,
//! one search queue and an in-process bus that fans events out to every
//! replica that subscribed, as the Redis bus does between processes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chathub::Application;
use chathub::bus::{
    BUS_CHANNEL_CAPACITY, Bus, BusError, BusEvent, BusSignal, MemoryPresence, MemoryQueue, Topic,
};
use chathub::startup::Adapters;
use chathub::store::Stores;
use tokio::sync::{mpsc, oneshot};

use super::{TestApp, test_config};

struct Slot {
    subscribed: HashSet<Topic>,
    tx: mpsc::Sender<BusSignal>,
}

/// One replica's view of the shared bus.
pub struct ReplicaBus {
    index: usize,
    slots: Arc<Mutex<Vec<Slot>>>,
}

#[async_trait]
impl Bus for ReplicaBus {
    async fn publish(&self, topic: Topic, event: &BusEvent) -> Result<(), BusError> {
        let targets: Vec<mpsc::Sender<BusSignal>> = self
            .slots
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.subscribed.contains(&topic))
            .map(|s| s.tx.clone())
            .collect();
        for tx in targets {
            let signal = BusSignal::Event {
                topic,
                event: event.clone(),
            };
            let _ = tx.send(signal).await;
        }
        Ok(())
    }

    async fn subscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.slots.lock().unwrap()[self.index]
            .subscribed
            .insert(topic);
        Ok(())
    }

    async fn unsubscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.slots.lock().unwrap()[self.index]
            .subscribed
            .remove(&topic);
        Ok(())
    }

    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }
}

/// Starts `n` replicas sharing store, queue and bus; `overrides` apply to all.
pub async fn spawn_replicas(n: usize, overrides: &[(&str, &str)]) -> Vec<TestApp> {
    chathub::telemetry::init(chathub::config::LogFormat::Human);
    let store = Stores::in_memory();
    let queue = Arc::new(MemoryQueue::new());
    let presence = Arc::new(MemoryPresence::new());
    let slots = Arc::new(Mutex::new(Vec::new()));
    let mut apps = Vec::new();
    for index in 0..n {
        let (tx, signals) = mpsc::channel(BUS_CHANNEL_CAPACITY);
        slots.lock().unwrap().push(Slot {
            subscribed: HashSet::new(),
            tx,
        });
        let adapters = Adapters {
            store: store.clone(),
            bus: Arc::new(ReplicaBus {
                index,
                slots: slots.clone(),
            }),
            queue: queue.clone(),
            presence: presence.clone(),
            signals,
            retention: None,
        };
        let name = format!("replica-{index}");
        let mut vars: Vec<(&str, &str)> = vec![("CHATHUB_INSTANCE_ID", &name)];
        vars.extend_from_slice(overrides);
        let app = Application::build_with(test_config(&vars), adapters)
            .await
            .expect("replica builds");
        let port = app.port();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        apps.push(TestApp {
            port,
            admin_port: None,
            stop: Some(stop),
            done: Some(done),
        });
    }
    apps
}
