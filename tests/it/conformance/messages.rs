//! The message log: seqs, idempotency, concurrency, refusals.

use std::collections::HashSet;

use chathub::domain::{EndReason, MessageKind, RoomId, Seq};
use chathub::store::StoreError;

use super::{S, key, msg, pair, say, texts, user};

pub async fn messages_get_seqs_one_to_n_and_read_back_in_order(store: S) {
    let (a, b, room) = pair(&store).await;
    for i in 1..=20 {
        let sender = if i % 3 == 0 { b } else { a };
        let got = say(&store, room, sender, &format!("m{i}"), &format!("text {i}")).await;
        assert_eq!(key(got), (Seq(i), false));
    }
    let all = store
        .rooms
        .messages_after(room, Seq::ZERO, 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 20);
    for (i, m) in all.iter().enumerate() {
        let n = i as i64 + 1;
        assert_eq!((m.seq, super::text_of(m)), (Seq(n), format!("text {n}")));
        assert_eq!(m.sender, if n % 3 == 0 { b } else { a });
        assert_eq!((m.room, m.body.kind()), (room, MessageKind::Text));
        assert_eq!(m.client_msg_id.as_str(), format!("m{n}"));
    }
    let page: Vec<_> = store
        .rooms
        .messages_after(room, Seq(5), 3)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(page, vec![6, 7, 8]);
    assert!(
        store
            .rooms
            .messages_after(room, Seq(20), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_retried_message_is_stored_once(store: S) {
    let (a, b, room) = pair(&store).await;
    let first = say(&store, room, a, "x1", "hello").await;
    assert_eq!(key(first.clone()), (Seq(1), false));
    // A retry answers with the first copy as stored, and both are the
    // record a reader gets (the doorbell carries it).
    let retry = msg(room, a, "x1", "hello (retried)");
    let again = store.rooms.append_message(retry).await.unwrap();
    assert_eq!(key(again.clone()), (Seq(1), true));
    assert_eq!(again.message, first.message);
    let stored = store
        .rooms
        .messages_after(room, Seq::ZERO, 1)
        .await
        .unwrap();
    assert_eq!(stored, vec![first.message]);
    // The key is per sender: the partner may use the same client id.
    assert_eq!(key(say(&store, room, b, "x1", "hi").await), (Seq(2), false));
    // Concurrent retries of one message still store it once.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .rooms
                    .append_message(msg(room, a, "x2", "again"))
                    .await
            })
        })
        .collect();
    let mut seqs = HashSet::new();
    let mut fresh = 0;
    for t in tasks {
        let got = t.await.unwrap().unwrap();
        seqs.insert(got.seq());
        fresh += usize::from(!got.duplicate);
    }
    assert_eq!((seqs.len(), fresh), (1, 1));
    assert_eq!(texts(&store, room).await.len(), 3);
}

pub async fn concurrent_appends_get_a_gapless_unique_sequence(store: S) {
    let (a, b, room) = pair(&store).await;
    const EACH: usize = 100;
    // Two senders, each sending in order as a client does, at the same time;
    // plus a burst of unordered sends to press on the row lock.
    let senders: Vec<_> = [(a, "a"), (b, "b")]
        .into_iter()
        .map(|(who, tag)| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..EACH {
                    seqs.push(
                        store
                            .rooms
                            .append_message(msg(room, who, &format!("{tag}{i}"), tag))
                            .await
                            .unwrap()
                            .seq(),
                    );
                }
                seqs
            })
        })
        .collect();
    let burst: Vec<_> = (0..EACH)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .rooms
                    .append_message(msg(room, a, &format!("z{i}"), "z"))
                    .await
                    .unwrap()
                    .seq()
            })
        })
        .collect();
    let mut all = Vec::new();
    for s in senders {
        let seqs = s.await.unwrap();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "a sender's messages keep their order"
        );
        all.extend(seqs);
    }
    for t in burst {
        all.push(t.await.unwrap());
    }
    all.sort();
    let expected: Vec<_> = (1..=3 * EACH as i64).map(Seq).collect();
    assert_eq!(all, expected, "no seq is skipped or given twice");
    let stored: Vec<_> = texts(&store, room)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(stored, (1..=3 * EACH as i64).collect::<Vec<_>>());
}

pub async fn appends_are_refused_for_ended_rooms_and_outsiders(store: S) {
    let (a, b, room) = pair(&store).await;
    let c = user(&store, "carol").await;
    say(&store, room, a, "k1", "before").await;
    assert!(matches!(
        store
            .rooms
            .append_message(msg(room, c, "k2", "intruder"))
            .await,
        Err(StoreError::RoomClosed)
    ));
    assert!(matches!(
        store
            .rooms
            .append_message(msg(RoomId::new(), a, "k3", "nowhere"))
            .await,
        Err(StoreError::RoomClosed)
    ));
    store
        .rooms
        .end_room(room, Some(b), EndReason::Stop)
        .await
        .unwrap();
    assert!(matches!(
        store.rooms.append_message(msg(room, a, "k4", "late")).await,
        Err(StoreError::RoomClosed)
    ));
    // A retry of a message stored before the end still gets its seq.
    assert_eq!(
        key(say(&store, room, a, "k1", "before").await),
        (Seq(1), true)
    );
    assert_eq!(texts(&store, room).await, vec![(1, "before".to_owned())]);
}
