//! WebSocket clients that misbehave at the frame level or stop reading:
//! each is closed with a clear code at once, or dropped at the socket
//! within a bounded time.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use common::ws::WsClient;
use futures_util::SinkExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;

/// A WebSocket opened by hand, so frames can be written byte by byte.
async fn raw_ws(port: u16) -> TcpStream {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
                Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await.unwrap();
        seen.push(byte[0]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 101"));
    tcp
}

/// Reads frames until a close frame; returns its status code.
async fn close_code(tcp: &mut TcpStream) -> u16 {
    let read = async {
        loop {
            let mut head = [0u8; 2];
            tcp.read_exact(&mut head).await.unwrap();
            let len = match head[1] & 0x7f {
                126 => u64::from(tcp.read_u16().await.unwrap()),
                127 => tcp.read_u64().await.unwrap(),
                n => u64::from(n),
            };
            let mut payload = vec![0u8; len as usize];
            tcp.read_exact(&mut payload).await.unwrap();
            if head[0] & 0x0f == 0x8 {
                return u16::from_be_bytes([payload[0], payload[1]]);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(3), read)
        .await
        .expect("a close frame at once")
}

#[actix_web::test]
async fn text_that_is_not_utf8_is_closed_with_1007() {
    let app = spawn_app(&[]).await;
    let mut tcp = raw_ws(app.port).await;
    let mask = [9u8, 8, 7, 6];
    let payload = [0xffu8, 0xfe];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask).map(|(b, m)| b ^ m));
    tcp.write_all(&frame).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1007);
    app.shutdown().await;
}

#[actix_web::test]
async fn a_frame_over_the_limit_is_closed_with_1009() {
    let app = spawn_app(&[]).await;
    let mut tcp = raw_ws(app.port).await;
    let payload = vec![b'a'; 70 * 1024];
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    tcp.write_all(&frame).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1009);
    app.shutdown().await;
}

#[actix_web::test]
async fn a_header_announcing_a_gigabyte_is_closed_with_1009_without_its_payload() {
    // A long idle timeout: a server that waited for the payload would only
    // close at idle, far past `close_code`'s deadline.
    let app = spawn_app(&[("CHATHUB_WS_IDLE_SECS", "600")]).await;
    let mut tcp = raw_ws(app.port).await;
    let mut frame = vec![0x81, 0x80 | 127];
    frame.extend_from_slice(&(1u64 << 30).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4]); // the mask; no payload follows
    tcp.write_all(&frame).await.unwrap();
    assert_eq!(close_code(&mut tcp).await, 1009);
    app.shutdown().await;
}

#[actix_web::test]
async fn a_client_that_never_reads_is_dropped_within_a_bounded_time() {
    let app = spawn_app(&[]).await;
    // A small receive window, so the server's writes back up quickly.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket
        .connect(([127, 0, 0, 1], app.port).into())
        .await
        .unwrap();
    let (mut stalled, _) = tokio_tungstenite::client_async(app.ws_url(""), tcp)
        .await
        .unwrap();
    stalled
        .send(Message::text(r#"{"type":"search"}"#))
        .await
        .unwrap();
    let mut talker = WsClient::connect(&app.ws_url("")).await;
    talker.search().await;
    talker.wait_for("matched").await;

    // The talker sends far more than any socket buffer holds; the stalled
    // client reads none of it, but keeps writing (as its pongs would).
    let text = "x".repeat(4000);
    let started = Instant::now();
    for i in 0..2000 {
        talker.say(&format!("m{i}"), &text).await;
        if i % 50 == 0 {
            while talker.try_next_frame().await.is_some() {}
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if stalled
            .send(Message::Ping(Vec::new().into()))
            .await
            .is_err()
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the stalled connection was still open 20 s after its backlog filled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("stalled client dropped after {:?}", started.elapsed());
    app.shutdown().await;
}
