//! What a person asks for: search, message, next, stop, report. One command
//! runs at a time per person (`AtomicResponse`), which keeps their messages
//! in the order they sent them.

use actix::prelude::*;

use super::{ClientActor, Outgoing, PersonState};
use crate::actors::matcher::{CancelSearch, Search};
use crate::bus::{BusEvent, Topic};
use crate::domain::{
    ClientMsgId, EndReason, MessageBody, Origin, ProfileUpdate, ReportReason, RoomId, Score,
    SearchPrefs, Seq,
};
use crate::error::ChatError;
use crate::store::NewMessage;

/// A validated command from a transport.
#[derive(Clone, Debug)]
pub enum ClientCommand {
    /// `prefs` replace the stored preferences first; `None` searches with
    /// the stored ones.
    Search {
        prefs: Option<SearchPrefs>,
    },
    /// A message of any kind, from either transport: the body was
    /// validated when it was built.
    Send {
        body: MessageBody,
        origin: Origin,
        /// The earlier message of the room this one answers.
        reply_to: Option<Seq>,
        id: ClientMsgId,
    },
    Next,
    Stop,
    Report {
        reason: ReportReason,
    },
    /// The person is typing: passed to the partner, never stored, never
    /// refused (extra ones are dropped, see `signals`).
    Typing,
    /// Change (or, with an empty update, just show) the person's profile.
    Profile {
        update: ProfileUpdate,
    },
    /// Never meet the current or last partner again.
    Block,
    /// Rate the current or last partner.
    Rate {
        score: Score,
    },
}

/// Run one command for this person. The outcome is also pushed to the
/// person (ack, searching, error...); the reply tells the transport whether
/// the command took effect (`Some(seq)` for a stored message), which the
/// Telegram webhook needs to decide its HTTP status.
#[derive(Message)]
#[rtype(result = "Result<Option<Seq>, ChatError>")]
pub struct Command {
    pub cmd: ClientCommand,
}

type Outcome = Result<Option<Seq>, ChatError>;
type Act = ResponseActFuture<ClientActor, Outcome>;

fn done(outcome: Outcome) -> Act {
    Box::pin(actix::fut::ready(outcome))
}

impl Handler<Command> for ClientActor {
    type Result = AtomicResponse<Self, Outcome>;

    fn handle(&mut self, msg: Command, ctx: &mut Context<Self>) -> Self::Result {
        let msg_id = match &msg.cmd {
            ClientCommand::Send { id, .. } => Some(id.as_str().to_owned()),
            _ => None,
        };
        if matches!(msg.cmd, ClientCommand::Typing) {
            // Outside the flood limit: typing has its own, and dropping a
            // typing signal is never worth an error.
            self.typing(ctx);
            return AtomicResponse::new(done(Ok(None)));
        }
        let fut = if let Err(not_until) = self.flood.check() {
            let now = governor::clock::Clock::now(self.flood.clock());
            let wait = not_until.wait_time_from(now);
            let retry_after_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
            done(Err(ChatError::Flood { retry_after_ms }))
        } else {
            match msg.cmd {
                ClientCommand::Search { prefs } => self.search(prefs, ctx),
                ClientCommand::Send {
                    body,
                    origin,
                    reply_to,
                    id,
                } => self.send(body, origin, reply_to, id),
                ClientCommand::Next => self.next(ctx),
                ClientCommand::Stop => self.stop(ctx),
                ClientCommand::Report { reason } => self.report(reason),
                ClientCommand::Typing => done(Ok(None)),
                ClientCommand::Profile { update } => self.profile(update),
                ClientCommand::Block => self.block(ctx),
                ClientCommand::Rate { score } => self.rate(score),
            }
        };
        // Errors reach the person here, in one place, whatever the command.
        AtomicResponse::new(Box::pin(fut.map(move |res, act: &mut Self, ctx| {
            if let Err(e) = &res {
                metrics::counter!(crate::telemetry::metric::COMMAND_ERRORS, "code" => e.code())
                    .increment(1);
                if matches!(e, ChatError::Unavailable | ChatError::Internal) {
                    // Once per failed command; the cause was logged where
                    // it arose (the store, the bus).
                    tracing::warn!(client = %act.id, code = e.code(), "command failed");
                }
                let error = e.clone();
                act.push(Outgoing::Error { error, id: msg_id }, ctx);
            }
            res
        })))
    }
}

