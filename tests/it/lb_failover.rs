//! The load balancer config shipped for compose (`deploy/nginx/chathub.conf`),
//! run for real by nginx in front of real replica processes: after a
//! `kill -9` of one replica, pages reconnect through the load balancer to a
//! live one at once (no "no live upstreams" while another replica is
//! healthy), and operator endpoints are not reachable through it.
//!
//! Skipped, with a message, only when nginx is not installed (tests/run.sh
//! installs it).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::replicas::{Cluster, Replica, free_port, wait_ready};
use common::ws::{WsClient, matched_pair_across};
use tokio::process::{Child, Command};

/// Connection attempts a page may need after its replica died. nginx retries
/// the next replica within one attempt; one more is allowed for a request
/// that was already in flight at the moment of the kill.
const RECONNECT_ATTEMPTS: usize = 2;
/// Fresh connections opened through the load balancer after the kill: enough
/// that round-robin sends several of them to the dead replica first.
const FRESH_CONNECTIONS: usize = 8;
/// The web page's reconnect schedule (app.js: 500 ms, doubling): the first
/// attempts a person whose replica went away makes, within about 1.5 s.
const PAGE_BACKOFF_FIRST: Duration = Duration::from_millis(500);
const PAGE_ATTEMPTS: usize = 3;

fn nginx_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// nginx running the shipped config with the compose replica names replaced
/// by `replicas`; stopped on drop.
struct Nginx {
    port: u16,
    _child: Child,
    _dir: TempDir,
}

impl Nginx {
    async fn start(binary: &Path, replicas: &[&Replica]) -> Nginx {
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/deploy/nginx/chathub.conf"
        ))
        .unwrap();
        let port = free_port();
        let mut site = String::new();
        let mut servers_written = false;
        for line in shipped.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("server hub") {
                // Keep the shipped parameters (max_fails, fail_timeout).
                if !servers_written {
                    let params = trimmed
                        .split_once(' ')
                        .unwrap()
                        .1
                        .split_once(' ')
                        .unwrap()
                        .1;
                    for r in replicas {
                        site.push_str(&format!("    server 127.0.0.1:{} {params}\n", r.port));
                    }
                    servers_written = true;
                }
            } else if trimmed == "listen 80;" {
                site.push_str(&format!("    listen 127.0.0.1:{port};\n"));
            } else {
                site.push_str(line);
                site.push('\n');
            }
        }
        assert!(servers_written, "the shipped config names the replicas");
        let dir = TempDir::new();
        let d = dir.0.display();
        std::fs::write(dir.0.join("site.conf"), site).unwrap();
        std::fs::write(
            dir.0.join("nginx.conf"),
            format!(
                "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/site.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx {
            port,
            _child: child,
            _dir: dir,
        };
        wait_ready(&nginx.http("/readyz")).await;
        nginx
    }

    fn http(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.port, path)
    }

    /// nginx's own account of what went wrong, for failure messages.
    fn error_log(&self) -> String {
        std::fs::read_to_string(self._dir.0.join("error.log")).unwrap_or_default()
    }

    fn ws_url(&self, query: &str) -> String {
        format!("ws://127.0.0.1:{}/ws{}", self.port, query)
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("chathub-nginx-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn connect_within_attempts(url: &str, session: Option<&str>) -> WsClient {
    let mut errors = Vec::new();
    for _ in 0..RECONNECT_ATTEMPTS {
        match WsClient::try_connect_as(url, session).await {
            Ok(client) => return client,
            Err(e) => errors.push(e),
        }
    }
    panic!("no connection through the load balancer in {RECONNECT_ATTEMPTS} attempts: {errors:?}");
}

#[actix_web::test]
async fn a_page_whose_replica_was_killed_reconnects_through_nginx_at_once() {
    let Some(nginx_bin) = nginx_binary() else {
        eprintln!("SKIPPED: nginx is not installed (tests/run.sh installs it)");
        return;
    };
    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica("r1").await;
    let mut r2 = cluster.replica("r2").await;
    let lb = Nginx::start(&nginx_bin, &[&r1, &r2]).await;

    // A on r1, B on r2, talking.
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    a.say("a1", "before").await;
    a.expect("ack").await;
    assert_eq!(b.expect("message").await["seq"], 1);
    let session = b.session.clone();

    r2.kill().await;
    a.say("a2", "while B is away").await;
    assert_eq!(a.expect("ack").await["seq"], 2);

    // B's page reconnects through the load balancer: it lands on r1 and
    // resumes the same room with what it missed.
    let mut b = connect_within_attempts(&lb.ws_url("?last_seq=1"), Some(&session)).await;
    assert!(b.resumed);
    assert_eq!(b.hello_room.as_deref(), Some(room.as_str()));
    b.expect("matched").await;
    let m = b.expect("message").await;
    assert_eq!(
        (m["seq"].as_i64(), m["text"].as_str()),
        (Some(2), Some("while B is away"))
    );

    // New visitors keep getting in although half the upstreams are dead:
    // round-robin sends some of them to r2 first, and nginx moves on.
    for _ in 0..FRESH_CONNECTIONS {
        let c = connect_within_attempts(&lb.ws_url(""), None).await;
        assert!(!c.session.is_empty());
    }
    let page = reqwest::get(lb.http("/")).await.unwrap();
    assert_eq!(
        page.status(),
        200,
        "the page is served while a replica is down"
    );
}

#[actix_web::test]
async fn metrics_and_admin_are_not_served_through_the_load_balancer() {
    let Some(nginx_bin) = nginx_binary() else {
        eprintln!("SKIPPED: nginx is not installed (tests/run.sh installs it)");
        return;
    };
    let cluster = Cluster::new(None).await;
    let r1 = cluster
        .replica_with("r1", &[("CHATHUB_ADMIN_TOKEN", "operator-secret")])
        .await;
    let lb = Nginx::start(&nginx_bin, &[&r1]).await;
    let client = reqwest::Client::new();
    for path in ["/metrics", "/admin/stats", "/admin"] {
        let res = client
            .get(lb.http(path))
            .bearer_auth("operator-secret")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{path} through the load balancer");
    }
    // The replica itself still serves them (no admin listener configured).
    let direct = reqwest::get(r1.http("/metrics")).await.unwrap();
    assert_eq!(direct.status(), 200);
}

/// Reconnects as the page does: at once, then after 500 ms, then 1 s.
async fn reconnect_like_the_page(
    url: &str,
    session: Option<&str>,
) -> Result<WsClient, Vec<String>> {
    let mut errors = Vec::new();
    let mut pause = PAGE_BACKOFF_FIRST;
    for attempt in 0..PAGE_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        match WsClient::try_connect_as(url, session).await {
            Ok(client) => return Ok(client),
            Err(e) => errors.push(e),
        }
    }
    Err(errors)
}

