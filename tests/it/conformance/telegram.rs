//! Telegram bookkeeping: both copies of a message, delivery cursors,
//! processed updates, orphans.

use chathub::domain::{
    ClientMsgId, Content, EditChange, Media, MediaKind, MessageBody, MessageText, Origin, Platform,
    RoomId, Seq, TelegramOrigin, UserId,
};
use chathub::store::{NewMessage, StoreError};

use super::S;

/// Appends `content` as Telegram message `platform_id` of the sender's chat.
async fn append(
    store: &S,
    room: RoomId,
    sender: UserId,
    content: Content,
    id: &str,
    platform_id: i32,
) -> Seq {
    let msg = NewMessage {
        room,
        sender,
        body: MessageBody::new(content).unwrap(),
        origin: Origin::Telegram(TelegramOrigin {
            chat: 1,
            message_id: platform_id,
            protect: false,
        }),
        reply_to: None,
        client_msg_id: ClientMsgId::parse(id.into()).unwrap(),
    };
    store.rooms.append_message(msg).await.unwrap().seq()
}

fn text() -> Content {
    Content::Text(MessageText::parse("t".into()).unwrap())
}

fn photo() -> Content {
    Content::Media(Media {
        kind: MediaKind::Photo,
        file_id: Some("f".into()),
        caption: None,
        spoiler: false,
        album: None,
    })
}

pub async fn both_copies_are_found_from_either_chat(store: S) {
    let a = store
        .rooms
        .upsert_user(Platform::Telegram, "1")
        .await
        .unwrap();
    let b = store
        .rooms
        .upsert_user(Platform::Telegram, "2")
        .await
        .unwrap();
    let room = store.rooms.create_room(a, b).await.unwrap().id;
    let s1 = append(&store, room, a, text(), "tg:1", 10).await;
    let s2 = append(&store, room, b, photo(), "tg:2", 20).await;
    let edit = Content::Edit {
        target: s1,
        change: EditChange::Text("t2".into()),
    };
    append(&store, room, a, edit, "tg:3", 10).await;

    assert_eq!(
        store.telegram.last_delivered_seq(room, b).await.unwrap(),
        Seq::ZERO
    );
    store
        .telegram
        .record_delivery(room, s1, Some(501))
        .await
        .unwrap();
    store
        .telegram
        .record_delivery(room, s2, Some(601))
        .await
        .unwrap();

    // Each person's chat has its own ids: A's original 10 is B's copy 501.
    let find = |user, id| store.telegram.find_by_platform_msg_id(room, user, id);
    assert_eq!(
        find(a, 10).await.unwrap(),
        Some(s1),
        "an edit never matches"
    );
    assert_eq!(find(b, 501).await.unwrap(), Some(s1));
    assert_eq!(find(b, 20).await.unwrap(), Some(s2));
    assert_eq!(find(a, 601).await.unwrap(), Some(s2));
    assert_eq!(find(a, 20).await.unwrap(), None, "20 is an id in B's chat");
    let copies = store
        .telegram
        .message_copies(room, s1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(copies.platform_msg_id_for(a), Some(10));
    assert_eq!(copies.platform_msg_id_for(b), Some(501));
    assert!(copies.delivered_at.is_some());
    assert_eq!(
        store.telegram.message_copies(room, Seq(99)).await.unwrap(),
        None
    );

    // Delivered cursors count only what the partner sent.
    assert_eq!(
        store.telegram.last_delivered_seq(room, b).await.unwrap(),
        s1
    );
    assert_eq!(
        store.telegram.last_delivered_seq(room, a).await.unwrap(),
        s2
    );
    assert!(matches!(
        store.telegram.record_delivery(room, Seq(99), None).await,
        Err(StoreError::NoSuchRoom)
    ));
}

pub async fn processed_updates_are_remembered(store: S) {
    assert!(!store.telegram.update_processed("tg:7").await.unwrap());
    store
        .telegram
        .record_update_processed("tg:7")
        .await
        .unwrap();
    store
        .telegram
        .record_update_processed("tg:7")
        .await
        .unwrap();
    assert!(store.telegram.update_processed("tg:7").await.unwrap());
    assert!(!store.telegram.update_processed("tg:8").await.unwrap());
}

pub async fn each_orphan_is_claimed_once(store: S) {
    let a = store
        .rooms
        .upsert_user(Platform::Telegram, "1")
        .await
        .unwrap();
    let b = store
        .rooms
        .upsert_user(Platform::Telegram, "2")
        .await
        .unwrap();
    store
        .telegram
        .mark_orphaned(a, Platform::Telegram, "1")
        .await
        .unwrap();
    store
        .telegram
        .mark_orphaned(b, Platform::Telegram, "2")
        .await
        .unwrap();
    store
        .telegram
        .mark_orphaned(a, Platform::Telegram, "1")
        .await
        .unwrap();

    assert!(
        store
            .telegram
            .claim_orphans(Platform::Web, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let first = store
        .telegram
        .claim_orphans(Platform::Telegram, 1)
        .await
        .unwrap();
    assert_eq!(
        first,
        vec![(b, "2".to_owned())],
        "one record per user, re-marking moves it last"
    );
    let rest = store
        .telegram
        .claim_orphans(Platform::Telegram, 10)
        .await
        .unwrap();
    assert_eq!(rest, vec![(a, "1".to_owned())]);
    assert!(
        store
            .telegram
            .claim_orphans(Platform::Telegram, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Many chats' copies recorded at once (the Postgres store writes them in
/// batches): each is recorded, and a missing message fails only its own
/// record.
pub async fn copies_recorded_together_are_each_kept(store: S) {
    const ROOMS: usize = 12;
    let mut sent = Vec::new();
    for i in 0..ROOMS {
        let a = store
            .rooms
            .upsert_user(Platform::Telegram, &format!("a{i}"))
            .await
            .unwrap();
        let b = store
            .rooms
            .upsert_user(Platform::Telegram, &format!("b{i}"))
            .await
            .unwrap();
        let room = store.rooms.create_room(a, b).await.unwrap().id;
        let seq = append(&store, room, a, text(), &format!("tg:{i}"), 10).await;
        sent.push((room, b, seq, 1000 + i as i64));
    }

    let records = sent.iter().map(|&(room, _, seq, copy)| {
        let store = store.clone();
        tokio::spawn(async move { store.telegram.record_delivery(room, seq, Some(copy)).await })
    });
    let missing = {
        let store = store.clone();
        let room = sent[0].0;
        tokio::spawn(async move { store.telegram.record_delivery(room, Seq(99), None).await })
    };
    for record in records.collect::<Vec<_>>() {
        record.await.unwrap().unwrap();
    }
    assert!(matches!(
        missing.await.unwrap(),
        Err(StoreError::NoSuchRoom)
    ));

    for (room, receiver, seq, copy) in sent {
        let find = store.telegram.find_by_platform_msg_id(room, receiver, copy);
        assert_eq!(find.await.unwrap(), Some(seq));
        assert_eq!(
            store
                .telegram
                .last_delivered_seq(room, receiver)
                .await
                .unwrap(),
            seq
        );
    }
}
