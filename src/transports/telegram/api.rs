//! Every outgoing Bot API call goes through here: it waits for the shared
//! budget, honours 429 `retry_after` by pausing every sender, retries
//! transient failures with backoff, and sorts the rest into what callers
//! act on (the person blocked the bot, or Telegram refused this call).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use teloxide::requests::{Output, Request};
use teloxide::{ApiError, Bot, RequestError};

use super::budget::{self, Budget};
use super::ids::TelegramChatId;
use super::methods::Called;

/// Attempts of one call that fails transiently (network, 5xx) before giving up.
const MAX_TRANSIENT_ATTEMPTS: u32 = 5;
/// First backoff after a transient failure; doubles per attempt.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// 429s in a row for one call before giving up on it (each one pauses everyone).
const MAX_RATE_LIMITED: u32 = 10;
/// A budget wait shorter than this is just the cost of asking (a Redis round
/// trip), not a wait worth counting.
const BUDGET_WAIT_THRESHOLD: Duration = Duration::from_millis(5);

/// Why a call did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// 403: the person blocked the bot, deleted their account, or never
    /// started it. Their room ends.
    #[error("the person cannot be reached (blocked, deactivated or not started)")]
    Blocked,
    /// Telegram refused this call for good (400: message to copy is gone,
    /// edit target too old, ...). The text is Telegram's description, which
    /// names no person.
    #[error("telegram refused the call: {0}")]
    Refused(String),
    /// An edit that changes nothing (a media swap keeping its caption):
    /// nothing to do, and nothing to tell anyone.
    #[error("the message is not modified")]
    Unchanged,
    /// Network or server trouble that outlasted the retries.
    #[error("telegram unreachable: {0}")]
    Unreachable(String),
    /// The caller's gate closed before the call went out: nothing was sent.
    #[error("no longer allowed to send")]
    Revoked,
}

/// When a person's sender may still call: while it holds their outbox
/// lease and, when it is draining, before its deadline. Checked while the
/// call waits for the budget and right before it goes out, never while it
/// is under way (a call cut off mid-flight may have been delivered and
/// would go unrecorded).
#[derive(Clone)]
pub struct Gate {
    held: watch::Receiver<bool>,
    until: Option<Instant>,
}

impl Gate {
    pub fn new(held: watch::Receiver<bool>) -> Self {
        Self { held, until: None }
    }

    /// Closes the gate at `until` as well.
    pub fn close_at(&mut self, until: Instant) {
        self.until = Some(until);
    }

    pub fn open(&self) -> bool {
        *self.held.borrow() && self.until.is_none_or(|u| Instant::now() < u)
    }

    /// Completes once the gate is closed.
    async fn closed(&self) {
        let mut held = self.held.clone();
        loop {
            if !*held.borrow_and_update() {
                return;
            }
            let deadline = async {
                match self.until {
                    Some(u) => tokio::time::sleep_until(u).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = held.changed() => if changed.is_err() { return },
                () = deadline => return,
            }
        }
    }
}

/// The Bot API client shared by every sender of this replica.
#[derive(Clone)]
pub struct TgApi {
    pub bot: Bot,
    budget: Arc<dyn Budget>,
}

impl TgApi {
    pub fn new(bot: Bot, budget: Arc<dyn Budget>) -> Self {
        Self { bot, budget }
    }

