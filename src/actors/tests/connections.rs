//! Connections: stale ones closed at the sync, the latest kept, and how a
//! transport starts a person (session or not, resume point).

use super::*;

#[actix::test]
async fn a_connection_whose_takeover_was_lost_closes_at_the_next_sync() {
    use crate::actors::client::CatchUp;

    let deps = core();
    let a = Person::join(&deps).await;
    // The person connected again elsewhere, but the `Takeover` doorbell
    // never arrived here: only presence knows.
    deps.presence
        .arrived(a.user, crate::domain::ClientId::new())
        .await
        .unwrap();

    a.addr.do_send(CatchUp);

    let deadline = std::time::Instant::now() + WITHIN;
    while a.addr.connected() {
        assert!(
            std::time::Instant::now() < deadline,
            "the stale connection stays open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix::test]
async fn the_latest_connection_stays_open_at_the_sync() {
    use crate::actors::client::CatchUp;

    let deps = core();
    let (a, mut b, _room) = paired(&deps).await;

    a.addr.send(CatchUp).await.unwrap();
    a.cmd(ClientCommand::Send {
        body: crate::domain::MessageBody::text("still here".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: crate::domain::ClientMsgId::parse("s1".into()).unwrap(),
    })
    .await;

    loop {
        if let Outgoing::Message { seq, .. } = b.next().await {
            assert_eq!(seq, Seq(1));
            break;
        }
    }
    assert!(a.addr.connected());
}

#[actix::test]
async fn a_person_without_a_session_is_neither_greeted_nor_acked() {
    let deps = core();
    let mut a = Person::join(&deps).await;
    let user = deps
        .store
        .rooms
        .upsert_user(Platform::Telegram, "chat-1")
        .await
        .unwrap();
    let mut b = Person::start(&deps, user, Start::delivered_up_to(Seq::ZERO));
    a.search().await;
    b.search().await;
    let room = a.matched().await;

    // B's message is stored as seq 1 and A's as seq 2: an ack for B's
    // would be queued before A's message reaches B.
    b.say("from b", "b1").await;
    a.say("from a", "a1").await;
    let mut before = Vec::new();
    let seq = loop {
        match b.next().await {
            Outgoing::Message { seq, .. } => break seq,
            other => before.push(other),
        }
    };

    assert_eq!(seq, Seq(2));
    assert!(
        !before
            .iter()
            .any(|e| matches!(e, Outgoing::Hello { .. } | Outgoing::Ack { .. })),
        "a person without a session got {before:?}"
    );
    assert_eq!(b.states.recv().await, Some(PersonState::Searching));
    assert_eq!(b.states.recv().await, Some(PersonState::InRoom(room)));
    b.cmd(ClientCommand::Stop).await;
    assert_eq!(b.states.recv().await, Some(PersonState::Idle));
}

#[actix::test]
async fn a_restored_room_without_a_session_resumes_after_what_was_delivered() {
    let deps = core();
    let (a, b, room) = paired(&deps).await;
    a.say("delivered already", "a1").await;
    a.say("not yet", "a2").await;

    // B's chat continues on another actor (Telegram: another replica),
    // which has delivered seq 1.
    let mut b2 = Person::start(&deps, b.user, Start::delivered_up_to(Seq(1)));

    // No greeting and no "matched" for a room the person is already in:
    // the first thing they get is the message they have not seen.
    match b2.next().await {
        Outgoing::Message { seq, .. } => assert_eq!(seq, Seq(2)),
        other => panic!("expected seq 2 first, got {other:?}"),
    }
    assert_eq!(b2.states.recv().await, Some(PersonState::InRoom(room)));
}
