//! A real browser: headless Chromium opens the page twice, the two pages are
//! matched and talk, as two people in two tabs would.

use crate::common;

use common::browser::{Driver, click, wait_for};
use common::spawn_app;
use fantoccini::Locator;

#[actix_web::test]
async fn two_browser_pages_are_matched_and_chat() {
    // Arrange: the app, and two independent browsers on its page.
    let app = spawn_app(&[]).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    let bob = driver.browser().await;
    for page in [&alice, &bob] {
        page.goto(&app.http("/")).await.unwrap();
        wait_for(page, "#status[data-conn='online']").await;
    }

    // Act: both press Start.
    click(&alice, "#start").await;
    wait_for(&alice, "body[data-state='searching']").await;
    click(&bob, "#start").await;

    // Assert: both are chatting.
    wait_for(&alice, "body[data-state='chatting']").await;
    wait_for(&bob, "body[data-state='chatting']").await;

    // Act: Alice writes; Assert: Bob reads it and Alice sees it delivered.
    alice
        .find(Locator::Css("#input"))
        .await
        .unwrap()
        .send_keys("hello from alice <b>not bold</b>")
        .await
        .unwrap();
    click(&alice, "#send").await;
    let got = wait_for(&bob, "#messages .msg.theirs[data-seq='1'] .bubble").await;
    // Shown as text, never as markup.
    assert_eq!(
        got.text().await.unwrap(),
        "hello from alice <b>not bold</b>"
    );
    wait_for(&alice, "#messages .msg.mine[data-status='sent']").await;

    // And back.
    bob.find(Locator::Css("#input"))
        .await
        .unwrap()
        .send_keys("hi alice")
        .await
        .unwrap();
    click(&bob, "#send").await;
    let got = wait_for(&alice, "#messages .msg.theirs[data-seq='2'] .bubble").await;
    assert_eq!(got.text().await.unwrap(), "hi alice");

    // Act: Bob goes next; Assert: Alice is told her partner left.
    click(&bob, "#next").await;
    wait_for(&alice, "body[data-state='ended']").await;
    wait_for(&bob, "body[data-state='searching']").await;

    // Alice rates the chat, then blocks Bob.
    click(&alice, "#rate-up").await;
    wait_for(&alice, "#last-chat-status[data-state='rated']").await;
    click(&alice, "#block").await;
    wait_for(&alice, "#last-chat-status[data-state='blocked']").await;

    alice.close().await.unwrap();
    bob.close().await.unwrap();
}

#[actix_web::test]
async fn the_settings_panel_stores_the_profile_and_its_preferences_steer_the_search() {
    let app = spawn_app(&[]).await;
    let driver = Driver::start().await;
    let alice = driver.browser().await;
    let bob = driver.browser().await;
    for page in [&alice, &bob] {
        page.goto(&app.http("/")).await.unwrap();
        wait_for(page, "#status[data-conn='online']").await;
        click(page, ".settings-panel summary").await;
    }

    // Alice says she is a woman of 30 who likes music, and saves.
    let gender = alice.find(Locator::Css("#my-gender")).await.unwrap();
    gender.select_by_value("female").await.unwrap();
    let age = alice.find(Locator::Css("#my-age")).await.unwrap();
    age.send_keys("30").await.unwrap();
    click(&alice, "#my-interests input[value='music']").await;
    click(&alice, "#settings button[type='submit']").await;
    let status = wait_for(&alice, "#settings-status[data-state='saved']").await;
    assert_eq!(status.text().await.unwrap(), "Saved.");

    // Bob wants a man: Alice does not suit him, and both keep searching.
    click(&bob, "#want-gender input[value='male']").await;
    click(&bob, "#start").await;
    wait_for(&bob, "body[data-state='searching']").await;
    click(&alice, "#start").await;
    wait_for(&alice, "body[data-state='searching']").await;
    let info = wait_for(&alice, "#search-info[data-waiting='2']").await;
    assert!(info.text().await.unwrap().starts_with("2 searching"));
    assert_eq!(
        bob.find(Locator::Css("body"))
            .await
            .unwrap()
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("searching")
    );

    // A reload finds Alice's profile filled in from the server.
    alice.refresh().await.unwrap();
    wait_for(&alice, "#status[data-conn='online']").await;
    wait_for(&alice, "#my-interests input[value='music']:checked").await;
    let gender = alice.find(Locator::Css("#my-gender")).await.unwrap();
    assert_eq!(
        gender.prop("value").await.unwrap().as_deref(),
        Some("female")
    );

    alice.close().await.unwrap();
    bob.close().await.unwrap();
}
