//! What every run measures beside throughput and latency: the CPU seconds
//! each component spent over the run (read from /proc before and after),
//! CPU per message, and a same-run `redis-benchmark` PUBLISH rate as the
//! machine's baseline; then the figures are printed and, if asked,
//! appended as one JSON line to a results file for `chathub-load plot`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::procfs::{cmdline, own_threads, pids_listening, pids_named, read_stat, stat_path};
use crate::stats::Summary;

/// Requests redis-benchmark makes for the baseline (about a second or two).
const BASELINE_REQUESTS: u32 = 100_000;
/// Its concurrent clients, unpipelined: one PUBLISH per round trip each.
const BASELINE_CLIENTS: u32 = 50;

/// The components whose CPU is the service's cost per message.
pub const SERVICE: [&str; 3] = ["replicas", "postgres", "redis"];

#[derive(Args, Clone, Default)]
pub struct MeasureArgs {
    /// Replica process ids (comma-separated) whose CPU is measured.
    #[arg(long = "replica-pid", value_delimiter = ',')]
    replica_pids: Vec<u32>,
    /// Replica ports (comma-separated): the processes listening there are
    /// measured too.
    #[arg(long = "replica-port", value_delimiter = ',')]
    replica_ports: Vec<u16>,
    /// The run's database: its PostgreSQL backends are also shown apart
    /// (the machine's other databases share the `postgres` total).
    #[arg(long)]
    pg_database: Option<String>,
    /// Redis URL to run `redis-benchmark` PUBLISH against after the run.
    #[arg(long)]
    publish_baseline: Option<String>,
    /// Append the run's figures as one JSON line to this file.
    #[arg(long)]
    results: Option<PathBuf>,
    /// Label of the run in the results (default: the tool's name).
    #[arg(long)]
    label: Option<String>,
}

/// One run as appended to the results file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// Unix seconds at the end of the run.
    pub at: u64,
    pub tool: String,
    pub label: String,
    #[serde(flatten)]
    pub summary: Summary,
    /// CPU seconds over the run, by component.
    pub cpu_secs: BTreeMap<String, f64>,
    /// Microseconds of replica + PostgreSQL + Redis CPU per message.
    pub service_us_per_msg: f64,
    /// Same-run `redis-benchmark` PUBLISH requests per second.
    pub publish_rate: Option<f64>,
    /// Tool-specific figures (sizes, memory per connection...).
    pub extra: Value,
}

/// CPU seconds by component, taken at the start of a run.
pub struct Meter {
    args: MeasureArgs,
    start: BTreeMap<String, f64>,
}

impl Meter {
    pub fn start(args: &MeasureArgs) -> Meter {
        Meter {
            args: args.clone(),
            start: cpu_by_component(args),
        }
    }

