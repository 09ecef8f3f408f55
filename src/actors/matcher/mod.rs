//! The Matcher: one per replica, in front of the search queue. Pairing is a
//! single atomic `join` on the queue (global when the queue is in Redis), and
//! the store refuses a second active room for anyone, so two replicas can
//! never put one person in two rooms. Searches run concurrently, here as
//! across replicas: the queue orders them (FIFO among compatible people in
//! the order their `join` reaches it).

use std::sync::Arc;

use actix::prelude::*;

use crate::bus::{Bus, BusEvent, QueueEntry, SearchQueue, Topic};
use crate::domain::{MatchPolicy, Relaxed, UserId};
use crate::error::ChatError;
use crate::store::{StoreError, Stores};

pub struct Matcher {
    /// The queue (shared by all replicas in production). Only this actor
    /// and `CancelSearch` senders' requests touch it on this replica.
    queue: Arc<dyn SearchQueue>,
    store: Stores,
    bus: Arc<dyn Bus>,
    policy: MatchPolicy,
}

impl Matcher {
    pub fn new(
        queue: Arc<dyn SearchQueue>,
        store: Stores,
        bus: Arc<dyn Bus>,
        policy: MatchPolicy,
    ) -> Self {
        Self {
            queue,
            store,
            bus,
            policy,
        }
    }
}

impl Actor for Matcher {
    type Context = Context<Self>;
}

/// Find a partner for `user` (with their stored profile and preferences,
/// the first `relax` set preferences dropped), or queue them (a second
/// search of a queued person keeps their place with the new entry). Replies
/// once they are queued or paired; both people hear `Matched` on their topic.
#[derive(Message)]
#[rtype(result = "Result<Searched, ChatError>")]
pub struct Search {
    pub user: UserId,
    pub relax: usize,
    /// A relaxation: refresh the entry of someone still waiting; if they
    /// were paired meanwhile, do not queue them again.
    pub only_if_queued: bool,
}

/// How a search went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Searched {
    /// Paired at once (both hear `Matched`).
    pub paired: bool,
    /// People waiting now, on every replica (when queued).
    pub waiting: usize,
    /// Preferences dropped for this search.
    pub relaxed: Vec<Relaxed>,
    /// Whether a further relaxation step could drop more.
    pub more: bool,
}

/// Take `user` out of the queue (stop, or disconnect while searching).
#[derive(Message)]
#[rtype(result = "Result<(), ChatError>")]
pub struct CancelSearch {
    pub user: UserId,
}

/// People waiting in the queue now.
#[derive(Message)]
#[rtype(result = "Result<usize, ChatError>")]
pub struct QueueLength;

/// Attempts at pairing before giving up on one search (each failed attempt
/// means a stale queue entry was dropped).
const MAX_PAIRING_ATTEMPTS: usize = 4;

/// The queue entry of one search: the person as the store knows them now
/// (so blocks and cooldowns are current on every search), their
/// preferences relaxed by `relax` steps.
async fn entry_for(
    store: &Stores,
    policy: &MatchPolicy,
    user: UserId,
    relax: usize,
) -> Result<(QueueEntry, Vec<Relaxed>, bool), ChatError> {
    let ctx = store.matching.search_context(user, policy.cooldown).await?;
    let (prefs, relaxed, more) = ctx.prefs.relaxed(relax);
    let entry = QueueEntry {
        user,
        prefs,
        profile: ctx.profile,
        avoid: ctx.avoid,
        low_rep: ctx.reputation < policy.reputation_floor,
    };
    Ok((entry, relaxed, more))
}

/// People waiting now, for the `searching` notice: best effort (the search
/// itself went through either way).
async fn waiting_now(queue: &dyn SearchQueue) -> usize {
    queue.waiting().await.unwrap_or_default()
}

