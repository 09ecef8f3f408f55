//! A PostgreSQL server of a test's own (initdb in a temporary directory, on
//! a free port), so the test can crash it (`pg_ctl stop -m immediate`) and
//! start it again without touching the machine's shared server. Stopped and
//! removed on drop, also when the test panicked.

use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::process::Command as AsyncCommand;

use super::replicas::free_port;

/// Debian's PostgreSQL 15 binaries.
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PgServer {
    dir: PathBuf,
    port: u16,
    /// initdb and the server refuse to run as root: as root, they run as
    /// the `postgres` user through `runuser`.
    as_postgres: bool,
}

impl PgServer {
    /// Creates a cluster (trust auth, user `postgres`) and starts it.
    pub async fn start() -> PgServer {
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let dir =
            std::env::temp_dir().join(format!("chathub-pg-{}", uuid::Uuid::new_v4().simple()));
        let server = PgServer {
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = server.data();
        server
            .run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
            .await;
        server.start_again().await;
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server URL (append `/dbname`), as `CHATHUB_TEST_PG_URL` is.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// Runs one of PostgreSQL's programs; panics with its output on failure.
    async fn run(&self, program: &str, args: &[&str]) {
        let path = Path::new(PG_BIN).join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = AsyncCommand::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            AsyncCommand::new(path)
        };
        if !self.dir.exists() {
            std::fs::create_dir_all(&self.dir).unwrap();
            if self.as_postgres {
                let chown = Command::new("chown")
                    .args(["postgres:postgres", self.dir.to_str().unwrap()])
                    .status()
                    .unwrap();
                assert!(chown.success(), "chown of the cluster directory");
            }
        }
        let out = cmd
            .args(args)
            .output()
            .await
            .expect("PostgreSQL 15 is installed");
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the server (again) and waits until it accepts connections
    /// (`pg_ctl -w`), crash recovery included.
    pub async fn start_again(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "start",
                "-w",
                "-D",
                self.data().to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
            ],
        )
        .await;
    }

    /// `pg_ctl stop -m immediate`: every server process quits at once, no
    /// checkpoint, open connections cut (a crash, as far as clients see).
    pub async fn stop_immediately(&self) {
        self.run(
            "pg_ctl",
            &[
                "stop",
                "-w",
                "-m",
                "immediate",
                "-D",
                self.data().to_str().unwrap(),
            ],
        )
        .await;
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        // Best effort: the server may already be stopped.
        let path = Path::new(PG_BIN).join("pg_ctl");
        let data = self.data();
        let args = [
            "stop",
            "-w",
            "-m",
            "immediate",
            "-D",
            data.to_str().unwrap(),
        ];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(path)
                .args(args)
                .output()
        } else {
            Command::new(path).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
