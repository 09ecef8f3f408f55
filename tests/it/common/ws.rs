//! A WebSocket client speaking the chathub protocol, as the web page does.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use super::EXPECT_WITHIN;

/// The close code of a session ended by a ban or a deletion.
pub const CLOSED_BY_MODERATION: u16 = 4003;

/// Frames about the partner that interleave with everything else.
const SIGNALS: [&str; 3] = ["partner_away", "partner_back", "typing"];

/// Whether `frame` is a signal about the partner rather than an event of
/// the person's own room or search.
pub fn is_signal(frame: &Value) -> bool {
    SIGNALS.contains(&frame["type"].as_str().unwrap_or_default())
}

pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The resume token from `hello`.
    pub session: String,
    /// The room from `hello` (resumed connections).
    pub hello_room: Option<String>,
    pub resumed: bool,
}

/// What [`WsClient::poll`] found.
#[derive(Debug)]
pub enum Polled {
    Frame(Value),
    /// Nothing within the wait.
    Quiet,
    /// The connection ended (a close frame, a reset, or EOF).
    Closed,
}

/// How a connection ended, as the client saw it.
#[derive(Debug, PartialEq)]
pub enum Closed {
    Code(u16),
    Dropped,
}

impl WsClient {
    /// Connects to `url` and reads `hello`.
    pub async fn connect(url: &str) -> WsClient {
        Self::try_connect(url).await.expect("websocket connects")
    }

    /// Connects to `url` and reads `hello`; `Err` if the handshake fails
    /// (what a page sees when the load balancer has nowhere to send it).
    pub async fn try_connect(url: &str) -> Result<WsClient, String> {
        Self::try_connect_as(url, None).await
    }

    /// Connects to `url` (which may carry `?last_seq=N`) as the person
    /// behind `session`, offering the token as the page does: as a
    /// subprotocol, never in the URL.
    pub async fn resume(url: &str, session: &str) -> WsClient {
        Self::try_resume(url, session)
            .await
            .expect("websocket resumes")
    }

    pub async fn try_resume(url: &str, session: &str) -> Result<WsClient, String> {
        Self::try_connect_as(url, Some(session)).await
    }

    /// [`WsClient::try_connect`] or [`WsClient::try_resume`], by `session`.
    pub async fn try_connect_as(url: &str, session: Option<&str>) -> Result<WsClient, String> {
        Self::try_connect_with(url, session, &[]).await
    }

    /// As `try_connect_as`, with extra request headers (a proxy's
    /// `X-Forwarded-For`, say).
    pub async fn try_connect_with(
        url: &str,
        session: Option<&str>,
        headers: &[(&'static str, &str)],
    ) -> Result<WsClient, String> {
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        for (name, value) in headers {
            request
                .headers_mut()
                .insert(*name, value.parse().map_err(|_| "bad header value")?);
        }
        if let Some(token) = session {
            let offer = format!("chathub, chathub.session.{token}");
            request.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                offer.parse().map_err(|_| "token is not a header value")?,
            );
        }
        let (stream, response) = connect_async(request).await.map_err(|e| e.to_string())?;
        if session.is_some() {
            let selected = response.headers().get("Sec-WebSocket-Protocol");
            assert_eq!(selected.and_then(|v| v.to_str().ok()), Some("chathub"));
        }
        let mut client = WsClient {
            stream,
            session: String::new(),
            hello_room: None,
            resumed: false,
        };
        // A connection closed before its `hello` (a replica shutting down
        // as it accepted) is a failed attempt, not a broken test.
        let hello = match client.poll(EXPECT_WITHIN).await {
            Polled::Frame(f) if f["type"] == "hello" => f,
            other => return Err(format!("no hello: {other:?}")),
        };
        client.session = hello["session"].as_str().unwrap().to_owned();
        client.hello_room = hello["room"].as_str().map(str::to_owned);
        client.resumed = hello["resumed"].as_bool().unwrap();
        Ok(client)
    }

    pub async fn send(&mut self, frame: Value) {
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.stream.send(msg).await.expect("send raw frame");
    }

    pub async fn search(&mut self) {
        self.send(json!({"type": "search"})).await;
    }

    pub async fn say(&mut self, id: &str, text: &str) {
        self.send(json!({"type": "message", "id": id, "text": text}))
            .await;
    }

    /// The next JSON frame (pings are answered by the library).
    pub async fn next_frame(&mut self) -> Value {
        self.next_frame_within(EXPECT_WITHIN).await
    }

    /// The next JSON frame within `wait`, for events whose documented delay
    /// is longer than [`EXPECT_WITHIN`].
    pub async fn next_frame_within(&mut self, wait: Duration) -> Value {
        // One deadline for the frame, however many pings come meanwhile.
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .expect("a frame within the deadline")
                .expect("connection open")
                .expect("valid frame");
            match msg {
                Message::Text(t) => return serde_json::from_str(&t).expect("JSON frame"),
                Message::Close(c) => panic!("connection closed unexpectedly: {c:?}"),
                _ => continue,
            }
        }
    }

