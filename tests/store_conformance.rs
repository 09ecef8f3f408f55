//! One conformance suite for the `Store` trait. Every test body below is
//! written once and run twice by `conformance!`: against `MemoryStore`
//! (module `memory`) and against `PgStore` on a fresh Postgres database
//! (module `postgres`), so the two stores cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chathub::domain::{
    ClientMsgId, EndReason, MessageKind, Platform, ReportReason, RoomId, Seq, UserId,
};
use chathub::store::{Appended, ComplaintStatus, NewBan, NewMessage, Store, StoreError};
use chrono::Utc;

type S = Arc<dyn Store>;

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(std::sync::Arc::new(chathub::store::MemoryStore::new())).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::common::pg::TestDb::create().await;
                    super::$name(db.store().await).await;
                }
            )*
        }
    };
}

conformance!(
    users_are_created_once_per_platform_identity,
    a_second_active_room_is_refused,
    concurrent_room_creation_keeps_one_room_per_person,
    a_room_ends_exactly_once,
    messages_get_seqs_one_to_n_and_read_back_in_order,
    a_retried_message_is_stored_once,
    concurrent_appends_get_a_gapless_unique_sequence,
    appends_are_refused_for_ended_rooms_and_outsiders,
    complaints_keep_the_last_messages_as_evidence,
    bans_hold_until_they_end,
    retention_purges_old_content_but_not_under_open_complaints,
    export_holds_everything_about_one_person_and_nothing_of_the_partner,
    delete_erases_the_person_and_keeps_the_partners_rooms_whole,
);

// ---- helpers -------------------------------------------------------------

async fn user(store: &S, name: &str) -> UserId {
    store.upsert_user(Platform::Web, name).await.unwrap()
}

async fn pair(store: &S) -> (UserId, UserId, RoomId) {
    let a = user(store, "alice").await;
    let b = user(store, "bob").await;
    let room = store.create_room(a, b).await.unwrap();
    (a, b, room.id)
}

fn msg(room: RoomId, sender: UserId, id: &str, text: &str) -> NewMessage {
    NewMessage {
        room,
        sender,
        kind: MessageKind::Text,
        text: text.into(),
        client_msg_id: ClientMsgId::parse(id.into()).unwrap(),
    }
}

async fn say(store: &S, room: RoomId, sender: UserId, id: &str, text: &str) -> Appended {
    store
        .append_message(msg(room, sender, id, text))
        .await
        .unwrap()
}

async fn texts(store: &S, room: RoomId) -> Vec<(i64, String)> {
    store
        .messages_after(room, Seq::ZERO, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.seq.0, m.text))
        .collect()
}

// ---- users and rooms -----------------------------------------------------

async fn users_are_created_once_per_platform_identity(store: S) {
    let a = user(&store, "p1").await;
    assert_eq!(user(&store, "p1").await, a);
    let t = store.upsert_user(Platform::Telegram, "p1").await.unwrap();
    assert_ne!(t, a, "the same id on another platform is another person");
    assert_eq!(store.find_user(Platform::Web, "p1").await.unwrap(), Some(a));
    assert_eq!(
        store.find_user(Platform::Telegram, "p1").await.unwrap(),
        Some(t)
    );
    assert_eq!(
        store.find_user(Platform::Web, "nobody").await.unwrap(),
        None
    );
}

async fn a_second_active_room_is_refused(store: S) {
    let (a, b, room) = pair(&store).await;
    let c = user(&store, "carol").await;
    assert!(matches!(
        store.create_room(a, c).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.create_room(c, b).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.create_room(c, c).await,
        Err(StoreError::AlreadyInRoom)
    ));
    assert!(matches!(
        store.create_room(c, UserId::new()).await,
        Err(StoreError::NoSuchUser)
    ));
    assert_eq!(store.active_room(a).await.unwrap().unwrap().id, room);
    assert_eq!(store.active_room(c).await.unwrap(), None);

    store
        .end_room(room, Some(a), EndReason::Next)
        .await
        .unwrap();

    let again = store.create_room(a, c).await.unwrap();
    assert_eq!(store.active_room(c).await.unwrap().unwrap().id, again.id);
    assert_eq!(store.active_room(b).await.unwrap(), None);
}

async fn concurrent_room_creation_keeps_one_room_per_person(store: S) {
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(user(&store, &format!("u{i}")).await);
    }
    // Every possible pair at once: only a matching may succeed.
    let mut tasks = Vec::new();
    for (i, &a) in people.iter().enumerate() {
        for &b in &people[i + 1..] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.create_room(a, b).await }));
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
        let active = store.active_room(*p).await.unwrap();
        assert_eq!(active.is_some(), seen.contains(p));
    }
}