impl ClientActor {
    pub(super) fn search(&mut self, prefs: Option<SearchPrefs>, ctx: &mut Context<Self>) -> Act {
        match self.state {
            PersonState::InRoom(_) => return done(Err(ChatError::AlreadyInRoom)),
            PersonState::Searching => return self.still_searching(),
            PersonState::Idle => {}
        }
        // Searching before the matcher answers: a `Matched` that arrives
        // first (it cannot; commands are atomic) would still find it set.
        self.state = PersonState::Searching;
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
                        act.state = PersonState::Idle;
                    }
                    Err(e)
                }
            }),
        )
    }

    /// Stores a message in the person's room and rings the room with the
    /// record as stored.
    fn send(
        &mut self,
        body: MessageBody,
        origin: Origin,
        reply_to: Option<Seq>,
        id: ClientMsgId,
    ) -> Act {
        if let Some(ban) = self.banned_now() {
            return done(Err(ChatError::Banned { until: ban.until }));
        }
        let PersonState::InRoom(room) = self.state else {
            return done(Err(ChatError::NotInRoom));
        };
        let new = NewMessage {
            room,
            sender: self.user,
            body,
            origin,
            reply_to,
            client_msg_id: id,
        };
        let (store, bus) = (self.deps.store.clone(), self.deps.bus.clone());
        let ack_id = new.client_msg_id.as_str().to_owned();
        let fut = async move {
            let appended = store.rooms.append_message(new).await?;
            if appended.duplicate {
                metrics::counter!(crate::telemetry::metric::MESSAGES_DUPLICATE).increment(1);
            } else {
                metrics::counter!(crate::telemetry::metric::MESSAGES_STORED).increment(1);
            }
            // Ring the room even for a duplicate: the first attempt may have
            // died between storing and ringing. Receivers de-duplicate by seq.
            // The doorbell carries the record as stored, so a receiver that
            // takes it from the bus sees what a catch-up read would.
            let message = appended.message;
            let seq = message.seq;
            bus.publish(Topic::Room(room), &BusEvent::Message { message })
                .await?;
            Ok(Some(seq))
        };
        Box::pin(
            actix::fut::wrap_future(fut).map(move |res, act: &mut Self, ctx| {
                if let Ok(Some(seq)) = res {
                    act.ack(ack_id, seq, ctx);
                }
                res
            }),
        )
    }

    /// Ends the current room (if any) by this person, then runs `after`.
    pub(super) fn leave_then(
        &mut self,
        reason: EndReason,
        after: fn(&mut Self, &mut Context<Self>) -> Act,
    ) -> Act {
        let PersonState::InRoom(room) = self.state else {
            return Box::pin(
                actix::fut::ready(()).then(move |_, act: &mut Self, ctx| after(act, ctx)),
            );
        };
        let deps = self.deps.clone();
        let user = self.user;
        let fut = deps.end_room(room, Some(user), reason);
        Box::pin(
            actix::fut::wrap_future(fut).then(move |res, act: &mut Self, ctx| -> Act {
                match res {
                    Ok(_) => {
                        act.leave_room(room, ctx);
                        after(act, ctx)
                    }
                    Err(e) => done(Err(e.into())),
                }
            }),
        )
    }

    fn next(&mut self, _ctx: &mut Context<Self>) -> Act {
        if self.state == PersonState::Searching {
            return done(Ok(None));
        }
        self.leave_then(EndReason::Next, |act, ctx| act.search(None, ctx))
    }

    fn stop(&mut self, _ctx: &mut Context<Self>) -> Act {
        // Idle here may still mean queued by an earlier connection of theirs
        // (taken over while searching): cancel in the queue either way.
        if matches!(self.state, PersonState::Searching | PersonState::Idle) {
            self.cancelled_search = true;
            let (matcher, user) = (self.deps.matcher.clone(), self.user);
            let fut = async move { matcher.send(CancelSearch { user }).await };
            return Box::pin(
                actix::fut::wrap_future(fut).map(|res, act: &mut Self, ctx| {
                    res.map_err(|_| ChatError::Unavailable)??;
                    if act.state == PersonState::Searching {
                        act.state = PersonState::Idle;
                    }
                    act.push(Outgoing::Stopped, ctx);
                    Ok(None)
                }),
            );
        }
        self.leave_then(EndReason::Stop, |act, ctx| {
            act.push(Outgoing::Stopped, ctx);
            done(Ok(None))
        })
    }

    fn report(&mut self, reason: ReportReason) -> Act {
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
                // The ban is stored either way; a lost doorbell is found by
                // the banned person's periodic sync.
                if let Err(e) = deps.bus.publish(Topic::User(filed.reported), &banned).await {
                    tracing::warn!(user = %filed.reported, error = %e, "automatic ban not announced");
                }
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