async fn pair(
    queue: Arc<dyn SearchQueue>,
    store: Stores,
    bus: Arc<dyn Bus>,
    policy: MatchPolicy,
    search: Search,
) -> Result<Searched, ChatError> {
    // A banned person never queues, whatever path brought the search here
    // (a command, a periodic re-join, a queue rejoin after a Redis restart).
    if let Some(ban) = store.moderation.active_ban(search.user).await? {
        return Err(ChatError::Banned { until: ban.until });
    }
    let (entry, relaxed, more) = entry_for(&store, &policy, search.user, search.relax).await?;
    for _ in 0..MAX_PAIRING_ATTEMPTS {
        // A relaxation only refreshes a waiting person's entry: if they were
        // paired meanwhile, it must not queue them again.
        let joined = if search.only_if_queued {
            queue.rejoin(entry.clone()).await?
        } else {
            queue.join(entry.clone()).await?
        };
        let Some(partner) = joined else {
            // Queued; a later search will pick them.
            return Ok(Searched {
                paired: false,
                waiting: waiting_now(&*queue).await,
                relaxed,
                more,
            });
        };
        if store.moderation.active_ban(partner.user).await?.is_some() {
            // Banned while waiting and the doorbell was lost: drop them.
            continue;
        }
        match store.rooms.create_room(partner.user, entry.user).await {
            Ok(room) => {
                for user in [partner.user, entry.user] {
                    let matched = BusEvent::Matched {
                        user,
                        room: room.id,
                    };
                    // A lost `Matched` is found by the searcher's periodic
                    // check of the store, so keep going on failure.
                    if let Err(e) = bus.publish(Topic::User(user), &matched).await {
                        tracing::warn!(room = %room.id, error = %e, "match not announced");
                    }
                }
                metrics::counter!(crate::telemetry::metric::MATCHES).increment(1);
                tracing::debug!(room = %room.id, "paired");
                return Ok(Searched {
                    paired: true,
                    waiting: waiting_now(&*queue).await,
                    relaxed,
                    more: false,
                });
            }
            Err(StoreError::AlreadyInRoom) => {
                // Someone already has a room: drop whichever entry is stale
                // and try again; a searcher who is really free stays queued.
                if store.rooms.active_room(entry.user).await?.is_some() {
                    if store.rooms.active_room(partner.user).await?.is_none() {
                        queue.requeue_front(partner).await?;
                    }
                    return Err(ChatError::AlreadyInRoom);
                }
                // The partner was stale: forget them and look again.
            }
            Err(StoreError::NoSuchUser) if store.rooms.identity(entry.user).await?.is_some() => {
                // The partner was deleted while waiting: forget them.
            }
            Err(e) => {
                // Put the partner back where they were; the searcher retries.
                queue.requeue_front(partner).await?;
                return Err(e.into());
            }
        }
    }
    Err(ChatError::Unavailable)
}

impl Handler<Search> for Matcher {
    type Result = ResponseFuture<Result<Searched, ChatError>>;

    /// Searches run side by side: each is one atomic step on the queue (as
    /// searches on different replicas already are), so one slow store call
    /// never holds up everyone else's search or stop on this replica.
    fn handle(&mut self, msg: Search, _ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(pair(
            self.queue.clone(),
            self.store.clone(),
            self.bus.clone(),
            self.policy,
            msg,
        ))
    }
}

impl Handler<CancelSearch> for Matcher {
    type Result = ResponseFuture<Result<(), ChatError>>;

    /// Not queued behind the searches in progress here: leaving is one
    /// atomic step on the queue, and a person's own search and stop come
    /// one after the other from their actor. (A re-join sent by a sync just
    /// before could land after it; the person is then idle with a queue
    /// place, and a pairing that finds them idle ends the room at once.)
    fn handle(&mut self, msg: CancelSearch, _ctx: &mut Context<Self>) -> Self::Result {
        let queue = self.queue.clone();
        Box::pin(async move {
            queue.leave(msg.user).await?;
            Ok(())
        })
    }
}

impl Handler<QueueLength> for Matcher {
    type Result = ResponseFuture<Result<usize, ChatError>>;

    fn handle(&mut self, _: QueueLength, _ctx: &mut Context<Self>) -> Self::Result {
        let queue = self.queue.clone();
        Box::pin(async move { Ok(queue.waiting().await?) })
    }
}
