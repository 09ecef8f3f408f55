//! Automatic bans, unbans, the complaints queue and the audit log.

use std::time::Duration;

use chathub::domain::{AutobanPolicy, BanLength, ReportReason, RoomId, UserId};
use chathub::store::{AuditAction, ComplaintStatus, PageCursor};
use chrono::Utc;

use super::moderation::ban;
use super::{S, user};

fn policy() -> AutobanPolicy {
    AutobanPolicy {
        reports: 3,
        window: Duration::from_secs(3600),
        steps: vec![
            BanLength::For(Duration::from_secs(3600)),
            BanLength::For(Duration::from_secs(86_400)),
            BanLength::Permanent,
        ],
    }
}

/// `reporter` meets `target` in a new room and reports them.
async fn report(store: &S, reporter: UserId, target: UserId) -> chathub::store::Filed {
    let room: RoomId = store.rooms.create_room(reporter, target).await.unwrap().id;
    store
        .rooms
        .end_room(room, Some(reporter), chathub::domain::EndReason::Report)
        .await
        .unwrap();
    let reason = ReportReason::parse(Some("abuse".into())).unwrap();
    store
        .moderation
        .file_report(room, reporter, &reason, Some(&policy()))
        .await
        .unwrap()
}

pub async fn distinct_reporters_ban_automatically_and_escalate(store: S) {
    let target = user(&store, "target").await;
    let mut reporters = Vec::new();
    for i in 0..9 {
        reporters.push(user(&store, &format!("reporter-{i}")).await);
    }
    // One reporter three times counts once.
    for _ in 0..3 {
        assert_eq!(report(&store, reporters[0], target).await.autoban, None);
    }
    assert_eq!(store.moderation.active_ban(target).await.unwrap(), None);
    assert_eq!(report(&store, reporters[1], target).await.autoban, None);
    let third = report(&store, reporters[2], target).await;
    let first = third.autoban.expect("the third distinct reporter bans");
    let until = first.until.expect("the first step has an end");
    assert!(until > Utc::now() + chrono::Duration::minutes(59));
    assert!(until < Utc::now() + chrono::Duration::minutes(61));
    assert_eq!(
        store.moderation.active_ban(target).await.unwrap(),
        Some(first)
    );

    // Lifted, then three new reporters: the second step.
    assert!(store.moderation.unban(target, "moderator-1").await.unwrap());
    assert!(
        !store.moderation.unban(target, "moderator-1").await.unwrap(),
        "nothing left to lift"
    );
    assert_eq!(store.moderation.active_ban(target).await.unwrap(), None);
    for r in &reporters[3..5] {
        assert_eq!(
            report(&store, *r, target).await.autoban,
            None,
            "counted anew since the last ban"
        );
    }
    let second = report(&store, reporters[5], target).await.autoban.unwrap();
    let until = second.until.unwrap();
    assert!(until > Utc::now() + chrono::Duration::hours(23));
    store.moderation.unban(target, "moderator-1").await.unwrap();
    for r in &reporters[6..8] {
        report(&store, *r, target).await;
    }
    let third = report(&store, reporters[8], target).await.autoban.unwrap();
    assert_eq!(third.until, None, "the last step is permanent");

    let view = store
        .oversight
        .user_moderation(target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.profile.complaints_received, 11);
    assert_eq!(view.bans.iter().filter(|b| b.automatic).count(), 3);
    assert_eq!(
        view.bans.iter().filter(|b| b.lifted_at.is_some()).count(),
        2
    );
    let audit = store.oversight.audit_page(None, 100).await.unwrap();
    let autobans = audit
        .iter()
        .filter(|e| e.action == AuditAction::Autoban)
        .count();
    let unbans = audit
        .iter()
        .filter(|e| e.action == AuditAction::Unban)
        .count();
    assert_eq!((autobans, unbans), (3, 2));
}

pub async fn dismissed_reporters_weigh_less(store: S) {
    let target = user(&store, "target").await;
    let other = user(&store, "other").await;
    let noisy = user(&store, "noisy").await;
    // `noisy` had a report dismissed: they now count one half.
    let filed = report(&store, noisy, other).await;
    store
        .moderation
        .resolve_complaint(filed.id, ComplaintStatus::Dismissed, "moderator-1")
        .await
        .unwrap();
    let a = user(&store, "a").await;
    let b = user(&store, "b").await;
    report(&store, noisy, target).await;
    report(&store, a, target).await;
    assert_eq!(report(&store, b, target).await.autoban, None, "2.5 < 3");
    let c = user(&store, "c").await;
    assert!(
        report(&store, c, target).await.autoban.is_some(),
        "3.5 >= 3"
    );
}

