//! Idle rooms (`CHATHUB_ROOM_IDLE_SECS`), on every store.

use std::collections::HashSet;
use std::time::Duration;

use chathub::domain::EndReason;

use super::{S, msg, user};

/// The idle limit these cases use (the Postgres test store is configured
/// with it); rooms are left alone a bit longer.
const IDLE: Duration = Duration::from_secs(2);
/// A store may end an idle room up to a tenth of the limit late (README,
/// `CHATHUB_ROOM_IDLE_SECS`), never early.
const IDLE_LAG: Duration = Duration::from_millis(200);

pub async fn idle_rooms_end_once_and_a_message_keeps_a_room_open(store: S) {
    let mut silent = HashSet::new();
    for i in 0..12 {
        let a = user(&store, &format!("a{i}")).await;
        let b = user(&store, &format!("b{i}")).await;
        silent.insert(store.rooms.create_room(a, b).await.unwrap().id);
    }
    let (c, d) = (user(&store, "c").await, user(&store, "d").await);
    let talking = store.rooms.create_room(c, d).await.unwrap().id;
    tokio::time::sleep(IDLE + IDLE_LAG + Duration::from_millis(300)).await;
    // A message now: this room was silent as long, but is not idle any more.
    store
        .rooms
        .append_message(msg(talking, c, "c1", "still here"))
        .await
        .unwrap();

    // Four sweepers at once (replicas): each silent room is ended by one.
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.rooms.end_idle_rooms(IDLE, 5).await.unwrap() })
        })
        .collect();
    let mut ended = Vec::new();
    for s in sweeps {
        ended.extend(s.await.unwrap());
    }
    // A batch limit of 5 per call: what is left goes to the next sweeps.
    loop {
        let more = store.rooms.end_idle_rooms(IDLE, 5).await.unwrap();
        if more.is_empty() {
            break;
        }
        ended.extend(more);
    }
    let ids: Vec<_> = ended.iter().map(|r| r.id).collect();
    assert_eq!(
        ids.len(),
        silent.len(),
        "each silent room ended exactly once"
    );
    assert_eq!(ids.iter().copied().collect::<HashSet<_>>(), silent);
    for room in &ended {
        assert_eq!(room.end_reason, Some(EndReason::Idle));
        assert_eq!(room.ended_by, None);
        assert_eq!(store.rooms.active_room(room.a).await.unwrap(), None);
    }
    let kept = store.rooms.room(talking).await.unwrap().unwrap();
    assert!(kept.is_active(), "a room with a recent message stays open");
    assert_eq!(
        store.rooms.active_room(c).await.unwrap().map(|r| r.id),
        Some(talking)
    );
}
