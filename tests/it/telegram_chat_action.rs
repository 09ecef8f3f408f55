//! The chat action slot of the shared budget: one "typing..." per chat per
//! period across replicas (two Redis budget instances stand for two
//! replicas), and the same rule in the local budget.

use std::time::Duration;

use chathub::transports::telegram::{Budget, LocalBudget, Rates, RedisBudget, TelegramChatId};

const EVERY: Duration = Duration::from_secs(5);

fn rates() -> Rates {
    Rates {
        global_per_sec: 30.0,
        chat_per_sec: 1.0,
        chat_burst: 3.0,
    }
}

async fn one_slot_per_chat(one: &dyn Budget, two: &dyn Budget) {
    let (chat, other) = (TelegramChatId::trusted(501), TelegramChatId::trusted(502));
    assert!(one.claim_chat_action(chat, EVERY).await.unwrap());
    assert!(
        !two.claim_chat_action(chat, EVERY).await.unwrap(),
        "taken on the other replica"
    );
    assert!(!one.claim_chat_action(chat, EVERY).await.unwrap());
    assert!(
        two.claim_chat_action(other, EVERY).await.unwrap(),
        "another chat has its own"
    );
    // A short period frees the slot once it has passed.
    let third = TelegramChatId::trusted(503);
    let short = Duration::from_millis(200);
    assert!(one.claim_chat_action(third, short).await.unwrap());
    tokio::time::sleep(short + Duration::from_millis(100)).await;
    assert!(two.claim_chat_action(third, short).await.unwrap());
}

#[tokio::test]
async fn replicas_share_one_chat_action_per_chat_and_period() {
    let url =
        std::env::var("CHATHUB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("chathub-test:action:{}", uuid::Uuid::new_v4());
    let one = RedisBudget::connect(&url, &prefix, rates()).await.unwrap();
    let two = RedisBudget::connect(&url, &prefix, rates()).await.unwrap();
    one_slot_per_chat(&one, &two).await;
}

#[tokio::test]
async fn the_local_budget_keeps_the_same_rule() {
    let budget = LocalBudget::new(rates());
    one_slot_per_chat(&budget, &budget).await;
}
