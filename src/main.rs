//! The `chathub` binary: parse the command line, run the replica.

use std::process::ExitCode;

use chathub::config::{self, LogFormat, Settings};
use chathub::{Application, Config, healthcheck, telemetry};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Faster than glibc's malloc for the many small buffers each relayed
/// message allocates, and it gives memory back after connections close
/// (README, Benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Configuration comes from the environment (every variable is listed
/// below with its default; each is also a flag).
#[derive(Parser)]
#[command(name = "chathub", version, about = "Anonymous chat-roulette hub")]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the hub (the default).
    Serve,
    /// Apply pending database migrations (DATABASE_URL) and exit.
    Migrate,
    /// Ask the replica listening on CHATHUB_LISTEN for /healthz (or /readyz)
    /// and exit 0 if it answers 200 (for container health checks).
    Healthcheck {
        /// Check readiness (store and bus reachable) instead of liveness.
        #[arg(long)]
        ready: bool,
    },
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

fn main() -> ExitCode {
    let matches = config::blank_env_is_unset(Cli::command()).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(Cmd::Healthcheck { ready }) = cli.command {
        return healthcheck(&cli.settings.listen, ready);
    }
    // Logging first, so even a configuration error comes out in the asked
    // format (an unknown format falls back to human and is reported below).
    let format = LogFormat::parse(&cli.settings.log_format).unwrap_or(LogFormat::Human);
    telemetry::init_with_filter(format, &cli.settings.log_filter);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "chathub failed");
            ExitCode::FAILURE
        }
    }
}

/// `chathub healthcheck`: no runtime, no logging, just the exit code (and a
/// line on stderr saying why it failed).
fn healthcheck(listen: &str, ready: bool) -> ExitCode {
    let Ok(listen) = listen.parse() else {
        eprintln!("CHATHUB_LISTEN must be host:port");
        return ExitCode::FAILURE;
    };
    let path = if ready { "/readyz" } else { "/healthz" };
    match healthcheck::check(healthcheck::target(listen), path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unhealthy: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_settings(cli.settings)?;
    // Actors need the actix System; redis, diesel-async and teloxide I/O want
    // a multi-threaded tokio runtime underneath it.
    let threads = config.runtime_threads;
    let system = actix_rt::System::with_tokio_rt(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
            // Without a runtime nothing can run; failing at start is the only option.
            .unwrap_or_else(|e| panic!("cannot build the tokio runtime: {e}"))
    });
    system.block_on(async move {
        match cli.command.unwrap_or(Cmd::Serve) {
            Cmd::Serve => Application::build(config).await?.run_until_stopped().await,
            Cmd::Migrate => chathub::startup::migrate(&config).await,
            // Answered before the runtime is built.
            Cmd::Healthcheck { .. } => Ok(()),
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
