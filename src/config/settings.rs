//! The declaration of every environment variable the service reads: its
//! flag, its default and its help line (`chathub --help` prints them all).
//!
//! Values are kept as text here and checked in [`super::Config::from_settings`],
//! so a bad value is reported through the log (JSON when asked for) with the
//! variable named, instead of by clap before logging exists. Secrets are
//! [`Secret`]s: `Debug` never prints them and `--help` hides their values.

use clap::Args;

use super::Secret;
pub use telegram::TelegramVars;

mod telegram;

/// Every variable of the README's configuration table (a test keeps the two
/// equal). Each is also a long flag; the environment is the usual way.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Configuration (environment variables)")]
pub struct Settings {
    /// HTTP listen address (host:port; port 0 picks a free port).
    #[arg(
        long,
        env = "CHATHUB_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,

    /// A second listener serving only /metrics and /admin/*; when set, the
    /// public listener answers 404 to both. Unset = both on CHATHUB_LISTEN.
    #[arg(long, env = "CHATHUB_ADMIN_LISTEN", global = true)]
    pub admin_listen: Option<String>,

    /// How long start-up (and `chathub migrate`) retries an unreachable
    /// PostgreSQL or Redis, in seconds, before exiting.
    #[arg(
        long,
        env = "CHATHUB_STARTUP_WAIT_SECS",
        default_value = "60",
        global = true
    )]
    pub startup_wait_secs: String,

    /// PostgreSQL URL; unset = in-memory store.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<Secret>,

    /// Redis URL; unset = in-process bus.
    #[arg(long, env = "REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<Secret>,

    /// Replica name in logs and leases; unset = hostname + pid.
    #[arg(long, env = "CHATHUB_INSTANCE_ID", global = true)]
    pub instance_id: Option<String>,

    /// Every `TELEGRAM_*` variable, in this place of the help.
    #[command(flatten)]
    pub telegram: TelegramVars,

    /// Bearer token for /admin/*; unset = admin API off.
    #[arg(
        long,
        env = "CHATHUB_ADMIN_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub admin_token: Option<Secret>,

    /// `human` or `json` (JSON from the first line, start-up errors included).
    #[arg(
        long,
        env = "CHATHUB_LOG_FORMAT",
        default_value = "human",
        global = true
    )]
    pub log_format: String,

    /// Tracing filter (e.g. `info,chathub=debug`).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log_filter: String,

    /// Commands per second per person.
    #[arg(
        long,
        env = "CHATHUB_FLOOD_PER_SEC",
        default_value = "5",
        global = true
    )]
    pub flood_per_sec: String,

    /// Burst of commands per person.
    #[arg(long, env = "CHATHUB_FLOOD_BURST", default_value = "20", global = true)]
    pub flood_burst: String,

    /// How long a room waits for someone who disconnected, in seconds.
    #[arg(
        long,
        env = "CHATHUB_RESUME_GRACE_SECS",
        default_value = "60",
        global = true
    )]
    pub resume_grace_secs: String,

    /// Bound on graceful shutdown, in seconds.
    #[arg(
        long,
        env = "CHATHUB_SHUTDOWN_SECS",
        default_value = "10",
        global = true
    )]
    pub shutdown_secs: String,

    /// Comma list of page origins (https://chat.example) allowed to open
    /// /ws; others get 403. Unset = the request's own host name.
    #[arg(long, env = "CHATHUB_ALLOWED_ORIGINS", global = true)]
    pub allowed_origins: Option<String>,

    /// Open WebSockets per replica; past it a handshake gets 503 with
    /// Retry-After.
    #[arg(
        long,
        env = "CHATHUB_MAX_CONNECTIONS",
        default_value = "10000",
        global = true
    )]
    pub max_connections: String,

    /// Open WebSockets per client address on one replica; past it a
    /// handshake gets 429.
    #[arg(
        long,
        env = "CHATHUB_MAX_CONNECTIONS_PER_ADDRESS",
        default_value = "20",
        global = true
    )]
    pub max_connections_per_address: String,

    /// Searches (search or next) per client address per minute on one
    /// replica; past it the search is refused with too_many_searches.
    #[arg(
        long,
        env = "CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN",
        default_value = "60",
        global = true
    )]
    pub searches_per_address_per_min: String,

    /// Comma list of proxy addresses or CIDR ranges (10.0.0.0/8) whose
    /// X-Forwarded-For names the client. Unset = the TCP peer is the client.
    #[arg(long, env = "CHATHUB_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,

    /// Prefix of every Redis key and channel (non-empty, no spaces).
    #[arg(
        long,
        env = "CHATHUB_REDIS_PREFIX",
        default_value = "chathub:",
        global = true
    )]
    pub redis_prefix: String,

    /// PostgreSQL connections per replica for everything but storing
    /// messages (reads, rooms, moderation).
    #[arg(
        long,
        env = "CHATHUB_DB_POOL_SIZE",
        default_value = "16",
        global = true
    )]
    pub db_pool_size: String,

    /// Message writers per replica, each with a PostgreSQL connection of its
    /// own; a writer stores whatever queued up while its last statement ran
    /// in one statement (fewer writers, bigger batches, less CPU).
    #[arg(long, env = "CHATHUB_DB_WRITERS", default_value = "1", global = true)]
    pub db_writers: String,

    /// Threads serving HTTP and WebSocket connections (each runs its
    /// connections' actors). Unset = one per CPU this process may use.
    #[arg(long, env = "CHATHUB_HTTP_WORKERS", global = true)]
    pub http_workers: Option<String>,

    /// Threads of the runtime under the message writers, the Redis
    /// connections, the bus router and the Bot API client. Unset = one per
    /// CPU this process may use.
    #[arg(long, env = "CHATHUB_RUNTIME_THREADS", global = true)]
    pub runtime_threads: Option<String>,

    /// Message text and media ids are purged after this many days (kept
    /// while a complaint about the room is open).
    #[arg(
        long,
        env = "CHATHUB_RETENTION_DAYS",
        default_value = "30",
        global = true
    )]
    pub retention_days: String,

    /// Close a WebSocket silent (no frame, no pong) this many seconds.
    #[arg(
        long,
        env = "CHATHUB_WS_IDLE_SECS",
        default_value = "30",
        global = true
    )]
    pub ws_idle_secs: String,

    /// Weighted distinct reporters that ban a person automatically.
    #[arg(
        long,
        env = "CHATHUB_AUTOBAN_REPORTS",
        default_value = "3",
        global = true
    )]
    pub autoban_reports: String,

    /// Only reports this recent (seconds) count.
    #[arg(
        long,
        env = "CHATHUB_AUTOBAN_WINDOW_SECS",
        default_value = "86400",
        global = true
    )]
    pub autoban_window_secs: String,

    /// Length of the 1st, 2nd, ... automatic ban in seconds, `permanent`
    /// last (the last step repeats).
    #[arg(
        long,
        env = "CHATHUB_AUTOBAN_STEPS",
        default_value = "3600,86400,604800,permanent",
        global = true
    )]
    pub autoban_steps: String,

    /// A room in which nobody wrote for this many seconds ends (both are
    /// told, reason idle).
    #[arg(
        long,
        env = "CHATHUB_ROOM_IDLE_SECS",
        default_value = "900",
        global = true
    )]
    pub room_idle_secs: String,

    /// A search unanswered for this many seconds stops, with a notice.
    #[arg(
        long,
        env = "CHATHUB_SEARCH_MAX_SECS",
        default_value = "600",
        global = true
    )]
    pub search_max_secs: String,
    /// After each this many seconds of waiting, one more of a searcher's
    /// preferences is relaxed (shared interest, age, gender, language).
    #[arg(long, env = "CHATHUB_RELAX_SECS", default_value = "30", global = true)]
    pub relax_secs: String,

    /// Two people who chatted are not paired again within this many
    /// seconds (0 = no cooldown).
    #[arg(
        long,
        env = "CHATHUB_REMATCH_COOLDOWN_SECS",
        default_value = "3600",
        global = true
    )]
    pub rematch_cooldown_secs: String,

    /// People whose reputation (ratings up minus down) is below this are
    /// paired among themselves first.
    #[arg(
        long,
        env = "CHATHUB_REPUTATION_FLOOR",
        default_value = "-3",
        allow_hyphen_values = true,
        global = true
    )]
    pub reputation_floor: String,
}
