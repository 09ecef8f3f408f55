//! The Redis key and channel layout, in one place. Every name starts with
//! the configured prefix (`CHATHUB_REDIS_PREFIX`, default `chathub:`), so
//! deployments and test runs can share one Redis without seeing each other.
//!
//! | name | type | meaning |
//! |---|---|---|
//! | `{p}room:{room uuid}` | channel | doorbell of one room (JSON `BusEvent`) |
//! | `{p}user:{user uuid}` | channel | control events for one person |
//! | `{p}replica:{instance id}` | string, TTL | heartbeat; value = incarnation token |
//! | `{p}replicas` | set | instance ids that ever announced themselves |
//! | `{p}queue` | zset | everyone waiting: user uuid scored by ticket (FIFO) |
//! | `{p}queue:entries` | hash | user uuid -> the entry's JSON (profile, preferences, people to avoid, reputation class) |
//! | `{p}queue:owner_of` | hash | user uuid -> incarnation token that queued them |
//! | `{p}queue:ticket` | counter | last ticket handed out |
//! | `{p}queue:owners` | hash | incarnation token -> instance id, for every owner with entries |
//! | `{p}queue:owner:{token}` | set | users queued by that incarnation |
//! | `{p}queue:popped:{user}` | string, TTL 60 s | `owner json` of an entry a pairing just popped (for a requeue) |
//! | `{p}presence:latest` | hash | person -> `token|client` of their latest connection |
//! | `{p}presence:away` | zset | person -> grace deadline (ms) |
//! | `{p}presence:owners` | hash | incarnation token -> instance id |
//! | `{p}presence:owner:{token}` | set | people whose latest connection that incarnation holds |
//!
//! Telegram's keys ([`TelegramKeys`]) start with `TELEGRAM_REDIS_PREFIX`
//! in braces (`{tg}`, a hash tag: the budget script touches several keys,
//! which must share one cluster slot):
//!
//! | name | type | meaning |
//! |---|---|---|
//! | `{tg}:window`, `{tg}:window:n` | zset, counter | the bot-wide sliding window |
//! | `{tg}:chat:{chat}` | hash | one chat's token bucket |
//! | `{tg}:pause` | string, TTL | set by a 429: every replica waits |
//! | `{tg}:outbox:{user}` | string, TTL | which sender may send into this person's chat |
//! | `{tg}:action:{chat}` | string, TTL 5 s | a chat action ("typing...") went into this chat |
//! | `{tg}:poller` | string, TTL | the polling lease |
//!
//! The queue and presence names are also spelled out in `queue.lua` and
//! `presence.lua` (scripts build the per-owner names themselves); the Redis tests use both
//! sides, so a mismatch fails them.

use crate::bus::Topic;
use crate::domain::{RoomId, UserId};

const ROOM: &str = "room:";
const USER: &str = "user:";

#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The Pub/Sub channel of a topic.
    pub fn channel(&self, topic: Topic) -> String {
        match topic {
            Topic::Room(room) => format!("{}{ROOM}{room}", self.prefix),
            Topic::User(user) => format!("{}{USER}{user}", self.prefix),
        }
    }

    /// The topic a channel name belongs to; `None` for foreign channels.
    pub fn topic_of(&self, channel: &str) -> Option<Topic> {
        let rest = channel.strip_prefix(&self.prefix)?;
        if let Some(id) = rest.strip_prefix(ROOM) {
            id.parse::<RoomId>().ok().map(Topic::Room)
        } else if let Some(id) = rest.strip_prefix(USER) {
            id.parse::<UserId>().ok().map(Topic::User)
        } else {
            None
        }
    }

    /// Heartbeat key of one replica.
    pub fn replica(&self, instance_id: &str) -> String {
        format!("{}replica:{instance_id}", self.prefix)
    }

    /// Set of instance ids that have announced themselves.
    pub fn replicas(&self) -> String {
        format!("{}replicas", self.prefix)
    }

    /// Person -> `token|client` of their latest connection.
    pub fn presence_latest(&self) -> String {
        format!("{}presence:latest", self.prefix)
    }

    /// Everyone waiting, in FIFO order.
    pub fn queue(&self) -> String {
        format!("{}queue", self.prefix)
    }
}

/// The names of the Telegram transport's keys.
#[derive(Clone, Debug)]
pub struct TelegramKeys {
    /// `{TELEGRAM_REDIS_PREFIX}`, braces included.
    tag: String,
}

impl TelegramKeys {
    pub fn new(prefix: &str) -> Self {
        Self {
            tag: format!("{{{prefix}}}"),
        }
    }

    /// Set by a 429 for `retry_after`: every replica waits.
    pub fn pause(&self) -> String {
        format!("{}:pause", self.tag)
    }

    /// The bot-wide sliding window: when each call of the last second was granted.
    pub fn window(&self) -> String {
        format!("{}:window", self.tag)
    }

    /// The window's counter (unique members for the window zset).
    pub fn window_count(&self) -> String {
        format!("{}:window:n", self.tag)
    }

    /// One chat's token bucket.
    pub fn chat(&self, chat: i64) -> String {
        format!("{}:chat:{chat}", self.tag)
    }

    /// Set while one chat's chat action ("typing...") was sent recently.
    pub fn chat_action(&self, chat: i64) -> String {
        format!("{}:action:{chat}", self.tag)
    }

    /// Which sender may send into this person's chat.
    pub fn outbox(&self, user: UserId) -> String {
        format!("{}:outbox:{user}", self.tag)
    }

    /// The polling lease (`TELEGRAM_MODE=polling`).
    pub fn poller(&self) -> String {
        format!("{}:poller", self.tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_and_foreign_ones_are_ignored() {
        let keys = Keys::new("t1:");
        let room = Topic::Room(RoomId::new());
        let user = Topic::User(UserId::new());
        for topic in [room, user] {
            let channel = keys.channel(topic);
            assert!(channel.starts_with("t1:"));
            assert_eq!(keys.topic_of(&channel), Some(topic));
        }
        assert!(keys.channel(room).starts_with("t1:room:"));
        assert_eq!(Keys::new("t2:").topic_of(&keys.channel(room)), None);
        assert_eq!(keys.topic_of("t1:room:not-a-uuid"), None);
        assert_eq!(keys.topic_of("t1:queue"), None);
    }

    #[test]
    fn replica_keys() {
        let keys = Keys::new("chathub:");
        assert_eq!(keys.replica("web-1"), "chathub:replica:web-1");
        assert_eq!(keys.replicas(), "chathub:replicas");
        assert_eq!(keys.queue(), "chathub:queue");
    }

    #[test]
    fn telegram_keys_share_one_hash_tag() {
        let keys = TelegramKeys::new("chathub:tg");
        assert_eq!(keys.pause(), "{chathub:tg}:pause");
        assert_eq!(keys.window(), "{chathub:tg}:window");
        assert_eq!(keys.window_count(), "{chathub:tg}:window:n");
        assert_eq!(keys.chat(-42), "{chathub:tg}:chat:-42");
        assert_eq!(keys.poller(), "{chathub:tg}:poller");
        let user = UserId::new();
        assert_eq!(keys.outbox(user), format!("{{chathub:tg}}:outbox:{user}"));
    }
}
