//! The service's metrics: their names, HELP texts and buckets, and the one
//! Prometheus recorder per process (tests start several apps in one
//! process, so it is installed once and shared); `GET /metrics` renders it.
//!
//! Every metric is described here (HELP text) and every series whose labels
//! are known in advance is registered at zero when the recorder is
//! installed, so dashboards and alert rules see it from start-up rather than
//! after its first event. The names are constants so call sites and the
//! registration cannot drift apart.

use std::sync::OnceLock;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::domain::{EndReason, Platform};

pub const CONNECTIONS: &str = "chathub_connections";
pub const PEOPLE_ONLINE: &str = "chathub_people_online";
pub const QUEUE_WAITING: &str = "chathub_queue_waiting";
pub const ROOMS_ACTIVE: &str = "chathub_rooms_active";
pub const SERVICE_ROOMS_ACTIVE: &str = "chathub_service_rooms_active";
pub const READY: &str = "chathub_ready";
pub const DEPENDENCY_UP: &str = "chathub_dependency_up";
pub const MESSAGES_STORED: &str = "chathub_messages_stored_total";
pub const MESSAGES_DUPLICATE: &str = "chathub_messages_duplicate_total";
pub const MESSAGES_DELIVERED: &str = "chathub_messages_delivered_total";
pub const RELAY_SECONDS: &str = "chathub_relay_latency_seconds";
pub const MATCHES: &str = "chathub_matches_total";
pub const PAIRING_WAIT_SECONDS: &str = "chathub_pairing_wait_seconds";
pub const ROOMS_ENDED: &str = "chathub_rooms_ended_total";
pub const COMMAND_ERRORS: &str = "chathub_command_errors_total";
pub const GAP_READS: &str = "chathub_gap_reads_total";
pub const CATCH_UPS: &str = "chathub_catch_ups_total";
pub const STORE_ERRORS: &str = "chathub_store_errors_total";
pub const BUS_ERRORS: &str = "chathub_bus_errors_total";
pub const BUS_RECONNECTS: &str = "chathub_bus_reconnects_total";
pub const TG_CALLS: &str = "chathub_telegram_calls_total";
pub const TG_CALL_SECONDS: &str = "chathub_telegram_call_duration_seconds";
pub const TG_BUDGET_WAITS: &str = "chathub_telegram_budget_waits_total";
pub const TG_BUDGET_WAIT_SECONDS: &str = "chathub_telegram_budget_wait_seconds";
pub const TG_WEBHOOK_UPDATES: &str = "chathub_telegram_webhook_updates_total";

/// Outcomes of one Bot API attempt (`outcome` label of the Telegram metrics).
pub const TG_OUTCOMES: [&str; 6] = ["ok", "429", "403", "4xx", "5xx", "network"];
/// Outcomes of one webhook request.
pub const WEBHOOK_OUTCOMES: [&str; 4] = ["ok", "unauthorized", "bad_update", "unavailable"];
/// Kinds of store failure (`kind` label of [`STORE_ERRORS`]).
pub const STORE_ERROR_KINDS: [&str; 3] = ["connect", "timeout", "query"];
/// Error codes of commands that are worth a series from the start.
const COMMAND_ERROR_CODES: [&str; 4] = ["unavailable", "flood", "banned", "already_in_room"];
const END_REASONS: [EndReason; 7] = [
    EndReason::Next,
    EndReason::Stop,
    EndReason::Report,
    EndReason::Disconnected,
    EndReason::Blocked,
    EndReason::Moderation,
    EndReason::Idle,
];

/// Relay latency and Bot API calls: milliseconds to tens of seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];
/// Waiting for a partner: seconds to many minutes.
const PAIRING_BUCKETS: [f64; 12] = [
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder on first call, describes every metric
/// and registers the known series at zero.
pub fn install() {
    HANDLE.get_or_init(|| {
        let recorder = match builder() {
            Ok(b) => b.build_recorder(),
            Err(e) => {
                tracing::warn!(error = %e, "histogram buckets refused; /metrics disabled");
                return None;
            }
        };
        let handle = recorder.handle();
        match metrics::set_global_recorder(recorder) {
            Ok(()) => {
                describe();
                register_zeros();
                Some(handle)
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder already set; /metrics disabled");
                None
            }
        }
    });
}

fn builder() -> Result<PrometheusBuilder, metrics_exporter_prometheus::BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(RELAY_SECONDS.into()), &LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(TG_CALL_SECONDS.into()), &LATENCY_BUCKETS)?
        .set_buckets_for_metric(
            Matcher::Full(TG_BUDGET_WAIT_SECONDS.into()),
            &LATENCY_BUCKETS,
        )?
        .set_buckets_for_metric(Matcher::Full(PAIRING_WAIT_SECONDS.into()), &PAIRING_BUCKETS)
}

