//! The Telegram transport: updates arrive on the hub's own HTTP server
//! (`POST /telegram/webhook`, or one replica polling), each Telegram person
//! gets a ClientActor whose outbox is a paced sender, and every outgoing
//! call shares one budget across replicas.

mod api;
mod budget;
pub mod config;
mod ids;
mod incoming;
mod meta;
mod outbox;
mod relay;
mod sender;
mod sessions;
mod setup;
mod texts;
mod update;
mod webhook;

use std::sync::Arc;

use actix_web::web;
use anyhow::Context;
use teloxide::Bot;

use crate::actors::Deps;
use crate::config::Secret;
pub use api::{SendError, TgApi};
pub use budget::{Budget, BudgetError, LocalBudget, RedisBudget};
pub use config::{Rates, TelegramConfig, TelegramMode};
pub use ids::TelegramChatId;
pub use setup::{allowed_updates, setup};
pub use webhook::{MAX_UPDATE_BYTES, SECRET_HEADER};

pub struct TelegramTransport {
    api: TgApi,
    deps: Deps,
    sessions: sessions::Sessions,
    /// Expected webhook secret; `None` in polling mode (then every webhook
    /// call is refused).
    secret: Option<Secret>,
}

impl TelegramTransport {
    /// The transport of one replica: the budget is in Redis when `redis_url`
    /// is set, in this process otherwise.
    pub async fn build(
        cfg: &TelegramConfig,
        redis_url: Option<&Secret>,
        deps: Deps,
    ) -> anyhow::Result<Arc<Self>> {
        let budget: Arc<dyn Budget> = match redis_url {
            Some(url) => Arc::new(
                RedisBudget::connect(url.expose(), &cfg.redis_prefix, cfg.rates)
                    .await
                    .context("cannot reach Redis for the telegram budget")?,
            ),
            None => Arc::new(LocalBudget::new(cfg.rates)),
        };
        Ok(Arc::new(Self {
            api: TgApi::new(bot(cfg), budget),
            deps,
            sessions: sessions::Sessions::default(),
            secret: match cfg.mode {
                TelegramMode::Webhook => cfg.webhook_secret.clone(),
                TelegramMode::Polling => None,
            },
        }))
    }

    /// Telegram people with a live actor on this replica.
    pub fn live_people(&self) -> usize {
        self.sessions.count()
    }
}

/// The Bot API client for `cfg` (token and API URL).
pub fn bot(cfg: &TelegramConfig) -> Bot {
    Bot::new(cfg.token.expose()).set_api_url(cfg.api_url.clone())
}

/// Registers `POST /telegram/webhook` with its body limit.
pub fn routes(cfg: &mut web::ServiceConfig, tg: Arc<TelegramTransport>) {
    cfg.service(
        web::resource("/telegram/webhook")
            .app_data(web::Data::from(tg))
            .app_data(web::PayloadConfig::new(MAX_UPDATE_BYTES))
            .route(web::post().to(webhook::webhook)),
    );
}
