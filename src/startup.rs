//! Building and running one replica: adapters from configuration, the actor
//! core, the HTTP server. Tests start exactly this on port 0.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;

use actix::{Actor, Addr};
use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use tokio::sync::mpsc;

use crate::actors::hub::{CloseAll, Hub};
use crate::actors::matcher::Matcher;
use crate::actors::{Deps, Limits};
use crate::bus::{Bus, BusSignal, MemoryBus, MemoryQueue, SearchQueue};
use crate::config::Config;
use crate::http::{self, AppState};
use crate::store::{MemoryStore, Store};
use crate::transports::telegram::{self, TelegramTransport};

/// The adapters behind the ports, chosen by configuration.
pub struct Adapters {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub queue: Arc<dyn SearchQueue>,
    pub signals: mpsc::Receiver<BusSignal>,
}

impl Adapters {
    /// Embedded default: in-memory store, in-process bus and queue.
    pub fn embedded() -> Self {
        let (bus, signals) = MemoryBus::new();
        Self {
            store: Arc::new(MemoryStore::new()),
            bus: Arc::new(bus),
            queue: Arc::new(MemoryQueue::new()),
            signals,
        }
    }

    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        if config.database_url.is_some() {
            anyhow::bail!("DATABASE_URL is set, but this build has no Postgres store yet");
        }
        if config.redis_url.is_some() {
            anyhow::bail!("REDIS_URL is set, but this build has no Redis bus yet");
        }
        Ok(Self::embedded())
    }
}

pub struct Application {
    port: u16,
    server: Server,
    hub: Addr<Hub>,
    config: Config,
    /// Stopped with the server (polling hands its lease back).
    telegram: Option<Arc<TelegramTransport>>,
}

impl Application {
    /// Builds the replica and binds its listener. Call inside an actix System.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let adapters = Adapters::from_config(&config).await?;
        Self::build_with(config, adapters).await
    }

    pub async fn build_with(config: Config, adapters: Adapters) -> anyhow::Result<Self> {
        let Adapters {
            store,
            bus,
            queue,
            signals,
        } = adapters;
        let hub = Hub::new(store.clone(), bus.clone(), signals, config.resume_grace).start();
        let matcher = Matcher::new(queue, store.clone(), bus.clone()).start();
        let deps = Deps {
            store,
            bus,
            hub: hub.clone(),
            matcher,
            limits: Limits {
                flood_per_sec: config.flood_per_sec,
                flood_burst: config.flood_burst,
            },
        };
        let telegram = match &config.telegram {
            Some(tg) => Some(
                TelegramTransport::build(
                    tg,
                    config.redis_url.as_ref(),
                    &config.instance_id,
                    deps.clone(),
                )
                .await?,
            ),
            None => None,
        };
        let listener = TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState { deps });
        let routed = telegram.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| http::HttpError::BadRequest(e.to_string()).into()),
                )
                .configure(http::routes)
                .configure(|cfg| {
                    if let Some(tg) = &routed {
                        telegram::routes(cfg, tg.clone());
                    }
                })
        })
        .listen(listener)?
        // Signals are ours: clients must be told before the server stops.
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .run();
        tracing::info!(port, instance = %config.instance_id, "chathub listening");
        if let Some(tg) = &telegram {
            tg.start();
        }
        Ok(Self {
            port,
            server,
            hub,
            config,
            telegram,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until SIGTERM or Ctrl-C, then shuts down gracefully.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Runs until `stop` resolves (or the server fails), then shuts down
    /// gracefully: stop accepting, tell every client to reconnect elsewhere,
    /// let in-flight work finish.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            res = &mut server => return Ok(res.context("server task failed")??),
            () = stop => {}
        }
        tracing::info!(instance = %self.config.instance_id, "shutting down");
        let stopping = handle.stop(true);
        if let Some(tg) = &self.telegram {
            tg.shutdown().await;
        }
        match self.hub.send(CloseAll).await {
            Ok(n) => tracing::info!(clients = n, "clients told to reconnect"),
            Err(e) => tracing::warn!(error = %e, "hub gone before shutdown"),
        }
        stopping.await;
        let _ = tokio::time::timeout(self.config.shutdown_timeout, server).await;
        tracing::info!("stopped");
        Ok(())
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
