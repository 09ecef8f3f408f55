//! The conformance cases for the store's ports, one module per port (and
//! one for automatic bans, the largest part of moderation). Each case takes
//! the ports of the adapter under test and must pass for every adapter.

pub mod autoban;
pub mod limits;
pub mod matching;
pub mod messages;
pub mod moderation;
pub mod privacy;
pub mod rooms;
pub mod telegram;

use chathub::domain::{ClientMsgId, MessageKind, Platform, RoomId, Seq, UserId};
use chathub::store::{Appended, NewMessage, Stores};

pub type S = Stores;

pub async fn user(store: &S, name: &str) -> UserId {
    store.rooms.upsert_user(Platform::Web, name).await.unwrap()
}

pub async fn pair(store: &S) -> (UserId, UserId, RoomId) {
    let a = user(store, "alice").await;
    let b = user(store, "bob").await;
    let room = store.rooms.create_room(a, b).await.unwrap();
    (a, b, room.id)
}

pub fn msg(room: RoomId, sender: UserId, id: &str, text: &str) -> NewMessage {
    NewMessage {
        room,
        sender,
        kind: MessageKind::Text,
        text: text.into(),
        client_msg_id: ClientMsgId::parse(id.into()).unwrap(),
        extra: Default::default(),
    }
}

pub async fn say(store: &S, room: RoomId, sender: UserId, id: &str, text: &str) -> Appended {
    store
        .rooms
        .append_message(msg(room, sender, id, text))
        .await
        .unwrap()
}

pub async fn texts(store: &S, room: RoomId) -> Vec<(i64, String)> {
    store
        .rooms
        .messages_after(room, Seq::ZERO, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.seq.0, m.text))
        .collect()
}

/// What an append says about the message's place: (seq, duplicate).
pub fn key(appended: Appended) -> (Seq, bool) {
    (appended.seq(), appended.duplicate)
}
