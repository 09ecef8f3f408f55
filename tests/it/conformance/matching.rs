//! The `Matching` port: profiles and preferences kept, blocks both ways
//! forever, rematch cooldowns, ratings one per rater and room.

use std::time::Duration;

use chathub::domain::{
    Age, EndReason, Gender, Interest, Lang, Profile, ProfileUpdate, Score, SearchPrefs, UserId,
};
use chathub::store::StoreError;

use super::{S, pair, user};

const HOUR: Duration = Duration::from_secs(3600);

pub async fn profiles_and_preferences_are_kept_and_changed_field_by_field(store: S) {
    let a = user(&store, "alice").await;
    assert_eq!(
        store.matching.profile(a).await.unwrap(),
        (Profile::default(), SearchPrefs::default())
    );
    let full = ProfileUpdate {
        gender: Some(Some(Gender::Female)),
        age: Some(Some(Age::parse(33).unwrap())),
        interests: Some(Interest::parse_list(&["music", "books"]).unwrap()),
        langs: Some(Lang::parse_list(&["en", "de"]).unwrap()),
    };
    let stored = store.matching.update_profile(a, &full).await.unwrap();
    assert_eq!(stored.gender, Some(Gender::Female));
    assert_eq!(stored.age.map(Age::get), Some(33));
    assert_eq!(stored.interests.len(), 2);
    assert_eq!(stored.langs.len(), 2);
    // Only the named field changes; `Some(None)` unsets.
    let unset_age = ProfileUpdate {
        age: Some(None),
        ..ProfileUpdate::default()
    };
    let after = store.matching.update_profile(a, &unset_age).await.unwrap();
    assert_eq!(
        after,
        Profile {
            age: None,
            ..stored
        }
    );
    let prefs = SearchPrefs {
        gender: vec![Gender::Male, Gender::Other],
        age_min: Some(Age::parse(20).unwrap()),
        age_max: Some(Age::parse(40).unwrap()),
        lang: Some(Lang::parse("en").unwrap()),
        shared_interest: true,
    };
    store.matching.set_prefs(a, &prefs).await.unwrap();
    assert_eq!(
        store.matching.profile(a).await.unwrap(),
        (after, prefs.clone())
    );
    let ctx = store.matching.search_context(a, HOUR).await.unwrap();
    assert_eq!((ctx.prefs, ctx.reputation, ctx.avoid), (prefs, 0, vec![]));
    assert!(matches!(
        store.matching.profile(UserId::new()).await,
        Err(StoreError::NoSuchUser)
    ));
}

pub async fn blocks_hold_both_ways_and_cooldowns_pass(store: S) {
    let (a, b, room) = pair(&store).await;
    let c = user(&store, "carol").await;
    // In a room together: avoided while it lasts (any cooldown but 0).
    let ctx = store.matching.search_context(a, HOUR).await.unwrap();
    assert_eq!(ctx.avoid, vec![b]);
    assert!(
        store
            .matching
            .search_context(a, Duration::ZERO)
            .await
            .unwrap()
            .avoid
            .is_empty()
    );
    store
        .rooms
        .end_room(room, Some(a), EndReason::Next)
        .await
        .unwrap();
    assert_eq!(
        store.matching.search_context(b, HOUR).await.unwrap().avoid,
        vec![a]
    );
    // A cooldown shorter than the time since the end has passed.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        store
            .matching
            .search_context(b, Duration::from_millis(10))
            .await
            .unwrap()
            .avoid
            .is_empty()
    );
    // A block holds for both, forever, and twice is once.
    store.matching.block(c, a).await.unwrap();
    store.matching.block(c, a).await.unwrap();
    assert_eq!(
        store
            .matching
            .search_context(a, Duration::ZERO)
            .await
            .unwrap()
            .avoid,
        vec![c]
    );
    assert_eq!(
        store
            .matching
            .search_context(c, Duration::ZERO)
            .await
            .unwrap()
            .avoid,
        vec![a]
    );
    assert!(store.matching.block(a, UserId::new()).await.is_err());
}

pub async fn ratings_count_once_per_rater_and_room(store: S) {
    let (a, b, room) = pair(&store).await;
    assert_eq!(store.matching.last_room(a).await.unwrap(), Some(room));
    assert_eq!(store.matching.last_room(b).await.unwrap(), Some(room));
    assert_eq!(store.matching.rate(a, room, Score::Down).await.unwrap(), b);
    assert_eq!(
        store
            .matching
            .search_context(b, HOUR)
            .await
            .unwrap()
            .reputation,
        -1
    );
    // A second rating of the same room replaces the first.
    store.matching.rate(a, room, Score::Up).await.unwrap();
    store.matching.rate(a, room, Score::Up).await.unwrap();
    assert_eq!(
        store
            .matching
            .search_context(b, HOUR)
            .await
            .unwrap()
            .reputation,
        1
    );
    store.matching.rate(b, room, Score::Down).await.unwrap();
    assert_eq!(
        store
            .matching
            .search_context(a, HOUR)
            .await
            .unwrap()
            .reputation,
        -1
    );
    // Nobody rates a room they were not in.
    let c = user(&store, "carol").await;
    assert_eq!(store.matching.last_room(c).await.unwrap(), None);
    assert!(matches!(
        store.matching.rate(c, room, Score::Down).await,
        Err(StoreError::NoSuchRoom)
    ));
    assert_eq!(
        store
            .matching
            .search_context(b, HOUR)
            .await
            .unwrap()
            .reputation,
        1
    );
}
