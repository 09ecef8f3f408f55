//! What reaches the fake Bot API: the fake on its own thread, the observer
//! counting pairings and copies as they arrive, and the check that every
//! copy went once, in order, to the sender's partner.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::fake_telegram::{Call, FakeTelegram, Observer, Options};

/// The notice the bot sends each person of a new pair.
const MATCHED_PREFIX: &str = "Partner found";

/// What the fake saw, updated by its observer as calls arrive.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) matched: AtomicUsize,
    pub(super) copies: AtomicUsize,
    /// (from chat, message id, to chat, arrival) of each copy.
    pub(super) copy_log: Mutex<Vec<(i64, i64, i64, Instant)>>,
}

impl Seen {
    pub(super) fn observe(&self, call: &Call) {
        if call.status != 200 {
            return;
        }
        let num = |k: &str| call.params.get(k).and_then(as_i64);
        match call.method.as_str() {
            "sendmessage" => {
                let text = call.params["text"].as_str().unwrap_or("");
                if text.starts_with(MATCHED_PREFIX) {
                    self.matched.fetch_add(1, Ordering::Relaxed);
                }
            }
            "copymessage" => {
                if let (Some(from), Some(id), Some(to)) =
                    (num("from_chat_id"), num("message_id"), call.chat_id)
                {
                    lock(&self.copy_log).push((from, id, to, call.at));
                    self.copies.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.parse().ok())
}

/// A poisoned lock only means another thread of this tool panicked; the
/// figures it guards are still whole (pushes and reads), so go on.
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts the fake on its own thread with its own actix System (the load
/// generator runs on tokio's multi-threaded runtime); returns its URL.
pub(super) fn spawn_fake(
    listen: SocketAddr,
    workers: usize,
    observer: Observer,
) -> anyhow::Result<String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("fake-telegram".into())
        .spawn(move || {
            actix_rt::System::new().block_on(async move {
                let options = Options {
                    listen: Some(listen),
                    workers,
                    record: false,
                    observer: Some(observer),
                };
                let fake = FakeTelegram::start_with(options).await;
                let _ = tx.send(fake.url.clone());
                std::future::pending::<()>().await;
            });
        })
        .context("cannot start the fake's thread")?;
    rx.recv()
        .context("the fake Bot API did not start (is its port free?)")
}

/// Latency of every copy; fails on a duplicate, a copy out of order, or a
/// copy to someone other than the sender's one partner.
pub(super) fn check_copies(
    log: &[(i64, i64, i64, Instant)],
    posted: &HashMap<i64, Vec<Instant>>,
) -> anyhow::Result<Vec<Duration>> {
    let mut partner: HashMap<i64, i64> = HashMap::new();
    let mut last: HashMap<i64, i64> = HashMap::new();
    let mut latencies = Vec::with_capacity(log.len());
    for &(from, id, to, at) in log {
        if *partner.entry(from).or_insert(to) != to {
            bail!("chat {from}'s texts went to two chats");
        }
        let prev = last.insert(from, id).unwrap_or(1);
        if id <= prev {
            bail!("chat {from}: message {id} copied after {prev} (duplicate or out of order)");
        }
        let sent = posted
            .get(&from)
            .and_then(|p| p.get((id - 2) as usize))
            .with_context(|| format!("copy of a message never sent: {from}/{id}"))?;
        latencies.push(at.saturating_duration_since(*sent));
    }
    for (a, b) in &partner {
        if partner.get(b) != Some(a) {
            bail!("chat {a} writes to {b}, who writes to someone else");
        }
    }
    Ok(latencies)
}
