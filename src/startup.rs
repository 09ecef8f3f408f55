//! Building and running one replica: adapters from configuration, the actor
//! core, the HTTP server. Tests start exactly this on port 0.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr};
use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use tokio::sync::mpsc;

use crate::actors::hub::{CloseAll, Hub, Keeper};
use crate::actors::matcher::{Matcher, Search};
use crate::actors::{Deps, Limits};
use crate::bus::redis::{RedisAdapters, RedisBus, RedisSettings};
use crate::bus::{Bus, BusSignal, MemoryBus, MemoryPresence, MemoryQueue, Presence, SearchQueue};
use crate::config::{Config, Secret};
use crate::http::{self, AppState};
use crate::store::{PgConfig, PgStore, Stores, spawn_retention};
use crate::transports::telegram::{self, TelegramKeeper, TelegramTransport};

/// First pause before retrying an unreachable dependency at start-up.
const STARTUP_FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest pause between start-up attempts (the backoff doubles up to it).
const STARTUP_MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Longest a client may take to send a request's head (line and headers);
/// a slower one is answered 408 and dropped, so it holds no worker memory.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a closing connection may linger for the client's side of the
/// shutdown before it is dropped.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Worker threads of the operator listener.
const ADMIN_WORKERS: usize = 2;

/// The adapters behind the ports, chosen by configuration.
pub struct Adapters {
    pub store: Stores,
    pub bus: Arc<dyn Bus>,
    pub queue: Arc<dyn SearchQueue>,
    pub presence: Arc<dyn Presence>,
    pub signals: mpsc::Receiver<BusSignal>,
    /// Runs the periodic retention purge (durable store only).
    pub retention: Option<Duration>,
}

impl Adapters {
    /// Embedded default: in-memory store, in-process bus and queue.
    pub fn embedded() -> Self {
        let (bus, signals) = MemoryBus::new();
        Self {
            store: Stores::in_memory(),
            bus: Arc::new(bus),
            queue: Arc::new(MemoryQueue::new()),
            presence: Arc::new(MemoryPresence::new()),
            signals,
            retention: None,
        }
    }

    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let mut adapters = Self::embedded();
        if let Some(pg) = pg_config(config) {
            // Migrates first (replicas starting together take turns).
            let store = wait_for("PostgreSQL", config.startup_wait, || PgStore::connect(&pg));
            adapters.store = Stores::new(Arc::new(store.await?));
            adapters.retention = Some(config.retention);
        }
        if let Some(url) = &config.redis_url {
            let redis =
                wait_for("Redis", config.startup_wait, || redis_adapters(config, url)).await?;
            adapters.bus = Arc::new(redis.bus);
            adapters.queue = Arc::new(redis.queue);
            adapters.presence = redis.presence;
            adapters.signals = redis.signals;
        }
        Ok(adapters)
    }
}

/// The Redis bus, queue and presence (REDIS_URL set).
async fn redis_adapters(config: &Config, url: &Secret) -> anyhow::Result<RedisAdapters> {
    let mut settings = RedisSettings::new(url.expose(), &config.redis_prefix, &config.instance_id);
    settings.grace = config.resume_grace;
    RedisBus::connect(settings)
        .await
        .context("cannot start the Redis bus (REDIS_URL)")
}

/// The Postgres settings, if `DATABASE_URL` is set.
pub fn pg_config(config: &Config) -> Option<PgConfig> {
    config.database_url.as_ref().map(|url| PgConfig {
        url: url.expose().to_owned(),
        pool_size: config.db_pool_size,
        writers: config.db_writers,
        room_idle: config.room_idle,
    })
}

/// `chathub migrate`: applies pending migrations and returns.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let pg = pg_config(config).context("DATABASE_URL must be set to run migrations")?;
    let applied = wait_for("PostgreSQL", config.startup_wait, || {
        crate::store::postgres::run_migrations(&pg.url)
    })
    .await?;
    tracing::info!(applied, "migrations are up to date");
    Ok(())
}

/// Runs `attempt` until it succeeds or `bound` has passed, with doubling
/// pauses: a replica (or the migration Job) started together with its
/// database waits for it instead of exiting, and each failure is logged
/// with its cause.
async fn wait_for<T, F, Fut>(
    what: &'static str,
    bound: Duration,
    mut attempt: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = tokio::time::Instant::now() + bound;
    let mut pause = STARTUP_FIRST_BACKOFF;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) => {
                let cause = format!("{e:#}");
                if tokio::time::Instant::now() + pause > deadline {
                    tracing::error!(dependency = what, error = %cause, "giving up at start-up");
                    return Err(e.context(format!("{what} still unreachable after {bound:?}")));
                }
                tracing::warn!(dependency = what, error = %cause, retry_in = ?pause, "unreachable at start-up; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(STARTUP_MAX_BACKOFF);
            }
        }
    }
}

