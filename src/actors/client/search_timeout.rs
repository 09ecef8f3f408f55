//! `CHATHUB_SEARCH_MAX_SECS`: a search nobody answered stops by itself, so
//! nobody waits in the queue forever without knowing it.
//!
//! The timer lives with the connection that started the search: the search
//! ends when that connection ends (the queue entry is cancelled then), so
//! no other replica can be left holding a search without a timer.

use actix::prelude::*;

use super::{ClientActor, Outgoing, PersonState};
use crate::actors::matcher::CancelSearch;

impl ClientActor {
    /// Starts the timer of search number `generation`, which just began
    /// (`search_gen`); a timer left from an earlier search does nothing.
    pub(super) fn arm_search_timeout(&mut self, generation: u64, ctx: &mut Context<Self>) {
        ctx.run_later(self.deps.limits.search_max, move |act, ctx| {
            if act.state == PersonState::Searching && act.search_gen == generation {
                act.search_timed_out(ctx);
            }
        });
    }

    /// Leaves the queue as a stop would, and says why. A pairing that
    /// raced the timeout finds the person not searching and ends that room
    /// at once (as after a stop), so nobody is left in a room alone.
    fn search_timed_out(&mut self, ctx: &mut Context<Self>) {
        tracing::info!(client = %self.id, "search timed out");
        self.set_state(PersonState::Idle);
        self.cancelled_search = true;
        self.searching_since = None;
        self.deps.matcher.do_send(CancelSearch { user: self.user });
        self.push(Outgoing::SearchStopped, ctx);
    }
}
