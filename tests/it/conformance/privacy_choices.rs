//! What a person chose and did in matching and settings (partner
//! preferences, blocks, ratings, Telegram settings) in their export and
//! gone after their erasure; reading an export is audited.

use std::time::Duration;

use chathub::domain::{Age, Gender, Lang, RoomId, Score, SearchPrefs, UiLang, UserId};
use chathub::store::{AuditAction, AuditEntry};
use serde_json::{Value, json};

use super::privacy::exported;
use super::{S, pair, user};

/// Alice (rated Bob down in their room, blocked Carol, chose preferences
/// and every Telegram setting), and what others did to her: Bob rated her
/// up and blocked her. Returns (alice, bob, carol, room, prefs).
async fn alice_chose_things(store: &S) -> (UserId, UserId, UserId, RoomId, SearchPrefs) {
    let (a, b, room) = pair(store).await;
    let c = user(store, "carol").await;
    let prefs = SearchPrefs {
        gender: vec![Gender::Female],
        age_min: Some(Age::parse(25).unwrap()),
        age_max: None,
        lang: Some(Lang::parse("de").unwrap()),
        shared_interest: true,
    };
    store.matching.set_prefs(a, &prefs).await.unwrap();
    store.matching.rate(a, room, Score::Down).await.unwrap();
    store.matching.block(a, c).await.unwrap();
    store.matching.rate(b, room, Score::Up).await.unwrap();
    store.matching.block(b, a).await.unwrap();
    let t = &store.telegram_settings;
    t.set_ui_lang(a, UiLang::Uk).await.unwrap();
    assert!(t.toggle_protect_content(a).await.unwrap());
    t.set_media_spoiler_default(a, true).await.unwrap();
    (a, b, c, room, prefs)
}

async fn audit(store: &S) -> Vec<AuditEntry> {
    store.oversight.audit_page(None, 100).await.unwrap()
}

async fn reputation(store: &S, user: UserId) -> i64 {
    let ctx = store.matching.search_context(user, Duration::ZERO).await;
    ctx.unwrap().reputation
}

pub async fn export_holds_preferences_blocks_ratings_and_settings_and_is_audited(store: S) {
    let (a, b, c, room, prefs) = alice_chose_things(&store).await;

    let export = exported(&store, a, "moderator-7").await;

    assert_eq!(
        export["profile"]["search_prefs"],
        serde_json::to_value(&prefs).unwrap()
    );
    assert_eq!(
        export["settings"],
        json!({"ui_lang": "uk", "protect_content": true, "media_spoiler_default": true})
    );
    assert_eq!(export["profile"]["default_media_spoiler"], true);
    let blocks = export["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 1, "only the block she made: {export}");
    assert_eq!(blocks[0]["blocked"], c.to_string());
    assert!(blocks[0]["created_at"].is_string());
    let ratings = export["ratings"].as_array().unwrap();
    assert_eq!(ratings.len(), 1, "only the rating she gave: {export}");
    assert_eq!(
        (&ratings[0]["room"], &ratings[0]["score"]),
        (&Value::from(room.to_string()), &Value::from("down"))
    );
    assert!(ratings[0]["rated_at"].is_string());
    assert!(
        !export.to_string().contains(&b.to_string()),
        "the partner she rated, who rated and blocked her, stays out"
    );

    // Reading it is on the record, under the moderator's name.
    let entries = audit(&store).await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(
        (entry.action, entry.actor.as_str(), entry.user),
        (AuditAction::Export, "moderator-7", Some(a))
    );
    // An unknown person: nothing to read, nothing recorded.
    assert_eq!(
        store
            .privacy
            .export_user(UserId::new(), "moderator-7")
            .await
            .unwrap(),
        None
    );
    assert_eq!(audit(&store).await.len(), 1);
}

pub async fn delete_removes_the_blocks_ratings_and_settings_the_person_made(store: S) {
    let (a, b, c, _room, _prefs) = alice_chose_things(&store).await;
    assert_eq!(reputation(&store, b).await, -1);

    assert!(store.privacy.delete_user(a, "moderator-1").await.unwrap());

    assert_eq!(
        reputation(&store, b).await,
        0,
        "her rating no longer counts for Bob"
    );
    let export = exported(&store, a, "moderator-1").await;
    assert_eq!(export["blocks"], json!([]));
    assert_eq!(export["ratings"], json!([]));
    assert_eq!(
        export["settings"],
        json!({"ui_lang": null, "protect_content": false, "media_spoiler_default": false})
    );
    assert_eq!(
        export["profile"]["search_prefs"],
        json!({}),
        "preferences forgotten"
    );
    let t = &store.telegram_settings;
    assert_eq!(t.ui_lang(a).await.unwrap(), None);
    assert!(!t.media_spoiler_default(a).await.unwrap());
    // Carol is no longer avoided on her account; what Bob did is his own
    // data and stays: his block of her still holds.
    let carol = store.matching.search_context(c, Duration::ZERO).await;
    assert_eq!(carol.unwrap().avoid, vec![]);
    let bob = store.matching.search_context(b, Duration::ZERO).await;
    assert_eq!(bob.unwrap().avoid, vec![a]);
}
