//! The one integration test binary (the helpers in `common` compile once):
//! a module per area, each black-box against the real application, real
//! PostgreSQL and Redis, replica processes of the binary and a fake Bot API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod conformance;

mod admin;
mod admin_page;
mod architecture;
mod browser;
mod browser_i18n;
mod browser_ux;
mod bus_conformance;
mod faults;
mod hardening;
mod lb_failover;
mod matching;
mod matching_props;
mod moderation;
mod moderation_audit;
mod moderation_views;
mod operations;
mod presence_typing;
mod privacy_logs;
mod queue_matching;
mod redis_bus;
mod redis_presence;
mod redis_queue;
mod replicas;
mod store_conformance;
mod store_postgres;
mod telegram;
mod telegram_budget;
mod telegram_bursts;
mod telegram_chat_action;
mod telegram_i18n;
mod telegram_limits;
mod telegram_moderators;
mod telegram_polling;
mod telegram_processes;
mod telegram_props;
mod telegram_protect;
mod telegram_relay;
mod telegram_replicas;
mod telegram_settings;
mod time_limits;
mod ws_chat;
mod ws_chat_postgres;
mod ws_chat_redis;
mod ws_hostile;
