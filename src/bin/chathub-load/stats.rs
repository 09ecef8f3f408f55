//! Throughput and latency percentiles, printed the same way by every tool.

use std::time::Duration;

/// Prints `what` messages per second over `elapsed`, and the percentiles of
/// `latencies` (labelled `latency_of`).
pub fn report(what: &str, latency_of: &str, latencies: &mut [Duration], elapsed: Duration) {
    latencies.sort_unstable();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).copied().unwrap_or_default()
    };
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{what} {} messages in {:.2} s: {:.0} messages/s",
        latencies.len(),
        elapsed.as_secs_f64(),
        rate
    );
    println!(
        "{latency_of} latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(pct(1.0))
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
