//! The Telegram transport: updates arrive on the hub's own HTTP server
//! (`POST /telegram/webhook`, or one replica polling), each Telegram person
//! gets a ClientActor whose outbox is a paced sender, and every outgoing
//! call shares one budget across replicas.
//!
//! Flow of one update: `webhook` (secret, size, parse) → `update` (dedup by
//! `tg:<update_id>`, commands, relayable kinds) → the person's ClientActor
//! (stored with a per-room seq, rung on the bus) → the partner's actor →
//! its outbox → `sender` / `ordering` / `relay` (copyMessage, spoiler
//! resends, albums, edits, reactions, replies) through `api` (budget, 429
//! pause, retries, 403). The webhook answers 2xx only after the message is
//! stored and the update recorded as processed.
//!
//! Operating it: set `TELEGRAM_BOT_TOKEN`, `TELEGRAM_WEBHOOK_SECRET` and run
//! `chathub telegram setup --url https://.../telegram/webhook` once per
//! deployment; replicas never set or delete the webhook. For a small
//! deployment, `TELEGRAM_MODE=polling` (setup then removes the webhook) and
//! one replica polls under a lease. Budgets: `TELEGRAM_RATE_PER_SEC`,
//! `TELEGRAM_CHAT_RATE_PER_SEC`, `TELEGRAM_CHAT_BURST`
//! (in Redis under `TELEGRAM_REDIS_PREFIX` when `REDIS_URL` is set).
//!
//! A person's actor lives on the replica that got their last update. A
//! replica shutting down marks the people it spoke for who search or chat
//! as orphans in the store; another replica (or this one after a restart)
//! adopts them within seconds. A replica that crashes marks nobody itself:
//! presence notices its heartbeat is gone and starts the grace period of
//! the people it held; when that runs out, the Hub asks its keepers, and
//! [`TelegramKeeper`] puts a Telegram person (who has no connection to
//! lose) on the orphan list instead of letting the room end, and another replica adopts them and delivers what they
//! missed, once and in order (`tests/it/telegram_processes.rs`).

mod activity;
mod api;
mod budget;
mod changes;
mod commands;
mod handover;
mod ids;
mod incoming;
mod language;
mod lease;
mod maintenance;
mod methods;
mod moderators;
mod ordering;
mod outbox;
mod polling;
mod relay;
mod sender;
mod sessions;
mod settings;
mod setup;
mod texts;
mod typing;
mod update;
mod webhook;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use teloxide::Bot;
use tokio::sync::{mpsc, watch};

use crate::actors::Deps;
use crate::actors::moderation::NewComplaint;
use crate::config::Secret;
pub use crate::config::{Rates, TelegramConfig, TelegramMode};
pub use api::{SendError, TgApi};
pub use budget::{Budget, LocalBudget, RedisBudget};
pub use ids::TelegramChatId;
pub use lease::{LEASE_TTL, Lease, LocalLease, RedisLease};
pub use maintenance::TelegramKeeper;
pub use methods::called_methods;
pub use moderators::COMPLAINT_FEED_CAPACITY;
pub use setup::{allowed_updates, setup};
pub use webhook::{MAX_UPDATE_BYTES, SECRET_HEADER};

pub struct TelegramTransport {
    api: TgApi,
    deps: Deps,
    sessions: sessions::Sessions,
    /// Expected webhook secret; `None` in polling mode (then every webhook
    /// call is refused).
    secret: Option<Secret>,
    /// The polling lease; `Some` in polling mode only.
    lease: Option<Arc<dyn Lease>>,
    /// Turned true at shutdown; the poller stops and releases its lease.
    stop: watch::Sender<bool>,
    /// The poller, awaited at shutdown. Set once by `start`.
    poller: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// `TELEGRAM_IDLE_SECS`.
    idle_after: Duration,
    /// `TELEGRAM_MODERATOR_CHAT_ID`.
    moderator_chat: Option<i64>,
    /// Complaints filed on this replica, to post there; taken by `start`.
    complaints: Mutex<Option<mpsc::Receiver<NewComplaint>>>,
}

/// How long shutdown waits for the poller to hand its lease back.
const POLLER_STOP_LIMIT: Duration = Duration::from_secs(3);
/// How long shutdown waits for the senders (each drains for at most 5 s).
const SENDERS_STOP_LIMIT: Duration = Duration::from_secs(7);

