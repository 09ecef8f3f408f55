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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::{StreamExt, stream};
use serde_json::json;

use crate::fake_telegram::{Call, Observer};
use crate::measure::{MeasureArgs, Meter};
use crate::stats::report;
use fake_side::{Seen, check_copies, lock, spawn_fake};
use webhooks::{Poster, Spread};

mod fake_side;
mod webhooks;

/// Longest wait for every chat to be paired, and for the last copies.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the waits look at the counters (atomic loads, nothing more).
const POLL_EVERY: Duration = Duration::from_millis(5);
/// Webhook posts under way at once while chats search (set-up only).
const SEARCH_CONCURRENCY: usize = 32;
/// First chat id; chats are consecutive from here.
const FIRST_CHAT: i64 = 7_000_000;

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
