//! Throughput and latency percentiles, printed the same way by every tool.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a run measured, as printed and as appended to the results.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Messages (connections, for `ws-idle`) measured.
    pub messages: usize,
    pub secs: f64,
    /// Messages per second.
    pub rate: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Prints `what` `unit`s per second over `elapsed` (one per latency), and
/// the percentiles of `latencies` (labelled `latency_of`); returns them.
pub fn report(
    what: &str,
    unit: &str,
    latency_of: &str,
    latencies: &mut [Duration],
    elapsed: Duration,
) -> Summary {
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        ms(latencies.get(i).copied().unwrap_or_default())
    };
    let summary = Summary {
        messages: latencies.len(),
        secs: elapsed.as_secs_f64(),
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p90_ms: pct(0.90),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
    };
    println!(
        "{what} {} {unit}s in {:.2} s: {:.0} {unit}s/s",
        summary.messages, summary.secs, summary.rate
    );
    println!(
        "{latency_of} latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        summary.p50_ms, summary.p90_ms, summary.p99_ms, summary.max_ms
    );
    summary
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
