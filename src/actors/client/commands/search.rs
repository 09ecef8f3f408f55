//! `search`: join the queue with the stored or given preferences.

use actix::prelude::*;

use super::{Act, done};
use crate::actors::client::{ClientActor, PersonState};
use crate::actors::matcher::Search;
use crate::domain::SearchPrefs;
use crate::error::ChatError;

impl ClientActor {
    pub(in crate::actors::client) fn search(
        &mut self,
        prefs: Option<SearchPrefs>,
        ctx: &mut Context<Self>,
    ) -> Act {
        match self.state {
            PersonState::InRoom(_) => return done(Err(ChatError::AlreadyInRoom)),
            PersonState::Searching => return self.still_searching(),
            PersonState::Idle => {}
        }
        // Searching before the matcher answers: a `Matched` that arrives
        // first (it cannot; commands are atomic) would still find it set.
        self.set_state(PersonState::Searching);
        self.searching_since = Some(std::time::Instant::now());
        self.cancelled_search = false;
        self.search_gen += 1;
        self.relax_steps = 0;
        let generation = self.search_gen;
        self.arm_search_timeout(generation, ctx);
        let (store, matcher, user) = (
            self.deps.store.clone(),
            self.deps.matcher.clone(),
            self.user,
        );
        let fut = async move {
            if let Some(ban) = store.moderation.active_ban(user).await? {
                return Err(ChatError::Banned { until: ban.until });
            }
            if let Some(prefs) = prefs {
                store.matching.set_prefs(user, &prefs).await?;
            }
            matcher
                .send(Search {
                    user,
                    relax: 0,
                    only_if_queued: false,
                })
                .await
                .map_err(|_| ChatError::Unavailable)?
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| match res {
                Ok(searched) => {
                    if act.state == PersonState::Searching {
                        act.searched(searched, generation, 0, ctx);
                    }
                    Ok(None)
                }
                Err(e) => {
                    if act.state == PersonState::Searching {
                        act.set_state(PersonState::Idle);
                    }
                    Err(e)
                }
            }),
        )
    }
}