async fn a_room_ends_exactly_once(store: S) {
    let (a, b, room) = pair(&store).await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            let (by, reason) = if i % 2 == 0 {
                (a, EndReason::Next)
            } else {
                (b, EndReason::Stop)
            };
            tokio::spawn(async move { store.end_room(room, Some(by), reason).await.unwrap() })
        })
        .collect();
    let mut ended = Vec::new();
    for t in tasks {
        ended.extend(t.await.unwrap());
    }
    assert_eq!(ended.len(), 1, "exactly one caller ends the room");
    let stored = store.room(room).await.unwrap().unwrap();
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
    assert_eq!(store.active_room(a).await.unwrap(), None);
    assert_eq!(
        store.end_room(room, None, EndReason::Stop).await.unwrap(),
        None
    );
    assert!(matches!(
        store.end_room(RoomId::new(), None, EndReason::Stop).await,
        Err(StoreError::NoSuchRoom)
    ));
    assert_eq!(store.room(RoomId::new()).await.unwrap(), None);
}

// ---- messages --------------------------------------------------------------

async fn messages_get_seqs_one_to_n_and_read_back_in_order(store: S) {
    let (a, b, room) = pair(&store).await;
    for i in 1..=20 {
        let sender = if i % 3 == 0 { b } else { a };
        let got = say(&store, room, sender, &format!("m{i}"), &format!("text {i}")).await;
        assert_eq!(
            got,
            Appended {
                seq: Seq(i),
                duplicate: false
            }
        );
    }
    let all = store.messages_after(room, Seq::ZERO, 100).await.unwrap();
    assert_eq!(all.len(), 20);
    for (i, m) in all.iter().enumerate() {
        let n = i as i64 + 1;
        assert_eq!(
            (m.seq, m.text.as_str()),
            (Seq(n), format!("text {n}").as_str())
        );
        assert_eq!(m.sender, if n % 3 == 0 { b } else { a });
        assert_eq!((m.room, m.kind), (room, MessageKind::Text));
        assert_eq!(m.client_msg_id.as_str(), format!("m{n}"));
    }
    let page: Vec<_> = store
        .messages_after(room, Seq(5), 3)
        .await
        .unwrap()
        .iter()
        .map(|m| m.seq.0)
        .collect();
    assert_eq!(page, vec![6, 7, 8]);
    assert!(
        store
            .messages_after(room, Seq(20), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_retried_message_is_stored_once(store: S) {
    let (a, b, room) = pair(&store).await;
    assert_eq!(
        say(&store, room, a, "x1", "hello").await,
        Appended {
            seq: Seq(1),
            duplicate: false
        }
    );
    assert_eq!(
        say(&store, room, a, "x1", "hello").await,
        Appended {
            seq: Seq(1),
            duplicate: true
        }
    );
    // The key is per sender: the partner may use the same client id.
    assert_eq!(
        say(&store, room, b, "x1", "hi").await,
        Appended {
            seq: Seq(2),
            duplicate: false
        }
    );
    // Concurrent retries of one message still store it once.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.append_message(msg(room, a, "x2", "again")).await })
        })
        .collect();
    let mut seqs = HashSet::new();
    let mut fresh = 0;
    for t in tasks {
        let got = t.await.unwrap().unwrap();
        seqs.insert(got.seq);
        fresh += usize::from(!got.duplicate);
    }
    assert_eq!((seqs.len(), fresh), (1, 1));
    assert_eq!(texts(&store, room).await.len(), 3);
}

async fn concurrent_appends_get_a_gapless_unique_sequence(store: S) {
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
                            .append_message(msg(room, who, &format!("{tag}{i}"), tag))
                            .await
                            .unwrap()
                            .seq,
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
                    .append_message(msg(room, a, &format!("z{i}"), "z"))
                    .await
                    .unwrap()
                    .seq
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

async fn appends_are_refused_for_ended_rooms_and_outsiders(store: S) {
    let (a, b, room) = pair(&store).await;
    let c = user(&store, "carol").await;
    say(&store, room, a, "k1", "before").await;
    assert!(matches!(
        store.append_message(msg(room, c, "k2", "intruder")).await,
        Err(StoreError::RoomClosed)
    ));
    assert!(matches!(
        store
            .append_message(msg(RoomId::new(), a, "k3", "nowhere"))
            .await,
        Err(StoreError::RoomClosed)
    ));
    store
        .end_room(room, Some(b), EndReason::Stop)
        .await
        .unwrap();
    assert!(matches!(
        store.append_message(msg(room, a, "k4", "late")).await,
        Err(StoreError::RoomClosed)
    ));
    // A retry of a message stored before the end still gets its seq.
    assert_eq!(
        say(&store, room, a, "k1", "before").await,
        Appended {
            seq: Seq(1),
            duplicate: true
        }
    );
    assert_eq!(texts(&store, room).await, vec![(1, "before".to_owned())]);
}

// ---- complaints and bans ------------------------------------------------------

async fn complaints_keep_the_last_messages_as_evidence(store: S) {
    let (a, b, room) = pair(&store).await;
    for i in 1..=25 {
        say(&store, room, b, &format!("b{i}"), &format!("rude {i}")).await;
    }
    let reason = ReportReason::parse(Some("rude".into())).unwrap();
    let id = store.file_complaint(room, a, &reason).await.unwrap();
    assert_eq!(
        store.file_complaint(room, a, &reason).await.unwrap(),
        id,
        "a retried report is the same"
    );
    let c = store.complaint(id).await.unwrap().unwrap();
    assert_eq!((c.room, c.reporter, c.reported), (room, a, b));
    assert_eq!(
        (c.reason.as_str(), c.status, c.resolved_at),
        ("rude", ComplaintStatus::Open, None)
    );
    let seqs: Vec<_> = c.evidence.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (6..=25).collect::<Vec<_>>());
    assert_eq!(c.evidence.last().unwrap().text, "rude 25");

    // The other side may report too; an outsider may not.
    let back = store.file_complaint(room, b, &reason).await.unwrap();
    assert_ne!(back, id);
    let outsider = user(&store, "carol").await;
    assert!(matches!(
        store.file_complaint(room, outsider, &reason).await,
        Err(StoreError::NoSuchRoom)
    ));

    store
        .resolve_complaint(id, ComplaintStatus::Resolved)
        .await
        .unwrap();
    let c = store.complaint(id).await.unwrap().unwrap();
    assert_eq!(c.status, ComplaintStatus::Resolved);
    assert!(c.resolved_at.is_some());
    assert!(matches!(
        store
            .resolve_complaint(
                chathub::domain::ComplaintId::new(),
                ComplaintStatus::Dismissed
            )
            .await,
        Err(StoreError::NoSuchComplaint)
    ));
    assert_eq!(
        store
            .complaint(chathub::domain::ComplaintId::new())
            .await
            .unwrap(),
        None
    );
}

fn ban(user: UserId, until: Option<chrono::DateTime<Utc>>) -> NewBan {
    NewBan {
        user,
        until,
        reason: "spam".into(),
        by: "moderator-1".into(),
    }
}

async fn bans_hold_until_they_end(store: S) {
    let a = user(&store, "alice").await;
    let b = user(&store, "bob").await;
    assert!(!store.is_banned(a).await.unwrap());
    store
        .ban(ban(a, Some(Utc::now() - chrono::Duration::minutes(1))))
        .await
        .unwrap();
    assert!(
        !store.is_banned(a).await.unwrap(),
        "an expired ban does not hold"
    );
    store
        .ban(ban(
            a,
            Some(Utc::now() + chrono::Duration::milliseconds(300)),
        ))
        .await
        .unwrap();
    assert!(store.is_banned(a).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!store.is_banned(a).await.unwrap(), "the ban ended");
    store.ban(ban(b, None)).await.unwrap();
    assert!(store.is_banned(b).await.unwrap(), "a ban without end holds");
    assert!(matches!(
        store.ban(ban(UserId::new(), None)).await,
        Err(StoreError::NoSuchUser)
    ));
}

// ---- retention and data protection -------------------------------------------

async fn retention_purges_old_content_but_not_under_open_complaints(store: S) {
    let (a, b, quiet) = pair(&store).await;
    let c = user(&store, "carol").await;
    let d = user(&store, "dave").await;
    let disputed = store.create_room(c, d).await.unwrap().id;
    say(&store, quiet, a, "q1", "old 1").await;
    say(&store, quiet, b, "q2", "old 2").await;
    say(&store, disputed, d, "d1", "old rude").await;
    let reason = ReportReason::parse(None).unwrap();
    let complaint = store.file_complaint(disputed, c, &reason).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cutoff = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    say(&store, quiet, a, "q3", "new").await;

    assert_eq!(store.purge_expired(cutoff).await.unwrap(), 2);

    assert_eq!(
        texts(&store, quiet).await,
        vec![
            (1, String::new()),
            (2, String::new()),
            (3, "new".to_owned())
        ],
        "old content is gone, seqs stay, new content stays"
    );
    assert_eq!(
        texts(&store, disputed).await,
        vec![(1, "old rude".to_owned())]
    );
    assert_eq!(
        store
            .complaint(complaint)
            .await
            .unwrap()
            .unwrap()
            .evidence
            .len(),
        1
    );
    assert_eq!(
        store.purge_expired(cutoff).await.unwrap(),
        0,
        "purging is idempotent"
    );

    // Once resolved, the disputed room and the evidence expire as well.
    store
        .resolve_complaint(complaint, ComplaintStatus::Resolved)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.purge_expired(Utc::now()).await.unwrap(), 2);
    assert_eq!(texts(&store, disputed).await, vec![(1, String::new())]);
    assert!(
        store
            .complaint(complaint)
            .await
            .unwrap()
            .unwrap()
            .evidence
            .is_empty()
    );
}

