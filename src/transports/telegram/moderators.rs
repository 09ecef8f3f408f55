//! The moderators' chat (`TELEGRAM_MODERATOR_CHAT_ID`): each complaint
//! filed on this replica is posted there once, with buttons to ban the
//! reported person (1 h, 24 h, 7 days, permanently) or dismiss it. A press
//! counts only from that chat and only from one of its administrators
//! (asked with `getChatMember` at each press, so a demoted moderator loses
//! the buttons at once); it acts through the same moderation path as the
//! admin API, and the post is edited to say what was done.
//!
//! Callback data: `mc:<action>:<complaint id>` with action `1h`, `24h`,
//! `7d`, `perm` or `dismiss` (at most 48 bytes; Telegram allows 64). The
//! audit log names the presser `telegram-moderator:<their opaque user id>`
//! (`telegram-moderator` when they never used the bot themselves), never
//! their Telegram id.

use std::time::Duration;

use teloxide::prelude::Requester;
use teloxide::requests::HasPayload;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use tokio::sync::{mpsc, watch};

use super::TelegramTransport;
use super::ids::TelegramChatId;
use super::update::Handled;
use crate::actors::moderation::{self, NewComplaint};
use crate::domain::{ComplaintId, Platform};
use crate::store::{Complaint, ComplaintStatus};

/// Complaints waiting to be posted; past it a post is dropped (logged).
pub const COMPLAINT_FEED_CAPACITY: usize = 256;
/// Prefix of every moderator button's callback data.
const PREFIX: &str = "mc:";
/// The audit actor of a press, before the presser's opaque id.
const ACTOR: &str = "telegram-moderator";

/// What a button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    /// Ban for this long; `None` = permanently.
    Ban(Option<Duration>),
    Dismiss,
}

/// The buttons, in order: callback code, label, action.
const ACTIONS: [(&str, &str, Action); 5] = [
    (
        "1h",
        "Ban 1 h",
        Action::Ban(Some(Duration::from_secs(3600))),
    ),
    (
        "24h",
        "Ban 24 h",
        Action::Ban(Some(Duration::from_secs(86_400))),
    ),
    (
        "7d",
        "Ban 7 days",
        Action::Ban(Some(Duration::from_secs(604_800))),
    ),
    ("perm", "Ban permanently", Action::Ban(None)),
    ("dismiss", "Dismiss", Action::Dismiss),
];

/// Whether callback data belongs to the moderator buttons.
pub fn is_moderation(data: &str) -> bool {
    data.starts_with(PREFIX)
}

fn parse(data: &str) -> Option<(&'static str, Action, ComplaintId)> {
    let (code, id) = data.strip_prefix(PREFIX)?.split_once(':')?;
    let (_, label, action) = ACTIONS.iter().find(|(c, _, _)| *c == code)?;
    Some((label, *action, id.parse().ok()?))
}

fn keyboard(id: ComplaintId) -> InlineKeyboardMarkup {
    let button = |(code, label, _): &(&str, &str, Action)| {
        InlineKeyboardButton::callback(*label, format!("{PREFIX}{code}:{id}"))
    };
    let (bans, rest) = ACTIONS.split_at(3);
    InlineKeyboardMarkup::new([
        bans.iter().map(button).collect::<Vec<_>>(),
        rest.iter().map(button).collect(),
    ])
}

/// The post: what moderators need to decide, pointing at the evidence
/// (kept on the admin page, not copied into a chat).
fn post_text(c: &Complaint, open: i64) -> String {
    format!(
        "New complaint {id}\nReason: {reason}\nReported person: {who} ({open} open complaint{s})\n\
         Evidence: admin page /admin/ (complaints queue).",
        id = c.id,
        reason = c.reason,
        who = c.reported,
        s = if open == 1 { "" } else { "s" },
    )
}

/// What a closed complaint's post says below its text.
fn outcome(done: &str) -> String {
    format!("\n\n→ {done}")
}

