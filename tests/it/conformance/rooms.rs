//! People and rooms: identities, the one-active-room invariant, ending once.

use std::collections::HashSet;

use chathub::domain::{EndReason, Platform, RoomId, UserId};
use chathub::store::StoreError;

use super::{S, pair, user};

pub async fn users_are_created_once_per_platform_identity(store: S) {
    let a = user(&store, "p1").await;
    assert_eq!(user(&store, "p1").await, a);
    let t = store
        .rooms
        .upsert_user(Platform::Telegram, "p1")
        .await
        .unwrap();
    assert_ne!(t, a, "the same id on another platform is another person");
    assert_eq!(
        store.rooms.find_user(Platform::Web, "p1").await.unwrap(),
        Some(a)
    );
    assert_eq!(
        store
            .rooms
            .find_user(Platform::Telegram, "p1")
            .await
            .unwrap(),
        Some(t)
    );
    assert_eq!(
        store
            .rooms
            .find_user(Platform::Web, "nobody")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.rooms.identity(t).await.unwrap(),
        Some((Platform::Telegram, "p1".to_owned()))
    );
    assert_eq!(store.rooms.identity(UserId::new()).await.unwrap(), None);
}

pub async fn a_second_active_room_is_refused(store: S) {
    let (a, b, room) = pair(&store).await;
    let c = user(&store, "carol").await;
    assert!(matches!(
        store.rooms.create_room(a, c).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.rooms.create_room(c, b).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.rooms.create_room(c, c).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.rooms.create_room(c, UserId::new()).await,
        Err(StoreError::NoSuchUser)
    ));
    assert_eq!(store.rooms.active_room(a).await.unwrap().unwrap().id, room);
    assert_eq!(store.rooms.active_room(c).await.unwrap(), None);

    store
        .rooms
        .end_room(room, Some(a), EndReason::Next)
        .await
        .unwrap();

    let again = store.rooms.create_room(a, c).await.unwrap();
    assert_eq!(
        store.rooms.active_room(c).await.unwrap().unwrap().id,
        again.id
    );
    assert_eq!(store.rooms.active_room(b).await.unwrap(), None);
}

pub async fn concurrent_room_creation_keeps_one_room_per_person(store: S) {
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(user(&store, &format!("u{i}")).await);
    }
    // Every possible pair at once: only a matching may succeed.
    let mut tasks = Vec::new();
    for (i, &a) in people.iter().enumerate() {
        for &b in &people[i + 1..] {
            let store = store.clone();
            tasks.push(tokio::spawn(
                async move { store.rooms.create_room(a, b).await },
            ));
        }
    }
    let mut rooms = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(room) => rooms.push(room),
            Err(StoreError::AlreadyInRoom) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert!(!rooms.is_empty());
    let mut seen = HashSet::new();
    for r in &rooms {
        assert!(
            seen.insert(r.a) && seen.insert(r.b),
            "someone is in two rooms"
        );
    }
    for p in &people {
        let active = store.rooms.active_room(*p).await.unwrap();
        assert_eq!(active.is_some(), seen.contains(p));
    }
}

pub async fn a_room_ends_exactly_once(store: S) {
    let (a, b, room) = pair(&store).await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            let (by, reason) = if i % 2 == 0 {
                (a, EndReason::Next)
            } else {
                (b, EndReason::Stop)
            };
            tokio::spawn(async move { store.rooms.end_room(room, Some(by), reason).await.unwrap() })
        })
        .collect();
    let mut ended = Vec::new();
    for t in tasks {
        ended.extend(t.await.unwrap());
    }
    assert_eq!(ended.len(), 1, "exactly one caller ends the room");
    let stored = store.rooms.room(room).await.unwrap().unwrap();
    assert_eq!(stored, ended[0]);
    assert!(!stored.is_active());
    assert_eq!(
        stored.ended_by,
        Some(if stored.end_reason == Some(EndReason::Next) {
            a
        } else {
            b
        })
    );
    assert_eq!(store.rooms.active_room(a).await.unwrap(), None);
    assert_eq!(
        store
            .rooms
            .end_room(room, None, EndReason::Stop)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        store
            .rooms
            .end_room(RoomId::new(), None, EndReason::Stop)
            .await,
        Err(StoreError::NoSuchRoom)
    ));
    assert_eq!(store.rooms.room(RoomId::new()).await.unwrap(), None);
}

/// The service-wide count of rooms (`chathub_service_rooms_active`): rooms
/// are counted from their start until their end, whoever ends them.
pub async fn active_rooms_are_counted_until_they_end(store: S) {
    assert_eq!(store.oversight.active_rooms().await.unwrap(), 0);
    let (a, _, first) = pair(&store).await;
    let (c, d) = (user(&store, "carol").await, user(&store, "dan").await);
    let second = store.rooms.create_room(c, d).await.unwrap().id;
    assert_eq!(store.oversight.active_rooms().await.unwrap(), 2);

    store
        .rooms
        .end_room(first, Some(a), EndReason::Next)
        .await
        .unwrap();
    assert_eq!(store.oversight.active_rooms().await.unwrap(), 1);
    store
        .rooms
        .end_room(second, None, EndReason::Moderation)
        .await
        .unwrap();
    assert_eq!(store.oversight.active_rooms().await.unwrap(), 0);
}
