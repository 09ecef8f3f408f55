//! `chathub-load telegram`: N Telegram chats, paired through the bot's own
//! flow (`/search`), each sending texts through the webhooks of K replicas
//! (the replica chosen per update, round-robin or at random), against the
//! fake Bot API started in this process on the port the replicas'
//! `TELEGRAM_API_URL` names. A chat posts its next text once the webhook
//! answered 200 for the previous one (stored, as the webhook promises).
//! Counted: the `copyMessage` calls that reach the fake for partners, and
//! each one's latency from the start of its webhook post to its arrival at
//! the fake (one clock: this process). Fails if a text is copied twice,
//! out of order, or to anyone but the sender's partner.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use crate::fake_telegram::{Call, FakeTelegram, Observer, Options};
use crate::measure::{MeasureArgs, Meter};
use crate::stats::report;

/// Longest wait for every chat to be paired, and for the last copies.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the waits look at the counters (atomic loads, nothing more).
const POLL_EVERY: Duration = Duration::from_millis(5);
/// Webhook posts under way at once while chats search (set-up only).
const SEARCH_CONCURRENCY: usize = 32;
/// First chat id; chats are consecutive from here.
const FIRST_CHAT: i64 = 7_000_000;
/// The notice the bot sends each person of a new pair.
const MATCHED_PREFIX: &str = "Partner found";
/// The webhook's secret header (Telegram's name for it).
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

#[derive(Clone, Copy, ValueEnum)]
enum Spread {
    /// Update k goes to replica k mod K.
    RoundRobin,
    /// Each update to a replica drawn at random.
    Random,
}

#[derive(Args)]
pub struct TelegramArgs {
    /// Webhook URLs of the replicas (comma-separated), e.g.
    /// http://127.0.0.1:18181/telegram/webhook
    #[arg(long, value_delimiter = ',', required = true)]
    webhooks: Vec<String>,
    /// Where the fake Bot API listens (the replicas' TELEGRAM_API_URL).
    #[arg(long, default_value = "127.0.0.1:18190")]
    fake_listen: SocketAddr,
    /// The fake's worker threads.
    #[arg(long, default_value_t = 2)]
    fake_workers: usize,
    /// The replicas' TELEGRAM_WEBHOOK_SECRET.
    #[arg(long, env = "TELEGRAM_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// Chats (an even number: they pair up).
    #[arg(long, default_value_t = 100)]
    chats: usize,
    /// Texts each chat sends.
    #[arg(long, default_value_t = 40)]
    messages: usize,
    /// Which replica gets each update.
    #[arg(long, value_enum, default_value_t = Spread::RoundRobin)]
    spread: Spread,
    #[command(flatten)]
    measure: MeasureArgs,
}

/// What the fake saw, updated by its observer as calls arrive.
#[derive(Default)]
struct Seen {
    matched: AtomicUsize,
    copies: AtomicUsize,
    /// (from chat, message id, to chat, arrival) of each copy.
    copy_log: Mutex<Vec<(i64, i64, i64, Instant)>>,
}

