//! Pairing: one room per person, next and stop, takeover while searching.

use super::*;

#[actix::test]
async fn two_searchers_are_paired_into_one_room() {
    let deps = core();

    let (a, b, ra) = paired(&deps).await;

    let room = deps.store.rooms.active_room(a.user).await.unwrap().unwrap();
    assert_eq!(room.id, ra);
    assert_eq!(room.partner_of(a.user), Some(b.user));
}

#[actix::test]
async fn next_ends_the_room_and_searches_again_stop_leaves_the_queue() {
    let deps = core();
    let (mut a, mut b, room) = paired(&deps).await;

    a.cmd(ClientCommand::Next).await;

    loop {
        if let Outgoing::PartnerLeft { room: r, reason } = b.next().await {
            assert_eq!((r, reason), (room, EndReason::Next));
            break;
        }
    }
    assert!(matches!(a.next().await, Outgoing::SearchStatus { .. }));
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 1);
    assert!(
        deps.store
            .rooms
            .active_room(a.user)
            .await
            .unwrap()
            .is_none()
    );

    a.cmd(ClientCommand::Stop).await;
    assert!(matches!(a.next().await, Outgoing::Stopped));
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 0);
}

#[actix::test]
async fn nobody_is_ever_in_two_rooms_under_concurrent_search_next_stop() {
    let (deps, queue) = core_with_queue();
    let mut people = Vec::new();
    for _ in 0..60 {
        people.push(Person::join(&deps).await);
    }

    // Everyone fires search / next / stop in an interleaving that differs per
    // person, all at once.
    let mut sends = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let addr = p.addr.clone();
        sends.push(actix::spawn(async move {
            let script = [
                ClientCommand::Search { prefs: None },
                ClientCommand::Next,
                ClientCommand::Next,
                ClientCommand::Stop,
                ClientCommand::Search { prefs: None },
                ClientCommand::Next,
            ];
            for (k, cmd) in script.into_iter().enumerate() {
                if (i + k) % 3 != 0 || k == 0 || k == 4 {
                    let _ = addr.send(Command { cmd }).await;
                }
            }
        }));
    }
    for s in sends {
        s.await.unwrap();
    }

    // Assert on the store, the source of truth: every active room's two
    // participants both point at it, and nobody is in two.
    let mut active: HashMap<UserId, RoomId> = HashMap::new();
    for p in &people {
        if let Some(room) = deps.store.rooms.active_room(p.user).await.unwrap() {
            let partner = room.partner_of(p.user).unwrap();
            let theirs = deps
                .store
                .rooms
                .active_room(partner)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(theirs.id, room.id, "partners agree on their room");
            assert!(active.insert(p.user, room.id).is_none());
        }
    }
    let rooms: HashSet<RoomId> = active.values().copied().collect();
    assert_eq!(
        rooms.len() * 2,
        active.len(),
        "every active room has exactly two people"
    );
    // Whoever is in a room is not also queued.
    for user in active.keys() {
        assert!(
            !queue.leave(*user).await.unwrap(),
            "someone in a room is still queued"
        );
    }
}

#[actix::test]
async fn a_connection_taking_over_a_searcher_gets_their_match() {
    let deps = core();
    let a = Person::join(&deps).await;
    let mut b = Person::join(&deps).await;
    a.search().await;

    // A's next connection starts idle; A is still queued from the first.
    let mut a2 = a.reconnect(&deps).await;
    b.search().await;

    let room = a2.matched().await;
    assert_eq!(b.matched().await, room);
    let active = deps.store.rooms.active_room(a.user).await.unwrap().unwrap();
    assert_eq!(active.id, room, "the match was kept, not refused");

    // Stop from yet another fresh connection leaves the queue for good.
    let c = Person::join(&deps).await;
    c.search().await;
    let c2 = c.reconnect(&deps).await;
    c2.cmd(ClientCommand::Stop).await;
    assert_eq!(deps.matcher.send(QueueLength).await.unwrap().unwrap(), 0);
}
