//! `chathub-load`: load tools for chathub, not tests. Each subcommand drives
//! one part of the system and prints throughput and latency.

mod relay;
mod stats;
mod store;

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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot build the tokio runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Cmd::Store(args) => store::store_load(args).await,
            Cmd::Relay(args) => relay::relay_load(args).await,
        }
    })
}
