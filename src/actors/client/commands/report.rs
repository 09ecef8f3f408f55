//! `report`: file a complaint about the current or last partner, end the
//! room if still in it, and announce an automatic ban it triggered.

use actix::prelude::*;

use super::{Act, done};
use crate::actors::client::{ClientActor, Outgoing, PersonState};
use crate::bus::BusEvent;
use crate::domain::{EndReason, ReportReason, RoomId};
use crate::error::ChatError;

impl ClientActor {
    pub(super) fn report(&mut self, reason: ReportReason) -> Act {
        let room: RoomId = match (&self.state, self.last_room) {
            (PersonState::InRoom(room), _) => *room,
            (_, Some(room)) => room,
            _ => return done(Err(ChatError::NothingToReport)),
        };
        let in_room = self.state == PersonState::InRoom(room);
        let (deps, user, client) = (self.deps.clone(), self.user, self.id);
        let fut = async move {
            let filed = deps
                .store
                .moderation
                .file_report(room, user, &reason, Some(&deps.autoban))
                .await?;
            tracing::info!(client = %client, complaint = %filed.id, "complaint filed");
            // Once per complaint: a retried report finds it filed already.
            if filed.new {
                crate::actors::moderation::feed(
                    &deps,
                    crate::actors::moderation::NewComplaint {
                        id: filed.id,
                        reported: filed.reported,
                    },
                );
            }
            // The chat ends as a report first, so the partner hears
            // `report`; a ban it triggered follows.
            if in_room {
                deps.end_room(room, Some(user), EndReason::Report).await?;
            }
            if let Some(ban) = filed.autoban {
                tracing::info!(user = %filed.reported, complaint = %filed.id, "automatic ban");
                let banned = BusEvent::Banned {
                    user: filed.reported,
                    until: ban.until,
                };
                crate::actors::moderation::announce(&deps, filed.reported, banned).await;
            }
            Ok::<_, ChatError>(())
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| {
                res?;
                if in_room {
                    act.leave_room(room, ctx);
                }
                act.push(Outgoing::Reported { room }, ctx);
                Ok(None)
            }),
        )
    }
}
