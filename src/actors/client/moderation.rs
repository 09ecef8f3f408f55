//! Moderation reaching a live person: a ban or a deletion announced on their
//! topic (or found by the periodic sync) ends their room through the normal
//! end-room path, takes them out of the queue, tells them and closes.

use actix::prelude::*;

use super::{ClientActor, CloseReason, Outgoing, PersonState};
use crate::actors::matcher::CancelSearch;
use crate::domain::EndReason;
use crate::error::ChatError;
use crate::store::ActiveBan;

impl ClientActor {
    /// Whether a ban known to this connection still holds.
    pub(super) fn banned_now(&self) -> Option<ActiveBan> {
        self.ban
            .filter(|b| b.until.is_none_or(|until| until > chrono::Utc::now()))
    }

    /// Reads the person's ban from the store (the truth, when a doorbell may
    /// have been lost) and acts on it if there is one.
    pub(super) fn check_ban(&mut self, ctx: &mut Context<Self>) {
        let (store, user) = (self.deps.store.clone(), self.user);
        ctx.spawn(
            actix::fut::wrap_future(async move { store.moderation.active_ban(user).await }).map(
                |res, act: &mut Self, ctx| {
                    if let Ok(Some(ban)) = res {
                        act.on_banned(ban, ctx);
                    }
                },
            ),
        );
    }

    /// The person was banned: end their room (the partner hears
    /// `moderation`) or their search, tell them until when, then close.
    pub(super) fn on_banned(&mut self, ban: ActiveBan, ctx: &mut Context<Self>) {
        self.ban = Some(ban);
        self.leave_for_moderation(ChatError::Banned { until: ban.until }, ctx);
    }

    /// The person was erased: leave whatever they were in, tell them, close.
    pub(super) fn on_deleted(&mut self, ctx: &mut Context<Self>) {
        self.leave_for_moderation(ChatError::Deleted, ctx);
    }

    fn leave_for_moderation(&mut self, error: ChatError, ctx: &mut Context<Self>) {
        if self.closing.is_some() {
            return;
        }
        let (deps, user) = (self.deps.clone(), self.user);
        let state = self.state.clone();
        let fut = async move {
            match state {
                PersonState::InRoom(room) => {
                    deps.end_room(room, Some(user), EndReason::Moderation)
                        .await?;
                }
                // Idle may still mean queued by an earlier connection of
                // theirs: leave the queue either way.
                PersonState::Searching | PersonState::Idle => {
                    deps.matcher
                        .send(CancelSearch { user })
                        .await
                        .map_err(|_| ChatError::Unavailable)??;
                }
            }
            Ok::<_, ChatError>(())
        };
        ctx.wait(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| {
                if let Err(e) = res {
                    // The store keeps the ban; the partner's sync ends the
                    // room and the matcher refuses this person anyway.
                    tracing::warn!(client = %act.id, error = %e, "moderation step failed");
                }
                match act.state {
                    PersonState::InRoom(room) => act.leave_room(room, ctx),
                    PersonState::Searching => act.set_state(PersonState::Idle),
                    PersonState::Idle => {}
                }
                tracing::info!(client = %act.id, code = error.code(), "session closed by moderation");
                act.push(Outgoing::Error { error, id: None }, ctx);
                act.close(CloseReason::Moderated, ctx);
            }),
        );
    }
}
