//! The Redis budget shared by replicas, tested directly against the
//! machine's Redis (CHATHUB_TEST_REDIS_URL, default 127.0.0.1:6379) with a
//! key prefix of its own: two budget instances stand for two replicas.

use std::time::{Duration, Instant};

use chathub::transports::telegram::{Budget, Rates, RedisBudget, TelegramChatId};

fn redis_url() -> String {
    std::env::var("CHATHUB_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn prefix(test: &str) -> String {
    format!(
        "chathub-test:{test}:{}:{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    )
}

async fn replicas(prefix: &str, rates: Rates) -> (RedisBudget, RedisBudget) {
    let one = RedisBudget::connect(&redis_url(), prefix, rates)
        .await
        .unwrap();
    let two = RedisBudget::connect(&redis_url(), prefix, rates)
        .await
        .unwrap();
    (one, two)
}

#[tokio::test]
async fn two_replicas_share_one_chat_bucket_and_one_global_bucket() {
    let rates = Rates {
        global_per_sec: 5.0,
        chat_per_sec: 1.0,
        chat_burst: 3.0,
    };
    let (one, two) = replicas(&prefix("buckets"), rates).await;
    let chat = Some(TelegramChatId::trusted(42));

    // The chat's burst of 3 is shared: whichever replica asks.
    assert!(one.try_take(chat).await.unwrap().is_none());
    assert!(two.try_take(chat).await.unwrap().is_none());
    assert!(one.try_take(chat).await.unwrap().is_none());
    let wait = two
        .try_take(chat)
        .await
        .unwrap()
        .expect("the chat's burst is spent");
    assert!(
        wait > Duration::from_millis(500) && wait <= Duration::from_secs(1),
        "{wait:?}"
    );

    // The global bucket (5) has 2 left for other chats, then it is spent too.
    let other = Some(TelegramChatId::trusted(43));
    assert!(two.try_take(other).await.unwrap().is_none());
    assert!(one.try_take(None).await.unwrap().is_none());
    assert!(
        two.try_take(None).await.unwrap().is_some(),
        "global burst spent"
    );
}

#[tokio::test]
async fn a_pause_set_by_one_replica_holds_every_replica() {
    let rates = Rates {
        global_per_sec: 100.0,
        chat_per_sec: 100.0,
        chat_burst: 100.0,
    };
    let (one, two) = replicas(&prefix("pause"), rates).await;
    assert!(two.try_take(None).await.unwrap().is_none());

    let started = Instant::now();
    one.pause(Duration::from_millis(800)).await.unwrap();
    // A shorter pause never shortens a longer one.
    two.pause(Duration::from_millis(100)).await.unwrap();

    let wait = two.try_take(None).await.unwrap().expect("paused");
    assert!(wait > Duration::from_millis(500), "{wait:?}");
    take_as_sender(&two).await;
    assert!(
        started.elapsed() >= Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
}

/// Waits for the budget as a sender does.
async fn take_as_sender(budget: &RedisBudget) {
    loop {
        match budget.try_take(None).await.unwrap() {
            None => return,
            Some(wait) => tokio::time::sleep(wait).await,
        }
    }
}

/// Asks made at once from two replicas: however the replicas batch them,
/// the chat's burst and the bot-wide limit grant exactly what they hold.
#[tokio::test]
async fn asks_at_once_from_two_replicas_never_grant_more_than_the_budget() {
    // Arrange: a bot-wide limit of 20 calls, one chat with a burst of 3.
    let rates = Rates {
        global_per_sec: 20.0,
        chat_per_sec: 0.01,
        chat_burst: 3.0,
    };
    let (one, two) = replicas(&prefix("at-once"), rates).await;
    let busy = Some(TelegramChatId::trusted(7));

    // Act: 40 asks into one chat, then 40 into chats of their own, all at
    // once and spread over both replicas.
    let into_busy = (0..40).map(|i| if i % 2 == 0 { &one } else { &two }.try_take(busy));
    let granted_busy = granted(futures_util::future::join_all(into_busy).await);
    let elsewhere = (0..40).map(|i| {
        let chat = Some(TelegramChatId::trusted(1000 + i));
        if i % 2 == 0 { &one } else { &two }.try_take(chat)
    });
    let granted_elsewhere = granted(futures_util::future::join_all(elsewhere).await);

    // Assert: 3 into the busy chat, and the other 17 of the 20.
    assert_eq!(granted_busy, 3, "the chat's burst");
    assert_eq!(granted_elsewhere, 17, "what the bot-wide limit had left");
}

fn granted(answers: Vec<Result<Option<Duration>, chathub::bus::BusError>>) -> usize {
    answers
        .into_iter()
        .filter(|a| a.as_ref().unwrap().is_none())
        .count()
}

/// A window filled by asks decided together: the refused ones are told to
/// wait until the window has moved past those grants, not longer, and the
/// budget then grants again.
#[tokio::test]
async fn a_window_filled_at_once_says_how_long_until_it_frees() {
    // Arrange: a bot-wide limit of 5 calls a second, chats unlimited.
    let rates = Rates {
        global_per_sec: 5.0,
        chat_per_sec: 1000.0,
        chat_burst: 1000.0,
    };
    let (one, _two) = replicas(&prefix("filled"), rates).await;

    // Act: 8 asks at once.
    let answers = futures_util::future::join_all(
        (0..8).map(|i| one.try_take(Some(TelegramChatId::trusted(i)))),
    )
    .await;

    // Assert: 5 granted; the other 3 wait about the window (1 s and its
    // margin), and the budget grants again once that wait is over.
    let waits: Vec<Duration> = answers.into_iter().filter_map(|a| a.unwrap()).collect();
    assert_eq!(waits.len(), 3, "granted 5 of 8");
    // One second and the window's margin of 100 ms.
    let window = Duration::from_millis(1100);
    for wait in &waits {
        assert!(
            *wait > Duration::from_millis(500) && *wait <= window + Duration::from_millis(1),
            "{wait:?}"
        );
    }
    let longest = waits.iter().max().copied().unwrap_or_default();
    tokio::time::sleep(longest).await;
    assert!(
        one.try_take(None).await.unwrap().is_none(),
        "the window moved on"
    );
}
