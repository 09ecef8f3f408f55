//! Complaints with evidence, and bans.

use std::time::Duration;

use chathub::domain::{ComplaintId, ReportReason, UserId};
use chathub::store::{ComplaintStatus, NewBan, StoreError};
use chrono::Utc;

use super::{S, pair, say, user};

pub async fn complaints_keep_the_last_messages_as_evidence(store: S) {
    let (a, b, room) = pair(&store).await;
    for i in 1..=25 {
        say(&store, room, b, &format!("b{i}"), &format!("rude {i}")).await;
    }
    let reason = ReportReason::parse(Some("rude".into())).unwrap();
    let id = store
        .moderation
        .file_complaint(room, a, &reason)
        .await
        .unwrap();
    assert_eq!(
        store
            .moderation
            .file_complaint(room, a, &reason)
            .await
            .unwrap(),
        id,
        "a retried report is the same"
    );
    let c = store.moderation.complaint(id).await.unwrap().unwrap();
    assert_eq!((c.room, c.reporter, c.reported), (room, a, b));
    assert_eq!(
        (c.reason.as_str(), c.status, c.resolved_at),
        ("rude", ComplaintStatus::Open, None)
    );
    let seqs: Vec<_> = c.evidence.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, (6..=25).collect::<Vec<_>>());
    assert_eq!(super::text_of(c.evidence.last().unwrap()), "rude 25");

    // The other side may report too; an outsider may not.
    let back = store
        .moderation
        .file_complaint(room, b, &reason)
        .await
        .unwrap();
    assert_ne!(back, id);
    let outsider = user(&store, "carol").await;
    assert!(matches!(
        store
            .moderation
            .file_complaint(room, outsider, &reason)
            .await,
        Err(StoreError::NoSuchRoom)
    ));

    store
        .moderation
        .resolve_complaint(id, ComplaintStatus::Resolved, "moderator-1")
        .await
        .unwrap();
    let c = store.moderation.complaint(id).await.unwrap().unwrap();
    assert_eq!(c.status, ComplaintStatus::Resolved);
    assert!(c.resolved_at.is_some());
    assert!(matches!(
        store
            .moderation
            .resolve_complaint(
                ComplaintId::new(),
                ComplaintStatus::Dismissed,
                "moderator-1"
            )
            .await,
        Err(StoreError::NoSuchComplaint)
    ));
    assert_eq!(
        store
            .moderation
            .complaint(ComplaintId::new())
            .await
            .unwrap(),
        None
    );
}

pub fn ban(user: UserId, until: Option<chrono::DateTime<Utc>>) -> NewBan {
    NewBan {
        user,
        until,
        reason: "spam".into(),
        by: "moderator-1".into(),
    }
}

pub async fn bans_hold_until_they_end(store: S) {
    let a = user(&store, "alice").await;
    let b = user(&store, "bob").await;
    assert!(!store.moderation.is_banned(a).await.unwrap());
    store
        .moderation
        .ban(ban(a, Some(Utc::now() - chrono::Duration::minutes(1))))
        .await
        .unwrap();
    assert!(
        !store.moderation.is_banned(a).await.unwrap(),
        "an expired ban does not hold"
    );
    store
        .moderation
        .ban(ban(
            a,
            Some(Utc::now() + chrono::Duration::milliseconds(300)),
        ))
        .await
        .unwrap();
    assert!(store.moderation.is_banned(a).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !store.moderation.is_banned(a).await.unwrap(),
        "the ban ended"
    );
    store.moderation.ban(ban(b, None)).await.unwrap();
    assert!(
        store.moderation.is_banned(b).await.unwrap(),
        "a ban without end holds"
    );
    assert!(matches!(
        store.moderation.ban(ban(UserId::new(), None)).await,
        Err(StoreError::NoSuchUser)
    ));
}
