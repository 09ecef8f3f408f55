//! `chathub-load plot`: the results the runs appended (one JSON line each,
//! `--results`) as a Markdown table and an SVG chart: messages per second
//! and the service's CPU per message of the latest run of each label.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;
use plotters::prelude::*;

use crate::measure::{RunRecord, SERVICE};

#[derive(Args)]
pub struct PlotArgs {
    /// The results file the runs appended to.
    #[arg(long, default_value = "docs/bench/results.jsonl")]
    results: PathBuf,
    /// The table to write.
    #[arg(long, default_value = "docs/bench/results.md")]
    table: PathBuf,
    /// The chart to write.
    #[arg(long, default_value = "docs/bench/results.svg")]
    svg: PathBuf,
}

pub fn plot(args: PlotArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.results)
        .with_context(|| format!("cannot read {}", args.results.display()))?;
    let runs: Vec<RunRecord> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .context("a results line is not a run record")?;
    std::fs::write(&args.table, table(&runs))?;
    // The chart: the latest run of each label, in order of first appearance,
    // of the tools that count messages (`ws-idle` counts connections).
    let mut latest: Vec<&RunRecord> = Vec::new();
    for run in runs.iter().filter(|r| r.tool != "ws-idle") {
        match latest.iter_mut().find(|r| r.label == run.label) {
            Some(slot) => *slot = run,
            None => latest.push(run),
        }
    }
    chart(&latest, &args.svg).map_err(|e| anyhow!("cannot draw {}: {e}", args.svg.display()))?;
    println!("wrote {} and {}", args.table.display(), args.svg.display());
    Ok(())
}

fn table(runs: &[RunRecord]) -> String {
    let mut out = String::from(
        "| when (UTC) | run | messages¹ | msg/s¹ | p50 ms | p99 ms | service µs/msg | \
         replicas / postgres / redis µs | load tool s | PUBLISH/s | extra |\n\
         |---|---|---:|---:|---:|---:|---:|---|---:|---:|---|\n",
    );
    for r in runs {
        let n = r.summary.messages.max(1) as f64;
        let us = |c: &str| r.cpu_secs.get(c).copied().unwrap_or(0.0) * 1e6 / n;
        let split: Vec<String> = SERVICE.iter().map(|c| format!("{:.0}", us(c))).collect();
        let when = chrono::DateTime::from_timestamp(r.at as i64, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {when} | {} | {} | {:.0} | {:.1} | {:.1} | {:.0} | {} | {:.2} | {} | `{}` |",
            r.label,
            r.summary.messages,
            r.summary.rate,
            r.summary.p50_ms,
            r.summary.p99_ms,
            r.service_us_per_msg,
            split.join(" / "),
            r.cpu_secs.get("load tool").copied().unwrap_or(0.0),
            r.publish_rate.map_or("–".into(), |p| format!("{p:.0}")),
            r.extra
        );
    }
    out.push_str(
        "\n¹ For `ws-idle`: connections, and connections opened per second; its memory \
         per idle connection is `kib_per_connection` under extra.\n",
    );
    out
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn chart(runs: &[&RunRecord], path: &std::path::Path) -> DrawResult {
    let root = SVGBackend::new(path, (1000, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(500);
    let labels: Vec<String> = runs.iter().map(|r| r.label.clone()).collect();
    bars(
        &left,
        "messages per second",
        &labels,
        &runs.iter().map(|r| r.summary.rate).collect::<Vec<_>>(),
        &BLUE,
    )?;
    bars(
        &right,
        "service CPU per message (µs)",
        &labels,
        &runs
            .iter()
            .map(|r| r.service_us_per_msg)
            .collect::<Vec<_>>(),
        &RED,
    )?;
    root.present()?;
    Ok(())
}

fn bars(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    labels: &[String],
    values: &[f64],
    color: &RGBColor,
) -> DrawResult {
    let top = values.iter().copied().fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(60)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..labels.len() as f64, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        // Bars are named by the labels above them, not by x ticks.
        .x_labels(0)
        .draw()?;
    chart.draw_series(values.iter().enumerate().map(|(i, v)| {
        let x = i as f64;
        Rectangle::new([(x + 0.15, 0.0), (x + 0.85, *v)], color.filled())
    }))?;
    chart.draw_series(
        labels
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (label, v))| {
                let text = format!("{label}: {v:.0}");
                Text::new(text, (i as f64 + 0.15, v + top * 0.06), ("sans-serif", 12))
            }),
    )?;
    Ok(())
}