impl TelegramTransport {
    /// The transport of one replica: the budget is in Redis when `redis_url`
    /// is set, in this process otherwise. `complaints` feeds the posts to
    /// the moderators' chat (`Some` when one is configured).
    pub async fn build(
        cfg: &TelegramConfig,
        redis_url: Option<&Secret>,
        instance_id: &str,
        deps: Deps,
        complaints: Option<mpsc::Receiver<NewComplaint>>,
    ) -> anyhow::Result<Arc<Self>> {
        let budget: Arc<dyn Budget> = match redis_url {
            Some(url) => Arc::new(
                RedisBudget::connect(url.expose(), &cfg.redis_prefix, cfg.rates)
                    .await
                    .context("cannot reach Redis for the telegram budget")?,
            ),
            None => Arc::new(LocalBudget::new(cfg.rates)),
        };
        let leases: Arc<dyn handover::OutboxLeases> = match redis_url {
            Some(url) => Arc::new(
                handover::RedisOutboxLeases::connect(url.expose(), &cfg.redis_prefix)
                    .await
                    .context("cannot reach Redis for the telegram outbox leases")?,
            ),
            None => Arc::new(handover::LocalOutboxLeases::default()),
        };
        let lease: Option<Arc<dyn Lease>> = match (cfg.mode, redis_url) {
            (TelegramMode::Webhook, _) => None,
            (TelegramMode::Polling, None) => Some(Arc::new(LocalLease)),
            (TelegramMode::Polling, Some(url)) => Some(Arc::new(
                RedisLease::connect(url.expose(), &cfg.redis_prefix, instance_id)
                    .await
                    .context("cannot reach Redis for the telegram polling lease")?,
            )),
        };
        Ok(Arc::new(Self {
            api: TgApi::new(bot(cfg), budget),
            deps,
            sessions: sessions::Sessions::new(leases),
            secret: match cfg.mode {
                TelegramMode::Webhook => cfg.webhook_secret.clone(),
                TelegramMode::Polling => None,
            },
            lease,
            stop: watch::channel(false).0,
            poller: Mutex::new(None),
            idle_after: cfg.idle_after,
            moderator_chat: cfg.moderator_chat,
            complaints: Mutex::new(complaints),
        }))
    }

    /// Starts the sweep of idle people, the adoption of people whose
    /// replica stopped, the posts to the moderators' chat and, in polling
    /// mode, the poller (which waits for the lease).
    pub fn start(self: &Arc<Self>) {
        maintenance::spawn_sweep(self.clone(), self.stop.subscribe());
        maintenance::spawn_adoption(self.clone(), self.stop.subscribe());
        let feed = self.complaints.lock().ok().and_then(|mut f| f.take());
        if let (Some(chat), Some(feed)) = (self.moderator_chat, feed) {
            let (tg, stop) = (self.clone(), self.stop.subscribe());
            actix::spawn(async move { tg.post_complaints(chat, feed, stop).await });
        }
        let Some(lease) = self.lease.clone() else {
            return;
        };
        // On this arbiter: handling an update starts actors, which need one.
        let task = actix::spawn(polling::run(self.clone(), lease, self.stop.subscribe()));
        if let Ok(mut poller) = self.poller.lock() {
            *poller = Some(task);
        }
    }

    /// Stops polling (handing the lease back) and leaves the people this
    /// replica speaks for to another one (graceful shutdown).
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        maintenance::orphan_busy_people(self).await;
        let task = self.poller.lock().ok().and_then(|mut p| p.take());
        if let Some(task) = task
            && tokio::time::timeout(POLLER_STOP_LIMIT, task).await.is_err()
        {
            tracing::warn!("telegram poller did not stop in time");
        }
    }

    /// Waits (within `SENDERS_STOP_LIMIT`) for the senders, which the Hub
    /// closed, to deliver what they hold and record it: a replica that
    /// exited in the middle of a call would leave it unrecorded, and the
    /// next owner would send it again.
    pub async fn senders_stopped(&self) {
        if tokio::time::timeout(SENDERS_STOP_LIMIT, self.sessions.senders_done())
            .await
            .is_err()
        {
            tracing::warn!("telegram senders did not finish in time");
        }
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
            .route(web::post().to(webhook::webhook)),
    );
}
