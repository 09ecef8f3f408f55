//! `/protect`: what a Telegram person sends reaches their partner with
//! `protect_content` (no forwarding or saving), until they turn it off.
//! Against the fake Bot API; the setting itself is checked on both stores
//! by the conformance suite (`limits`).

use crate::common;

use common::fake_telegram::FakeTelegram;
use common::telegram::{TgPerson, WITHIN, only, pair, spawn_tg_app, texts, wait_method};
use common::ws::WsClient;
use serde_json::json;

const A: i64 = 8101;
const B: i64 = 8102;

#[actix_web::test]
async fn protected_copies_carry_protect_content_until_turned_off() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    a.command("/protect").await;
    a.text("protected text").await;
    a.send(
        json!({"photo": [{"file_id": "PP1", "file_unique_id": "u-PP1", "width": 9, "height": 9}]}),
    )
    .await;
    // Media under the sender's spoiler default go out by file id: also protected.
    a.command("/spoiler_on").await;
    a.send(
        json!({"photo": [{"file_id": "PP2", "file_unique_id": "u-PP2", "width": 9, "height": 9}]}),
    )
    .await;
    a.command("/spoiler_off").await;
    b.text("the partner's own text").await;
    a.command("/protect").await;
    a.text("open text").await;

    let copies = wait_method(&fake, B, "copymessage", 3).await;
    let protect: Vec<_> = copies
        .iter()
        .map(|c| c.params["protect_content"].as_bool())
        .collect();
    assert_eq!(
        protect,
        [Some(true), Some(true), None],
        "the text and the photo protected, the text after /protect again not"
    );
    let covered = wait_method(&fake, B, "sendphoto", 1).await;
    assert_eq!(covered[0].params["protect_content"], true);
    assert_eq!(covered[0].params["has_spoiler"], true);
    // B never turned it on: B's copy into A's chat is not protected.
    let back = wait_method(&fake, A, "copymessage", 1).await;
    assert!(
        back[0].params.get("protect_content").is_none(),
        "{:?}",
        back[0].params
    );
    let notes = texts(&only(&fake.calls(), A));
    assert!(
        notes.iter().any(|t| t.starts_with("Protection on")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|t| t.starts_with("Protection off")),
        "{notes:?}"
    );
}

#[actix_web::test]
async fn protect_is_in_the_menu_and_a_web_partner_still_gets_the_text() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut tg = TgPerson::new(&app, A);
    let mut web = WsClient::connect(&app.ws_url("")).await;
    tg.command("/help").await;
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("/protect: "))
    })
    .await;

    web.search().await;
    web.expect("searching").await;
    tg.command("/search").await;
    web.wait_for("matched").await;
    tg.command("/protect").await;
    tg.text("to the web").await;
    // A page cannot enforce protection; the text still arrives there.
    assert_eq!(web.wait_for("message").await["text"], "to the web");
}
