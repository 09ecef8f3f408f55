//! What a person asks for: search, message, next, stop, report. Messages go
//! to the connection's send task (`sends.rs`), which stores them in the
//! order sent while the actor goes on delivering; every other command runs
//! alone (the actor is held until it is done) and only after the messages
//! sent before it were stored.
//! Each command with more than a line to it has its file: `search.rs`,
//! `send.rs`, `leave.rs` (next, stop) and `report.rs`.

mod leave;
mod report;
mod search;
mod send;

use actix::prelude::*;

use super::{ClientActor, Outgoing};
use crate::domain::{
    ClientMsgId, MessageBody, Origin, ProfileUpdate, ReportReason, Score, SearchPrefs, Seq,
};
use crate::error::ChatError;

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
/// Telegram webhook needs to decide its HTTP status. A session client's
/// message is answered `Ok(None)` as soon as it is queued: its outcome
/// reaches the person as an ack or an error, so the page's reader goes on
/// reading (a typing signal does not wait for the store).
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
    type Result = ResponseActFuture<Self, Outcome>;

    fn handle(&mut self, msg: Command, ctx: &mut Context<Self>) -> Self::Result {
        let msg_id = match &msg.cmd {
            ClientCommand::Send { id, .. } => Some(id.as_str().to_owned()),
            _ => None,
        };
        if matches!(msg.cmd, ClientCommand::Typing) {
            // Outside the flood limit: typing has its own, and dropping a
            // typing signal is never worth an error.
            self.typing(ctx);
            return done(Ok(None));
        }
        let fut = if let Err(not_until) = self.flood.check() {
            let now = governor::clock::Clock::now(self.flood.clock());
            let wait = not_until.wait_time_from(now);
            let retry_after_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
            done(Err(ChatError::Flood { retry_after_ms }))
        } else if let ClientCommand::Send {
            body,
            origin,
            reply_to,
            id,
        } = msg.cmd
        {
            // Not holding the actor: the partner's messages keep arriving.
            // It tells the person of its failures itself.
            return self.send(body, origin, reply_to, id, ctx);
        } else {
            self.alone(msg.cmd, ctx)
        };
        // Errors reach the person here, in one place, whatever the command.
        Box::pin(fut.map(move |res, act: &mut Self, ctx| {
            if let Err(e) = &res {
                act.report_failure(e, msg_id, ctx);
            }
            res
        }))
    }
}

impl ClientActor {
    /// Tells the person a command failed (`id`: the message's, for a
    /// message), and counts it: errors reach people through here only.
    fn report_failure(&mut self, e: &ChatError, id: Option<String>, ctx: &mut Context<Self>) {
        metrics::counter!(crate::telemetry::metric::COMMAND_ERRORS, "code" => e.code())
            .increment(1);
        if matches!(e, ChatError::Unavailable | ChatError::Internal) {
            // Once per failed command; the cause was logged where it arose
            // (the store, the bus).
            tracing::warn!(client = %self.id, code = e.code(), "command failed");
        }
        let error = e.clone();
        self.push(Outgoing::Error { error, id }, ctx);
    }
}

impl ClientActor {
    /// Runs a command other than a message with the actor held (`wait`),
    /// once the messages sent before it are stored; the returned future
    /// only carries its outcome to the caller.
    fn alone(&mut self, cmd: ClientCommand, ctx: &mut Context<Self>) -> Act {
        let (tx, outcome) = tokio::sync::oneshot::channel();
        let run = actix::fut::wrap_future(self.sends_done())
            .then(move |(), act: &mut Self, ctx| act.run(cmd, ctx))
            .map(move |res, _, _| {
                let _ = tx.send(res);
            });
        ctx.wait(run);
        Box::pin(actix::fut::wrap_future(outcome).map(|res, _, _| {
            // The sender is dropped only if the actor stopped mid-command.
            res.unwrap_or(Err(ChatError::Unavailable))
        }))
    }

    fn run(&mut self, cmd: ClientCommand, ctx: &mut Context<Self>) -> Act {
        match cmd {
            ClientCommand::Search { prefs } => self.search(prefs, ctx),
            ClientCommand::Next => self.next(ctx),
            ClientCommand::Stop => self.stop(ctx),
            ClientCommand::Report { reason } => self.report(reason),
            ClientCommand::Profile { update } => self.profile(update),
            ClientCommand::Block => self.block(ctx),
            ClientCommand::Rate { score } => self.rate(score),
            // Handled before `alone` is reached.
            ClientCommand::Send { .. } | ClientCommand::Typing => done(Ok(None)),
        }
    }
}
