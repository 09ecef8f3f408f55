//! What operators rely on: the separate admin listener, metrics that are
//! described and present from start-up, `chathub healthcheck`, JSON logs
//! from the first line, and a replica that waits for its database.

use crate::common;

use std::process::Stdio;
use std::time::Duration;

use common::pg::TestDb;
use common::pg_proxy::PgProxy;
use common::replicas::{free_port, wait_ready};
use common::{EXPECT_WITHIN, spawn_app};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const TOKEN: &str = "operator-token";

#[actix_web::test]
async fn with_an_admin_listener_metrics_and_admin_leave_the_public_port() {
    let app = spawn_app(&[
        ("CHATHUB_ADMIN_LISTEN", "127.0.0.1:0"),
        ("CHATHUB_ADMIN_TOKEN", TOKEN),
    ])
    .await;
    let admin = app.admin_port.expect("the admin listener is bound");
    let client = reqwest::Client::new();
    let get = |url: String| client.get(url).bearer_auth(TOKEN).send();

    // Public port: people's endpoints yes, operators' no.
    for path in ["/", "/healthz", "/readyz"] {
        assert_eq!(get(app.http(path)).await.unwrap().status(), 200, "{path}");
    }
    for path in ["/metrics", "/admin/stats"] {
        assert_eq!(
            get(app.http(path)).await.unwrap().status(),
            404,
            "{path} public"
        );
    }
    // Admin port: operators' endpoints only.
    let at = |path: &str| format!("http://127.0.0.1:{admin}{path}");
    assert_eq!(get(at("/metrics")).await.unwrap().status(), 200);
    let stats = get(at("/admin/stats")).await.unwrap();
    assert_eq!(stats.status(), 200);
    assert!(stats.json::<serde_json::Value>().await.unwrap()["connections"].is_number());
    let unauthorised = client.get(at("/admin/stats")).send().await.unwrap();
    assert_eq!(unauthorised.status(), 401);
    for path in ["/", "/ws", "/healthz"] {
        assert_eq!(
            get(at(path)).await.unwrap().status(),
            404,
            "{path} on admin"
        );
    }
    app.shutdown().await;
}

#[actix_web::test]
async fn every_metric_has_help_and_the_alerted_series_exist_from_start_up() {
    let app = spawn_app(&[]).await;
    let text = app.metrics_text().await;
    // Every TYPE line has a HELP line for the same metric.
    let typed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(!typed.is_empty());
    for name in &typed {
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "{name} has no HELP text"
        );
    }
    // Series the dashboard and alert rules use, before any traffic.
    for series in [
        "chathub_ready 1",
        "chathub_queue_waiting ",
        "chathub_rooms_active ",
        "chathub_service_rooms_active ",
        "chathub_matches_total ",
        "chathub_people_online{transport=\"web\"} ",
        "chathub_people_online{transport=\"telegram\"} ",
        "chathub_store_errors_total{kind=\"timeout\"} ",
        "chathub_bus_errors_total ",
        "chathub_bus_reconnects_total ",
        "chathub_telegram_calls_total{outcome=\"429\"} ",
        "chathub_telegram_webhook_updates_total{outcome=\"unavailable\"} ",
        "chathub_relay_latency_seconds_bucket{le=\"0.1\"} ",
        "chathub_pairing_wait_seconds_count ",
        "chathub_telegram_budget_waits_total ",
        "chathub_catch_ups_total ",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(series)),
            "{series:?} missing from /metrics"
        );
    }
    // The Bot API latency histogram, per method the hub calls and outcome,
    // although this app never called Telegram.
    assert!(text.contains("# HELP chathub_telegram_call_duration_seconds "));
    for (method, outcome) in [
        ("sendMessage", "ok"),
        ("copyMessage", "429"),
        ("answerCallbackQuery", "5xx"),
    ] {
        let labels = [
            format!("method=\"{method}\""),
            format!("outcome=\"{outcome}\""),
        ];
        assert!(
            text.lines().any(
                |l| l.starts_with("chathub_telegram_call_duration_seconds_count{")
                    && labels.iter().all(|label| l.contains(label.as_str()))
            ),
            "no {method} {outcome} call duration series in /metrics"
        );
    }
    app.shutdown().await;
}

#[actix_web::test]
async fn a_chat_shows_up_in_the_latency_histograms() {
    let app = spawn_app(&[]).await;
    let (mut a, mut b, _) = common::ws::matched_pair(&app.ws_url("")).await;
    a.say("m1", "hello").await;
    a.expect("ack").await;
    b.expect("message").await;
    let text = app.metrics_text().await;
    assert!(sample(&text, "chathub_relay_latency_seconds_count") >= 1.0);
    assert!(sample(&text, "chathub_pairing_wait_seconds_count") >= 1.0);
    assert!(sample(&text, "chathub_people_online{transport=\"web\"}") >= 2.0);
    app.shutdown().await;
}