    /// A frame if one arrives within a short while, else `None`: for draining
    /// whatever the server has sent so far, never for asserting timing.
    pub async fn try_next_frame(&mut self) -> Option<Value> {
        loop {
            let next = tokio::time::timeout(Duration::from_millis(30), self.stream.next()).await;
            match next {
                Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) | Err(_) => {
                    return None;
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next JSON frame within `wait`, telling a quiet connection from
    /// a closed one (for clients that reconnect, as the page does).
    pub async fn poll(&mut self, wait: Duration) -> Polled {
        loop {
            match tokio::time::timeout(wait, self.stream.next()).await {
                Err(_) => return Polled::Quiet,
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Polled::Frame(serde_json::from_str(&t).expect("JSON frame"));
                }
                Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => {
                    return Polled::Closed;
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// The next frame, which must have `type` = `ty`. Signals about the
    /// partner (`partner_away`, `partner_back`, `typing`) may come between
    /// any two frames: they are passed over unless `ty` is one of them.
    pub async fn expect(&mut self, ty: &str) -> Value {
        loop {
            let frame = self.next_frame().await;
            let kind = frame["type"].as_str().unwrap_or_default();
            if kind != ty && SIGNALS.contains(&kind) && !SIGNALS.contains(&ty) {
                continue;
            }
            assert_eq!(kind, ty, "expected {ty}, got {frame}");
            return frame;
        }
    }

    /// Skips frames until one of type `ty` arrives.
    /// The next frame that is not a signal about the partner
    /// (`partner_away`, `partner_back`, `typing`), for checks of what a
    /// person is told about rooms, which such signals may precede.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let frame = self.next_frame().await;
            if !is_signal(&frame) {
                return frame;
            }
        }
    }

    /// Like [`WsClient::wait_for`], with a deadline of `wait` for the whole wait.
    pub async fn wait_for_within(&mut self, ty: &str, wait: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next_frame_within(left).await;
            if frame["type"] == ty {
                return frame;
            }
        }
    }

    pub async fn wait_for(&mut self, ty: &str) -> Value {
        loop {
            let frame = self.next_frame().await;
            if frame["type"] == ty {
                return frame;
            }
        }
    }

    /// Waits for the server to close the connection; returns the close code.
    pub async fn closed(&mut self) -> Closed {
        loop {
            let next = tokio::time::timeout(EXPECT_WITHIN, self.stream.next())
                .await
                .expect("close within the deadline");
            match next {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Closed::Code(u16::from(frame.code));
                }
                Some(Ok(Message::Close(None))) => {
                    return Closed::Code(u16::from(CloseCode::Status));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Closed::Dropped,
            }
        }
    }

    /// Waits to be told of a ban (`error` code `banned`), then for the
    /// moderation close (4003); returns the error frame.
    pub async fn told_banned_and_closed(&mut self) -> Value {
        let error = self.wait_for("error").await;
        assert_eq!(error["code"], "banned", "{error}");
        assert_eq!(self.closed().await, Closed::Code(CLOSED_BY_MODERATION));
        error
    }

    /// Drops the TCP connection without a close handshake (network loss).
    pub fn drop_connection(self) {
        drop(self.stream);
    }
}

/// Two fresh clients matched with each other; returns them and the room.
pub async fn matched_pair(url: &str) -> (WsClient, WsClient, String) {
    matched_pair_across(url, url).await
}

/// Like [`matched_pair`], with each client on its own replica.
pub async fn matched_pair_across(url_a: &str, url_b: &str) -> (WsClient, WsClient, String) {
    let mut a = WsClient::connect(url_a).await;
    let mut b = WsClient::connect(url_b).await;
    a.search().await;
    a.expect("searching").await;
    b.search().await;
    let room_b = b.wait_for("matched").await["room"]
        .as_str()
        .unwrap()
        .to_owned();
    let room_a = a.wait_for("matched").await["room"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(room_a, room_b, "both are in the same room");
    (a, b, room_a)
}
