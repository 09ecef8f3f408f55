//! Tracing set-up: human-readable by default, JSON when asked. Logs carry
//! opaque ids only (client, room, user uuids), never message text.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Installs the global subscriber once with the `RUST_LOG` filter of the
/// process (tests); later calls are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    install(format, filter);
}

/// Installs the global subscriber with `filter` (the declared `RUST_LOG`);
/// a filter that does not parse falls back to `info`.
pub fn init_with_filter(format: LogFormat, filter: &str) {
    install(
        format,
        EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")),
    );
}

fn install(format: LogFormat, filter: EnvFilter) {
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Human => registry.with(fmt::layer()).try_init(),
        LogFormat::Json => registry.with(fmt::layer().json()).try_init(),
    };
}
