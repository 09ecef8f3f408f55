//! The dedicated subscription connection: a RESP3 connection whose push
//! messages (doorbells) flow to the Hub, held up across Redis restarts.
//!
//! Why not the ConnectionManager's automatic resubscription: it resubscribes
//! only what Redis had confirmed (not what the Hub asked for while Redis was
//! down), ignores failures of that resubscription, and gives no signal when
//! it is done. The Hub must learn "subscriptions are in effect again" to send
//! its clients to the store, and must learn it only after they are: a client
//! that caught up before its room was resubscribed could miss a message
//! stored in between until its periodic sync. So this module owns the
//! connection: one supervisor task connects, subscribes every topic the Hub
//! holds (the desired set), then emits `Resynced`; on loss it backs off and
//! does it again. A last reason: the manager hands pushes over through an
//! unbounded internal channel, while a plain multiplexed connection calls
//! our push sender straight from its reader, so the way from the socket to
//! the Hub is bounded end to end (`listener.rs`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::Rng;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::listener::{Link, RAW_CHANNEL_CAPACITY, listen, push_sender};
use super::{COMMAND_TIMEOUT, CONNECT_TIMEOUT, Keys, timed};
use crate::bus::{BusSignal, Topic};

/// First delay before reconnecting the subscription connection.
pub const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);
/// Longest delay between reconnection attempts (the backoff doubles up to it).
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(5);
/// How often an idle subscription connection is pinged, so a silently dead
/// TCP connection is noticed within this plus `COMMAND_TIMEOUT`.
pub const SUB_PING_INTERVAL: Duration = Duration::from_secs(1);
/// A connection that stayed up this long resets the reconnect backoff.
pub const STABLE_AFTER: Duration = Duration::from_secs(10);
/// Channels per SUBSCRIBE command when resubscribing everything.
pub const RESUBSCRIBE_BATCH: usize = 500;

/// The Hub-facing handle: subscription changes and health.
pub(super) struct Subscriber {
    shared: Arc<Shared>,
}

struct Shared {
    keys: Keys,
    /// Held across every SUBSCRIBE/UNSUBSCRIBE and across a whole
    /// resubscription, so the Hub's changes and a reconnect never interleave
    /// (an unsubscribe cannot be overtaken by a stale resubscribe).
    state: Mutex<State>,
    /// True while a connection with every desired channel subscribed is up.
    up: AtomicBool,
}

struct State {
    /// Channels the Hub holds, whether or not Redis confirmed them yet.
    desired: HashSet<String>,
    /// The live connection; `None` while (re)connecting.
    conn: Option<MultiplexedConnection>,
}

impl Subscriber {
    /// Starts the supervisor and the listener. The receiver resolves after
    /// the first successful connection.
    pub(super) fn start(
        client: Client,
        keys: Keys,
        hub: mpsc::Sender<BusSignal>,
    ) -> (Self, Vec<JoinHandle<()>>, oneshot::Receiver<()>) {
        let shared = Arc::new(Shared {
            keys: keys.clone(),
            state: Mutex::new(State {
                desired: HashSet::new(),
                conn: None,
            }),
            up: AtomicBool::new(false),
        });
        let (raw_tx, raw_rx) = mpsc::channel(RAW_CHANNEL_CAPACITY);
        let lost = Arc::new(AtomicBool::new(false));
        let (first_tx, first_rx) = oneshot::channel();
        let link = Link {
            raw: raw_tx,
            lost: lost.clone(),
        };
        let tasks = vec![
            tokio::spawn(supervise(
                client,
                shared.clone(),
                link,
                hub.clone(),
                first_tx,
            )),
            tokio::spawn(listen(raw_rx, keys, hub, lost)),
        ];
        (Self { shared }, tasks, first_rx)
    }

    pub(super) async fn subscribe(&self, topic: Topic) -> anyhow::Result<()> {
        let channel = self.shared.keys.channel(topic);
        let mut state = self.shared.state.lock().await;
        // Desired even if Redis is down now: the next connection subscribes it.
        state.desired.insert(channel.clone());
        let conn = state
            .conn
            .as_mut()
            .context("subscription connection is down; reconnecting")?;
        timed(conn.subscribe(&channel)).await.context("SUBSCRIBE")
    }

