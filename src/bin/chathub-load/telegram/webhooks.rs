//! Posting updates to the replicas' webhooks, the replica chosen per
//! update.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use clap::ValueEnum;
use serde_json::json;

/// The webhook's secret header (Telegram's name for it).
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum Spread {
    /// Update k goes to replica k mod K.
    RoundRobin,
    /// Each update to a replica drawn at random.
    Random,
}

/// Posts each chat's updates to the replicas, numbering them as Telegram
/// does.
pub(super) struct Poster {
    pub(super) http: reqwest::Client,
    pub(super) webhooks: Vec<String>,
    pub(super) secret: String,
    pub(super) spread: Spread,
    pub(super) next_update: AtomicU64,
}

impl Poster {
    /// Posts `text` from `chat` as message `message_id`; fails unless 200.
    pub(super) async fn post(&self, chat: i64, message_id: i64, text: &str) -> anyhow::Result<()> {
        let update_id = self.next_update.fetch_add(1, Ordering::Relaxed);
        let k = match self.spread {
            Spread::RoundRobin => update_id as usize % self.webhooks.len(),
            Spread::Random => rand::random_range(0..self.webhooks.len()),
        };
        let update = json!({"update_id": update_id, "message": {
            "message_id": message_id, "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Load"},
            "from": {"id": chat, "is_bot": false, "first_name": "Load"},
            "text": text,
        }});
        let status = self
            .http
            .post(&self.webhooks[k])
            .header(SECRET_HEADER, &self.secret)
            .json(&update)
            .send()
            .await
            .with_context(|| format!("post to {}", self.webhooks[k]))?
            .status();
        if status != reqwest::StatusCode::OK {
            bail!("webhook {} answered {status}", self.webhooks[k]);
        }
        Ok(())
    }
}