    /// Prints CPU per component and per message (of `summary`) and the
    /// baseline, and appends the record if asked; returns the record.
    pub fn finish(self, tool: &str, summary: Summary, extra: Value) -> anyhow::Result<RunRecord> {
        let end = cpu_by_component(&self.args);
        let cpu_secs: BTreeMap<String, f64> = end
            .iter()
            .map(|(k, v)| (k.clone(), v - self.start.get(k).copied().unwrap_or(0.0)))
            .collect();
        let messages = summary.messages.max(1) as f64;
        let per_msg = |secs: f64| secs * 1e6 / messages;
        let service: f64 = SERVICE.iter().filter_map(|c| cpu_secs.get(*c)).sum();
        let all: f64 = cpu_secs
            .iter()
            .filter(|(k, _)| !k.contains('('))
            .map(|(_, v)| v)
            .sum();
        let shown: Vec<String> = cpu_secs
            .iter()
            .map(|(k, v)| format!("{k} {v:.2}"))
            .collect();
        println!("cpu over the run (s): {}", shown.join(", "));
        let parts: Vec<String> = SERVICE
            .iter()
            .map(|c| {
                format!(
                    "{c} {:.0}",
                    per_msg(cpu_secs.get(*c).copied().unwrap_or(0.0))
                )
            })
            .collect();
        println!(
            "cpu per message: {:.0} µs for the service ({}); {:.0} µs all-in with the load tool",
            per_msg(service),
            parts.join(", "),
            per_msg(all)
        );
        let publish_rate = match &self.args.publish_baseline {
            Some(url) => Some(publish_baseline(url)?),
            None => None,
        };
        if let Some(rate) = publish_rate {
            println!(
                "same-run redis-benchmark PUBLISH ({BASELINE_CLIENTS} clients, unpipelined): \
                 {rate:.0}/s; this run is {:.1} % of it",
                summary.rate * 100.0 / rate
            );
        }
        let record = RunRecord {
            at: chrono::Utc::now().timestamp().max(0) as u64,
            tool: tool.to_owned(),
            label: self.args.label.clone().unwrap_or_else(|| tool.to_owned()),
            summary,
            cpu_secs,
            service_us_per_msg: per_msg(service),
            publish_rate,
            extra,
        };
        if let Some(path) = &self.args.results {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            writeln!(file, "{}", serde_json::to_string(&record)?)?;
            println!("appended to {}", path.display());
        }
        Ok(record)
    }
}

/// CPU seconds so far of each component. Each process counts with the
/// children it reaped, so exits between the two readings do not lose time.
fn cpu_by_component(args: &MeasureArgs) -> BTreeMap<String, f64> {
    let total = |pids: &[u32]| -> f64 {
        pids.iter()
            .filter_map(|p| read_stat(&stat_path(*p)))
            .map(|s| s.own + s.children)
            .sum()
    };
    let mut out = BTreeMap::new();
    let mut replicas = args.replica_pids.clone();
    for port in &args.replica_ports {
        replicas.extend(pids_listening(*port));
    }
    replicas.sort_unstable();
    replicas.dedup();
    if !replicas.is_empty() {
        out.insert("replicas".to_owned(), total(&replicas));
    }
    let postgres = pids_named("postgres");
    out.insert("postgres".to_owned(), total(&postgres));
    if let Some(db) = &args.pg_database {
        let needle = format!(" {db} ");
        let backends: Vec<u32> = postgres
            .into_iter()
            .filter(|p| cmdline(*p).contains(&needle))
            .collect();
        out.insert(format!("postgres ({db} backends)"), total(&backends));
    }
    out.insert("redis".to_owned(), total(&pids_named("redis-server")));
    // This process: the fake Bot API's threads (its own and actix-server's)
    // apart from the load generator's (tokio workers, the main thread).
    let (mut load, mut fake) = (0.0, 0.0);
    for t in own_threads() {
        if t.comm.starts_with("fake-telegram") || t.comm.starts_with("actix") {
            fake += t.own;
        } else {
            load += t.own;
        }
    }
    out.insert("load tool".to_owned(), load);
    if fake > 0.0 {
        out.insert("fake Bot API".to_owned(), fake);
    }
    out
}

/// `redis-benchmark` PUBLISH requests per second against `url`.
fn publish_baseline(url: &str) -> anyhow::Result<f64> {
    let hostport = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:6379");
    let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "6379"));
    let out = Command::new("redis-benchmark")
        .args(["-h", host, "-p", port, "--csv"])
        .args(["-n", &BASELINE_REQUESTS.to_string()])
        .args(["-c", &BASELINE_CLIENTS.to_string()])
        .args([
            "PUBLISH",
            "chathub-bench-channel",
            "a chat-sized payload of some forty bytes",
        ])
        .output()
        .context("cannot run redis-benchmark (apt-get install redis-tools)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    // CSV: a header line, then "name","rps",...
    text.lines()
        .rev()
        .filter_map(|l| l.split(',').nth(1))
        .find_map(|f| f.trim_matches('"').parse::<f64>().ok())
        .with_context(|| format!("no rate in redis-benchmark's output: {text}"))
}