    pub(super) async fn unsubscribe(&self, topic: Topic) -> anyhow::Result<()> {
        let channel = self.shared.keys.channel(topic);
        let mut state = self.shared.state.lock().await;
        state.desired.remove(&channel);
        match state.conn.as_mut() {
            // The next connection simply will not subscribe it.
            None => Ok(()),
            Some(conn) => timed(conn.unsubscribe(&channel))
                .await
                .context("UNSUBSCRIBE"),
        }
    }

    pub(super) fn is_up(&self) -> bool {
        self.shared.up.load(Ordering::Acquire)
    }
}

/// Connects, resubscribes, announces `Resynced`, watches; forever.
async fn supervise(
    client: Client,
    shared: Arc<Shared>,
    link: Link,
    hub: mpsc::Sender<BusSignal>,
    first: oneshot::Sender<()>,
) {
    let mut first = Some(first);
    let mut delay = RECONNECT_MIN_DELAY;
    loop {
        match connect(&client, &shared, &link).await {
            Ok((conn, dropped)) => {
                let up_since = Instant::now();
                shared.up.store(true, Ordering::Release);
                tracing::info!("redis subscriptions connected");
                // Every desired channel is subscribed again, so from here on
                // no doorbell is missed; what was missed before is in the
                // store, and this tells every client to read it.
                if hub.send(BusSignal::Resynced).await.is_err() {
                    return; // the Hub is gone: nobody to deliver to
                }
                if let Some(first) = first.take() {
                    let _ = first.send(());
                }
                watch(conn, &dropped).await;
                shared.up.store(false, Ordering::Release);
                shared.state.lock().await.conn = None;
                tracing::warn!("redis subscription connection lost; reconnecting");
                // Only a connection that held for a while resets the
                // backoff: one that drops at once (a flapping Redis) must
                // not turn into a reconnect-and-resync storm.
                if up_since.elapsed() >= STABLE_AFTER {
                    delay = RECONNECT_MIN_DELAY;
                }
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_in = ?delay, "redis subscriptions not connected");
            }
        }
        // Jitter spreads the reconnects of many replicas after a Redis restart.
        let jitter = rand::rng().random_range(0..=delay.as_millis() / 2);
        let jitter = Duration::from_millis(u64::try_from(jitter).unwrap_or(0));
        tokio::time::sleep(delay / 2 + jitter).await;
        delay = (delay * 2).min(RECONNECT_MAX_DELAY);
    }
}

/// One connection with every desired channel subscribed, and the signal
/// that fires when it drops.
async fn connect(
    client: &Client,
    shared: &Shared,
    link: &Link,
) -> anyhow::Result<(MultiplexedConnection, Arc<Notify>)> {
    let dropped = Arc::new(Notify::new());
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT))
        .set_push_sender(push_sender(link.clone(), dropped.clone()));
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .context("connecting")?;
    let mut state = shared.state.lock().await;
    let channels: Vec<String> = state.desired.iter().cloned().collect();
    for batch in channels.chunks(RESUBSCRIBE_BATCH) {
        timed(conn.subscribe(batch))
            .await
            .context("resubscribing")?;
    }
    state.conn = Some(conn.clone());
    Ok((conn, dropped))
}

/// Returns when the connection dropped or stopped answering pings.
async fn watch(mut conn: MultiplexedConnection, dropped: &Notify) {
    loop {
        tokio::select! {
            () = dropped.notified() => return,
            () = tokio::time::sleep(SUB_PING_INTERVAL) => {
                let ping = timed(redis::cmd("PING").query_async::<redis::Value>(&mut conn)).await;
                if let Err(e) = ping {
                    tracing::warn!(error = %format!("{e:#}"), "redis subscription connection unresponsive");
                    return;
                }
            }
        }
    }
}