async fn healthcheck(port: u16, ready: bool) -> bool {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chathub"));
    cmd.arg("healthcheck")
        .env("CHATHUB_LISTEN", format!("0.0.0.0:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if ready {
        cmd.arg("--ready");
    }
    let status = tokio::time::timeout(EXPECT_WITHIN, cmd.status())
        .await
        .expect("healthcheck returns")
        .unwrap();
    status.success()
}

#[actix_web::test]
async fn the_healthcheck_subcommand_reports_what_the_probes_see() {
    let app = spawn_app(&[]).await;
    assert!(healthcheck(app.port, false).await, "live");
    assert!(healthcheck(app.port, true).await, "ready");
    let port = app.port;
    app.shutdown().await;
    assert!(!healthcheck(port, false).await, "nothing listening");
}

#[actix_web::test]
async fn start_up_errors_are_json_when_json_logs_are_asked_for() {
    let out = Command::new(env!("CARGO_BIN_EXE_chathub"))
        .env("CHATHUB_LOG_FORMAT", "json")
        .env("CHATHUB_LISTEN", "not-an-address")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next().expect("the error is logged");
    let line: serde_json::Value = serde_json::from_str(first).expect("a JSON log line");
    assert_eq!(line["level"], "ERROR");
    assert!(
        line["fields"]["error"]
            .as_str()
            .unwrap()
            .contains("CHATHUB_LISTEN")
    );
}

#[actix_web::test]
async fn a_replica_waits_for_its_database_then_starts() {
    let db = TestDb::create().await;
    let mut proxy = PgProxy::start().await;
    proxy.down().await;
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chathub"))
        .env("DATABASE_URL", proxy.url(&db.url))
        .env("CHATHUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("CHATHUB_LOG_FORMAT", "json")
        .env("CHATHUB_STARTUP_WAIT_SECS", "60")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The replica says why it is waiting, in JSON, naming the dependency.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let waiting = tokio::time::timeout(EXPECT_WITHIN, lines.next_line())
        .await
        .expect("a log line while the database is down")
        .unwrap()
        .expect("a log line");
    let waiting: serde_json::Value = serde_json::from_str(&waiting).unwrap();
    assert_eq!(waiting["fields"]["dependency"], "PostgreSQL");
    assert!(!waiting["fields"]["error"].as_str().unwrap().is_empty());
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running, waiting"
    );
    // Keep draining its logs so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    proxy.up().await;
    wait_ready(&format!("http://127.0.0.1:{port}/readyz")).await;
}

#[actix_web::test]
async fn a_replica_gives_up_on_its_database_after_the_bound() {
    let mut proxy = PgProxy::start().await;
    proxy.down().await;
    let run = Command::new(env!("CARGO_BIN_EXE_chathub"))
        .env(
            "DATABASE_URL",
            proxy.url("postgres://postgres@127.0.0.1:5432/none"),
        )
        .env("CHATHUB_LISTEN", "127.0.0.1:0")
        .env("CHATHUB_LOG_FORMAT", "json")
        .env("CHATHUB_STARTUP_WAIT_SECS", "1")
        .output();
    let out = tokio::time::timeout(EXPECT_WITHIN + Duration::from_secs(5), run)
        .await
        .expect("the replica gives up within its bound")
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["level"], "ERROR");
    let error = last["fields"]["error"].as_str().unwrap();
    assert!(error.contains("PostgreSQL still unreachable"), "{error}");
    assert!(error.contains("refused"), "the cause is named: {error}");
}

/// The value of the first series line starting with `series`, or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[actix_web::test]
async fn telegram_calls_and_webhook_updates_are_counted_by_outcome() {
    use common::fake_telegram::{Failure, FakeTelegram};
    use common::telegram::{TgPerson, pair, spawn_tg_app, wait_method};
    const A: i64 = 7001;
    const B: i64 = 7002;
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    // One 429 on the way to B, then the message goes through.
    fake.fail_next(1, Some(B), Failure::TooMany { retry_after: 1 });
    a.text("hello").await;
    wait_method(&fake, B, "copymessage", 1).await;
    // Telegram with the wrong secret.
    let (_, update) = a.message(serde_json::json!({"text": "x"}));
    let refused = a
        .post_raw(
            &serde_json::json!({"update_id": 1, "message": update}),
            "wrong",
        )
        .await;
    assert_eq!(refused, 401);

    let text = app.metrics_text().await;
    assert!(sample(&text, "chathub_telegram_calls_total{outcome=\"429\"}") >= 1.0);
    assert!(sample(&text, "chathub_telegram_calls_total{outcome=\"ok\"}") >= 1.0);
    assert!(
        sample(
            &text,
            "chathub_telegram_call_duration_seconds_count{method=\"copyMessage\",outcome=\"ok\"}"
        ) >= 1.0,
        "latency by method and outcome"
    );
    assert!(
        sample(
            &text,
            "chathub_telegram_webhook_updates_total{outcome=\"ok\"}"
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            "chathub_telegram_webhook_updates_total{outcome=\"unauthorized\"}"
        ) >= 1.0
    );
    assert!(sample(&text, "chathub_people_online{transport=\"telegram\"}") >= 2.0);
    app.shutdown().await;
}