pub async fn concurrent_reports_ban_once(store: S) {
    let target = user(&store, "target").await;
    // Rooms first (one at a time: the target has one room at a time), then
    // every reporter files at once.
    let mut rooms = Vec::new();
    for i in 0..8 {
        let reporter = user(&store, &format!("r{i}")).await;
        let room = store.rooms.create_room(reporter, target).await.unwrap().id;
        store
            .rooms
            .end_room(room, Some(reporter), chathub::domain::EndReason::Report)
            .await
            .unwrap();
        rooms.push((reporter, room));
    }
    let mut tasks = Vec::new();
    for (reporter, room) in rooms {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let reason = ReportReason::parse(Some("abuse".into())).unwrap();
            store
                .moderation
                .file_report(room, reporter, &reason, Some(&policy()))
                .await
                .unwrap()
        }));
    }
    let mut bans = 0;
    for t in tasks {
        if t.await.unwrap().autoban.is_some() {
            bans += 1;
        }
    }
    assert_eq!(bans, 1, "exactly one report crossed the threshold");
    let view = store
        .oversight
        .user_moderation(target)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.bans.len(), 1);
}

pub async fn the_complaints_queue_pages_with_a_cursor(store: S) {
    let target = user(&store, "target").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = user(&store, &format!("r{i}")).await;
        let room = store.rooms.create_room(r, target).await.unwrap().id;
        let reason = ReportReason::parse(Some(format!("reason {i}"))).unwrap();
        ids.push(
            store
                .moderation
                .file_complaint(room, r, &reason)
                .await
                .unwrap(),
        );
        store
            .rooms
            .end_room(room, Some(r), chathub::domain::EndReason::Report)
            .await
            .unwrap();
    }
    let first = store
        .moderation
        .complaints_page(ComplaintStatus::Open, None, 2)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..2]);
    assert!(
        first
            .iter()
            .all(|c| c.reported == target && c.reported_open == 5)
    );
    let cursor = PageCursor {
        at: first[1].created_at,
        id: first[1].id.0,
    };
    let again = PageCursor::decode(&cursor.encode()).unwrap();
    assert_eq!(again, cursor, "the cursor survives its text form");
    let second = store
        .moderation
        .complaints_page(ComplaintStatus::Open, Some(again), 10)
        .await
        .unwrap();
    assert_eq!(second.iter().map(|c| c.id).collect::<Vec<_>>(), ids[2..]);

    store
        .moderation
        .resolve_complaint(ids[0], ComplaintStatus::Dismissed, "moderator-2")
        .await
        .unwrap();
    let open = store
        .moderation
        .complaints_page(ComplaintStatus::Open, None, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 4);
    assert!(open.iter().all(|c| c.reported_open == 4));
    let dismissed = store
        .moderation
        .complaints_page(ComplaintStatus::Dismissed, None, 10)
        .await
        .unwrap();
    assert_eq!(dismissed.iter().map(|c| c.id).collect::<Vec<_>>(), ids[..1]);
}

pub async fn moderator_actions_are_audited_newest_first(store: S) {
    let a = user(&store, "alice").await;
    store.moderation.ban(ban(a, None)).await.unwrap();
    store.moderation.unban(a, "moderator-2").await.unwrap();
    assert!(store.privacy.delete_user(a, "moderator-3").await.unwrap());
    let all = store.oversight.audit_page(None, 10).await.unwrap();
    let seen: Vec<_> = all
        .iter()
        .map(|e| (e.action, e.actor.as_str(), e.user))
        .collect();
    assert_eq!(
        seen,
        vec![
            (AuditAction::Delete, "moderator-3", Some(a)),
            (AuditAction::Unban, "moderator-2", Some(a)),
            (AuditAction::Ban, "moderator-1", Some(a)),
        ]
    );
    let older = store
        .oversight
        .audit_page(
            Some(PageCursor {
                at: all[0].at,
                id: all[0].id,
            }),
            10,
        )
        .await
        .unwrap();
    assert_eq!(older, all[1..]);
}

pub async fn a_deleted_person_gets_no_room_and_no_ban(store: S) {
    let a = user(&store, "alice").await;
    let b = user(&store, "bob").await;
    let c = user(&store, "carol").await;
    assert!(store.privacy.delete_user(a, "moderator-1").await.unwrap());
    assert!(matches!(
        store.rooms.create_room(a, b).await,
        Err(chathub::store::StoreError::NoSuchUser)
    ));
    assert!(matches!(
        store.moderation.ban(ban(a, None)).await,
        Err(chathub::store::StoreError::NoSuchUser)
    ));
    store.rooms.create_room(b, c).await.unwrap();
}
