//! The chat boundary's error: everything a person can be told went wrong.
//! Transports map it to their own replies in one place each
//! (`transports::ws::protocol::render`, the Telegram notices).

use crate::bus::BusError;
use crate::domain::InputError;
use crate::store::StoreError;

#[derive(Clone, Debug, thiserror::Error)]
pub enum ChatError {
    #[error("the frame is not valid JSON for this protocol: {0}")]
    BadFrame(String),
    #[error("frames must be JSON text")]
    BinaryFrame,
    /// Input refused at the edge (text, ids, reasons, preferences, tokens).
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("you are not in a chat: search first")]
    NotInRoom,
    #[error("you are already in a chat: press next or stop first")]
    AlreadyInRoom,
    #[error("there is nobody to report")]
    NothingToReport,
    /// Past the person's flood limit; a command may go through again after
    /// `retry_after_ms`.
    #[error("slow down: too many messages, try again in a moment")]
    Flood { retry_after_ms: u64 },
    /// Searches from one client address past `CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN`.
    #[error("too many searches from your address: wait a minute and search again")]
    TooManySearches,
    /// `until = None`: permanently.
    #[error("you are banned from chatting {}", ban_end(.until))]
    Banned {
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// The person's data was erased on request; this session is over.
    #[error("your data was deleted on request; this chat session has ended")]
    Deleted,
    #[error("the service is busy or a dependency is down; retry shortly")]
    Unavailable,
    /// Something on the service's side failed in a way a retry will not fix.
    #[error("something went wrong on our side; this request cannot be completed")]
    Internal,
    #[error("there is nobody to block: you have not chatted with anyone yet")]
    NothingToBlock,
    #[error("there is nobody to rate: you have not chatted with anyone yet")]
    NothingToRate,
}

impl ChatError {
    /// Stable machine-readable code for the `error` frame.
    pub fn code(&self) -> &'static str {
        match self {
            ChatError::BadFrame(_) | ChatError::BinaryFrame => "bad_frame",
            ChatError::Input(e) => e.code(),
            ChatError::NotInRoom => "not_in_room",
            ChatError::AlreadyInRoom => "already_in_room",
            ChatError::NothingToReport => "nothing_to_report",
            ChatError::Flood { .. } => "flood",
            ChatError::TooManySearches => "too_many_searches",
            ChatError::Banned { .. } => "banned",
            ChatError::Deleted => "deleted",
            ChatError::Unavailable => "unavailable",
            ChatError::Internal => "internal",
            ChatError::NothingToBlock => "nothing_to_block",
            ChatError::NothingToRate => "nothing_to_rate",
        }
    }

    /// Whether the same request may succeed if simply sent again later.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            ChatError::Flood { .. } | ChatError::TooManySearches | ChatError::Unavailable
        )
    }
}

/// "until <time> UTC" or "permanently", for people to read.
fn ban_end(until: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    match until {
        Some(t) => format!("until {} UTC", t.format("%Y-%m-%d %H:%M")),
        None => "permanently".to_owned(),
    }
}

impl From<StoreError> for ChatError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::RoomClosed => ChatError::NotInRoom,
            StoreError::AlreadyInRoom => ChatError::AlreadyInRoom,
            // Logged where the reply is sent (and the cause by the store).
            StoreError::Internal(_) => ChatError::Internal,
            StoreError::NoSuchRoom
            | StoreError::NoSuchUser
            | StoreError::NoSuchComplaint
            | StoreError::Unavailable(_) => ChatError::Unavailable,
        }
    }
}

impl From<BusError> for ChatError {
    fn from(_: BusError) -> Self {
        // Logged once, by the bus adapter that failed.
        ChatError::Unavailable
    }
}
