//! People who keep chatting, the way the web page does, while replicas and
//! databases fail under them: each sends numbered messages one at a time
//! (the next after the previous ack), retries a refused one with the same
//! id, and after a dropped or closed connection resumes through the load
//! balancer with the highest seq it saw. What each received is kept, to
//! check afterwards that nothing was lost, doubled or reordered and that
//! nobody changed rooms.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::EXPECT_WITHIN;
use super::load::{Lb, Tally};
use super::ws::{Polled, WsClient, matched_pair_across};

/// Pause between one ack and the next message: a steady load that leaves
/// the two cores to the replicas.
const PACE: Duration = Duration::from_millis(50);
/// How long a person listens before looking at the load balancer again.
const POLL: Duration = Duration::from_millis(50);
/// Wait before a refused (retryable) message is sent again.
const RETRY_AFTER: Duration = Duration::from_millis(200);
/// A handshake that takes longer counts as failed (a frozen replica).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a load may run before the test is declared stuck.
const LOAD_DEADLINE: Duration = Duration::from_secs(120);
/// Longest wait for the partner's last messages once nobody sends: well
/// under the server's idle timeout (30 s), so a person whose partner has
/// stopped polling is not told of a disconnect before the loss is named.
const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// When a person's run ends.
#[derive(Clone, Copy)]
pub(super) enum Until {
    /// Keep sending until the tally says stop (and the last is acked).
    Stopped,
    /// Send nothing more; wait until this many of the partner's arrived.
    Received(usize),
}

pub struct Person {
    pub name: String,
    partner: String,
    client: Option<WsClient>,
    /// The replica the current (or last) connection went to.
    at: usize,
    session: String,
    pub room: String,
    /// Highest seq seen in the room, messages and acks (as the page keeps).
    last_seq: i64,
    /// The partner's texts, in the order they arrived.
    pub received: Vec<String>,
    /// Own messages acknowledged (numbered 1..=sent).
    pub sent: usize,
    /// The message awaiting its ack, and when to (re)send it.
    pending: Option<(String, Option<Instant>)>,
    next_send: Instant,
    /// Every room the server named to this person.
    pub rooms: HashSet<String>,
    /// What this person sent, got and did, timed: printed when they are
    /// stuck, to tell a lost message from a slow one.
    trace: Vec<String>,
}

impl Person {
    /// Two people matched with each other, on replicas `at_a` and `at_b`.
    pub async fn pair(lb: &Lb, name: &str, at_a: usize, at_b: usize) -> (Person, Person) {
        let (a, b, room) = matched_pair_across(&lb.urls[at_a], &lb.urls[at_b]).await;
        let person = |client: WsClient, at, me: String, partner: String| Person {
            name: me,
            partner,
            session: client.session.clone(),
            client: Some(client),
            at,
            room: room.clone(),
            last_seq: 0,
            received: Vec::new(),
            sent: 0,
            pending: None,
            next_send: Instant::now(),
            rooms: HashSet::from([room.clone()]),
            trace: Vec::new(),
        };
        let (na, nb) = (format!("{name}a"), format!("{name}b"));
        (
            person(a, at_a, na.clone(), nb.clone()),
            person(b, at_b, nb, na),
        )
    }

    fn text(name: &str, i: usize) -> String {
        format!("{name}-{i}")
    }

    pub(super) async fn run(&mut self, lb: &Lb, tally: &Tally, until: Until) {
        let deadline = Instant::now()
            + match until {
                Until::Stopped => LOAD_DEADLINE,
                Until::Received(_) => DRAIN_DEADLINE,
            };
        loop {
            assert!(
                Instant::now() < deadline,
                "{}: stuck with {} of the partner's messages (last: {:?}), last_seq {}, \
                 {} sent, pending {:?}\n{}",
                self.name,
                self.received.len(),
                self.received.last(),
                self.last_seq,
                self.sent,
                self.pending,
                self.trace.join("\n")
            );
            match until {
                Until::Stopped if tally.stop.load(Ordering::SeqCst) && self.pending.is_none() => {
                    return;
                }
                Until::Received(n) if self.received.len() >= n => return,
                _ => {}
            }
            if self.client.is_some() && !lb.is_up(self.at) {
                // Out of rotation: the balancer drops the connection.
                if let Some(client) = self.client.take() {
                    client.drop_connection();
                }
            }
            if self.client.is_none() {
                self.reconnect(lb, tally).await;
            }
            let now = Instant::now();
            if matches!(until, Until::Stopped)
                && self.pending.is_none()
                && !tally.stop.load(Ordering::SeqCst)
                && now >= self.next_send
            {
                self.pending = Some((Self::text(&self.name, self.sent + 1), Some(now)));
            }
            let client = self.client.as_mut().expect("connected");
            if let Some((text, due)) = &mut self.pending
                && due.is_some_and(|at| now >= at)
            {
                *due = None;
                client.say(text, text).await;
                self.trace
                    .push(format!("{:?} sent {text}", chrono::Utc::now()));
            }
            match client.poll(POLL).await {
                Polled::Frame(frame) => self.handle(frame, tally),
                Polled::Quiet => {}
                Polled::Closed => {
                    self.trace.push(format!("{:?} closed", chrono::Utc::now()));
                    self.client = None;
                }
            }
        }
    }

