//! `chathub-load`: load tools for chathub, not tests. Each subcommand drives
//! one part of the system and prints throughput, latency and the CPU each
//! component spent (see `measure`); `plot` turns the appended results into
//! a table and a chart.

mod fake_telegram;
mod measure;
mod pairing;
mod plot;
mod procfs;
mod relay;
mod stats;
mod store;
mod telegram;
mod ws_client;
mod ws_idle;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chathub-load", about = "Load tools for chathub")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Messages stored per second by the Postgres store.
    Store(store::StoreArgs),
    /// Messages relayed per second between WebSocket clients of two replicas.
    Relay(relay::RelayArgs),
    /// Telegram texts relayed per second through replicas' webhooks to a
    /// fake Bot API run by this tool.
    Telegram(telegram::TelegramArgs),
    /// Resident memory per idle WebSocket connection of one replica.
    WsIdle(ws_idle::WsIdleArgs),
    /// Pairings per second through the shared Redis queue, preferences on.
    Pairing(pairing::PairingArgs),
    /// The appended results as a Markdown table and an SVG chart.
    Plot(plot::PlotArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Cmd::Plot(args) = cli.command {
        return plot::plot(args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Cmd::Store(args) => store::store_load(args).await,
            Cmd::Relay(args) => relay::relay_load(args).await,
            Cmd::Telegram(args) => telegram::telegram_load(args).await,
            Cmd::WsIdle(args) => ws_idle::ws_idle(args).await,
            Cmd::Pairing(args) => pairing::pairing_load(args).await,
            Cmd::Plot(args) => plot::plot(args),
        }
    })
}
