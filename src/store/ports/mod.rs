//! The store's ports: one small trait per capability, each in its own file
//! and implemented by both adapters (`memory`, `postgres`) where that
//! capability's code lives. Callers hold them through
//! [`Stores`](super::Stores).

mod matching;
mod moderation;
mod oversight;
mod privacy;
mod room_log;
mod telegram_log;
mod telegram_settings;

pub use matching::Matching;
pub use moderation::Moderation;
pub use oversight::Oversight;
pub use privacy::Privacy;
pub use room_log::RoomLog;
pub use telegram_log::TelegramLog;
pub use telegram_settings::TelegramSettings;