impl Seen {
    fn observe(&self, call: &Call) {
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
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts the fake on its own thread with its own actix System (the load
/// generator runs on tokio's multi-threaded runtime); returns its URL.
fn spawn_fake(listen: SocketAddr, workers: usize, observer: Observer) -> anyhow::Result<String> {
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

struct Poster {
    http: reqwest::Client,
    webhooks: Vec<String>,
    secret: String,
    spread: Spread,
    next_update: AtomicU64,
}

impl Poster {
    /// Posts `text` from `chat` as message `message_id`; fails unless 200.
    async fn post(&self, chat: i64, message_id: i64, text: &str) -> anyhow::Result<()> {
        let update_id = self.next_update.fetch_add(1, Ordering::Relaxed);
        let k = match self.spread {
            Spread::RoundRobin => update_id as usize % self.webhooks.len(),
            Spread::Random => rand::random_range(0..self.webhooks.len()),
        };
        let update = json!({"update_id": update_id, "message": {
            "message_id": message_id, "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Load"},
            "from": {"id": chat, "is_bot": false, "first_name": "Load"},
            "text": text,
        }});
        let status = self
            .http
            .post(&self.webhooks[k])
            .header(SECRET_HEADER, &self.secret)
            .json(&update)
            .send()
            .await
            .with_context(|| format!("post to {}", self.webhooks[k]))?
            .status();
        if status != reqwest::StatusCode::OK {
            bail!("webhook {} answered {status}", self.webhooks[k]);
        }
        Ok(())
    }
}

/// Waits until `counter` reaches `target`, or fails after `within`.
async fn wait_count(
    counter: &AtomicUsize,
    target: usize,
    within: Duration,
    what: &str,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while counter.load(Ordering::Relaxed) < target {
        if Instant::now() > deadline {
            bail!(
                "{what}: {} of {target} in {within:?}",
                counter.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    Ok(())
}

pub async fn telegram_load(args: TelegramArgs) -> anyhow::Result<()> {
    if args.chats < 2 || !args.chats.is_multiple_of(2) || args.messages == 0 {
        bail!("need an even number of chats (at least 2) and one message");
    }
    let seen = Arc::new(Seen::default());
    let observer: Observer = {
        let seen = seen.clone();
        Arc::new(move |call: &Call| seen.observe(call))
    };
    let fake_url = spawn_fake(args.fake_listen, args.fake_workers, observer)?;
    let poster = Arc::new(Poster {
        http: reqwest::Client::new(),
        webhooks: args.webhooks.clone(),
        secret: args.secret.clone(),
        spread: args.spread,
        next_update: AtomicU64::new(1),
    });

    // Set-up, not measured: every chat searches; message id 1 is /search.
    let chats: Vec<i64> = (0..args.chats as i64).map(|i| FIRST_CHAT + i).collect();
    let searches = stream::iter(chats.iter().map(|&c| {
        let poster = poster.clone();
        async move { poster.post(c, 1, "/search").await }
    }))
    .buffer_unordered(SEARCH_CONCURRENCY)
    .collect::<Vec<_>>()
    .await;
    searches.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    wait_count(&seen.matched, args.chats, SETTLE_TIMEOUT, "chats paired").await?;
    println!(
        "telegram: {} chats ({} pairs) through {} webhook(s), fake Bot API at {fake_url}, {} texts per chat",
        args.chats,
        args.chats / 2,
        args.webhooks.len(),
        args.messages
    );

    let meter = Meter::start(&args.measure);
    let start = Instant::now();
    let tasks: Vec<_> = chats
        .iter()
        .map(|&chat| tokio::spawn(chat_sends(poster.clone(), chat, args.messages)))
        .collect();
    let mut posted: HashMap<i64, Vec<Instant>> = HashMap::with_capacity(args.chats);
    for (chat, task) in chats.iter().zip(tasks) {
        posted.insert(*chat, task.await.context("chat task failed")??);
    }
    let expected = args.chats * args.messages;
    wait_count(&seen.copies, expected, SETTLE_TIMEOUT, "copies at the fake").await?;
    let log = std::mem::take(&mut *lock(&seen.copy_log));
    let elapsed = log.iter().map(|c| c.3).max().unwrap_or(start) - start;
    let mut latencies = check_copies(&log, &posted)?;
    let summary = report(
        "copied",
        "message",
        "webhook-post-to-copy",
        &mut latencies,
        elapsed,
    );
    let extra =
        json!({"chats": args.chats, "messages": args.messages, "replicas": args.webhooks.len()});
    meter.finish("telegram", summary, extra)?;
    Ok(())
}

/// One chat sends `count` texts (message ids 2..), each once the webhook
/// answered the previous; returns when each post started, by message id - 2.
async fn chat_sends(poster: Arc<Poster>, chat: i64, count: usize) -> anyhow::Result<Vec<Instant>> {
    let mut started = Vec::with_capacity(count);
    for i in 0..count {
        started.push(Instant::now());
        poster
            .post(chat, i as i64 + 2, &format!("load text {i}"))
            .await?;
    }
    Ok(started)
}

/// Latency of every copy; fails on a duplicate, a copy out of order, or a
/// copy to someone other than the sender's one partner.
fn check_copies(
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
