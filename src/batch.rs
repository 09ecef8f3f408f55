//! Batching without waiting: callers queue asks for one task, which takes
//! whatever queued up while it handled its previous batch and handles it
//! at once (one statement, one script call). Idle, a batch is one ask and
//! costs what a direct call would; under load batches grow by themselves,
//! with no timer adding delay. The message writers, the Telegram delivery
//! records and the Telegram budget all work this way.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

/// One queued ask and where its answer goes.
pub struct Pending<Q, A> {
    pub ask: Q,
    reply: oneshot::Sender<A>,
}

impl<Q, A> Pending<Q, A> {
    /// Answers the caller (who may have stopped waiting: then nobody hears).
    pub fn answer(self, answer: A) {
        let _ = self.reply.send(answer);
    }

    /// Answers with what the ask becomes (it is moved, not copied).
    pub fn answer_with(self, answer: impl FnOnce(Q) -> A) {
        let _ = self.reply.send(answer(self.ask));
    }

    /// Takes the ask out; what is left answers the same caller. For a
    /// handler whose asks are of several kinds, handled apart.
    pub fn into_ask(self) -> (Q, Pending<(), A>) {
        let Pending { ask, reply } = self;
        (ask, Pending { ask: (), reply })
    }
}

/// What a batching task does with each batch. Every ask of the batch must
/// be answered; one dropped unanswered reads as a stopped task to its
/// caller.
pub trait Handler: Send + 'static {
    type Ask: Send + 'static;
    type Answer: Send + 'static;

    fn handle(
        &mut self,
        batch: Vec<Pending<Self::Ask, Self::Answer>>,
    ) -> impl Future<Output = ()> + Send;
}

/// The batching task stopped (its runtime is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the batching task stopped")]
pub struct Stopped;

/// The queue in front of one batching task; the task stops once every
/// clone of this is dropped.
pub struct Batcher<H: Handler> {
    queue: mpsc::Sender<Pending<H::Ask, H::Answer>>,
}

impl<H: Handler> Clone for Batcher<H> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<H: Handler> Batcher<H> {
    /// Starts the task on the current tokio runtime. At most `depth` asks
    /// wait (further callers are pushed back on) and a batch holds at most
    /// `max`.
    pub fn start(mut handler: H, depth: usize, max: usize) -> Self {
        let (queue, mut asks) = mpsc::channel(depth);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while asks.recv_many(&mut batch, max).await > 0 {
                // A caller that gave up (timed out) was told to retry:
                // handling its ask now would only add load.
                batch.retain(|p: &Pending<H::Ask, H::Answer>| !p.reply.is_closed());
                if !batch.is_empty() {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(max));
                    handler.handle(full).await;
                }
            }
        });
        Self { queue }
    }

    /// Queues `ask` and waits for its answer.
    pub async fn ask(&self, ask: H::Ask) -> Result<H::Answer, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { ask, reply })
            .await
            .map_err(|_| Stopped)?;
        answer.await.map_err(|_| Stopped)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::sync::Semaphore;

    use super::*;

    /// Doubles each ask; each batch says it started, waits for a permit,
    /// and its size is noted.
    struct Doubler {
        sizes: Arc<Mutex<Vec<usize>>>,
        gate: Arc<Semaphore>,
        started: mpsc::UnboundedSender<()>,
    }

    impl Handler for Doubler {
        type Ask = u32;
        type Answer = u32;

        async fn handle(&mut self, batch: Vec<Pending<u32, u32>>) {
            self.started.send(()).unwrap();
            self.gate.acquire().await.unwrap().forget();
            self.sizes.lock().unwrap().push(batch.len());
            for p in batch {
                p.answer_with(|n| n * 2);
            }
        }
    }

    #[tokio::test]
    async fn what_queues_up_during_a_batch_goes_into_the_next_and_the_abandoned_are_left_out() {
        // Arrange: a batcher whose first batch is held.
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(Semaphore::new(0));
        let (started, mut batches) = mpsc::unbounded_channel();
        let doubler = Doubler {
            sizes: sizes.clone(),
            gate: gate.clone(),
            started,
        };
        let batcher = Batcher::start(doubler, 16, 8);
        let first = tokio::spawn({
            let b = batcher.clone();
            async move { b.ask(1).await }
        });
        batches.recv().await.unwrap();

        // Act: five asks and one that gives up queue meanwhile.
        let waiting: Vec<_> = (2..7)
            .map(|n| {
                let b = batcher.clone();
                tokio::spawn(async move { b.ask(n).await })
            })
            .collect();
        let gave_up = tokio::time::timeout(Duration::from_millis(20), batcher.ask(99)).await;
        gate.add_permits(2);

        // Assert: every ask answered, the rest in one batch without the
        // abandoned one.
        assert!(gave_up.is_err());
        assert_eq!(first.await.unwrap().unwrap(), 2);
        for (n, ask) in (2..7).zip(waiting) {
            assert_eq!(ask.await.unwrap().unwrap(), n * 2);
        }
        assert_eq!(*sizes.lock().unwrap(), [1, 5]);
    }
}
