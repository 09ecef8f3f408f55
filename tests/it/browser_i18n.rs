//! The page in the browser's language: a Russian browser reads Russian, a
//! German one English; the selector switches to Ukrainian, and the choice
//! outlives a reload.

use crate::common;

use common::browser::{Driver, wait_for};
use common::spawn_app;
use fantoccini::{Client, Locator};

/// Waits until the element with id `id` reads `want` (the page redraws
/// after events); XPath, as CSS cannot match on text.
async fn reads(page: &Client, id: &str, want: &str) {
    let xpath = format!("//*[@id='{id}' and normalize-space(.)='{want}']");
    if let Err(e) = page
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
    {
        let got = match page.find(Locator::Id(id)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => "(absent)".to_owned(),
        };
        panic!("#{id} reads {got:?}, not {want:?}: {e}");
    }
}

#[actix_web::test]
async fn the_page_speaks_the_browsers_language_and_keeps_a_chosen_one() {
    let app = spawn_app(&[]).await;
    let driver = Driver::start().await;

    let german = driver.browser_speaking("de").await;
    german.goto(&app.http("/")).await.unwrap();
    wait_for(&german, "#status[data-conn='online']").await;
    reads(&german, "lobby-title", "Talk to a stranger").await;
    reads(&german, "start", "Start chatting").await;
    german.close().await.unwrap();

    let page = driver.browser_speaking("ru").await;
    page.goto(&app.http("/")).await.unwrap();
    wait_for(&page, "#status[data-conn='online']").await;
    wait_for(&page, "html[lang='ru']").await;
    reads(&page, "lobby-title", "Поговорите с незнакомцем").await;
    reads(&page, "start", "Начать").await;
    reads(&page, "status", "в сети").await;

    // The selector switches at once, what the scripts wrote included.
    page.find(Locator::Css("#ui-lang"))
        .await
        .unwrap()
        .select_by_value("uk")
        .await
        .unwrap();
    wait_for(&page, "html[lang='uk']").await;
    reads(&page, "lobby-title", "Поговоріть із незнайомцем").await;
    reads(&page, "start", "Почати").await;
    reads(&page, "status", "у мережі").await;

    // A reload keeps the choice over the browser's Russian.
    page.refresh().await.unwrap();
    wait_for(&page, "#status[data-conn='online']").await;
    reads(&page, "lobby-title", "Поговоріть із незнайомцем").await;
    let value = page
        .find(Locator::Css("#ui-lang"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some("uk"));
    page.close().await.unwrap();
}
