//! A fake Telegram Bot API server on a real local port: answers the
//! methods the hub uses with plausible objects, records every call (method,
//! chat, parameters, time), and fails on request (429 / 403 / 5xx / 400),
//! for the next N calls or for one chat.
//!
//! One fake for the tests (`tests/common` includes this file by path) and
//! for `chathub-load telegram`, so it is self-contained (actix-web and
//! serde_json only) and cheap per call: one short lock, an O(1) push, no
//! scan of the calls so far (failure rules are scanned, but there are
//! none under load). The load tool watches calls as they arrive through an
//! [`Observer`] instead of polling copies of the record.
// Tests use one part of the API, the load tool another; unwraps are on the
// fake's own start-up (a port on 127.0.0.1) and on a poisoned lock, where
// a panic is the right end for a test or a benchmark.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, dev::ServerHandle, web};
use serde_json::Value;
use serve::handle;

#[path = "fake_telegram/serve.rs"]
mod serve;
#[path = "fake_telegram/wire.rs"]
mod wire;

/// The fake bot's own id and username.
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "fake_chathub_bot";
/// Longest a `getUpdates` call waits for an update (long polling).
const MAX_POLL_WAIT: Duration = Duration::from_millis(500);

/// One call as the fake saw it.
#[derive(Clone, Debug)]
pub struct Call {
    /// Lower-case method name (`sendmessage`, `copymessage`, ...).
    pub method: String,
    pub chat_id: Option<i64>,
    pub params: Value,
    pub at: Instant,
    /// The HTTP status the fake answered.
    pub status: u16,
    /// The `result` it answered with (`null` for failures).
    pub result: Value,
}

/// How to fail a call.
#[derive(Clone, Debug)]
pub enum Failure {
    /// 429 with `parameters.retry_after`.
    TooMany { retry_after: u32 },
    /// 403 "bot was blocked by the user".
    Blocked,
    /// A 5xx (teloxide then sleeps 10 s before reporting it).
    Server,
    /// 400 with this description.
    BadRequest(String),
}

struct Rule {
    chat: Option<i64>,
    /// Calls still to fail; `None` = every matching call.
    remaining: Option<usize>,
    failure: Failure,
}

/// Called with every call as the fake answers it, under the fake's lock (so
/// in the order of the record): keep it short, never call the fake from it.
pub type Observer = Arc<dyn Fn(&Call) + Send + Sync>;

/// How to start the fake; [`FakeTelegram::start`] takes the defaults.
#[derive(Clone)]
pub struct Options {
    /// Where to listen; `None` = 127.0.0.1 on a free port.
    pub listen: Option<SocketAddr>,
    /// actix-web worker threads.
    pub workers: usize,
    /// Keep every call for [`FakeTelegram::calls`] (the tests read them;
    /// a long load run with an observer need not).
    pub record: bool,
    pub observer: Option<Observer>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: None,
            workers: 1,
            record: true,
            observer: None,
        }
    }
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    rules: Vec<Rule>,
    next_message_id: i32,
    updates: VecDeque<Value>,
    /// Per chat, the users `getChatMember` calls administrators.
    admins: std::collections::HashMap<i64, Vec<i64>>,
}

/// What every request handler shares.
struct Shared {
    state: Mutex<State>,
    record: bool,
    observer: Option<Observer>,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub url: String,
    shared: Arc<Shared>,
    handle: ServerHandle,
}

impl FakeTelegram {
    /// Starts on 127.0.0.1, port 0, in the current actix System.
    pub async fn start() -> FakeTelegram {
        Self::start_with(Options::default()).await
    }

    /// Starts with `options`, in the current actix System.
    pub async fn start_with(options: Options) -> FakeTelegram {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next_message_id: 1000,
                ..State::default()
            }),
            record: options.record,
            observer: options.observer,
        });
        let addr = options
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = TcpListener::bind(addr).unwrap();
        let port = listener.local_addr().unwrap().port();
        let data = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route("/{token}/{method}", web::route().to(handle))
        })
        .workers(options.workers.max(1))
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeTelegram {
            url: format!("http://{}:{port}", addr.ip()),
            shared,
            handle,
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        // A clone, so a test can hold it while the fake takes more calls.
        self.shared.state.lock().unwrap().calls.clone()
    }

    /// Successful calls into `chat`.
    pub fn sent_to(&self, chat: i64) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.chat_id == Some(chat) && c.status == 200)
            .collect()
    }

    /// Fails the next `n` calls (into `chat`, if given).
    pub fn fail_next(&self, n: usize, chat: Option<i64>, failure: Failure) {
        self.shared.state.lock().unwrap().rules.push(Rule {
            chat,
            remaining: Some(n),
            failure,
        });
    }

    /// Fails every call into `chat` from now on.
    pub fn fail_chat(&self, chat: i64, failure: Failure) {
        self.shared.state.lock().unwrap().rules.push(Rule {
            chat: Some(chat),
            remaining: None,
            failure,
        });
    }

    pub fn clear_failures(&self) {
        self.shared.state.lock().unwrap().rules.clear();
    }

    /// `getChatMember` in `chat` answers `administrator` for `users` (and
    /// `member` for anyone else).
    pub fn set_admins(&self, chat: i64, users: &[i64]) {
        let mut s = self.shared.state.lock().unwrap();
        s.admins.insert(chat, users.to_vec());
    }

    /// Queues an update for `getUpdates`.
    pub fn push_update(&self, update: Value) {
        self.shared.state.lock().unwrap().updates.push_back(update);
    }

    /// Waits until `pred` holds for the calls, or panics after `within`.
    pub async fn wait_until(&self, within: Duration, pred: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let deadline = Instant::now() + within;
        loop {
            let calls = self.calls();
            if pred(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "fake telegram: condition not met; calls: {calls:#?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `chat` got at least `n` successful calls; returns them.
    pub async fn wait_sent(&self, chat: i64, n: usize, within: Duration) -> Vec<Call> {
        self.wait_until(within, |calls| {
            calls
                .iter()
                .filter(|c| c.chat_id == Some(chat) && c.status == 200)
                .count()
                >= n
        })
        .await;
        self.sent_to(chat)
    }
}
