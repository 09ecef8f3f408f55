//! `chathub-load relay`: pairs WebSocket clients across two replicas (one
//! person of every pair on each), has every person send messages, each
//! after the previous acknowledgement like the web page, and measures how
//! many messages per second reach the partner and how long each took from
//! the sender's `send` to the partner's receipt (one clock: this process).
//! It checks that every message arrived once and in order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::measure::{MeasureArgs, Meter};
use crate::stats::report;
use crate::ws_client::{Ws, connect};

/// How long any single expected frame may take before the run is failed.
const FRAME_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Args)]
pub struct RelayArgs {
    /// WebSocket URL of the first replica, e.g. ws://127.0.0.1:8081/ws
    #[arg(long)]
    a: String,
    /// WebSocket URL of the second replica.
    #[arg(long)]
    b: String,
    /// Pairs of people, each pair split over the two replicas.
    #[arg(long, default_value_t = 100)]
    pairs: usize,
    /// Messages each person sends.
    #[arg(long, default_value_t = 100)]
    messages: usize,
    /// Messages per second over all senders (each person paced evenly, at
    /// a phase of their own); unset, everyone sends as fast as acks come.
    #[arg(long)]
    rate: Option<f64>,
    #[command(flatten)]
    measure: MeasureArgs,
}

async fn next_json(ws: &mut Ws) -> anyhow::Result<Value> {
    loop {
        let msg = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .context("no frame in time")?
            .context("connection closed")??;
        if let Message::Text(t) = msg {
            return Ok(serde_json::from_str(&t)?);
        }
    }
}

async fn wait_for(ws: &mut Ws, ty: &str) -> anyhow::Result<Value> {
    loop {
        let f = next_json(ws).await?;
        if f["type"] == ty {
            return Ok(f);
        }
        if f["type"] == "error" {
            bail!("server error while waiting for {ty}: {f}");
        }
    }
}

pub async fn relay_load(args: RelayArgs) -> anyhow::Result<()> {
    if args.pairs == 0 || args.messages == 0 {
        bail!("need at least one pair and one message");
    }
    // Set-up, not measured: people search in turns, A on one replica then B
    // on the other, so FIFO pairing puts every pair across the replicas.
    let mut people = Vec::with_capacity(args.pairs * 2);
    for _ in 0..args.pairs {
        for url in [&args.a, &args.b] {
            let mut ws = connect(url).await?;
            wait_for(&mut ws, "hello").await?;
            ws.send(Message::text(json!({"type": "search"}).to_string()))
                .await?;
            wait_for(&mut ws, "searching").await?;
            people.push(ws);
        }
    }
    println!(
        "relay: {} pairs across {} and {}, {} messages per person",
        args.pairs, args.a, args.b, args.messages
    );

    // A person's gap between two sends at the asked rate.
    let gap = match args.rate {
        Some(rate) if rate > 0.0 => Some(Duration::from_secs_f64(people.len() as f64 / rate)),
        Some(_) => bail!("--rate must be positive"),
        None => None,
    };
    let meter = Meter::start(&args.measure);
    let start = Arc::new(Instant::now());
    let mut tasks = Vec::with_capacity(people.len());
    let senders = people.len();
    for (i, ws) in people.into_iter().enumerate() {
        // Spread the senders' phases over one gap, so sends do not bunch.
        let pace = gap.map(|gap| Pace {
            gap,
            phase: gap.mul_f64(i as f64 / senders as f64),
        });
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            // Said as it happens: the run reports the first task's error in
            // task order, which may be a consequence of an earlier one.
            let res = person(ws, args.messages, pace, start.clone()).await;
            if let Err(e) = &res {
                eprintln!("person {i} failed at {:?}: {e:#}", start.elapsed());
            }
            res
        }));
    }
    let mut latencies = Vec::with_capacity(args.pairs * 2 * args.messages);
    let mut finished = Vec::with_capacity(senders);
    for t in tasks {
        let (ws, got) = t.await.context("client task failed")??;
        latencies.extend(got);
        finished.push(ws);
    }
    let elapsed = start.elapsed();
    // People leave only now that everyone has all their messages: a stop
    // ends a room (stored, rung, the partner told), and 400 of them in the
    // last gap would race the other people's last messages, which is
    // another load than the one measured.
    for mut ws in finished {
        ws.send(Message::text(json!({"type": "stop"}).to_string()))
            .await?;
    }
    let summary = report(
        "relayed",
        "message",
        "sender-to-recipient",
        &mut latencies,
        elapsed,
    );
    let extra = json!({"pairs": args.pairs, "messages": args.messages, "rate": args.rate});
    meter.finish("relay", summary, extra)?;
    Ok(())
}

/// When a paced person sends: their k-th message at `phase + k * gap`
/// after the start.
#[derive(Clone, Copy)]
struct Pace {
    gap: Duration,
    phase: Duration,
}

/// One person: waits to be matched, then sends `count` messages (each after
/// its ack, and not before its time when paced) while receiving the
/// partner's; returns the connection, still in its room, and the latency
/// of each message received. Fails if anything arrives twice or out of
/// order.
async fn person(
    mut ws: Ws,
    count: usize,
    pace: Option<Pace>,
    start: Arc<Instant>,
) -> anyhow::Result<(Ws, Vec<Duration>)> {
    wait_for(&mut ws, "matched").await?;
    let mut latencies = Vec::with_capacity(count);
    let (mut sent, mut acked, mut received) = (0usize, true, 0usize);
    let mut last_seq = 0i64;
    while sent < count || !acked || received < count {
        let mut due = None;
        if acked && sent < count {
            let at = pace.map(|p| *start + p.phase + p.gap.mul_f64(sent as f64));
            if at.is_none_or(|at| Instant::now() >= at) {
                let stamp = start.elapsed().as_nanos();
                let frame = json!({"type": "message", "id": format!("m{sent}"), "text": format!("{stamp} load")});
                ws.send(Message::text(frame.to_string())).await?;
                sent += 1;
                acked = false;
            } else {
                due = at;
            }
        }
        let f = match due {
            Some(at) => tokio::select! {
                _ = tokio::time::sleep_until(at.into()) => continue,
                f = next_json(&mut ws) => f?,
            },
            None => next_json(&mut ws).await?,
        };
        match f["type"].as_str() {
            Some("ack") => acked = true,
            Some("message") => {
                let seq = f["seq"].as_i64().unwrap_or(0);
                if seq <= last_seq {
                    bail!("message seq {seq} after {last_seq}: duplicate or out of order");
                }
                last_seq = seq;
                let stamp: u128 = f["text"]
                    .as_str()
                    .and_then(|t| t.split(' ').next())
                    .and_then(|n| n.parse().ok())
                    .context("foreign message text")?;
                let now = start.elapsed().as_nanos();
                latencies.push(Duration::from_nanos(
                    u64::try_from(now.saturating_sub(stamp)).unwrap_or(u64::MAX),
                ));
                received += 1;
            }
            Some("error") => bail!("server error: {f}"),
            Some("partner_left") => bail!("partner left mid-run: {f}"),
            _ => {}
        }
    }
    Ok((ws, latencies))
}