async fn export_holds_everything_about_one_person_and_nothing_of_the_partner(store: S) {
    let (a, b, room) = pair(&store).await;
    say(&store, room, a, "a1", "my words").await;
    say(&store, room, b, "b1", "partner secret").await;
    let reason = ReportReason::parse(Some("spam".into())).unwrap();
    let complaint = store.file_complaint(room, b, &reason).await.unwrap();
    store
        .end_room(room, Some(a), EndReason::Stop)
        .await
        .unwrap();
    store.ban(ban(a, None)).await.unwrap();

    let export = store.export_user(a).await.unwrap().unwrap();

    assert_eq!(export["id"], a.to_string());
    assert_eq!(export["platform"], "web");
    assert_eq!(export["platform_user_id"], "alice");
    assert!(export["profile"].is_object());
    assert_eq!(export["rooms"].as_array().unwrap().len(), 1);
    assert_eq!(export["rooms"][0]["id"], room.to_string());
    assert_eq!(export["rooms"][0]["ended_by_me"], true);
    assert_eq!(export["rooms"][0]["end_reason"], "stop");
    let messages = export["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (messages[0]["text"].as_str(), messages[0]["seq"].as_i64()),
        (Some("my words"), Some(1))
    );
    assert!(export["complaints_filed"].as_array().unwrap().is_empty());
    assert_eq!(
        export["complaints_received"][0]["id"],
        complaint.to_string()
    );
    assert_eq!(export["complaints_received"][0]["reason"], "spam");
    assert_eq!(export["bans"][0]["reason"], "spam");
    let text = export.to_string();
    assert!(
        !text.contains("partner secret") && !text.contains(&b.to_string()) && !text.contains("bob")
    );
    assert_eq!(store.export_user(UserId::new()).await.unwrap(), None);
}