    fn handle(&mut self, frame: Value, tally: &Tally) {
        let seq = frame["seq"].as_i64().unwrap_or(0);
        self.trace.push(format!("{:?} {frame}", chrono::Utc::now()));
        match frame["type"].as_str() {
            Some("message") => {
                let text = frame["text"].as_str().unwrap_or_default();
                if text.starts_with(&format!("{}-", self.partner)) {
                    self.received.push(text.to_owned());
                }
                self.last_seq = self.last_seq.max(seq);
            }
            Some("ack") => {
                self.last_seq = self.last_seq.max(seq);
                if self.pending.as_ref().map(|(id, _)| id.as_str()) == frame["id"].as_str() {
                    self.pending = None;
                    self.sent += 1;
                    self.next_send = Instant::now() + PACE;
                    tally.acked.fetch_add(1, Ordering::SeqCst);
                }
            }
            Some("error") if frame["retryable"] == true => {
                if frame["code"] == "unavailable" {
                    tally.unavailable.fetch_add(1, Ordering::SeqCst);
                }
                if let Some((_, due)) = &mut self.pending {
                    *due = Some(Instant::now() + RETRY_AFTER);
                }
            }
            Some("matched") => {
                if let Some(room) = frame["room"].as_str() {
                    self.rooms.insert(room.to_owned());
                }
            }
            // Notices and presence signals change nothing the load counts.
            Some("partner_delayed") => {}
            _ if super::ws::is_signal(&frame) => {}
            _ => panic!("{:?} {}: unexpected {frame}", chrono::Utc::now(), self.name),
        }
    }

    /// Resumes through the balancer: the next replica in rotation, again
    /// and again until one answers, as the page's reconnect does.
    async fn reconnect(&mut self, lb: &Lb, tally: &Tally) {
        let deadline = Instant::now() + EXPECT_WITHIN * 3;
        loop {
            for step in 1..=lb.urls.len() {
                let at = (self.at + step) % lb.urls.len();
                if !lb.is_up(at) {
                    continue;
                }
                let url = format!("{}?last_seq={}", lb.urls[at], self.last_seq);
                let attempt = WsClient::try_resume(&url, &self.session);
                let Ok(Ok(client)) = tokio::time::timeout(CONNECT_TIMEOUT, attempt).await else {
                    continue;
                };
                assert!(client.resumed, "{}: resumed as the same person", self.name);
                assert_eq!(
                    client.hello_room.as_deref(),
                    Some(self.room.as_str()),
                    "{}: still in the same room after reconnecting",
                    self.name
                );
                self.trace.push(format!(
                    "{:?} resumed on {at} with {url}",
                    chrono::Utc::now()
                ));
                self.client = Some(client);
                self.at = at;
                tally.reconnects.fetch_add(1, Ordering::SeqCst);
                if let Some((_, due)) = &mut self.pending {
                    *due = Some(Instant::now()); // the page flushes its outbox
                }
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no replica took the reconnect",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks what this person received from `partner`: every acked
    /// message once, in the order sent, and one room throughout.
    pub(super) fn check_from(&self, partner: &Person) {
        let expected: Vec<String> = (1..=partner.sent)
            .map(|i| Self::text(&partner.name, i))
            .collect();
        if self.received != expected {
            let distinct: HashSet<&String> = self.received.iter().collect();
            let missing = expected.iter().filter(|t| !distinct.contains(t)).count();
            panic!(
                "{} from {}: {} received for {} acked ({} missing, {} doubled, order {})",
                self.name,
                partner.name,
                self.received.len(),
                expected.len(),
                missing,
                self.received.len() - distinct.len(),
                if self.received.is_sorted_by_key(|t| number(t)) {
                    "kept"
                } else {
                    "broken"
                }
            );
        }
        assert_eq!(
            self.rooms,
            HashSet::from([self.room.clone()]),
            "{}: one room throughout",
            self.name
        );
    }
}

fn number(text: &str) -> usize {
    text.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
