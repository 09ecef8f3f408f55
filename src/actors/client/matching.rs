//! What a person says about matching: their profile, blocking or rating
//! the partner, and the relaxation of a search that waits too long
//! (`CHATHUB_RELAX_SECS`).

use actix::prelude::*;

use super::commands::ClientCommand;
use super::{ClientActor, Outgoing, PersonState};
use crate::actors::matcher::{Search, Searched};
use crate::domain::{EndReason, ProfileUpdate, RoomId, Score, UserId};
use crate::error::ChatError;

type Outcome = Result<Option<crate::domain::Seq>, ChatError>;
type Act = ResponseActFuture<ClientActor, Outcome>;

fn done(outcome: Outcome) -> Act {
    Box::pin(actix::fut::ready(outcome))
}

/// One more relaxation step for search number `generation` (sent by the
/// timer that search set; ignored once the person moved on).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct Relax {
    pub generation: u64,
    pub steps: usize,
}

impl Handler<Relax> for ClientActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Relax, _ctx: &mut Context<Self>) -> Self::Result {
        if self.state != PersonState::Searching || msg.generation != self.search_gen {
            return AtomicResponse::new(Box::pin(actix::fut::ready(())));
        }
        let (matcher, user) = (self.deps.matcher.clone(), self.user);
        let fut = async move {
            matcher
                .send(Search {
                    user,
                    relax: msg.steps,
                    only_if_queued: true,
                })
                .await
                .map_err(|_| ChatError::Unavailable)?
        };
        AtomicResponse::new(Box::pin(actix::fut::wrap_future(fut).map(
            move |res, act: &mut Self, ctx| {
                if act.state != PersonState::Searching || msg.generation != act.search_gen {
                    return;
                }
                match res {
                    Ok(searched) => act.searched(searched, msg.generation, msg.steps, ctx),
                    Err(e) => {
                        // Tried again at the next step; the search stands.
                        tracing::warn!(client = %act.id, code = e.code(), "relaxation failed");
                        act.relax_later(msg.generation, msg.steps, ctx);
                    }
                }
            },
        )))
    }
}

impl ClientActor {
    /// Tells a searching person how the search stands and, while more can
    /// be relaxed, sets the timer for the next step.
    pub(super) fn searched(
        &mut self,
        searched: Searched,
        generation: u64,
        steps: usize,
        ctx: &mut Context<Self>,
    ) {
        // Said also when paired at once (`matched` follows), as it always was.
        self.relax_steps = steps;
        self.push(
            Outgoing::SearchStatus {
                waiting: searched.waiting,
                relaxed: searched.relaxed,
            },
            ctx,
        );
        if searched.more && !searched.paired {
            self.relax_later(generation, steps, ctx);
        }
    }

    /// A search while searching: the entry is refreshed where it stands
    /// (relaxation kept) and the person hears how the search stands.
    pub(super) fn still_searching(&mut self) -> Act {
        let (matcher, user, steps) = (self.deps.matcher.clone(), self.user, self.relax_steps);
        let generation = self.search_gen;
        let fut = async move {
            matcher
                .send(Search {
                    user,
                    relax: steps,
                    only_if_queued: true,
                })
                .await
                .map_err(|_| ChatError::Unavailable)?
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| {
                let searched = res?;
                if act.state == PersonState::Searching {
                    // The timer of this search is running already.
                    let more = false;
                    act.searched(Searched { more, ..searched }, generation, steps, ctx);
                }
                Ok(None)
            }),
        )
    }

    fn relax_later(&mut self, generation: u64, steps: usize, ctx: &mut Context<Self>) {
        ctx.notify_later(
            Relax {
                generation,
                steps: steps + 1,
            },
            self.deps.matching.relax_after,
        );
    }

    pub(super) fn profile(&mut self, update: ProfileUpdate) -> Act {
        let (store, user) = (self.deps.store.clone(), self.user);
        let fut = async move {
            let profile = store.matching.update_profile(user, &update).await?;
            let (_, prefs) = store.matching.profile(user).await?;
            Ok::<_, ChatError>((profile, prefs))
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| {
                let (profile, prefs) = res?;
                act.push(Outgoing::Profile { profile, prefs }, ctx);
                Ok(None)
            }),
        )
    }

    /// The current room, else the last one this connection saw, else the
    /// person's newest room in the store (a connection opened after the
    /// chat ended); `None` if they never chatted.
    fn partner_room(&self) -> impl Future<Output = Result<Option<RoomId>, ChatError>> + use<> {
        let known = match (&self.state, self.last_room) {
            (PersonState::InRoom(room), _) => Some(*room),
            (_, last) => last,
        };
        let (store, user) = (self.deps.store.clone(), self.user);
        async move {
            match known {
                Some(room) => Ok(Some(room)),
                None => Ok(store.matching.last_room(user).await?),
            }
        }
    }

    pub(super) fn block(&mut self, _ctx: &mut Context<Self>) -> Act {
        let (store, user) = (self.deps.store.clone(), self.user);
        let room = self.partner_room();
        let fut = async move {
            let room = room.await?.ok_or(ChatError::NothingToBlock)?;
            let partner: Option<UserId> = store
                .rooms
                .room(room)
                .await?
                .and_then(|r| r.partner_of(user));
            let partner = partner.ok_or(ChatError::NothingToBlock)?;
            store.matching.block(user, partner).await?;
            Ok::<_, ChatError>(())
        };
        Box::pin(
            actix::fut::wrap_future(fut).then(move |res, act: &mut Self, _ctx| -> Act {
                if let Err(e) = res {
                    return done(Err(e));
                }
                tracing::info!(client = %act.id, "partner blocked");
                // The partner is told the chat ended as a `next` would:
                // never that they were blocked.
                act.leave_then(EndReason::Next, |act, ctx| {
                    act.push(Outgoing::Blocked, ctx);
                    done(Ok(None))
                })
            }),
        )
    }

    pub(super) fn rate(&mut self, score: Score) -> Act {
        let (store, user) = (self.deps.store.clone(), self.user);
        let room = self.partner_room();
        let fut = async move {
            let room = room.await?.ok_or(ChatError::NothingToRate)?;
            store.matching.rate(user, room, score).await?;
            Ok::<_, ChatError>(())
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| {
                res?;
                act.push(Outgoing::Rated, ctx);
                Ok(None)
            }),
        )
    }
}

/// For the transports: a command that only shows the stored profile.
pub fn show_profile() -> ClientCommand {
    ClientCommand::Profile {
        update: ProfileUpdate::default(),
    }
}