async fn delete_erases_the_person_and_keeps_the_partners_rooms_whole(store: S) {
    let (a, b, room) = pair(&store).await;
    say(&store, room, a, "a1", "mine 1").await;
    say(&store, room, b, "b1", "theirs").await;
    say(&store, room, a, "a2", "mine 2").await;
    let reason = ReportReason::parse(None).unwrap();
    let complaint = store.file_complaint(room, b, &reason).await.unwrap();
    store.ban(ban(a, None)).await.unwrap();

    assert!(store.delete_user(a).await.unwrap());

    assert_eq!(store.find_user(Platform::Web, "alice").await.unwrap(), None);
    assert!(!store.is_banned(a).await.unwrap());
    let ended = store.room(room).await.unwrap().unwrap();
    assert!(!ended.is_active(), "the active room ended");
    assert_eq!((ended.a, ended.b), (a, b));
    assert_eq!(store.active_room(b).await.unwrap(), None);
    assert_eq!(
        texts(&store, room).await,
        vec![
            (1, String::new()),
            (2, "theirs".to_owned()),
            (3, String::new())
        ],
        "the partner's log keeps every seq and their own words"
    );
    let evidence = store.complaint(complaint).await.unwrap().unwrap().evidence;
    let evidence: Vec<_> = evidence.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(evidence, vec!["", "theirs", ""]);
    let export = store.export_user(a).await.unwrap().unwrap();
    assert!(export["platform_user_id"].is_null());
    assert!(!export.to_string().contains("mine"));
    // The partner carries on; the same identity coming back is someone new.
    let c = user(&store, "carol").await;
    store.create_room(b, c).await.unwrap();
    assert_ne!(user(&store, "alice").await, a);
    assert!(!store.delete_user(UserId::new()).await.unwrap());
}
