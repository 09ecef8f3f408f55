//! The declaration of the `TELEGRAM_*` variables, flattened into
//! [`Settings`](super::Settings) where they always stood in the help; they
//! are checked in [`TelegramConfig::from_settings`](crate::config::TelegramConfig::from_settings).

use clap::Args;

use crate::config::Secret;

/// The Telegram transport's variables (README's configuration table).
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Configuration (environment variables)")]
pub struct TelegramVars {
    /// Bot token; unset = Telegram off.
    #[arg(
        long,
        env = "TELEGRAM_BOT_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub telegram_bot_token: Option<Secret>,

    /// Bot API base URL.
    #[arg(
        long,
        env = "TELEGRAM_API_URL",
        default_value = "https://api.telegram.org",
        global = true
    )]
    pub telegram_api_url: String,

    /// `webhook` or `polling`.
    #[arg(long, env = "TELEGRAM_MODE", default_value = "webhook", global = true)]
    pub telegram_mode: String,

    /// Expected X-Telegram-Bot-Api-Secret-Token (1-256 of A-Za-z0-9_-);
    /// required in webhook mode.
    #[arg(
        long,
        env = "TELEGRAM_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub telegram_webhook_secret: Option<Secret>,

    /// Public webhook URL used by `chathub telegram setup`.
    #[arg(long, env = "TELEGRAM_WEBHOOK_URL", global = true)]
    pub telegram_webhook_url: Option<String>,

    /// Telegram's concurrent webhook connections (1-100), for setup.
    #[arg(
        long,
        env = "TELEGRAM_WEBHOOK_MAX_CONNECTIONS",
        default_value = "40",
        global = true
    )]
    pub telegram_webhook_max_connections: String,

    /// Outgoing Bot API calls of all replicas together in any one-second
    /// window (a sliding window, no burst on top).
    #[arg(
        long,
        env = "TELEGRAM_RATE_PER_SEC",
        default_value = "30",
        global = true
    )]
    pub telegram_rate_per_sec: String,

    /// No longer read: refused at start-up, since TELEGRAM_RATE_PER_SEC caps
    /// every one-second window.
    #[arg(long, env = "TELEGRAM_RATE_BURST", global = true)]
    pub telegram_rate_burst: Option<String>,

    /// Messages per second into one chat.
    #[arg(
        long,
        env = "TELEGRAM_CHAT_RATE_PER_SEC",
        default_value = "1",
        global = true
    )]
    pub telegram_chat_rate_per_sec: String,

    /// Burst of messages into one chat.
    #[arg(long, env = "TELEGRAM_CHAT_BURST", default_value = "3", global = true)]
    pub telegram_chat_burst: String,

    /// Prefix of the shared budget, pause, outbox and polling lease keys.
    #[arg(
        long,
        env = "TELEGRAM_REDIS_PREFIX",
        default_value = "chathub:tg",
        global = true
    )]
    pub telegram_redis_prefix: String,

    /// A Telegram person neither searching nor chatting is let go after
    /// this many seconds.
    #[arg(long, env = "TELEGRAM_IDLE_SECS", default_value = "600", global = true)]
    pub telegram_idle_secs: String,

    /// Chat (usually a group, negative id) that gets each new complaint
    /// with buttons to ban or dismiss; unset = no such posts.
    #[arg(long, env = "TELEGRAM_MODERATOR_CHAT_ID", global = true)]
    pub telegram_moderator_chat_id: Option<String>,
}
