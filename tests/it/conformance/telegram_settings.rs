//! Telegram settings, per person: the spoiler default, `/protect` and the
//! chosen language.

use chathub::domain::{
    Origin, Platform, RoomId, Seq, StoredMessage, TelegramOrigin, UiLang, UserId,
};
use chathub::store::{NewMessage, StoreError};

use super::{S, msg};

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

/// A Telegram message as the webhook hands it to the store: `protect` is
/// never set by the caller; the store applies the sender's `/protect`.
fn from_telegram(room: RoomId, sender: UserId, id: &str) -> NewMessage {
    NewMessage {
        origin: Origin::Telegram(TelegramOrigin {
            chat: 31,
            message_id: 7,
            protect: false,
        }),
        ..msg(room, sender, id, "hi")
    }
}

fn protected(m: &StoredMessage) -> bool {
    m.origin.telegram().is_some_and(|t| t.protect)
}

pub async fn protection_applies_to_what_the_person_sends_next(store: S) {
    // Arrange: two Telegram people in a room.
    let (a, b) = two_people(&store).await;
    let room = store.rooms.create_room(a, b).await.unwrap().id;
    let t = &store.telegram_settings;
    let log = &store.rooms;
    let before = log
        .append_message(from_telegram(room, a, "1"))
        .await
        .unwrap();

    // Act: `a` turns protection on, both send, `a` turns it off again.
    assert!(t.toggle_protect_content(a).await.unwrap(), "now on");
    let on = log
        .append_message(from_telegram(room, a, "2"))
        .await
        .unwrap();
    let partner = log
        .append_message(from_telegram(room, b, "3"))
        .await
        .unwrap();
    let web = log
        .append_message(msg(room, a, "4", "from the web"))
        .await
        .unwrap();
    assert!(!t.toggle_protect_content(a).await.unwrap(), "off again");
    let off = log
        .append_message(from_telegram(room, a, "5"))
        .await
        .unwrap();
    let retry = log
        .append_message(from_telegram(room, a, "2"))
        .await
        .unwrap();

    // Assert: what the append returned and what the log keeps agree.
    assert!(!protected(&before.message), "off by default");
    assert!(protected(&on.message));
    assert!(!protected(&partner.message), "only for that person");
    assert_eq!(
        web.message.origin,
        Origin::Web,
        "the web has no copies to protect"
    );
    assert!(!protected(&off.message));
    assert!(
        retry.duplicate && protected(&retry.message),
        "a retry is the first copy"
    );
    let stored: Vec<bool> = log
        .messages_after(room, Seq::ZERO, 10)
        .await
        .unwrap()
        .iter()
        .map(protected)
        .collect();
    assert_eq!(stored, [false, true, false, false, false]);
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
