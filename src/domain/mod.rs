//! The vocabulary shared by actors, transports, bus and store.

mod body;
mod columns;
mod ids;
mod input;
mod message_json;
mod model;
mod moderation;
mod prefs;
mod profile;
mod rating;
mod ui_lang;

pub use body::{Content, EditChange, Media, MediaKind, MessageBody, Origin, TelegramOrigin};
pub use columns::{Columns, CorruptMessage, Extra};
pub use ids::{ClientId, ComplaintId, RoomId, Seq, UserId};
pub use input::{
    ClientMsgId, InputError, MAX_TEXT_CHARS, MessageText, ReportReason, SessionToken, storable,
};
pub use model::{EndReason, MessageKind, Platform, Room, StoredMessage};
pub use moderation::{AutobanPolicy, BanLength, parse_steps};
pub use prefs::{MatchPolicy, Relaxed, SearchPrefs, accepts};
pub use profile::{Age, Gender, Interest, Lang, MAX_INTERESTS, Profile, ProfileUpdate};
pub use rating::Score;
pub use ui_lang::UiLang;
