//! The load tools' WebSocket client: one way to connect, with a read
//! buffer sized for chat frames.

use anyhow::Context;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What each read asks of the socket. tungstenite zero-fills its whole
/// read buffer before every read (128 KiB by default): at 20,000 frames a
/// second that memset was a fifth of the load tool's CPU, taken from the
/// two cores the measured processes share. Chat frames are far smaller,
/// and a bigger frame still arrives whole (the buffer grows for it).
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// Connects to `url` without Nagle's delay, as browsers do for WebSockets.
pub async fn connect(url: &str) -> anyhow::Result<Ws> {
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    let (ws, _) = connect_async_with_config(url, Some(config), true)
        .await
        .context("connect")?;
    Ok(ws)
}
