//! `/settings` and `/profile` against the fake Bot API: the menu's inline
//! keyboard, each button answered and the message edited in place, values
//! stored (and kept for the WebSocket side of the same store), a forged
//! bad value refused without a change.

use crate::common;

use common::fake_telegram::{Call, FakeTelegram};
use common::telegram::{TgPerson, WITHIN, button_data, spawn_tg_app, texts};

const A: i64 = 7001;

/// Waits for edit number `n` (1-based) of a settings message.
async fn edit(fake: &FakeTelegram, n: usize) -> Call {
    let calls = fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "editmessagetext")
                .count()
                >= n
        })
        .await;
    calls
        .into_iter()
        .filter(|c| c.method == "editmessagetext")
        .nth(n - 1)
        .unwrap()
}

#[actix_web::test]
async fn settings_keyboards_store_the_profile_and_profile_shows_it() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut a = TgPerson::new(&app, A);

    a.command("/settings").await;
    let menu = fake.wait_sent(A, 1, WITHIN).await.remove(0);
    assert!(
        menu.params["text"]
            .as_str()
            .unwrap()
            .contains("Gender: not set")
    );
    let main = button_data(&menu);
    for b in ["st:g", "st:a", "st:i", "st:l", "st:pg", "st:pa"] {
        assert!(main.contains(&b.to_owned()), "{main:?}");
    }
    let id = menu.result["message_id"].as_i64().unwrap();

    // My gender: the sub-menu, then a pick; each press is answered.
    assert_eq!(a.press_on("st:g", id).await, 200);
    let sub = edit(&fake, 1).await;
    assert!(button_data(&sub).contains(&"sg:female".to_owned()));
    a.press_on("sg:female", id).await;
    let saved = edit(&fake, 2).await;
    let text = saved.params["text"].as_str().unwrap();
    assert!(
        text.starts_with("Saved.") && text.contains("Gender: female"),
        "{text}"
    );

    // My age through its decade; interests toggled; partner's age range.
    a.press_on("st:a2", id).await;
    assert!(button_data(&edit(&fake, 3).await).contains(&"sa:27".to_owned()));
    a.press_on("sa:27", id).await;
    a.press_on("si:music", id).await;
    a.press_on("pa:25-35", id).await;
    let last = edit(&fake, 6).await;
    let text = last.params["text"].as_str().unwrap();
    assert!(
        text.contains("Age: 27")
            && text.contains("Interests: music")
            && text.contains("Age: 25-35"),
        "{text}"
    );
    // A forged value is refused and changes nothing.
    a.press_on("sa:7", id).await;
    let refused = edit(&fake, 7).await;
    let text = refused.params["text"].as_str().unwrap();
    assert!(
        text.starts_with("Age must be") && text.contains("Age: 27"),
        "{text}"
    );
    let answered = fake
        .wait_until(WITHIN, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "answercallbackquery")
                .count()
                >= 7
        })
        .await;
    assert!(answered.iter().all(|c| c.status == 200));

    // /profile shows what was stored.
    a.command("/profile").await;
    let calls = fake
        .wait_until(WITHIN, |calls| {
            texts(calls)
                .iter()
                .any(|t| t.starts_with("Your profile") && t.contains("Age: 27"))
        })
        .await;
    assert!(texts(&calls).iter().any(|t| t.contains("Gender: female")));
}
