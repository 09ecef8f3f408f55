//! Black-box tests of the web chat over real WebSockets, against the app
//! started on port 0 in embedded mode.

use crate::common;

use common::ws::{Closed, WsClient, matched_pair};
use common::{scenarios, spawn_app};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[actix_web::test]
async fn two_people_are_matched_and_messages_arrive_in_order_with_acks() {
    let app = spawn_app(&[]).await;
    scenarios::two_people_are_matched_and_messages_arrive_in_order_with_acks(&app).await;
}

#[actix_web::test]
async fn next_tells_the_partner_and_searches_again() {
    let app = spawn_app(&[]).await;
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;

    a.send(json!({"type": "next"})).await;

    let left = b.expect("partner_left").await;
    assert_eq!(left["room"], room.as_str());
    assert_eq!(left["reason"], "next");
    a.expect("searching").await;

    // A newcomer is paired with A, who is searching again; B is idle.
    let mut c = WsClient::connect(&app.ws_url("")).await;
    c.search().await;
    let room_c = c.wait_for("matched").await["room"].clone();
    let room_a = a.expect("matched").await["room"].clone();
    assert_eq!(room_a, room_c);
    assert_ne!(room_a, json!(room));
    // B is no longer in a room: messaging is refused.
    b.say("late", "anyone?").await;
    let err = b.expect("error").await;
    assert_eq!(err["code"], "not_in_room");
    assert_eq!(err["id"], "late");
}

#[actix_web::test]
async fn stop_ends_the_room_for_both() {
    let app = spawn_app(&[]).await;
    let (mut a, mut b, _) = matched_pair(&app.ws_url("")).await;

    b.send(json!({"type": "stop"})).await;

    b.expect("stopped").await;
    assert_eq!(a.expect("partner_left").await["reason"], "stop");
    a.say("x", "still there?").await;
    assert_eq!(a.expect("error").await["code"], "not_in_room");
}

#[actix_web::test]
async fn stop_while_searching_leaves_the_queue() {
    let app = spawn_app(&[]).await;
    let url = app.ws_url("");
    let mut a = WsClient::connect(&url).await;
    a.search().await;
    a.expect("searching").await;

    a.send(json!({"type": "stop"})).await;
    a.expect("stopped").await;

    // B and C search after A left: they are paired with each other. Had A
    // still been queued, B would have been paired with A (FIFO).
    let mut b = WsClient::connect(&url).await;
    let mut c = WsClient::connect(&url).await;
    b.search().await;
    b.expect("searching").await;
    c.search().await;
    let room_c = c.wait_for("matched").await["room"].clone();
    assert_eq!(b.expect("matched").await["room"], room_c);
}

#[actix_web::test]
async fn bad_input_gets_a_clear_error_and_the_connection_survives() {
    let app = spawn_app(&[]).await;
    let mut a = WsClient::connect(&app.ws_url("")).await;

    a.send_raw(Message::text("this is not json")).await;
    assert_eq!(a.expect("error").await["code"], "bad_frame");
    a.send(json!({"type": "teleport"})).await;
    assert_eq!(a.expect("error").await["code"], "bad_frame");
    a.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    assert_eq!(a.expect("error").await["code"], "bad_frame");
    a.send(json!({"type": "message", "id": "m1", "text": "hi"}))
        .await;
    let err = a.expect("error").await;
    assert_eq!(err["code"], "not_in_room");
    assert!(err["message"].as_str().unwrap().contains("not in a chat"));
    a.send(json!({"type": "search", "prefs": {"lang": "<b>"}}))
        .await;
    assert_eq!(a.expect("error").await["code"], "bad_prefs");

    // Still usable: match and check the size limits inside a room.
    let mut b = WsClient::connect(&app.ws_url("")).await;
    a.search().await;
    a.expect("searching").await;
    b.search().await;
    a.expect("matched").await;
    b.wait_for("matched").await;

    a.say("big", &"x".repeat(4097)).await;
    let err = a.expect("error").await;
    assert_eq!(
        (err["code"].as_str(), err["id"].as_str()),
        (Some("too_long"), Some("big"))
    );
    a.say("bad id!", "hi").await;
    assert_eq!(a.expect("error").await["code"], "bad_message_id");
    a.say("empty", "   ").await;
    assert_eq!(a.expect("error").await["code"], "empty_message");
    a.say("max", &"é".repeat(4096)).await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    // Nothing refused reached B: the first message B sees is seq 1.
    assert_eq!(b.expect("message").await["seq"], 1);
}

