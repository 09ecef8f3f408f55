//! Building and running one replica: adapters from configuration, the actor
//! core, the HTTP server. Tests start exactly this on port 0.
//! The adapters are chosen in `adapters.rs`, the listeners' limits and the
//! operator listener are in `listeners.rs`, running and shutting down in
//! `run.rs`.

mod adapters;
mod listeners;
mod run;

use std::net::TcpListener;
use std::sync::Arc;

use actix::{Actor, Addr};
use actix_web::{App, dev::Server, web};
use anyhow::Context;
use tokio::sync::mpsc;

use crate::actors::hub::{Hub, Keeper};
use crate::actors::matcher::{Matcher, Search};
use crate::actors::{Deps, Limits};
use crate::config::Config;
use crate::http::{self, AppState};
use crate::store::spawn_retention;
use crate::transports::telegram::{self, TelegramKeeper, TelegramTransport};

pub use adapters::{Adapters, migrate, pg_config};
use listeners::admin_server;
pub use run::shutdown_signal;

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
        let upgrades = ws_state.clone();
        let routed = telegram.clone();
        let separate_admin = config.admin_listen.is_some();
        let admin = match config.admin_listen {
            Some(addr) => Some(admin_server(addr, state.clone(), config.shutdown_timeout)?),
            None => None,
        };
        let max_connections = config.max_connections;
        let app = move || {
            App::new()
                .wrap(
                    http::PUBLIC_HEADERS
                        .into_iter()
                        .fold(actix_web::middleware::DefaultHeaders::new(), |h, pair| {
                            h.add(pair)
                        }),
                )
                .app_data(state.clone())
                .app_data(ws_state.clone())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| http::HttpError::BadRequest(e.to_string()).into()),
                )
                .configure(http::public_routes)
                .configure(|cfg| {
                    // Before the operator routes: routes are tried in
                    // order, and every webhook update would otherwise be
                    // matched against the admin API's patterns first.
                    if let Some(tg) = &routed {
                        telegram::routes(cfg, tg.clone());
                    }
                    if !separate_admin {
                        http::operator_routes(cfg);
                    }
                })
        };
        let server = listeners::public_server(
            listener,
            app,
            upgrades,
            max_connections,
            config.http_workers,
            config.shutdown_timeout,
        )?;
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
}
