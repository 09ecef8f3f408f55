//! Hostile clients: requests that must be refused before their body is
//! read, and refused with a clear answer.

use crate::common;

use std::time::Duration;

use common::fake_telegram::FakeTelegram;
use common::pg::TestDb;
use common::spawn_app;
use common::telegram::{SECRET, spawn_tg_app};
use common::ws::WsClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "admin-test-token";
/// How long a refusal may take. The body is never finished, so a server
/// that waits for it before answering misses this by far.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// Sends `head` and the first bytes of a body announced as 1 MB, never the
/// rest; returns the status line's code of whatever the server answers.
async fn status_before_the_body_ends(port: u16, head: &str) -> u16 {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "{head}\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: 1000000\r\n\r\n{{\"reason\":\"aaaa"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(ANSWER_WITHIN, tcp.read(&mut answer))
        .await
        .expect("an answer before the body is complete")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    text.split(' ')
        .nth(1)
        .unwrap_or("")
        .parse()
        .expect("a status line")
}

fn ban_path() -> String {
    format!("POST /admin/users/{}/ban HTTP/1.1", uuid::Uuid::new_v4())
}

#[actix_web::test]
async fn admin_calls_without_the_token_are_refused_before_the_body_is_read() {
    let app = spawn_app(&[("CHATHUB_ADMIN_TOKEN", TOKEN)]).await;
    assert_eq!(
        status_before_the_body_ends(app.port, &ban_path()).await,
        401
    );
    let wrong = format!("{}\r\nAuthorization: Bearer nope", ban_path());
    assert_eq!(status_before_the_body_ends(app.port, &wrong).await, 401);
    app.shutdown().await;
}

#[actix_web::test]
async fn admin_api_off_is_404_whatever_the_body() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        status_before_the_body_ends(app.port, &ban_path()).await,
        404
    );
    let http = reqwest::Client::new();
    let answer = http
        .post(app.http(&format!("/admin/users/{}/ban", uuid::Uuid::new_v4())))
        .json(&serde_json::json!({"nonsense": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404, "not a 400 naming the fields");
    app.shutdown().await;
}

#[actix_web::test]
async fn admin_bodies_are_small() {
    let app = spawn_app(&[("CHATHUB_ADMIN_TOKEN", TOKEN)]).await;
    let http = reqwest::Client::new();
    let answer = http
        .post(app.http(&format!("/admin/users/{}/ban", uuid::Uuid::new_v4())))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"reason": "x".repeat(10_000), "by": "mod"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body = answer.text().await.unwrap();
    assert!(body.contains("larger than allowed"), "{body}");
    app.shutdown().await;
}

#[actix_web::test]
async fn a_webhook_with_a_wrong_secret_is_refused_before_the_body_is_read() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let head = "POST /telegram/webhook HTTP/1.1\r\nX-Telegram-Bot-Api-Secret-Token: wrong";
    assert_eq!(status_before_the_body_ends(app.port, head).await, 401);
    let none = "POST /telegram/webhook HTTP/1.1";
    assert_eq!(status_before_the_body_ends(app.port, none).await, 401);
    // The right secret and a complete update still work.
    let right =
        format!("POST /telegram/webhook HTTP/1.1\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}");
    let mut tcp = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let body = "{}";
    let request = format!(
        "{right}\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = tcp.read(&mut answer).await.unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 400"),
        "a malformed update is a 400 once the secret matched"
    );
    app.shutdown().await;
}

#[actix_web::test]
async fn the_resume_token_in_a_url_is_refused() {
    let app = spawn_app(&[]).await;
    let a = WsClient::connect(&app.ws_url("")).await;
    let refused = WsClient::try_connect(&app.ws_url(&format!("?session={}", a.session)))
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("400"), "{refused}");
    // The same token as a subprotocol resumes the person (and the server
    // selects `chathub`, which `resume` checks).
    let again = WsClient::resume(&app.ws_url("?last_seq=0"), &a.session).await;
    assert!(again.resumed);
    assert_eq!(again.session, a.session);
    app.shutdown().await;
}

#[actix_web::test]
async fn a_plain_get_of_ws_creates_nobody() {
    let db = TestDb::create().await;
    let app = spawn_app(&[("DATABASE_URL", db.url.as_str())]).await;
    for _ in 0..20 {
        let answer = reqwest::get(app.http("/ws")).await.unwrap();
        assert_eq!(answer.status(), 400);
    }
    assert_eq!(db.count("users").await, 0, "no person for a refused GET");
    WsClient::connect(&app.ws_url("")).await;
    assert_eq!(db.count("users").await, 1);
    app.shutdown().await;
}

/// The handshake's HTTP status when `/ws` is opened from a page at `origin`.
async fn ws_status_from(url: &str, origin: &str) -> u16 {
    use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest};
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("{e}"),
    }
}

