//! Telegram people read the bot in their app's language (Russian,
//! Ukrainian, English for anything else) until they pick one with
//! `/language`, which is stored with them and outlives the replica that
//! took it.

use crate::common;

use common::fake_telegram::{Call, FakeTelegram};
use common::pg::TestDb;
use common::telegram::{TgPerson, WITHIN, inline_buttons, only, spawn_tg_app, texts};

const RU: i64 = 8101;
const UK: i64 = 8102;
const DE: i64 = 8103;

/// Waits until `chat` got a message starting with `start`; returns that call.
async fn said(fake: &FakeTelegram, chat: i64, start: &str) -> Call {
    let calls = fake
        .wait_until(WITHIN, |calls| {
            texts(&only(calls, chat))
                .iter()
                .any(|t| t.starts_with(start))
        })
        .await;
    only(&calls, chat)
        .into_iter()
        .find(|c| {
            c.method == "sendmessage"
                && c.params["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(start))
        })
        .unwrap()
}

fn labels(call: &Call) -> Vec<String> {
    inline_buttons(call).into_iter().map(|(t, _)| t).collect()
}

#[actix_web::test]
async fn the_apps_language_picks_russian_ukrainian_or_english() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let mut ru = TgPerson::new(&app, RU).speaking("ru");
    let mut uk = TgPerson::new(&app, UK).speaking("uk");
    let mut de = TgPerson::new(&app, DE).speaking("de");

    ru.command("/start").await;
    uk.command("/start").await;
    de.command("/start").await;
    let w = said(&fake, RU, "Добро пожаловать в chathub").await;
    assert_eq!(labels(&w), ["Искать"]);
    let w = said(&fake, UK, "Ласкаво просимо до chathub").await;
    assert_eq!(labels(&w), ["Шукати"]);
    let w = said(&fake, DE, "Welcome to chathub").await;
    assert_eq!(labels(&w), ["Search"]);

    ru.command("/help").await;
    said(&fake, RU, "/search: найти собеседника").await;
    uk.command("/nonsense").await;
    said(&fake, UK, "Я не знаю такої команди").await;

    // The Russian and the Ukrainian person meet: each hears it in their own
    // language, and so does the one left behind.
    ru.command("/search").await;
    said(&fake, RU, "Ищу собеседника...").await;
    uk.command("/search").await;
    let m = said(&fake, RU, "Собеседник найден!").await;
    assert_eq!(labels(&m), ["Дальше", "Стоп"]);
    let m = said(&fake, UK, "Співрозмовника знайдено!").await;
    assert_eq!(labels(&m), ["Далі", "Стоп"]);
    ru.command("/stop").await;
    said(&fake, RU, "Чат завершён.").await;
    let left = said(&fake, UK, "Співрозмовник завершив чат.").await;
    assert_eq!(labels(&left), ["Шукати"]);

    // Profiles read in the person's language too.
    uk.command("/settings").await;
    let menu = said(&fake, UK, "Ваш профіль").await;
    assert!(
        menu.params["text"]
            .as_str()
            .unwrap()
            .contains("Стать: не вказано"),
        "{}",
        menu.params["text"]
    );
    assert!(labels(&menu).contains(&"Моя стать".to_owned()));
}

#[actix_web::test]
async fn language_is_picked_with_buttons_stored_and_kept_by_another_replica() {
    let db = TestDb::create().await;
    let fake = FakeTelegram::start().await;
    let vars = [("DATABASE_URL", db.url.as_str())];
    let first = spawn_tg_app(&fake, &vars).await;
    let mut p = TgPerson::new(&first, RU).speaking("ru");

    p.command("/language").await;
    let choose = said(&fake, RU, "Выберите язык").await;
    assert_eq!(
        inline_buttons(&choose),
        [
            ("English".to_owned(), "lang:en".to_owned()),
            ("Русский".to_owned(), "lang:ru".to_owned()),
            ("Українська".to_owned(), "lang:uk".to_owned()),
        ]
    );
    // A forged code changes nothing; a real one switches at once.
    assert_eq!(p.press("lang:xx").await, 200);
    assert_eq!(p.press("lang:uk").await, 200);
    said(&fake, RU, "Відтепер я розмовляю з вами українською.").await;
    // The chat's own menu follows the choice.
    let menus = fake
        .wait_until(WITHIN, |calls| {
            calls.iter().any(|c| c.method == "setmycommands")
        })
        .await;
    let menu = menus.iter().find(|c| c.method == "setmycommands").unwrap();
    assert_eq!(menu.params["scope"]["type"], "chat");
    assert_eq!(menu.params["scope"]["chat_id"], RU);
    let commands = menu.params["commands"].to_string();
    assert!(commands.contains("Знайти співрозмовника"), "{commands}");
    p.command("/help").await;
    said(&fake, RU, "/search: знайти співрозмовника").await;

    // The replica goes away and another on the same database takes the
    // person: their app still says Russian, the stored choice wins.
    first.shutdown().await;
    let second = spawn_tg_app(&fake, &vars).await;
    p.via(&second);
    p.command("/unknown").await;
    said(&fake, RU, "Я не знаю такої команди").await;
    let russian = texts(&only(&fake.calls(), RU))
        .iter()
        .filter(|t| t.starts_with("Я не знаю такой команды"))
        .count();
    assert_eq!(russian, 0, "the Russian text never came");

    // And back to English, by button.
    assert_eq!(p.press("lang:en").await, 200);
    said(&fake, RU, "From now on I speak English to you.").await;
}