pub struct Application {
    port: u16,
    server: Server,
    /// `CHATHUB_ADMIN_LISTEN`: the operator listener and its port.
    admin: Option<(u16, Server)>,
    hub: Addr<Hub>,
    config: Config,
    retention: Option<tokio::task::JoinHandle<()>>,
    /// Ends idle rooms (`CHATHUB_ROOM_IDLE_SECS`); stopped with the server.
    idle_sweep: tokio::task::JoinHandle<()>,
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
        crate::telemetry::metric::install();
        crate::telemetry::metric::register_bot_api_methods(
            crate::transports::telegram::called_methods(),
        );
        let Adapters {
            store,
            bus,
            queue,
            presence,
            signals,
            retention,
        } = adapters;
        let retention = retention.map(|keep| spawn_retention(store.privacy.clone(), keep));
        // Every replica of a deployment shares one Telegram configuration,
        // so the one that sweeps a crashed replica's Telegram person hands
        // them over rather than ending their room.
        let mut keepers: Vec<Arc<dyn Keeper>> = Vec::new();
        if config.telegram.is_some() {
            keepers.push(Arc::new(TelegramKeeper {
                store: store.clone(),
            }));
        }
        let idle_sweep = crate::actors::rooms::spawn_idle_sweep(
            store.rooms.clone(),
            bus.clone(),
            config.room_idle,
        );
        let hub = Hub::new(
            store.clone(),
            bus.clone(),
            presence.clone(),
            signals,
            config.resume_grace,
            keepers,
        )
        .start();
        let matcher =
            Matcher::new(queue.clone(), store.clone(), bus.clone(), config.matching).start();
        // A shared queue that lost entries searches again through the Matcher.
        let rejoin_to = matcher.clone();
        queue.set_rejoin(Arc::new(move |entry| {
            rejoin_to.do_send(Search {
                user: entry.user,
                relax: 0,
                only_if_queued: false,
            })
        }));
        // Complaints filed here are posted to the moderators' chat from
        // here: once each, by the replica that stored it.
        let (complaints, filed) = match config.telegram.as_ref().and_then(|t| t.moderator_chat) {
            Some(_) => {
                let (tx, rx) = mpsc::channel(telegram::COMPLAINT_FEED_CAPACITY);
                (Some(tx), Some(rx))
            }
            None => (None, None),
        };
        let deps = Deps {
            store,
            bus,
            presence,
            hub: hub.clone(),
            matcher,
            limits: Limits {
                flood_per_sec: config.flood_per_sec,
                flood_burst: config.flood_burst,
                search_max: config.search_max,
            },
            autoban: Arc::new(config.autoban.clone()),
            matching: config.matching,
            complaints,
        };
        let telegram = match &config.telegram {
            Some(tg) => Some(
                TelegramTransport::build(
                    tg,
                    config.redis_url.as_ref(),
                    &config.instance_id,
                    deps.clone(),
                    filed,
                )
                .await?,
            ),
            None => None,
        };
        let listener = TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            deps,
            admin_token: config.admin_token.clone(),
            instance_id: config.instance_id.clone(),
        });
        let ws_state = web::Data::new(crate::transports::ws::WsState {
            deps: state.deps.clone(),
            idle_timeout: config.ws_idle_timeout,
            allowed_origins: config.allowed_origins.clone(),
            connections: crate::transports::ws::ConnectionLimit::new(
                config.max_connections,
                config.max_connections_per_address,
            ),
            trusted_proxies: config.trusted_proxies.clone(),
            searches: std::sync::Arc::new(crate::transports::ws::SearchLimit::per_minute(
                config.searches_per_address_per_min,
            )),
        });
        let routed = telegram.clone();
        let separate_admin = config.admin_listen.is_some();
        let admin = match config.admin_listen {
            Some(addr) => Some(admin_server(addr, state.clone(), config.shutdown_timeout)?),
            None => None,
        };
        let server = HttpServer::new(move || {
            App::new()
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer")),
                )
                .app_data(state.clone())
                .app_data(ws_state.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| http::HttpError::BadRequest(e.to_string()).into()),
                )
                .configure(http::public_routes)
                .configure(|cfg| {
                    if !separate_admin {
                        http::operator_routes(cfg);
                    }
                    if let Some(tg) = &routed {
                        telegram::routes(cfg, tg.clone());
                    }
                })
        })
        // Chat frames are small and latency-bound: no Nagle delay.
        .tcp_nodelay(true)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        // WebSockets of clients that stop reading are shut down at the socket.
        .on_connect(crate::transports::ws::ConnSocket::on_connect)
        .listen(listener)?
        // Signals are ours: clients must be told before the server stops.
        .disable_signals()
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .run();
        tracing::info!(port, admin_port = admin.as_ref().map(|a| a.0), instance = %config.instance_id, "chathub listening");
        if let Some(tg) = &telegram {
            tg.start();
        }
        Ok(Self {
            port,
            server,
            admin,
            hub,
            config,
            retention,
            idle_sweep,
            telegram,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The operator listener's port, when `CHATHUB_ADMIN_LISTEN` is set.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin.as_ref().map(|a| a.0)
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

/// The operator listener (`CHATHUB_ADMIN_LISTEN`): `/metrics` and
/// `/admin/*` only, nothing a public client uses.
fn admin_server(
    addr: std::net::SocketAddr,
    state: web::Data<AppState>,
    shutdown: Duration,
) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("cannot listen on {addr} (CHATHUB_ADMIN_LISTEN)"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff")),
            )
            .app_data(state.clone())
            .configure(http::operator_routes)
    })
    // Scrapes and operator calls are few: two workers are plenty.
    .workers(ADMIN_WORKERS)
    .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
    .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(shutdown.as_secs())
    .run();
    Ok((port, server))
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
