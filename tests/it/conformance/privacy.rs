//! Retention, export and deletion.

use std::time::Duration;

use chathub::domain::{EndReason, Platform, ReportReason, UserId};
use chathub::store::ComplaintStatus;
use chrono::Utc;

use super::moderation::ban;
use super::{S, pair, say, texts, user};

pub async fn retention_purges_old_content_but_not_under_open_complaints(store: S) {
    let (a, b, quiet) = pair(&store).await;
    let c = user(&store, "carol").await;
    let d = user(&store, "dave").await;
    let disputed = store.rooms.create_room(c, d).await.unwrap().id;
    say(&store, quiet, a, "q1", "old 1").await;
    say(&store, quiet, b, "q2", "old 2").await;
    say(&store, disputed, d, "d1", "old rude").await;
    let reason = ReportReason::parse(None).unwrap();
    let complaint = store
        .moderation
        .file_complaint(disputed, c, &reason)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cutoff = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    say(&store, quiet, a, "q3", "new").await;

    assert_eq!(store.privacy.purge_expired(cutoff).await.unwrap(), 2);

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
            .moderation
            .complaint(complaint)
            .await
            .unwrap()
            .unwrap()
            .evidence
            .len(),
        1
    );
    assert_eq!(
        store.privacy.purge_expired(cutoff).await.unwrap(),
        0,
        "purging is idempotent"
    );

    // Once resolved, the disputed room and the evidence expire as well.
    store
        .moderation
        .resolve_complaint(complaint, ComplaintStatus::Resolved, "moderator-1")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.privacy.purge_expired(Utc::now()).await.unwrap(), 2);
    assert_eq!(texts(&store, disputed).await, vec![(1, String::new())]);
    assert!(
        store
            .moderation
            .complaint(complaint)
            .await
            .unwrap()
            .unwrap()
            .evidence
            .is_empty()
    );
}

pub async fn export_holds_everything_about_one_person_and_nothing_of_the_partner(store: S) {
    let (a, b, room) = pair(&store).await;
    say(&store, room, a, "a1", "my words").await;
    say(&store, room, b, "b1", "partner secret").await;
    let reason = ReportReason::parse(Some("spam".into())).unwrap();
    let complaint = store
        .moderation
        .file_complaint(room, b, &reason)
        .await
        .unwrap();
    store
        .rooms
        .end_room(room, Some(a), EndReason::Stop)
        .await
        .unwrap();
    store.moderation.ban(ban(a, None)).await.unwrap();

    let export = exported(&store, a, "moderator-1").await;

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
    assert_eq!(
        store
            .privacy
            .export_user(UserId::new(), "moderator-1")
            .await
            .unwrap(),
        None
    );
}

pub async fn delete_erases_the_person_and_keeps_the_partners_rooms_whole(store: S) {
    let (a, b, room) = pair(&store).await;
    say(&store, room, a, "a1", "mine 1").await;
    say(&store, room, b, "b1", "theirs").await;
    say(&store, room, a, "a2", "mine 2").await;
    let reason = ReportReason::parse(None).unwrap();
    let complaint = store
        .moderation
        .file_complaint(room, b, &reason)
        .await
        .unwrap();
    store.moderation.ban(ban(a, None)).await.unwrap();

    assert!(store.privacy.delete_user(a, "moderator-1").await.unwrap());

    assert_eq!(
        store.rooms.find_user(Platform::Web, "alice").await.unwrap(),
        None
    );
    assert!(!store.moderation.is_banned(a).await.unwrap());
    let ended = store.rooms.room(room).await.unwrap().unwrap();
    assert!(!ended.is_active(), "the active room ended");
    assert_eq!((ended.a, ended.b), (a, b));
    assert_eq!(store.rooms.active_room(b).await.unwrap(), None);
    assert_eq!(
        texts(&store, room).await,
        vec![
            (1, String::new()),
            (2, "theirs".to_owned()),
            (3, String::new())
        ],
        "the partner's log keeps every seq and their own words"
    );
    let evidence = store
        .moderation
        .complaint(complaint)
        .await
        .unwrap()
        .unwrap()
        .evidence;
    let evidence: Vec<_> = evidence.iter().map(super::text_of).collect();
    assert_eq!(evidence, vec!["", "theirs", ""]);
    let export = exported(&store, a, "moderator-1").await;
    assert!(export["platform_user_id"].is_null());
    assert!(!export.to_string().contains("mine"));
    // The partner carries on; the same identity coming back is someone new.
    let c = user(&store, "carol").await;
    store.rooms.create_room(b, c).await.unwrap();
    assert_ne!(user(&store, "alice").await, a);
    assert!(
        !store
            .privacy
            .delete_user(UserId::new(), "moderator-1")
            .await
            .unwrap()
    );
}

/// What an export by `by` holds about `user`, who must exist.
pub async fn exported(store: &S, user: UserId, by: &str) -> serde_json::Value {
    store
        .privacy
        .export_user(user, by)
        .await
        .unwrap()
        .expect("the person exists")
}
