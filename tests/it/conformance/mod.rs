//! The conformance cases for the store's ports, one module per port (and
//! one for automatic bans, the largest part of moderation). Each case takes
//! the ports of the adapter under test and must pass for every adapter.

pub mod autoban;
pub mod limits;
pub mod matching;
pub mod messages;
pub mod moderation;
pub mod privacy;
pub mod privacy_choices;
pub mod rooms;
pub mod telegram;
pub mod telegram_settings;

use chathub::domain::{
    ClientMsgId, Columns, MessageBody, Platform, RoomId, Seq, StoredMessage, UserId,
};
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
        body: MessageBody::text(text.into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        client_msg_id: ClientMsgId::parse(id.into()).unwrap(),
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
        .map(|m| (m.seq.0, text_of(&m)))
        .collect()
}

/// The `text` a message is stored with (empty once purged).
pub fn text_of(m: &StoredMessage) -> String {
    Columns::of(m).text
}

/// What an append says about the message's place: (seq, duplicate).
pub fn key(appended: Appended) -> (Seq, bool) {
    (appended.seq(), appended.duplicate)
}
