//! Running a built replica until it is told to stop, then shutting down
//! gracefully.

use std::future::Future;

use anyhow::Context;

use super::Application;
use crate::actors::hub::CloseAll;

impl Application {
    /// Runs until SIGTERM or Ctrl-C, then shuts down gracefully.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs until `stop` resolves (or the server fails), then shuts down
    /// gracefully: stop accepting, tell every client to reconnect elsewhere,
    /// let in-flight work finish.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let handle = self.server.handle();
        // Dropped with the application (also on early return): no purge
        // outlives the replica.
        let _retention = self.retention.map(AbortOnDrop);
        let _idle_sweep = AbortOnDrop(self.idle_sweep);
        let mut server = tokio::spawn(self.server);
        let admin_handle = self.admin.as_ref().map(|(_, s)| s.handle());
        let mut admin_task = self.admin.map(|(_, s)| tokio::spawn(s));
        // The operator listener ends only when stopped or failed: either way
        // the replica must not go on without it.
        let admin_ended = async {
            match admin_task.as_mut() {
                Some(task) => {
                    let _ = task.await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            res = &mut server => return Ok(res.context("server task failed")??),
            () = admin_ended => anyhow::bail!("the admin listener stopped"),
            () = stop => {}
        }
        // Stopped gracefully alongside the public one.
        let admin_stopping = admin_handle.map(|h| h.stop(true));
        tracing::info!(instance = %self.config.instance_id, "shutting down");
        let stopping = handle.stop(true);
        if let Some(tg) = &self.telegram {
            tg.shutdown().await;
        }
        match self.hub.send(CloseAll).await {
            Ok(n) => tracing::info!(clients = n, "clients told to reconnect"),
            Err(e) => tracing::warn!(error = %e, "hub gone before shutdown"),
        }
        if let Some(tg) = &self.telegram {
            tg.senders_stopped().await;
        }
        stopping.await;
        if let Some(admin) = admin_stopping {
            admin.await;
        }
        let _ = tokio::time::timeout(self.config.shutdown_timeout, server).await;
        tracing::info!("stopped");
        Ok(())
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
