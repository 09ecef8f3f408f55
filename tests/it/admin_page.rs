//! The moderators' page in headless Chromium: sign in once with the token,
//! see live stats and the complaints queue, read the evidence, ban from the
//! page (the reported person's socket is told and closed), see the audit log.

use crate::common;

use common::browser::{Driver, click, wait_for};
use common::spawn_app;
use common::ws::{Closed, matched_pair};
use fantoccini::Locator;
use serde_json::json;

const TOKEN: &str = "page-test-token";

#[actix_web::test]
async fn a_moderator_bans_from_the_admin_page() {
    // Arrange: B insults A, A reports B.
    let app = spawn_app(&[("CHATHUB_ADMIN_TOKEN", TOKEN)]).await;
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;
    b.say("b1", "you are awful").await;
    b.expect("ack").await;
    a.expect("message").await;
    a.send(json!({"type": "report", "reason": "insults"})).await;
    a.wait_for("reported").await;
    b.wait_for("partner_left").await;

    // Act: the moderator signs in on the page.
    let driver = Driver::start().await;
    let page = driver.browser().await;
    page.goto(&app.http("/admin/")).await.unwrap();
    page.find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    page.find(Locator::Css("#moderator"))
        .await
        .unwrap()
        .send_keys("mod-ana")
        .await
        .unwrap();
    click(&page, "#login-form button").await;

    // Assert: stats and the queue are shown; the evidence reads as text.
    wait_for(&page, "#stats[data-loaded='true']").await;
    let row = wait_for(&page, "#complaints tr[data-id]").await;
    assert!(row.text().await.unwrap().contains("insults"));
    click(&page, ".open-complaint").await;
    let said = wait_for(&page, "#evidence li.reported").await;
    assert_eq!(said.text().await.unwrap(), "reported: you are awful");

    // Act: ban for an hour from the page.
    click(&page, "[data-ban='3600']").await;

    // Assert: the person is told and closed; the audit log shows who did it;
    // the complaint left the queue.
    assert_eq!(b.wait_for("error").await["code"], "banned");
    assert_eq!(b.closed().await, Closed::Code(4003));
    let entry = wait_for(&page, "#audit-rows tr[data-action='ban']").await;
    assert!(entry.text().await.unwrap().contains("mod-ana"));
    wait_for(&page, "#audit-rows tr[data-action='resolve']").await;
    let open: serde_json::Value = reqwest::Client::new()
        .get(app.http("/admin/complaints?status=open"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(open["items"], json!([]));

    // The token is kept for the tab: a reload needs no second sign-in.
    page.refresh().await.unwrap();
    wait_for(&page, "#stats[data-loaded='true']").await;
    page.close().await.unwrap();
}