impl TelegramTransport {
    /// Posts every complaint handed to `feed`, one after another within the
    /// shared budget, until shutdown.
    pub(super) async fn post_complaints(
        &self,
        chat: i64,
        mut feed: mpsc::Receiver<NewComplaint>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                next = feed.recv() => match next {
                    Some(c) => self.post_complaint(chat, c).await,
                    None => return,
                },
                _ = stop.changed() => return,
            }
        }
    }

    async fn post_complaint(&self, chat: i64, new: NewComplaint) {
        let store = &self.deps.store;
        let complaint = match store.moderation.complaint(new.id).await {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(complaint = %new.id, error = %e, "complaint not posted to moderators");
                return;
            }
        };
        // Every item of a person's reports carries their open count now.
        let open = match store.oversight.user_moderation(new.reported).await {
            Ok(view) => view
                .and_then(|v| v.reports.first().map(|r| r.reported_open))
                .unwrap_or(1),
            Err(_) => 1,
        };
        let chat = TelegramChatId::trusted(chat);
        let mut req = self
            .api
            .bot
            .send_message(chat.chat_id(), post_text(&complaint, open));
        req.payload_mut().reply_markup = Some(keyboard(complaint.id).into());
        match self.api.call(Some(chat), req).await {
            Ok(_) => tracing::info!(complaint = %new.id, "complaint posted to moderators"),
            Err(e) => {
                tracing::warn!(complaint = %new.id, error = %e, "complaint not posted to moderators");
            }
        }
    }

    /// A moderator button. Refused (answered, nothing changes) outside the
    /// moderators' chat, for anyone but its administrators, or for data
    /// that does not parse.
    pub(super) async fn on_moderation(&self, q: &CallbackQuery, data: &str) -> Handled {
        let in_chat = q.message.as_ref().map(|m| m.chat().id.0);
        let chat = match self.moderator_chat {
            Some(chat) if in_chat == Some(chat) => TelegramChatId::trusted(chat),
            _ => return self.answer(q, "Not accepted here.").await,
        };
        let Some((label, action, id)) = parse(data) else {
            return self.answer(q, "Unknown button.").await;
        };
        let member = self.api.bot.get_chat_member(chat.chat_id(), q.from.id);
        match self.api.call(None, member).await {
            Ok(m) if m.is_privileged() => {}
            Ok(_) => {
                tracing::info!(complaint = %id, "moderator button refused: not an administrator");
                return self
                    .answer(q, "Only administrators of this chat can act on complaints.")
                    .await;
            }
            Err(e) => {
                tracing::warn!(complaint = %id, error = %e, "moderator not checked");
                return self
                    .answer(q, "Could not check your rights; try again.")
                    .await;
            }
        }
        let done = match self.act(q, action, label, id).await {
            Ok(done) => done,
            Err(e) => {
                tracing::warn!(complaint = %id, error = %e, "moderator button failed");
                return self.answer(q, "Could not act now; try again.").await;
            }
        };
        self.answer(q, &done).await?;
        if let Some(msg) = q.regular_message() {
            let text = msg.text().unwrap_or_default().to_owned() + &outcome(&done);
            self.show_outcome(chat, msg.id, text).await;
        }
        Ok(())
    }

    /// Does what the button says to complaint `id`; returns what was done,
    /// in words for the moderators.
    async fn act(
        &self,
        q: &CallbackQuery,
        action: Action,
        label: &str,
        id: ComplaintId,
    ) -> Result<String, crate::store::StoreError> {
        let store = &self.deps.store;
        let Some(complaint) = store.moderation.complaint(id).await? else {
            return Ok("No such complaint.".into());
        };
        if complaint.status != ComplaintStatus::Open {
            return Ok(format!("Already {}.", complaint.status.as_str()));
        }
        let by = match store
            .rooms
            .find_user(Platform::Telegram, &q.from.id.0.to_string())
            .await?
        {
            Some(user) => format!("{ACTOR}:{user}"),
            None => ACTOR.to_owned(),
        };
        match action {
            Action::Ban(length) => {
                moderation::ban_for_complaint(&self.deps, &complaint, length, &by).await?;
                let what = label.strip_prefix("Ban ").unwrap_or(label);
                Ok(match length {
                    Some(_) => format!("Banned for {what}."),
                    None => "Banned permanently.".into(),
                })
            }
            Action::Dismiss => {
                moderation::resolve(&self.deps, id, ComplaintStatus::Dismissed, &by).await?;
                Ok("Dismissed.".into())
            }
        }
    }

    /// Answers the press (the button stops spinning) with `text`.
    async fn answer(&self, q: &CallbackQuery, text: &str) -> Handled {
        let mut answer = self.api.bot.answer_callback_query(q.id.clone());
        answer.payload_mut().text = Some(text.to_owned());
        if let Err(e) = self.api.call(None, answer).await {
            tracing::debug!(error = %e, "moderator button not answered");
        }
        Ok(())
    }

    /// Rewrites the post with the outcome and without buttons.
    async fn show_outcome(&self, chat: TelegramChatId, msg: MessageId, text: String) {
        let edit = self.api.bot.edit_message_text(chat.chat_id(), msg, text);
        if let Err(e) = self.api.call(Some(chat), edit).await {
            tracing::debug!(error = %e, "moderator post not updated");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_fits_telegrams_64_bytes_and_parses() {
        let id = ComplaintId(uuid::Uuid::new_v4());
        let all: Vec<String> = keyboard(id)
            .inline_keyboard
            .into_iter()
            .flatten()
            .map(|b| match b.kind {
                teloxide::types::InlineKeyboardButtonKind::CallbackData(d) => d,
                _ => panic!("a callback button"),
            })
            .collect();
        assert_eq!(all.len(), ACTIONS.len());
        for d in &all {
            assert!(d.len() <= 64 && is_moderation(d), "{d}");
            assert_eq!(parse(d).map(|(_, _, c)| c), Some(id));
        }
        assert_eq!(parse(&all[1]).map(|(_, a, _)| a), Some(ACTIONS[1].2));
        assert!(parse("mc:2h:x").is_none() && parse("mc:24h:not-an-id").is_none());
    }
}
