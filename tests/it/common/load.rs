//! A steady load of web pairs (`people::Person`) behind a model of the
//! load balancer, for fault tests: started in the background, then stopped,
//! drained and checked (nothing lost, nothing doubled, order kept, one room
//! each).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::EXPECT_WITHIN;
use super::people::{Person, Until};

/// What the load balancer routes to: the replicas' URLs and which of them
/// are in rotation. Taking one out also ends the connections it carries.
pub struct Lb {
    pub(super) urls: Vec<String>,
    up: Vec<AtomicBool>,
}

impl Lb {
    pub fn new(urls: Vec<String>) -> Arc<Lb> {
        let up = urls.iter().map(|_| AtomicBool::new(true)).collect();
        Arc::new(Lb { urls, up })
    }

    pub fn set_up(&self, replica: usize, up: bool) {
        self.up[replica].store(up, Ordering::SeqCst);
    }

    pub(super) fn is_up(&self, replica: usize) -> bool {
        self.up[replica].load(Ordering::SeqCst)
    }
}

/// Counts over every person of a load, and the signal that ends it.
#[derive(Default)]
pub struct Tally {
    pub acked: AtomicUsize,
    pub unavailable: AtomicUsize,
    pub reconnects: AtomicUsize,
    pub(super) stop: AtomicBool,
}

impl Tally {
    pub fn new() -> Arc<Tally> {
        Arc::default()
    }

    /// Waits until `more` messages beyond the current count were acked.
    pub async fn wait_acked(&self, more: usize, what: &str) {
        let target = self.acked.load(Ordering::SeqCst) + more;
        self.wait(what, || self.acked.load(Ordering::SeqCst) >= target)
            .await;
    }

    /// Waits until `check` holds, for up to three `EXPECT_WITHIN`s.
    pub async fn wait(&self, what: &str, check: impl Fn() -> bool) {
        let deadline = Instant::now() + EXPECT_WITHIN * 3;
        while !check() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A load running in the background: every person of `pairs` chatting.
pub struct Load {
    tasks: Vec<JoinHandle<(Person, Person)>>,
    lb: Arc<Lb>,
    pub tally: Arc<Tally>,
}

impl Load {
    pub fn start(pairs: Vec<(Person, Person)>, lb: &Arc<Lb>) -> Load {
        let tally = Tally::new();
        let tasks = pairs
            .into_iter()
            .map(|(mut a, mut b)| {
                let (lb, tally) = (lb.clone(), tally.clone());
                tokio::spawn(async move {
                    tokio::join!(
                        a.run(&lb, &tally, Until::Stopped),
                        b.run(&lb, &tally, Until::Stopped)
                    );
                    (a, b)
                })
            })
            .collect();
        Load {
            tasks,
            lb: lb.clone(),
            tally,
        }
    }

    /// Stops sending, waits until everyone has everything their partner
    /// had acked, and checks it all; prints the counts. Returns the pairs.
    pub async fn finish(self, what: &str) -> Vec<(Person, Person)> {
        self.tally.stop.store(true, Ordering::SeqCst);
        let mut pairs = Vec::new();
        for task in self.tasks {
            let (mut a, mut b) = task.await.expect("a person's task panicked");
            let (from_b, from_a) = (b.sent, a.sent);
            let (lb, tally) = (&self.lb, &self.tally);
            tokio::join!(
                a.run(lb, tally, Until::Received(from_b)),
                b.run(lb, tally, Until::Received(from_a))
            );
            a.check_from(&b);
            b.check_from(&a);
            assert_eq!(a.room, b.room, "the two agree on their room");
            pairs.push((a, b));
        }
        eprintln!(
            "{what}: {} pairs, {} messages acked and each received once in order, \
             {} reconnects, {} `unavailable` retried",
            pairs.len(),
            self.tally.acked.load(Ordering::SeqCst),
            self.tally.reconnects.load(Ordering::SeqCst),
            self.tally.unavailable.load(Ordering::SeqCst),
        );
        pairs
    }
}
