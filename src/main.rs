//! The `chathub` binary: parse the command line, run the replica.

use chathub::{Application, Config, telemetry};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chathub", version, about = "Anonymous chat-roulette hub")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the hub (the default).
    Serve,
    /// Apply pending database migrations (DATABASE_URL) and exit.
    Migrate,
    /// Telegram administration.
    Telegram {
        #[command(subcommand)]
        cmd: TelegramCmd,
    },
}

#[derive(Subcommand)]
enum TelegramCmd {
    /// Set the webhook (or remove it for polling) and the command menu, once
    /// per deployment.
    Setup {
        /// Public webhook URL; defaults to TELEGRAM_WEBHOOK_URL.
        #[arg(long)]
        url: Option<url::Url>,
        /// Drop updates Telegram queued while no webhook was reachable.
        #[arg(long)]
        drop_pending_updates: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    // Actors need the actix System; redis, diesel-async and teloxide I/O want
    // a multi-threaded tokio runtime underneath it.
    let system = actix_rt::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            // Without a runtime nothing can run; failing at start is the only option.
            .unwrap_or_else(|e| panic!("cannot build the tokio runtime: {e}"))
    });
    system.block_on(async move {
        match cli.command.unwrap_or(Cmd::Serve) {
            Cmd::Serve => Application::build(config).await?.run_until_stopped().await,
            Cmd::Migrate => chathub::startup::migrate(&config).await,
            Cmd::Telegram {
                cmd:
                    TelegramCmd::Setup {
                        url,
                        drop_pending_updates,
                    },
            } => {
                let tg = config
                    .telegram
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("TELEGRAM_BOT_TOKEN is not set"))?;
                chathub::transports::telegram::setup(tg, url, drop_pending_updates).await
            }
        }
    })
}