    /// Whether a chat action may go into `chat` now (one per `every`,
    /// shared by all replicas). An unreachable budget says no: a lost
    /// "typing..." is harmless.
    pub async fn claim_chat_action(&self, chat: TelegramChatId, every: Duration) -> bool {
        match self.budget.claim_chat_action(chat, every).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::debug!(error = %e, "chat action slot unknown; skipped");
                false
            }
        }
    }

    /// Sends `req` within the budget (of `chat` too, for calls that post
    /// into a chat), with the retries described above.
    pub async fn call<R>(
        &self,
        chat: Option<TelegramChatId>,
        req: R,
    ) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError>,
        R::Payload: Called,
    {
        self.call_gated(chat, req, None).await
    }

    /// As `call`, but only while `gate` is open (`Revoked` otherwise).
    pub async fn call_gated<R>(
        &self,
        chat: Option<TelegramChatId>,
        req: R,
        gate: Option<&Gate>,
    ) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError>,
        R::Payload: Called,
    {
        let mut transient = 0;
        let mut limited = 0;
        loop {
            let waiting = std::time::Instant::now();
            match gate {
                Some(gate) => {
                    tokio::select! {
                        biased;
                        () = gate.closed() => return Err(SendError::Revoked),
                        () = budget::take(&*self.budget, chat) => {}
                    }
                    if !gate.open() {
                        return Err(SendError::Revoked);
                    }
                }
                None => budget::take(&*self.budget, chat).await,
            }
            observe_budget_wait(waiting.elapsed());
            let started = std::time::Instant::now();
            let result = req.send_ref().await;
            observe_call(<R::Payload as Called>::METHOD, &result, started.elapsed());
            let err = match result {
                Ok(out) => return Ok(out),
                Err(e) => e,
            };
            match err {
                RequestError::RetryAfter(secs) => {
                    limited += 1;
                    let period = Duration::from_secs(u64::from(secs.seconds()).max(1));
                    tracing::warn!(retry_after = ?period, "telegram rate limit hit; pausing all senders");
                    if let Err(e) = self.budget.pause(period).await {
                        tracing::warn!(error = %e, "could not share the pause");
                        tokio::time::sleep(period).await;
                    }
                    if limited >= MAX_RATE_LIMITED {
                        return Err(SendError::Unreachable("rate limited repeatedly".into()));
                    }
                }
                RequestError::Api(api) if is_blocked(&api) => return Err(SendError::Blocked),
                RequestError::Api(ApiError::MessageNotModified) => {
                    return Err(SendError::Unchanged);
                }
                RequestError::Api(api) if is_final(&api) => {
                    return Err(SendError::Refused(api.to_string()));
                }
                RequestError::MigrateToChatId(_) => {
                    return Err(SendError::Refused("chat migrated".into()));
                }
                other => {
                    transient += 1;
                    let error = describe(&other);
                    if transient >= MAX_TRANSIENT_ATTEMPTS {
                        return Err(SendError::Unreachable(error));
                    }
                    let backoff = FIRST_BACKOFF * 2u32.saturating_pow(transient - 1);
                    tracing::debug!(attempt = transient, %error, "telegram call failed; retrying");
                    tokio::time::sleep(backoff).await;
                }
            }
        }
    }
}

/// Counts one attempt and its duration by outcome (ok, 429, 403, 4xx, 5xx,
/// network), for the dashboard and the 429-storm alert.
fn observe_call<T>(method: &'static str, result: &Result<T, RequestError>, took: Duration) {
    use crate::telemetry::metric::{TG_CALL_SECONDS, TG_CALLS};
    let outcome = match result {
        Ok(_) => "ok",
        Err(RequestError::RetryAfter(_)) => "429",
        Err(RequestError::Api(api)) if is_blocked(api) => "403",
        Err(RequestError::Api(api)) if is_final(api) => "4xx",
        Err(RequestError::MigrateToChatId(_)) => "4xx",
        Err(RequestError::Api(_)) => "5xx",
        Err(_) => "network",
    };
    metrics::counter!(TG_CALLS, "outcome" => outcome).increment(1);
    metrics::histogram!(TG_CALL_SECONDS, "method" => method, "outcome" => outcome)
        .record(took.as_secs_f64());
}

fn observe_budget_wait(waited: Duration) {
    use crate::telemetry::metric::{TG_BUDGET_WAIT_SECONDS, TG_BUDGET_WAITS};
    if waited >= BUDGET_WAIT_THRESHOLD {
        metrics::counter!(TG_BUDGET_WAITS).increment(1);
        metrics::histogram!(TG_BUDGET_WAIT_SECONDS).record(waited.as_secs_f64());
    }
}

/// A loggable description of a failed call. Never the raw response body
/// (`InvalidJson` carries it, and it can hold names and message text);
/// network errors already have the URL (with the token) stripped by teloxide.
pub fn describe(e: &RequestError) -> String {
    match e {
        RequestError::InvalidJson { .. } => "invalid JSON from the Bot API".into(),
        RequestError::RetryAfter(s) => format!("rate limited for {} s", s.seconds()),
        RequestError::MigrateToChatId(_) => "chat migrated".into(),
        RequestError::Api(api) => api.to_string(),
        RequestError::Network(net) => net.to_string(),
        RequestError::Io(io) => io.to_string(),
    }
}

/// Whether Telegram's refusal is final (a 4xx). teloxide knows only 4xx
/// descriptions by name; an unknown one is final only if it reads like a
/// 4xx, so a JSON 5xx ("Internal Server Error", "Bad Gateway") is retried.
fn is_final(e: &ApiError) -> bool {
    const CLIENT_ERRORS: [&str; 5] = [
        "Bad Request",
        "Forbidden",
        "Unauthorized",
        "Not Found",
        "Conflict",
    ];
    match e {
        ApiError::Unknown(text) => CLIENT_ERRORS.iter().any(|p| text.starts_with(p)),
        _ => true,
    }
}

/// 403s that mean the person is gone for this bot.
fn is_blocked(e: &ApiError) -> bool {
    match e {
        ApiError::BotBlocked
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::BotKicked
        | ApiError::CantTalkWithBots => true,
        ApiError::Unknown(text) => text.starts_with("Forbidden"),
        _ => false,
    }
}
