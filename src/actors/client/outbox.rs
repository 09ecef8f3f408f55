//! What a ClientActor tells its person, independent of the transport, and the
//! sink a transport provides to carry it.

use crate::domain::{EndReason, Profile, Relaxed, RoomId, SearchPrefs, Seq, StoredMessage};
use crate::error::ChatError;

pub use crate::actors::hub::CloseReason;

/// An event for the person behind one connection. Transports render it
/// (WebSocket JSON frames, Telegram messages) in one place each.
#[derive(Debug)]
pub enum Outgoing {
    /// First event of a session client's connection (`Start::session`):
    /// the resume token and the room, if any.
    Hello {
        session: String,
        room: Option<RoomId>,
        resumed: bool,
        /// The person's flood limit (`CHATHUB_FLOOD_*`), so a client can
        /// pace itself instead of being refused.
        flood: (u32, u32),
    },
    Searching,
    Matched {
        room: RoomId,
    },
    /// A partner's message, the whole record: each transport renders its
    /// body its own way (text on a web page, copies on Telegram).
    Message {
        seq: Seq,
        message: Box<StoredMessage>,
    },
    /// The person's own message is stored under `seq` (session clients
    /// only: `Start::acks`).
    Ack {
        id: String,
        seq: Seq,
    },
    PartnerLeft {
        room: RoomId,
        reason: EndReason,
    },
    /// The person's messages reach their partner late (paced delivery).
    PartnerDelayed {
        room: RoomId,
    },
    /// The person is idle: not searching, not in a room.
    Stopped,
    Reported {
        room: RoomId,
    },
    /// A command failed; `id` names the message it was about, if any.
    Error {
        error: ChatError,
        id: Option<String>,
    },
    /// The person's search went unanswered for `CHATHUB_SEARCH_MAX_SECS`
    /// and stopped; they are idle.
    SearchStopped,
    /// The partner's connection dropped; they have the grace period to
    /// come back (`PartnerBack`) before the room ends.
    PartnerAway {
        room: RoomId,
    },
    /// The partner who was away is connected again.
    PartnerBack {
        room: RoomId,
    },
    /// The partner is typing. Never stored; lost with a lost doorbell.
    Typing {
        room: RoomId,
    },
    /// The person is searching: `waiting` people are (on every replica),
    /// and these of their preferences were relaxed so far.
    SearchStatus {
        waiting: usize,
        relaxed: Vec<Relaxed>,
    },
    /// The person's profile and preferences as stored.
    Profile {
        profile: Profile,
        prefs: SearchPrefs,
    },
    /// The partner is blocked (and the chat, if any, ended).
    Blocked,
    /// The rating is stored.
    Rated,
}

/// The transport side of a ClientActor: a bounded queue towards the person.
pub trait Outbox: 'static {
    /// Queues an event. `Err` means the queue is full or gone: the person is
    /// not keeping up, and the actor closes the connection (they resume and
    /// catch up from the store).
    fn push(&mut self, event: Outgoing) -> Result<(), OutboxFull>;

    /// Asks the transport to close the connection after what is queued.
    fn close(&mut self, reason: CloseReason);

    /// The person's state changed (searching, in a room, idle). A transport
    /// that lets idle people's actors go (Telegram) keeps busy ones.
    fn state_changed(&mut self, _state: &super::PersonState) {}

    /// Which transport this is, for the people-online gauge.
    fn platform(&self) -> crate::domain::Platform {
        crate::domain::Platform::Web
    }
}

#[derive(Debug)]
pub struct OutboxFull;
