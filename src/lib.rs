//! chathub: an anonymous 1:1 chat-roulette hub.
//!
//! The tree shows the architecture: `actors` (Hub, Matcher, per-client
//! actors), `transports` (WebSocket, Telegram), `bus` (room fan-out and the
//! search queue), `store` (the durable log), `http` (routes). `startup`
//! builds and runs one replica; `main.rs` only parses the command line.

pub mod actors;
pub mod batch;
pub mod bus;
pub mod config;
pub mod domain;
pub mod error;
pub mod healthcheck;
pub mod http;
pub mod i18n;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod transports;

pub use config::Config;
pub use startup::Application;
