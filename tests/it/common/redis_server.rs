//! Redis for tests: the shared server on this machine (with a unique key
//! prefix per test, so tests run in parallel), or a test's own
//! `redis-server` that it can kill and restart; and replicas' adapters on it.

use std::future::Future;
use std::process::Stdio;
use std::time::{Duration, Instant};

use chathub::bus::QueueEntry;
use chathub::bus::redis::{RedisAdapters, RedisBus, RedisSettings};
use chathub::domain::{Lang, SearchPrefs, UserId};
use tokio::process::{Child, Command};

use super::EXPECT_WITHIN;

/// The Redis every test may share (`CHATHUB_TEST_REDIS_URL` overrides).
pub fn shared_redis_url() -> String {
    std::env::var("CHATHUB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test (or run) uses; its keys are deleted from the
/// shared Redis when it is dropped.
pub fn unique_prefix() -> Prefix {
    Prefix(format!("test:{}:", uuid::Uuid::new_v4().simple()))
}

pub struct Prefix(String);

impl std::ops::Deref for Prefix {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        // Best effort and blocking (a drop cannot await): a leftover key of
        // a test that could not clean up harms nobody under its own prefix.
        let Ok(client) = redis::Client::open(shared_redis_url()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_secs(1)) else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.0))
            .query(&mut conn)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
        }
    }
}

/// One replica's Redis adapters, as `REDIS_URL` would give them.
pub async fn replica(url: &str, prefix: &str, name: &str) -> RedisAdapters {
    RedisBus::connect(RedisSettings::new(url, prefix, name))
        .await
        .expect("connects to Redis")
}

/// A replica with a fast heartbeat, for tests about dead replicas.
pub async fn fast_replica(url: &str, prefix: &str, name: &str) -> RedisAdapters {
    let mut settings = RedisSettings::new(url, prefix, name);
    settings.heartbeat = Duration::from_millis(100);
    settings.replica_ttl = Duration::from_millis(500);
    RedisBus::connect(settings)
        .await
        .expect("connects to Redis")
}

/// Someone searching with an optional language.
pub fn entry(lang: Option<&str>) -> QueueEntry {
    QueueEntry {
        user: UserId::new(),
        prefs: SearchPrefs {
            lang: lang.map(|l| Lang::parse(l).expect("a valid language")),
            ..SearchPrefs::default()
        },
        ..QueueEntry::default()
    }
}

/// Polls `check` until it returns true; panics after `EXPECT_WITHIN`.
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + EXPECT_WITHIN;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `redis-server` of this test's own, without persistence, on a free
/// port. Killed when dropped.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub async fn start() -> RedisServer {
        let port = super::replicas::free_port();
        let mut server = RedisServer { port, child: None };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (no shutdown save: it has no persistence).
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }

    /// Saves the data, then kills the server: the next `restart` loads it
    /// again (an outage without data loss).
    pub async fn kill_keeping_data(&mut self) {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("SAVE")
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
        self.kill().await;
    }

    fn dump_file(&self) -> String {
        format!("chathub-test-{}.rdb", self.port)
    }

    /// Starts the server (again) on the same port and waits until it answers.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir", "/tmp"])
            .args(["--dbfilename", &self.dump_file()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed");
        self.child = Some(child);
        let url = self.url();
        wait_until("redis-server answers", || {
            let url = url.clone();
            async move { ping(&url).await }
        })
        .await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // The process itself is killed by `kill_on_drop`.
        let _ = std::fs::remove_file(std::path::Path::new("/tmp").join(self.dump_file()));
    }
}

async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return false;
    };
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .is_ok()
}
