//! Tracing set-up: human-readable by default, JSON when asked. Logs carry
//! opaque ids only (client, room, user uuids), never message text.

pub mod metric;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Crates whose debug and trace logs carry what ours never may: the
/// Postgres driver logs every statement's parameters (message text, report
/// reasons, chat ids), HTTP clients log bodies and URLs with the bot token.
/// They stay at `info` unless `RUST_LOG` names them itself.
const CAPPED_DEPENDENCIES: &[&str] = &[
    "tokio_postgres",
    "postgres_protocol",
    "diesel",
    "diesel_async",
    "deadpool",
    "deadpool_postgres",
    "redis",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "teloxide",
    "teloxide_core",
    "rustls",
    "tungstenite",
    "tokio_tungstenite",
    "actix_http",
    "actix_server",
    "actix_web",
    "mio",
];

/// Installs the global subscriber once with the `RUST_LOG` filter of the
/// process (tests); later calls are no-ops.
pub fn init(format: LogFormat) {
    let rust_log = std::env::var(EnvFilter::DEFAULT_ENV).ok();
    init_with_filter(format, rust_log.as_deref().unwrap_or("info"));
}

/// Installs the global subscriber with `filter` (the declared `RUST_LOG`),
/// dependencies capped as above; a filter that does not parse falls back
/// to `info`.
pub fn init_with_filter(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(directives(Some(filter)))
        .unwrap_or_else(|_| EnvFilter::new(directives(None)));
    install(format, filter);
}

fn install(format: LogFormat, filter: EnvFilter) {
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Human => registry.with(fmt::layer()).try_init(),
        LogFormat::Json => registry.with(fmt::layer().json()).try_init(),
    };
}

/// `RUST_LOG` (default `info`) with every dependency it does not name
/// capped at `info`. A crate-specific directive wins over the global level
/// in `EnvFilter`, so `RUST_LOG=debug` alone leaves the caps in force.
fn directives(rust_log: Option<&str>) -> String {
    let base = rust_log.filter(|s| !s.trim().is_empty()).unwrap_or("info");
    let named = |dep: &str| {
        base.split(',')
            .any(|d| d.trim().split(['=', '[', ':']).next() == Some(dep))
    };
    let mut out = base.to_owned();
    for dep in CAPPED_DEPENDENCIES.iter().filter(|d| !named(d)) {
        out.push_str(&format!(",{dep}=info"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn dependencies_stay_at_info_unless_named() {
        let d = directives(Some("debug"));
        assert!(d.starts_with("debug,"));
        assert!(d.contains("tokio_postgres=info") && d.contains("teloxide=info"));
        let d = directives(Some("debug,tokio_postgres=trace"));
        assert!(d.contains("tokio_postgres=trace") && !d.contains("tokio_postgres=info"));
        assert!(d.contains("diesel=info"));
        assert!(directives(None).starts_with("info,"));
        assert!(tracing_subscriber::EnvFilter::try_new(directives(Some("debug"))).is_ok());
    }
}
