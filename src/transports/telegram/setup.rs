//! `chathub telegram setup`: the deployment's one-time Bot API set-up. It
//! sets the webhook (URL, secret, max connections, allowed updates) or, for
//! polling, removes it; and it sets the command menu, once per language.
//! Replicas never touch the webhook themselves.

use anyhow::Context;
use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::AllowedUpdate;
use url::Url;

use super::bot;
use crate::config::{TelegramConfig, TelegramMode};
use crate::i18n::UiLang;

/// The updates the hub handles; reactions and `my_chat_member` must be
/// listed explicitly or Telegram never sends them.
pub fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MessageReaction,
        AllowedUpdate::MyChatMember,
    ]
}

/// Runs the set-up. `url` overrides `TELEGRAM_WEBHOOK_URL`.
pub async fn setup(
    cfg: &TelegramConfig,
    url: Option<Url>,
    drop_pending: bool,
) -> anyhow::Result<()> {
    let bot = bot(cfg);
    match cfg.mode {
        TelegramMode::Webhook => {
            let url = url
                .or_else(|| cfg.webhook_url.clone())
                .context("give the public webhook URL: --url or TELEGRAM_WEBHOOK_URL")?;
            let secret = cfg
                .webhook_secret
                .as_ref()
                .context("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")?;
            let mut req = bot.set_webhook(url);
            let p = req.payload_mut();
            p.secret_token = Some(secret.expose().to_owned());
            p.max_connections = Some(cfg.max_connections);
            p.allowed_updates = Some(allowed_updates());
            p.drop_pending_updates = Some(drop_pending);
            req.await.context("setWebhook failed")?;
            tracing::info!(max_connections = cfg.max_connections, "webhook set");
        }
        TelegramMode::Polling => {
            let mut req = bot.delete_webhook();
            req.payload_mut().drop_pending_updates = Some(drop_pending);
            req.await.context("deleteWebhook failed")?;
            tracing::info!("webhook removed for polling mode");
        }
    }
    // The default menu is English; each other language gets its own,
    // shown to people whose Telegram app is in that language.
    for lang in UiLang::ALL {
        let mut req = bot.set_my_commands(super::commands::TgCommand::menu(lang));
        if lang != UiLang::En {
            req.payload_mut().language_code = Some(lang.code().to_owned());
        }
        req.await
            .with_context(|| format!("setMyCommands ({lang}) failed"))?;
    }
    tracing::info!("command menus set");
    Ok(())
}
