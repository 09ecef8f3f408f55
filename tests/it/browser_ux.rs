//! The page in headless Chromium: it paces its own sends under the flood
//! limit and keeps their order, shows the partner typing, says when the
//! partner is reconnecting and when it is itself offline.

use crate::common;

use common::browser::{Driver, click, wait_for};
use common::spawn_app;
use fantoccini::{Client, Locator};

/// Two pages of `url` matched with each other.
async fn matched_pages(driver: &Driver, url: &str) -> (Client, Client) {
    let alice = driver.browser().await;
    let bob = driver.browser().await;
    for page in [&alice, &bob] {
        page.goto(url).await.unwrap();
        wait_for(page, "#status[data-conn='online']").await;
    }
    click(&alice, "#start").await;
    wait_for(&alice, "body[data-state='searching']").await;
    click(&bob, "#start").await;
    wait_for(&alice, "body[data-state='chatting']").await;
    wait_for(&bob, "body[data-state='chatting']").await;
    (alice, bob)
}

#[actix_web::test]
async fn forty_quick_lines_all_arrive_in_order_and_none_is_left_to_retry() {
    // A tight flood limit: 40 lines at once are far past its burst.
    let app = spawn_app(&[
        ("CHATHUB_FLOOD_PER_SEC", "10"),
        ("CHATHUB_FLOOD_BURST", "5"),
    ])
    .await;
    let driver = Driver::start().await;
    let (alice, bob) = matched_pages(&driver, &app.http("/")).await;

    // Forty lines typed in one go, each ended with Enter (WebDriver's key
    // U+E007), far faster than the flood limit lets them through.
    let keys: String = (1..=40).map(|i| format!("line {i}\u{E007}")).collect();
    alice
        .find(Locator::Css("#input"))
        .await
        .unwrap()
        .send_keys(&keys)
        .await
        .unwrap();

    wait_for(&bob, "#messages .msg.theirs[data-seq='40']").await;
    let got = bob
        .find_all(Locator::Css("#messages .msg.theirs .bubble"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for el in got {
        texts.push(el.text().await.unwrap());
    }
    let expected: Vec<String> = (1..=40).map(|i| format!("line {i}")).collect();
    assert_eq!(texts, expected, "every line once, in the order typed");

    wait_for(
        &alice,
        "#messages .msg.mine[data-seq='40'][data-status='sent']",
    )
    .await;
    let mine = alice
        .find_all(Locator::Css("#messages .msg.mine"))
        .await
        .unwrap();
    assert_eq!(mine.len(), 40);
    for row in mine {
        assert_eq!(
            row.attr("data-status").await.unwrap().as_deref(),
            Some("sent")
        );
    }
    assert!(
        alice
            .find_all(Locator::Css(".retry:not([hidden])"))
            .await
            .unwrap()
            .is_empty(),
        "no Retry button anywhere"
    );
    alice.close().await.unwrap();
    bob.close().await.unwrap();
}

#[actix_web::test]
async fn the_page_shows_typing_a_reconnecting_partner_and_its_own_lost_connection() {
    let app = spawn_app(&[("CHATHUB_RESUME_GRACE_SECS", "60")]).await;
    let driver = Driver::start().await;
    let (alice, bob) = matched_pages(&driver, &app.http("/")).await;

    // Bob types: Alice sees it.
    bob.find(Locator::Css("#input"))
        .await
        .unwrap()
        .send_keys("typing away")
        .await
        .unwrap();
    let typing = wait_for(&alice, "#typing:not([hidden])").await;
    assert_eq!(typing.text().await.unwrap(), "Stranger is typing…");

    // Bob's tab goes (his connection drops): Alice is told he is reconnecting.
    bob.close().await.unwrap();
    let away = wait_for(&alice, "#partner-banner:not([hidden])").await;
    assert!(away.text().await.unwrap().contains("reconnecting"));

    // The server goes away: Alice's page says so in a banner.
    app.shutdown().await;
    let banner = wait_for(&alice, "#conn-banner:not([hidden])").await;
    assert!(
        banner.text().await.unwrap().contains("Connection lost"),
        "{}",
        banner.text().await.unwrap()
    );
    if let Ok(png) = alice.screenshot().await {
        let _ = std::fs::write(std::env::temp_dir().join("chathub-offline-banner.png"), png);
    }
    alice.close().await.unwrap();
}