#[actix_web::test]
async fn another_sites_page_cannot_open_a_chat() {
    let app = spawn_app(&[]).await;
    let url = app.ws_url("");
    assert_eq!(ws_status_from(&url, "https://evil.example").await, 403);
    let own = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(ws_status_from(&url, &own).await, 101);
    app.shutdown().await;

    let app = spawn_app(&[("CHATHUB_ALLOWED_ORIGINS", "https://chat.example")]).await;
    let url = app.ws_url("");
    assert_eq!(ws_status_from(&url, "https://chat.example").await, 101);
    let own = format!("http://127.0.0.1:{}", app.port);
    assert_eq!(ws_status_from(&url, &own).await, 403);
    app.shutdown().await;
}

#[actix_web::test]
async fn a_refused_handshake_is_answered_like_any_other_request() {
    use tokio_tungstenite::tungstenite::{Error, client::IntoClientRequest};
    // Arrange: a handshake from another site's page.
    let app = spawn_app(&[]).await;
    let mut request = app.ws_url("").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());

    // Act
    let refused = tokio_tungstenite::connect_async(request).await;

    // Assert: a 403 with the reason as JSON, and the headers every other
    // answer of the public listener carries.
    let Err(Error::Http(response)) = refused else {
        panic!("expected an HTTP refusal, got {refused:?}");
    };
    assert_eq!(response.status().as_u16(), 403);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    let body: serde_json::Value =
        serde_json::from_slice(response.body().as_deref().unwrap_or_default())
            .expect("a JSON body");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.contains("CHATHUB_ALLOWED_ORIGINS"), "{body}");
    app.shutdown().await;
}

#[actix_web::test]
async fn connections_past_the_replicas_cap_get_a_clear_503() {
    let app = spawn_app(&[("CHATHUB_MAX_CONNECTIONS", "2")]).await;
    let first = WsClient::connect(&app.ws_url("")).await;
    let _second = WsClient::connect(&app.ws_url("")).await;
    let refused = WsClient::try_connect(&app.ws_url(""))
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("503"), "{refused}");
    // A place frees when a connection ends.
    first.drop_connection();
    let deadline = std::time::Instant::now() + common::EXPECT_WITHIN;
    while WsClient::try_connect(&app.ws_url("")).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the place was never freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.shutdown().await;
}

#[actix_web::test]
async fn one_address_cannot_take_every_place_and_only_a_trusted_proxy_names_it() {
    // Arrange: one connection per address; 127.0.0.1 is a trusted proxy.
    let app = spawn_app(&[
        ("CHATHUB_MAX_CONNECTIONS_PER_ADDRESS", "1"),
        ("CHATHUB_TRUSTED_PROXIES", "127.0.0.1, 10.9.0.0/16"),
    ])
    .await;
    let via = |client: &'static str| [("X-Forwarded-For", client)];
    let url = app.ws_url("");

    // Act and assert: behind the proxy, each client address has its place...
    let _one = WsClient::try_connect_with(&url, None, &via("203.0.113.1"))
        .await
        .unwrap();
    let _two = WsClient::try_connect_with(&url, None, &via("203.0.113.2"))
        .await
        .unwrap();
    // ...a second connection of one address is refused clearly...
    let refused = WsClient::try_connect_with(&url, None, &via("203.0.113.1"))
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("429"), "{refused}");
    // ...and a trusted hop in between does not hide the client.
    let refused = WsClient::try_connect_with(&url, None, &via("203.0.113.2, 10.9.1.1"))
        .await
        .err()
        .expect("refused");
    assert!(refused.contains("429"), "{refused}");
    app.shutdown().await;

    // Without trust, the header is ignored: the peer is the client.
    let app = spawn_app(&[("CHATHUB_MAX_CONNECTIONS_PER_ADDRESS", "1")]).await;
    let url = app.ws_url("");
    let _one = WsClient::try_connect_with(&url, None, &via("203.0.113.1"))
        .await
        .unwrap();
    let refused = WsClient::try_connect_with(&url, None, &via("203.0.113.2"))
        .await
        .err()
        .expect("a forged header does not buy a second place");
    assert!(refused.contains("429"), "{refused}");
    app.shutdown().await;
}

#[actix_web::test]
async fn searches_per_address_are_capped_with_a_clear_error() {
    // Arrange: two searches a minute per address, behind a trusted proxy.
    let app = spawn_app(&[
        ("CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN", "2"),
        ("CHATHUB_TRUSTED_PROXIES", "127.0.0.1"),
    ])
    .await;
    let url = app.ws_url("");
    let mut a = WsClient::try_connect_with(&url, None, &[("X-Forwarded-For", "203.0.113.7")])
        .await
        .unwrap();

    // Act: search, stop, search, stop, search.
    for _ in 0..2 {
        a.search().await;
        a.expect("searching").await;
        a.send(serde_json::json!({"type": "stop"})).await;
        a.expect("stopped").await;
    }
    a.search().await;

    // Assert: the third is refused, clearly and as retryable; someone at
    // another address searches as usual.
    let error = a.expect("error").await;
    assert_eq!(error["code"], "too_many_searches");
    assert_eq!(error["retryable"], true);
    let mut b = WsClient::try_connect_with(&url, None, &[("X-Forwarded-For", "203.0.113.8")])
        .await
        .unwrap();
    b.search().await;
    b.expect("searching").await;
    app.shutdown().await;
}