#[actix_web::test]
async fn during_a_rolling_restart_pages_find_the_restarted_replica_at_once() {
    let Some(nginx_bin) = nginx_binary() else {
        eprintln!("SKIPPED: nginx is not installed (tests/run.sh installs it)");
        return;
    };
    let cluster = Cluster::new(None).await;
    let mut r1 = cluster.replica("r1").await;
    let mut r2 = cluster.replica("r2").await;
    let lb = Nginx::start(&nginx_bin, &[&r1, &r2]).await;

    // r2 dies and nginx notices (some connections are tried there first).
    r2.kill().await;
    for _ in 0..FRESH_CONNECTIONS {
        connect_within_attempts(&lb.ws_url(""), None).await;
    }
    // r2 comes back, then r1 goes: the next replica of a rolling restart.
    r2.restart().await;
    let (mut a, _) = (WsClient::connect(&r1.ws_url("")).await, ());
    a.search().await;
    a.expect("searching").await;
    let session = a.session.clone();
    r1.kill().await;

    // The page reconnects through nginx on its usual schedule and lands on
    // the restarted r2: nginx must not still hold r2's earlier failure
    // against it (its default would, for 10 s: "no live upstreams").
    let b = reconnect_like_the_page(&lb.ws_url("?last_seq=0"), Some(&session))
        .await
        .unwrap_or_else(|errors| {
            panic!(
                "no replica within the page's first {PAGE_ATTEMPTS} attempts: {errors:?}\n{}",
                lb.error_log()
            )
        });
    assert!(b.resumed, "the same person, resumed on r2");
}
