//! `chathub-load ws-idle`: opens N idle WebSocket connections to one
//! replica (no resume token, so neither the `?session=` query nor the
//! `Sec-WebSocket-Protocol` token is needed) and reports the replica's
//! resident memory per idle connection (VmRSS from /proc before and after),
//! whether all N were accepted (each got its `hello`), and the memory left
//! once they closed. Every connection keeps reading, so it answers the
//! server's pings and stays idle, not dead.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::measure::{MeasureArgs, Meter};
use crate::procfs::{pids_listening, rss_kib};
use crate::stats::report;

/// Longest wait for one connection's `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections opened at once.
const CONNECT_CONCURRENCY: usize = 64;
/// How long the connections stay open, all idle, before memory is read:
/// long enough for a round of the server's pings (every 5 s at most).
const HOLD: Duration = Duration::from_secs(6);
/// Time the replica gets to drop closed connections before memory is read.
const AFTER_CLOSE: Duration = Duration::from_secs(2);

#[derive(Args)]
pub struct WsIdleArgs {
    /// WebSocket URL of the replica, e.g. ws://127.0.0.1:18181/ws
    #[arg(long)]
    url: String,
    /// The replica's process id (default: the process listening on the
    /// URL's port).
    #[arg(long)]
    pid: Option<u32>,
    /// Idle connections to open.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    #[command(flatten)]
    measure: MeasureArgs,
}

/// The process listening on `url`'s port.
fn replica_pid(url: &str) -> anyhow::Result<u32> {
    let port: u16 = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|hostport| hostport.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .context("no port in the URL; pass --pid")?;
    match pids_listening(port).as_slice() {
        [pid] => Ok(*pid),
        other => bail!(
            "{} processes listen on port {port}; pass --pid",
            other.len()
        ),
    }
}

pub async fn ws_idle(args: WsIdleArgs) -> anyhow::Result<()> {
    let pid = match args.pid {
        Some(pid) => pid,
        None => replica_pid(&args.url)?,
    };
    let rss = || rss_kib(pid).with_context(|| format!("no VmRSS for pid {pid}"));
    let before = rss()?;
    let closed = Arc::new(AtomicUsize::new(0));
    let meter = Meter::start(&args.measure);
    let start = Instant::now();
    let opened: Vec<anyhow::Result<(Duration, JoinHandle<()>)>> =
        stream::iter((0..args.connections).map(|_| open_idle(&args.url, closed.clone())))
            .buffer_unordered(CONNECT_CONCURRENCY)
            .collect()
            .await;
    let elapsed = start.elapsed();
    let (mut latencies, mut held, mut refused) = (Vec::new(), Vec::new(), 0usize);
    let mut first_error = None;
    for o in opened {
        match o {
            Ok((latency, task)) => {
                latencies.push(latency);
                held.push(task);
            }
            Err(e) => {
                refused += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    tokio::time::sleep(HOLD).await;
    let during = rss()?;
    let still_open = held.len() - closed.load(Ordering::Relaxed);
    for task in &held {
        task.abort();
    }
    tokio::time::sleep(AFTER_CLOSE).await;
    let after_close = rss()?;

    let accepted = latencies.len();
    let per_conn = (during.saturating_sub(before)) as f64 / accepted.max(1) as f64;
    println!(
        "ws-idle: {} of {} connections accepted",
        accepted, args.connections
    );
    if let Some(e) = first_error {
        println!("first refusal ({refused} in all): {e:#}");
    }
    println!(
        "replica {pid} VmRSS: {before} KiB before, {during} KiB with {still_open} idle \
         connections still open after {HOLD:?}, {after_close} KiB {AFTER_CLOSE:?} after they closed"
    );
    println!("resident memory per idle connection: {per_conn:.1} KiB");
    let summary = report(
        "opened",
        "connection",
        "connect-to-hello",
        &mut latencies,
        elapsed,
    );
    let extra = json!({
        "connections": args.connections, "accepted": accepted, "still_open": still_open,
        "rss_before_kib": before, "rss_open_kib": during, "rss_after_close_kib": after_close,
        "kib_per_connection": per_conn,
    });
    meter.finish("ws-idle", summary, extra)?;
    Ok(())
}

/// Opens one connection and waits for its `hello`; then a task keeps
/// reading it (answering pings) until it closes or is aborted.
async fn open_idle(
    url: &str,
    closed: Arc<AtomicUsize>,
) -> anyhow::Result<(Duration, JoinHandle<()>)> {
    let started = Instant::now();
    let mut ws = crate::ws_client::connect(url).await?;
    loop {
        let msg = tokio::time::timeout(HELLO_TIMEOUT, ws.next())
            .await
            .context("no hello in time")?
            .context("closed before hello")??;
        if let Message::Text(t) = msg {
            let frame: Value = serde_json::from_str(&t)?;
            if frame["type"] == "hello" {
                break;
            }
            bail!("expected hello, got {frame}");
        }
    }
    let latency = started.elapsed();
    let task = tokio::spawn(async move {
        while let Some(Ok(_)) = ws.next().await {}
        closed.fetch_add(1, Ordering::Relaxed);
    });
    Ok((latency, task))
}