#[actix_web::test]
async fn a_retried_message_is_stored_and_delivered_once() {
    let app = spawn_app(&[]).await;
    scenarios::a_retried_message_is_stored_and_delivered_once(&app).await;
}

#[actix_web::test]
async fn resume_after_a_dropped_connection_loses_and_doubles_nothing() {
    let app = spawn_app(&[]).await;
    scenarios::resume_after_a_dropped_connection_loses_and_doubles_nothing(&app).await;
}

#[actix_web::test]
async fn a_last_seq_beyond_the_room_is_clamped_not_silent() {
    let app = spawn_app(&[]).await;
    scenarios::a_last_seq_beyond_the_room_is_clamped_not_silent(&app).await;
}

#[actix_web::test]
async fn a_partner_who_does_not_come_back_ends_the_room() {
    let app = spawn_app(&[("CHATHUB_RESUME_GRACE_SECS", "1")]).await;
    let (mut a, b, room) = matched_pair(&app.ws_url("")).await;

    b.drop_connection();

    let left = a.expect("partner_left").await;
    assert_eq!(left["room"], room.as_str());
    assert_eq!(left["reason"], "disconnected");
}

#[actix_web::test]
async fn a_second_connection_of_the_same_person_takes_over() {
    let app = spawn_app(&[]).await;
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;

    let mut a2 = WsClient::resume(&app.ws_url(""), &a.session).await;

    assert_eq!(a.closed().await, Closed::Code(4001));
    assert_eq!(a2.hello_room.as_deref(), Some(room.as_str()));
    a2.expect("matched").await;
    a2.say("n1", "from the new tab").await;
    a2.expect("ack").await;
    assert_eq!(b.expect("message").await["text"], "from the new tab");
}

#[actix_web::test]
async fn report_files_a_complaint_and_ends_the_room() {
    let app = spawn_app(&[]).await;
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;
    b.say("rude", "something rude").await;
    b.expect("ack").await;
    a.expect("message").await;

    a.send(json!({"type": "report", "reason": "rude"})).await;

    assert_eq!(a.expect("reported").await["room"], room.as_str());
    assert_eq!(b.expect("partner_left").await["reason"], "report");
    // Nothing left to report once idle and reported... but the last room can
    // still be reported by the other side.
    b.send(json!({"type": "report"})).await;
    assert_eq!(b.expect("reported").await["room"], room.as_str());
}

#[actix_web::test]
async fn flooding_is_refused_with_a_retryable_error() {
    let app = spawn_app(&[("CHATHUB_FLOOD_PER_SEC", "1"), ("CHATHUB_FLOOD_BURST", "3")]).await;
    let mut a = WsClient::connect(&app.ws_url("")).await;

    for _ in 0..10 {
        a.send(json!({"type": "stop"})).await;
    }

    let mut stopped = 0;
    let mut flood = 0;
    for _ in 0..10 {
        let frame = a.next_frame().await;
        match frame["type"].as_str() {
            Some("stopped") => stopped += 1,
            Some("error") if frame["code"] == "flood" => {
                assert_eq!(frame["retryable"], true);
                // When a token is back: at most a second at 1/s.
                let after = frame["retry_after_ms"].as_u64().unwrap();
                assert!((1..=1000).contains(&after), "{frame}");
                flood += 1;
            }
            _ => panic!("unexpected frame {frame}"),
        }
    }
    assert!(
        stopped >= 3 && flood >= 1,
        "stopped={stopped} flood={flood}"
    );
}

