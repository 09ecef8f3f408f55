//! The one test harness: starts the real application on port 0 (in this
//! process, or as replica processes of the binary), and speaks its
//! protocols as a client would.

pub mod browser;
// The one fake Bot API, shared with `chathub-load telegram`.
#[path = "../../../src/bin/chathub-load/fake_telegram.rs"]
pub mod fake_telegram;
pub mod inproc;
pub mod load;
pub mod people;
pub mod pg;
pub mod pg_proxy;
pub mod pg_server;
pub mod redis_server;
pub mod replicas;
pub mod scenarios;
pub mod telegram;
pub mod ws;

use std::collections::HashMap;
use std::time::Duration;

use chathub::{Application, Config};
use tokio::sync::oneshot;

/// How long a test waits for something it expects before failing.
pub const EXPECT_WITHIN: Duration = Duration::from_secs(10);

/// An application started in this test's actix System.
pub struct TestApp {
    pub port: u16,
    /// The operator listener's port (`CHATHUB_ADMIN_LISTEN`), if any.
    pub admin_port: Option<u16>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://127.0.0.1:{}/ws{}", self.port, query)
    }

    /// `GET /metrics` as text.
    pub async fn metrics_text(&self) -> String {
        reqwest::get(self.http("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of one series on `/metrics` (0 when absent).
    pub async fn metric(&self, series: &str) -> f64 {
        self.metrics_text()
            .await
            .lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Triggers a graceful shutdown (as SIGTERM would) and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            tokio::time::timeout(EXPECT_WITHIN, done)
                .await
                .expect("shutdown took too long")
                .unwrap()
                .unwrap();
        }
    }
}

/// Test configuration: embedded mode on a free port, generous flood limits.
pub fn test_config(overrides: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("CHATHUB_LISTEN".into(), "127.0.0.1:0".into()),
        ("CHATHUB_FLOOD_PER_SEC".into(), "1000".into()),
        ("CHATHUB_FLOOD_BURST".into(), "1000".into()),
        ("CHATHUB_SHUTDOWN_SECS".into(), "5".into()),
        // Every test client comes from 127.0.0.1: the per-address limits
        // are tested on their own, with low values.
        (
            "CHATHUB_MAX_CONNECTIONS_PER_ADDRESS".into(),
            "100000".into(),
        ),
        (
            "CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN".into(),
            "100000".into(),
        ),
        // Replicas in one test process must not share an id (heartbeat keys).
        (
            "CHATHUB_INSTANCE_ID".into(),
            format!("test-{}", uuid::Uuid::new_v4().simple()),
        ),
    ]);
    for (k, v) in overrides {
        vars.insert((*k).into(), (*v).into());
    }
    Config::from_lookup(|k| vars.get(k).cloned()).expect("test config")
}

/// Starts the application with `overrides` on top of [`test_config`].
pub async fn spawn_app(overrides: &[(&str, &str)]) -> TestApp {
    chathub::telemetry::init(chathub::config::LogFormat::Human);
    let app = Application::build(test_config(overrides))
        .await
        .expect("app builds");
    let port = app.port();
    let admin_port = app.admin_port();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        port,
        admin_port,
        stop: Some(stop),
        done: Some(done),
    }
}
