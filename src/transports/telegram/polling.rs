//! `TELEGRAM_MODE=polling`: the replica holding the lease long-polls
//! `getUpdates` and hands each update to the same handler as the webhook,
//! one at a time and in order; the offset moves past an update only once
//! it is handled and recorded (else it is retried), so nothing is skipped.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::Requester;
use teloxide::requests::{HasPayload, Request};
use tokio::sync::watch;

use super::TelegramTransport;
use super::api::describe;
use super::lease::Lease;
use super::setup::allowed_updates;

/// Long-poll timeout; below teloxide's 17 s client timeout.
const POLL_TIMEOUT_SECS: u32 = 10;
/// How often a replica without the lease tries to take it.
const FOLLOWER_RETRY: Duration = Duration::from_secs(2);
/// Pause after a failed poll (network, 409 while a webhook is still set).
const POLL_ERROR_PAUSE: Duration = Duration::from_secs(2);
/// Pause before handling an update again that could not be recorded.
const HANDLE_RETRY: Duration = Duration::from_millis(500);

/// Polls until `stop` turns true; releases the lease on the way out.
pub async fn run(
    tg: Arc<TelegramTransport>,
    lease: Arc<dyn Lease>,
    mut stop: watch::Receiver<bool>,
) {
    let mut offset: i32 = 0;
    let mut leading = false;
    while !*stop.borrow() {
        match lease.acquire_or_renew().await {
            Ok(true) => {
                if !leading {
                    tracing::info!("telegram polling lease taken; polling");
                    leading = true;
                }
            }
            Ok(false) | Err(_) => {
                if leading {
                    tracing::warn!("telegram polling lease lost; stopping polls");
                    leading = false;
                }
                if sleep_or_stop(FOLLOWER_RETRY, &mut stop).await {
                    break;
                }
                continue;
            }
        }
        let mut req = tg.api.bot.get_updates();
        let p = req.payload_mut();
        (p.offset, p.timeout, p.allowed_updates) = (
            Some(offset),
            Some(POLL_TIMEOUT_SECS),
            Some(allowed_updates()),
        );
        let updates = tokio::select! {
            res = req.send_ref() => res,
            _ = stop.changed() => break,
        };
        let updates = match updates {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %describe(&e), "getUpdates failed");
                if sleep_or_stop(POLL_ERROR_PAUSE, &mut stop).await {
                    break;
                }
                continue;
            }
        };
        'batch: for update in updates {
            let next = i32::try_from(update.id.0)
                .unwrap_or(i32::MAX)
                .saturating_add(1);
            while tg.handle_update(update.clone()).await.is_err() {
                if sleep_or_stop(HANDLE_RETRY, &mut stop).await {
                    // Not confirmed: the next poller gets it again.
                    break 'batch;
                }
            }
            offset = next;
        }
    }
    if leading && let Err(e) = lease.release().await {
        tracing::warn!(error = %e, "telegram polling lease not released");
    }
}

/// Sleeps; true if `stop` turned true meanwhile.
async fn sleep_or_stop(period: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(period) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}
