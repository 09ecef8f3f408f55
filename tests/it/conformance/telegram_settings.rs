//! Telegram settings, per person: the spoiler default, `/protect` and the
//! chosen language.

use chathub::domain::{Platform, UiLang, UserId};
use chathub::store::StoreError;

use super::S;

/// Two Telegram people, for settings that must stay per person.
async fn two_people(store: &S) -> (UserId, UserId) {
    let rooms = &store.rooms;
    let a = rooms.upsert_user(Platform::Telegram, "31").await.unwrap();
    let b = rooms.upsert_user(Platform::Telegram, "32").await.unwrap();
    (a, b)
}

pub async fn spoiler_defaults_are_remembered(store: S) {
    let user = store
        .rooms
        .upsert_user(Platform::Telegram, "3")
        .await
        .unwrap();
    let t = &store.telegram_settings;
    assert!(!t.media_spoiler_default(user).await.unwrap());
    t.set_media_spoiler_default(user, true).await.unwrap();
    assert!(t.media_spoiler_default(user).await.unwrap());
    t.set_media_spoiler_default(user, false).await.unwrap();
    assert!(!t.media_spoiler_default(user).await.unwrap());
}

pub async fn protection_is_toggled_per_person(store: S) {
    let (a, b) = two_people(&store).await;
    let t = &store.telegram_settings;
    assert!(!t.protect_content(a).await.unwrap(), "off by default");
    assert!(t.toggle_protect_content(a).await.unwrap());
    assert!(t.protect_content(a).await.unwrap());
    assert!(!t.protect_content(b).await.unwrap(), "only for that person");
    assert!(!t.toggle_protect_content(a).await.unwrap());
    assert!(!t.protect_content(a).await.unwrap());
    assert!(!t.protect_content(UserId::new()).await.unwrap());
    assert!(matches!(
        t.toggle_protect_content(UserId::new()).await,
        Err(StoreError::NoSuchUser)
    ));
}

pub async fn a_chosen_language_is_kept_per_person(store: S) {
    let (a, b) = two_people(&store).await;
    let t = &store.telegram_settings;
    assert_eq!(t.ui_lang(a).await.unwrap(), None);
    t.set_ui_lang(a, UiLang::Uk).await.unwrap();
    assert_eq!(t.ui_lang(a).await.unwrap(), Some(UiLang::Uk));
    t.set_ui_lang(a, UiLang::Ru).await.unwrap();
    assert_eq!(t.ui_lang(a).await.unwrap(), Some(UiLang::Ru));
    assert_eq!(t.ui_lang(b).await.unwrap(), None, "per person");
    let stranger = UserId::new();
    assert!(matches!(
        t.set_ui_lang(stranger, UiLang::En).await,
        Err(StoreError::NoSuchUser)
    ));
    assert_eq!(t.ui_lang(stranger).await.unwrap(), None);
}

pub async fn an_unknown_persons_spoiler_default_is_refused(store: S) {
    let t = &store.telegram_settings;
    let stranger = UserId::new();
    assert!(matches!(
        t.set_media_spoiler_default(stranger, true).await,
        Err(StoreError::NoSuchUser)
    ));
    assert!(
        !t.media_spoiler_default(stranger).await.unwrap(),
        "nothing kept"
    );
}
