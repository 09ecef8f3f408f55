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
//! | `{p}queue:nolang` | zset | waiting people without a language, same scores |
//! | `{p}queue:lang:{lang}` | zset | waiting people with language `lang`, same scores |
//! | `{p}queue:entries` | hash | user uuid -> JSON `{lang, owner}` |
//! | `{p}queue:ticket` | counter | last ticket handed out |
//! | `{p}queue:owners` | hash | incarnation token -> instance id, for every owner with entries |
//! | `{p}queue:owner:{token}` | set | users queued by that incarnation |
//! | `{p}queue:popped:{user}` | string, TTL 60 s | entry a pairing just popped (for a requeue) |
//!
//! The queue names are also spelled out in `queue.lua` (scripts build the
//! per-language and per-owner names themselves); the Redis tests use both
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

    /// Everyone waiting, in FIFO order.
    pub fn queue(&self) -> String {
        format!("{}queue", self.prefix)
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
}