fn describe() {
    describe_gauge!(
        CONNECTIONS,
        "Connections (WebSockets and active Telegram chats) held by this replica."
    );
    describe_gauge!(
        PEOPLE_ONLINE,
        "People connected to this replica, by transport (web or telegram)."
    );
    describe_gauge!(
        QUEUE_WAITING,
        "People searching for a partner (the shared queue's length), read at scrape time."
    );
    describe_gauge!(
        ROOMS_ACTIVE,
        "Active rooms with at least one member connected to this replica, read at scrape time \
         (a room whose members are on two replicas counts on both: do not sum)."
    );
    describe_gauge!(
        SERVICE_ROOMS_ACTIVE,
        "Active rooms in the whole service (the store's count), read at scrape time; \
         every replica reports the same figure."
    );
    describe_gauge!(
        READY,
        "1 if this replica is ready (what /readyz answers), else 0; checked at scrape time."
    );
    describe_gauge!(
        DEPENDENCY_UP,
        "1 if the dependency (store or bus) answered within 2 s at scrape time, else 0."
    );
    describe_counter!(
        MESSAGES_STORED,
        "Messages durably stored (then acknowledged) through this replica."
    );
    describe_counter!(
        MESSAGES_DUPLICATE,
        "Retried messages recognised by their client id and not stored again."
    );
    describe_counter!(
        MESSAGES_DELIVERED,
        "Messages delivered to a recipient connected to this replica."
    );
    describe_histogram!(
        RELAY_SECONDS,
        Unit::Seconds,
        "Time from a message being stored to its delivery to the recipient's connection."
    );
    describe_counter!(MATCHES, "Pairings made by this replica's matcher.");
    describe_histogram!(
        PAIRING_WAIT_SECONDS,
        Unit::Seconds,
        "Time a person connected here waited between search and match."
    );
    describe_counter!(ROOMS_ENDED, "Rooms ended, by reason.");
    describe_counter!(COMMAND_ERRORS, "Commands refused, by error code.");
    describe_counter!(
        GAP_READS,
        "Store reads because a doorbell arrived ahead of a missing message."
    );
    describe_counter!(
        CATCH_UPS,
        "Reads of missed messages from the store (resume, gap, bus reconnect, periodic sync)."
    );
    describe_counter!(
        STORE_ERRORS,
        "Failed store operations, by kind (connect, timeout, query)."
    );
    describe_counter!(BUS_ERRORS, "Failed Redis bus, queue or presence calls.");
    describe_counter!(
        BUS_RECONNECTS,
        "Bus subscriptions re-established after a Redis reconnect."
    );
    describe_counter!(
        TG_CALLS,
        "Bot API call attempts, by outcome (ok, 429, 403, 4xx, 5xx, network)."
    );
    describe_histogram!(
        TG_CALL_SECONDS,
        Unit::Seconds,
        "Duration of one Bot API call attempt, by method and outcome."
    );
    describe_counter!(
        TG_BUDGET_WAITS,
        "Bot API calls that had to wait for the shared rate budget."
    );
    describe_histogram!(
        TG_BUDGET_WAIT_SECONDS,
        Unit::Seconds,
        "How long Bot API calls that waited for the shared rate budget waited."
    );
    describe_counter!(
        TG_WEBHOOK_UPDATES,
        "Webhook requests, by outcome (ok, unauthorized, bad_update, unavailable)."
    );
}

/// Touches every series with known labels so it is rendered (at zero) from
/// start-up: `rate()` and `absent()` in alert rules then work at once.
fn register_zeros() {
    for name in [
        MESSAGES_STORED,
        MESSAGES_DUPLICATE,
        MESSAGES_DELIVERED,
        MATCHES,
        GAP_READS,
        CATCH_UPS,
        BUS_ERRORS,
        BUS_RECONNECTS,
        TG_BUDGET_WAITS,
    ] {
        metrics::counter!(name).absolute(0);
    }
    for reason in END_REASONS {
        metrics::counter!(ROOMS_ENDED, "reason" => reason.as_str()).absolute(0);
    }
    for code in COMMAND_ERROR_CODES {
        metrics::counter!(COMMAND_ERRORS, "code" => code).absolute(0);
    }
    for kind in STORE_ERROR_KINDS {
        metrics::counter!(STORE_ERRORS, "kind" => kind).absolute(0);
    }
    for outcome in TG_OUTCOMES {
        metrics::counter!(TG_CALLS, "outcome" => outcome).absolute(0);
    }
    for outcome in WEBHOOK_OUTCOMES {
        metrics::counter!(TG_WEBHOOK_UPDATES, "outcome" => outcome).absolute(0);
    }
    for gauge in [
        CONNECTIONS,
        QUEUE_WAITING,
        ROOMS_ACTIVE,
        SERVICE_ROOMS_ACTIVE,
    ] {
        metrics::gauge!(gauge).increment(0.0);
    }
    for platform in [Platform::Web, Platform::Telegram] {
        metrics::gauge!(PEOPLE_ONLINE, "transport" => platform.as_str()).increment(0.0);
    }
    // Registering a histogram without recording makes it render with empty
    // buckets.
    let _ = metrics::histogram!(RELAY_SECONDS);
    let _ = metrics::histogram!(PAIRING_WAIT_SECONDS);
    let _ = metrics::histogram!(TG_BUDGET_WAIT_SECONDS);
}

/// Registers the Bot API latency series of every method the Telegram
/// transport calls (it names them: telemetry knows no transport), each with
/// every outcome, so they render from start-up.
pub fn register_bot_api_methods(methods: impl Iterator<Item = &'static str>) {
    for method in methods {
        for outcome in TG_OUTCOMES {
            let _ = metrics::histogram!(TG_CALL_SECONDS, "method" => method, "outcome" => outcome);
        }
    }
}

/// The installed recorder's handle, for rendering; `None` if installing failed.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE.get().and_then(Option::as_ref)
}