#[actix_web::test]
async fn many_concurrent_searches_pair_everyone_exactly_once() {
    let app = spawn_app(&[]).await;
    let url = app.ws_url("");
    let mut clients = Vec::new();
    for _ in 0..40 {
        clients.push(WsClient::connect(&url).await);
    }

    // Everyone searches at once.
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                c.search().await;
                let room = c.wait_for("matched").await["room"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                (c, room)
            })
        })
        .collect();
    let mut rooms = std::collections::HashMap::<String, usize>::new();
    let mut keep = Vec::new();
    for t in tasks {
        let (c, room) = t.await.unwrap();
        *rooms.entry(room).or_default() += 1;
        keep.push(c);
    }

    assert_eq!(rooms.len(), 20);
    assert!(rooms.values().all(|&n| n == 2), "{rooms:?}");
}

#[actix_web::test]
async fn graceful_shutdown_tells_clients_to_reconnect() {
    let app = spawn_app(&[]).await;
    let (mut a, _b, _) = matched_pair(&app.ws_url("")).await;

    app.shutdown().await;

    assert_eq!(a.closed().await, Closed::Code(1001));
}

#[actix_web::test]
async fn health_readiness_page_and_metrics() {
    let app = spawn_app(&[]).await;
    // One connection, so the connection gauge exists.
    let _ws = WsClient::connect(&app.ws_url("")).await;
    let client = reqwest::Client::new();
    let health = client.get(app.http("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = client.get(app.http("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["store"], "ok");
    let page = client.get(app.http("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
    let bad = client
        .get(app.http("/ws?last_seq=-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[actix_web::test]
async fn an_idle_connection_is_closed_after_the_heartbeat_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&[("CHATHUB_WS_IDLE_SECS", "1")]).await;

    // A raw client that completes the handshake and then never answers
    // anything (WebSocket libraries answer pings by themselves).
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        app.port
    );
    tcp.write_all(request.as_bytes()).await.unwrap();

    // Read until the server hangs up; it must send a close frame first.
    let mut bytes = Vec::new();
    tokio::time::timeout(common::EXPECT_WITHIN, tcp.read_to_end(&mut bytes))
        .await
        .expect("the server closes an idle connection")
        .unwrap();
    let body_at = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(bytes.starts_with(b"HTTP/1.1 101"));
    let opcodes = frame_opcodes(&bytes[body_at..]);
    assert!(opcodes.contains(&0x1), "hello was sent: {opcodes:?}");
    assert!(opcodes.contains(&0x9), "the server pinged");
    assert_eq!(opcodes.last(), Some(&0x8), "and closed: {opcodes:?}");
}

/// Opcodes of the unmasked server frames in `buf`.
fn frame_opcodes(mut buf: &[u8]) -> Vec<u8> {
    let mut ops = Vec::new();
    while buf.len() >= 2 {
        let (op, len7) = (buf[0] & 0x0f, (buf[1] & 0x7f) as usize);
        let (len, header) = match len7 {
            126 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n, 2),
        };
        ops.push(op);
        buf = &buf[(header + len).min(buf.len())..];
    }
    ops
}

#[actix_web::test]
async fn the_admin_api_needs_the_bearer_token() {
    let app = spawn_app(&[("CHATHUB_ADMIN_TOKEN", "s3cret-token")]).await;
    let mut a = WsClient::connect(&app.ws_url("")).await;
    a.search().await;
    a.expect("searching").await;
    let client = reqwest::Client::new();

    let none = client.get(app.http("/admin/stats")).send().await.unwrap();
    let wrong = client
        .get(app.http("/admin/stats"))
        .bearer_auth("s3cret-tokeN")
        .send()
        .await
        .unwrap();
    let right = client
        .get(app.http("/admin/stats"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();

    assert_eq!(
        (none.status().as_u16(), wrong.status().as_u16()),
        (401, 401)
    );
    assert_eq!(right.status(), 200);
    let stats: serde_json::Value = right.json().await.unwrap();
    assert_eq!(
        (
            stats["connections"].as_u64(),
            stats["queue_waiting"].as_u64()
        ),
        (Some(1), Some(1))
    );
    // Without a configured token the admin API does not exist.
    let off = spawn_app(&[]).await;
    let res = client
        .get(off.http("/admin/stats"))
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
