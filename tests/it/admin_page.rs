//! The moderators' page in headless Chromium: sign in once with the token,
//! see live stats and the complaints queue, read the evidence, ban from the
//! page (the reported person's socket is told and closed), see the audit log;
//! and on two replicas on Redis and PostgreSQL: dismiss, a 7-day ban of a
//! person connected to the other replica, person lookup and unban.

use crate::common;

use common::browser::{Driver, click, wait_for};
use common::spawn_app;
use common::ws::{Closed, WsClient, matched_pair, matched_pair_across};
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

/// Signs in on the page at `url` as moderator `by`.
async fn sign_in(page: &fantoccini::Client, url: &str, token: &str, by: &str) {
    page.goto(url).await.unwrap();
    page.find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys(token)
        .await
        .unwrap();
    page.find(Locator::Css("#moderator"))
        .await
        .unwrap()
        .send_keys(by)
        .await
        .unwrap();
    click(page, "#login-form button").await;
    wait_for(page, "#stats[data-loaded='true']").await;
}

/// Waits (bounded) until the text of `css` contains `part`, and returns it.
async fn wait_for_text(page: &fantoccini::Client, css: &str, part: &str) -> String {
    let deadline = tokio::time::Instant::now() + common::EXPECT_WITHIN;
    loop {
        let text = wait_for(page, css).await.text().await.unwrap_or_default();
        if text.contains(part) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{css} never showed {part:?}: {text:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `reporter` reports its partner `reported`, after `reported` said `text`.
async fn insulted_and_reported(reporter: &mut WsClient, reported: &mut WsClient, text: &str) {
    reported.say("x1", text).await;
    reporter.wait_for("message").await;
    reporter
        .send(json!({"type": "report", "reason": "insults"}))
        .await;
    reporter.wait_for("reported").await;
    reported.wait_for("partner_left").await;
}

#[actix_web::test]
async fn moderators_dismiss_ban_for_a_week_and_unban_across_replicas() {
    use chathub::store::{ComplaintStatus, Moderation};

    // Arrange: two replicas; B (r2) is reported by A (r1), then D (r2) by C
    // (r1); B and D stay connected to r2, idle.
    let cluster = common::replicas::Cluster::new(None).await;
    let env = [("CHATHUB_ADMIN_TOKEN", TOKEN)];
    let r1 = cluster.replica_with("r1", &env).await;
    let r2 = cluster.replica_with("r2", &env).await;
    let store = cluster.db.store().await;
    let (mut a, mut b, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    insulted_and_reported(&mut a, &mut b, "first insult").await;
    let (mut c, mut d, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    insulted_and_reported(&mut c, &mut d, "second insult").await;
    let queue = store
        .complaints_page(ComplaintStatus::Open, None, 10)
        .await
        .unwrap();
    let (against_b, against_d) = (queue[0].id, queue[1].id);
    let dave = queue[1].reported;

    // Act 1: on r1's page, open the first complaint and dismiss it.
    let driver = Driver::start().await;
    let page = driver.browser().await;
    sign_in(&page, &r1.http("/admin/"), TOKEN, "mod-ana").await;
    click(
        &page,
        &format!("#complaints tr[data-id='{against_b}'] .open-complaint"),
    )
    .await;
    wait_for_text(&page, "#detail-id", &against_b.to_string()).await;
    click(&page, "#dismiss").await;

    // Assert 1: dismissed (audited, out of the queue), and B is not banned.
    wait_for(&page, "#audit-rows tr[data-action='dismiss']").await;
    wait_for(
        &page,
        &format!("#complaints tr[data-id='{against_d}']:first-child"),
    )
    .await;
    let dismissed = store.complaint(against_b).await.unwrap().unwrap();
    assert_eq!(dismissed.status, ComplaintStatus::Dismissed);
    assert!(!store.is_banned(queue[0].reported).await.unwrap());

    // Act 2: open the second complaint and ban for 7 days.
    click(
        &page,
        &format!("#complaints tr[data-id='{against_d}'] .open-complaint"),
    )
    .await;
    wait_for_text(&page, "#detail-id", &against_d.to_string()).await;
    click(&page, "[data-ban='604800']").await;

    // Assert 2: D, on the other replica, is told the week-long ban and closed.
    let error = d.told_banned_and_closed().await;
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(error["until"].clone()).unwrap();
    let length = until - chrono::Utc::now();
    assert!(
        length > chrono::Duration::days(6) && length <= chrono::Duration::days(7),
        "{length}"
    );
    wait_for_text(&page, "#detail-status", "Ban 7 days: done.").await;

    // Act 3: look the person up from the complaint and unban them.
    click(&page, "#detail-person").await;
    wait_for_text(&page, "#person", "Banned until").await;
    click(&page, "#person button").await;

    // Assert 3: the lookup says not banned, the audit log has the unban, and
    // D searches again.
    wait_for_text(&page, "#person", "Not banned").await;
    let unban = wait_for(&page, "#audit-rows tr[data-action='unban']").await;
    assert!(unban.text().await.unwrap().contains("mod-ana"));
    assert!(!store.is_banned(dave).await.unwrap());
    let mut d_again = WsClient::resume(&r2.ws_url(""), &d.session).await;
    d_again.search().await;
    d_again.expect("searching").await;
    page.close().await.unwrap();
}
