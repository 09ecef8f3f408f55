//! The one way this service opens Redis: every command connection (bus,
//! queue, presence, the Telegram budget, polling lease and outbox leases)
//! comes from [`command_connection`], so each has the same connect and
//! response timeouts and reconnects the same way. Without them a call on a
//! half-open TCP connection would wait for the kernel (minutes), holding a
//! person's command or a sender's budget wait.

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, IntoConnectionInfo, ProtocolVersion};

use super::{
    COMMAND_TIMEOUT, CONNECT_TIMEOUT, RECONNECT_MAX_DELAY, RECONNECT_MIN_DELAY, STARTUP_TIMEOUT,
};

/// Background reconnect attempts of a command connection per failure; a
/// later command starts a new round, so this only bounds one round.
const COMMAND_RECONNECT_RETRIES: usize = 5;

/// A client for `url` (`REDIS_URL`; may hold a password: never logged).
/// RESP3, which the subscription connection needs for push messages; the
/// command connections use the same protocol so one client serves both.
pub fn client(url: &str) -> anyhow::Result<Client> {
    let info = url
        .into_connection_info()
        .context("REDIS_URL is not a valid Redis URL")?;
    let resp3 = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    Client::open(info.set_redis_settings(resp3)).context("Redis client")
}

/// A multiplexed, self-reconnecting command connection: connecting is
/// bounded by `CONNECT_TIMEOUT`, every reply by `COMMAND_TIMEOUT`, and the
/// first connection by `STARTUP_TIMEOUT` (start-up fails rather than hangs).
pub async fn commands(client: Client) -> anyhow::Result<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT))
        .set_min_delay(RECONNECT_MIN_DELAY)
        .set_max_delay(RECONNECT_MAX_DELAY)
        .set_number_of_retries(COMMAND_RECONNECT_RETRIES);
    tokio::time::timeout(
        STARTUP_TIMEOUT,
        ConnectionManager::new_with_config(client, config),
    )
    .await
    .context("Redis did not answer in time")?
    .context("cannot connect to Redis")
}

/// [`client`] then [`commands`]: a command connection to `url`.
pub async fn command_connection(url: &str) -> anyhow::Result<ConnectionManager> {
    commands(client(url)?).await
}
