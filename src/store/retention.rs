//! The retention task: purges expired message content periodically, on
//! every replica (the purge is idempotent and works in small chunks, so
//! replicas running it at the same time only repeat cheap no-ops).

use std::sync::Arc;
use std::time::Duration;

use super::Privacy;

/// How often the purge runs. Retention is counted in days; an hour of slack
/// is well inside it.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Starts the periodic purge of content older than `keep`; the first run is
/// right away. Abort the handle to stop it.
pub fn spawn_retention(store: Arc<dyn Privacy>, keep: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok(keep) = chrono::Duration::from_std(keep) else {
                tracing::warn!("retention period out of range; purge disabled");
                return;
            };
            let cutoff = chrono::Utc::now() - keep;
            match store.purge_expired(cutoff).await {
                Ok(purged) => tracing::info!(purged, "expired message content purged"),
                // Postgres may be down; the next tick tries again.
                Err(e) => tracing::warn!(error = %e, "retention purge failed"),
            }
        }
    })
}
