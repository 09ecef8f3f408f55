//! WebSocket scenarios written once and run against each store: the
//! embedded one (`ws_chat.rs`) and Postgres (`ws_chat_postgres.rs`).

use super::TestApp;
use super::ws::{WsClient, matched_pair};

pub async fn two_people_are_matched_and_messages_arrive_in_order_with_acks(app: &TestApp) {
    let (mut a, mut b, _room) = matched_pair(&app.ws_url("")).await;

    // Act: A sends a burst without waiting for acks.
    for i in 1..=30 {
        a.say(&format!("m{i}"), &format!("hello {i}")).await;
    }

    // Assert: acks come back in send order with rising seqs, and B sees the
    // same texts once each, in the same order, with the same seqs.
    for i in 1..=30 {
        let ack = a.expect("ack").await;
        assert_eq!(ack["id"], format!("m{i}"));
        assert_eq!(ack["seq"], i);
    }
    for i in 1..=30 {
        let msg = b.expect("message").await;
        assert_eq!(msg["text"], format!("hello {i}"));
        assert_eq!(msg["seq"], i);
    }

    // And back the other way.
    b.say("r1", "hi there").await;
    assert_eq!(b.expect("ack").await["seq"], 31);
    let msg = a.expect("message").await;
    assert_eq!(
        (msg["text"].as_str(), msg["seq"].as_i64()),
        (Some("hi there"), Some(31))
    );
}

pub async fn a_retried_message_is_stored_and_delivered_once(app: &TestApp) {
    let (mut a, mut b, _) = matched_pair(&app.ws_url("")).await;

    a.say("same", "once please").await;
    a.say("same", "once please").await;
    a.say("other", "second").await;

    assert_eq!(a.expect("ack").await["seq"], 1);
    assert_eq!(
        a.expect("ack").await["seq"],
        1,
        "the retry gets the first seq"
    );
    assert_eq!(a.expect("ack").await["seq"], 2);
    assert_eq!(b.expect("message").await["text"], "once please");
    let second = b.expect("message").await;
    assert_eq!(
        (second["text"].as_str(), second["seq"].as_i64()),
        (Some("second"), Some(2))
    );
}

pub async fn resume_after_a_dropped_connection_loses_and_doubles_nothing(app: &TestApp) {
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;
    for i in 1..=3 {
        a.say(&format!("a{i}"), &format!("before {i}")).await;
        a.expect("ack").await;
    }
    for _ in 1..=3 {
        b.expect("message").await;
    }
    let session = b.session.clone();

    // B's network drops; A keeps talking.
    b.drop_connection();
    for i in 4..=6 {
        a.say(&format!("a{i}"), &format!("while away {i}")).await;
        assert_eq!(a.expect("ack").await["seq"], i);
    }

    // B comes back having seen up to seq 3.
    let mut b = WsClient::resume(&app.ws_url("?last_seq=3"), &session).await;
    assert!(b.resumed);
    assert_eq!(b.hello_room.as_deref(), Some(room.as_str()));
    assert_eq!(b.expect("matched").await["room"], room.as_str());
    for i in 4..=6 {
        let msg = b.expect("message").await;
        assert_eq!(msg["seq"], i);
        assert_eq!(msg["text"], format!("while away {i}"));
    }
    // Live delivery continues, with nothing re-sent in between.
    a.say("a7", "welcome back").await;
    let msg = b.expect("message").await;
    assert_eq!(
        (msg["seq"].as_i64(), msg["text"].as_str()),
        (Some(7), Some("welcome back"))
    );
}

pub async fn a_last_seq_beyond_the_room_is_clamped_not_silent(app: &TestApp) {
    // Arrange: two messages in the room; B drops.
    let (mut a, mut b, room) = matched_pair(&app.ws_url("")).await;
    for i in 1..=2 {
        a.say(&format!("a{i}"), &format!("before {i}")).await;
        a.expect("ack").await;
        b.expect("message").await;
    }
    let session = b.session.clone();
    b.drop_connection();

    // Act: B resumes claiming to have seen seq 999 (a stale or forged
    // cursor), then A writes again.
    let mut b = WsClient::resume(&app.ws_url("?last_seq=999"), &session).await;
    assert_eq!(b.expect("matched").await["room"], room.as_str());
    a.say("a3", "after the resume").await;
    assert_eq!(a.expect("ack").await["seq"], 3);

    // Assert: B gets seq 3 (it is not skipped as already seen).
    let msg = b.expect("message").await;
    assert_eq!(
        (msg["seq"].as_i64(), msg["text"].as_str()),
        (Some(3), Some("after the resume"))
    );
}
