//! Real replica processes of the `chathub` binary.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use super::EXPECT_WITHIN;
use super::pg::TestDb;

/// A free TCP port on loopback (bound and released at once).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `url` until it answers 200, or panics at the deadline.
pub async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + EXPECT_WITHIN * 3;
    loop {
        if let Ok(res) = client.get(url).send().await
            && res.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One replica process; killed on drop.
pub struct Replica {
    pub name: String,
    pub port: u16,
    env: HashMap<String, String>,
    /// Where its stdout and stderr go (logs are on stdout); `None`: stdout
    /// discarded, stderr shown.
    log: Option<std::path::PathBuf>,
    child: Option<Child>,
}

impl Replica {
    /// Starts a replica named `name` with `env` and waits until it is ready.
    pub async fn start(name: &str, env: &[(&str, &str)]) -> Replica {
        Self::launch(name, env, None).await
    }

    /// As `start`, with everything the process writes appended to `log`.
    pub async fn start_logged(name: &str, env: &[(&str, &str)], log: &std::path::Path) -> Replica {
        Self::launch(name, env, Some(log.to_owned())).await
    }

    async fn launch(name: &str, env: &[(&str, &str)], log: Option<std::path::PathBuf>) -> Replica {
        let mut r = Replica {
            name: name.to_owned(),
            port: free_port(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            log,
            child: None,
        };
        r.spawn().await;
        r
    }

    async fn spawn(&mut self) {
        let (stdout, stderr) = match &self.log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap();
                (Stdio::from(file.try_clone().unwrap()), Stdio::from(file))
            }
            None => (Stdio::null(), Stdio::inherit()),
        };
        let log_level =
            self.env.get("RUST_LOG").cloned().unwrap_or_else(|| {
                std::env::var("CHATHUB_TEST_REPLICA_LOG").unwrap_or("warn".into())
            });
        let child = Command::new(env!("CARGO_BIN_EXE_chathub"))
            // Every test client comes from 127.0.0.1 (see `test_config`);
            // a test's own values still win.
            .env("CHATHUB_MAX_CONNECTIONS_PER_ADDRESS", "100000")
            .env("CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN", "100000")
            .envs(&self.env)
            .env("CHATHUB_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("CHATHUB_INSTANCE_ID", &self.name)
            .env("CHATHUB_FLOOD_PER_SEC", "1000")
            .env("CHATHUB_FLOOD_BURST", "1000")
            .env("RUST_LOG", log_level)
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("the chathub binary starts");
        self.child = Some(child);
        wait_ready(&self.http("/readyz")).await;
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://127.0.0.1:{}/ws{}", self.port, query)
    }

    /// Starts the process again on the same port (after `kill` or
    /// `terminate`), as a restarted container would, and waits until ready.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "restart after kill or terminate");
        self.spawn().await;
    }

    /// `kill -9`: no shutdown, no goodbye.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }

    /// The running process's id.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(|c| c.id())
            .expect("replica running")
    }

    /// Names of the running process's threads, as the kernel lists them.
    pub fn thread_names(&self) -> Vec<String> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.pid())).unwrap();
        tasks
            .map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).unwrap())
            .map(|name| name.trim_end().to_owned())
            .collect()
    }

    /// Sends `signal` (`STOP`, `CONT`, ...) to the running process.
    pub async fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success(), "kill -{signal}");
    }

    /// SIGTERM, then wait for the graceful exit.
    pub async fn terminate(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id().unwrap().to_string();
            let status = Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .await
                .unwrap();
            assert!(status.success());
            let exit = tokio::time::timeout(EXPECT_WITHIN * 2, child.wait())
                .await
                .expect("replica exits after SIGTERM")
                .unwrap();
            assert!(exit.success(), "graceful exit, got {exit}");
        }
    }
}

/// Environment shared by the replicas of one test: its own database and its
/// own Redis key prefix (or its own redis-server).
pub struct Cluster {
    pub env: Vec<(String, String)>,
    pub db: TestDb,
}

impl Cluster {
    pub async fn new(redis_url: Option<String>) -> Cluster {
        Self::on(TestDb::create().await, redis_url)
    }

    /// A cluster on `db` (on a test's own PostgreSQL server, say).
    pub fn on(db: TestDb, redis_url: Option<String>) -> Cluster {
        let redis_url = redis_url.unwrap_or_else(super::redis_server::shared_redis_url);
        let prefix = format!("chathub-test-{}:", uuid::Uuid::new_v4().simple());
        Cluster {
            env: vec![
                ("DATABASE_URL".into(), db.url.clone()),
                ("REDIS_URL".into(), redis_url),
                ("TELEGRAM_REDIS_PREFIX".into(), format!("{prefix}tg")),
                ("CHATHUB_REDIS_PREFIX".into(), prefix),
                ("CHATHUB_RESUME_GRACE_SECS".into(), "2".into()),
                // Two tests run at once and PostgreSQL allows 100
                // connections: three replicas at the default (16 + 1 each)
                // beside another cluster would run out.
                ("CHATHUB_DB_POOL_SIZE".into(), "8".into()),
            ],
            db,
        }
    }

    pub async fn replica(&self, name: &str) -> Replica {
        self.replica_with(name, &[]).await
    }

    /// A replica with `extra` variables on top of the cluster's.
    pub async fn replica_with(&self, name: &str, extra: &[(&str, &str)]) -> Replica {
        Replica::start(name, &self.env_with(extra)).await
    }

    /// As `replica_with`, writing everything the process prints to `log`.
    pub async fn replica_logged(
        &self,
        name: &str,
        extra: &[(&str, &str)],
        log: &std::path::Path,
    ) -> Replica {
        Replica::start_logged(name, &self.env_with(extra), log).await
    }

    fn env_with<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        env.extend_from_slice(extra);
        env
    }
}
