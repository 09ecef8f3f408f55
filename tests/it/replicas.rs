//! Many replicas, one hub: real `chathub` processes on real Redis and
//! PostgreSQL, with clients spread over them.

use crate::common;

use std::collections::{HashMap, HashSet};

use chathub::bus::redis::REPLICA_TTL;
use common::pg::TestDb;
use common::redis_server::RedisServer;
use common::replicas::Cluster;
use common::ws::{WsClient, matched_pair_across};
use serde_json::json;

/// People in the storm, all arriving at once over three replicas.
const STORM_CLIENTS: usize = 150;

#[actix_web::test]
async fn two_people_on_different_replicas_are_matched_and_chat_in_order() {
    let cluster = Cluster::new(None).await;
    let (r1, r2) = (cluster.replica("r1").await, cluster.replica("r2").await);

    let (mut a, mut b, _room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    for i in 1..=50 {
        a.say(&format!("a{i}"), &format!("from r1 #{i}")).await;
    }

    for i in 1..=50 {
        assert_eq!(a.expect("ack").await["seq"], i);
    }
    for i in 1..=50 {
        let m = b.expect("message").await;
        assert_eq!(
            (m["seq"].as_i64(), m["text"].as_str()),
            (Some(i), Some(format!("from r1 #{i}").as_str()))
        );
    }
    b.say("b1", "from r2").await;
    assert_eq!(a.expect("message").await["text"], "from r2");
}

#[actix_web::test]
async fn replicas_on_one_serving_thread_each_chat_across_in_order() {
    // Arrange: two replicas told to serve on one thread, over one runtime
    // thread (what a small machine shared with the database would run).
    let one_thread = [
        ("CHATHUB_HTTP_WORKERS", "1"),
        ("CHATHUB_RUNTIME_THREADS", "1"),
    ];
    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica_with("r1", &one_thread).await;
    let r2 = cluster.replica_with("r2", &one_thread).await;
    let (mut a, mut b, _room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;

    // Act: both type a burst at once.
    for i in 1..=20 {
        a.say(&format!("a{i}"), &format!("a #{i}")).await;
        b.say(&format!("b{i}"), &format!("b #{i}")).await;
    }

    // Assert: each has all its messages acknowledged and the other's burst
    // in order, and each replica serves its connections on one thread.
    for (reader, from) in [(&mut b, "a"), (&mut a, "b")] {
        let (mut texts, mut acks) = (Vec::new(), 0);
        while texts.len() < 20 || acks < 20 {
            let f = reader.next_event().await;
            match f["type"].as_str() {
                Some("message") => texts.push(f["text"].as_str().unwrap().to_owned()),
                Some("ack") => acks += 1,
                _ => panic!("unexpected {f}"),
            }
        }
        let sent: Vec<String> = (1..=20).map(|i| format!("{from} #{i}")).collect();
        assert_eq!(texts, sent);
    }
    for r in [&r1, &r2] {
        let serving = r
            .thread_names()
            .iter()
            .filter(|n| n.starts_with("actix-server wo"))
            .count();
        assert_eq!(serving, 1, "{} serves on one thread", r.name);
    }
}

#[actix_web::test]
async fn a_killed_replica_loses_nothing_its_clients_resume_elsewhere() {
    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica("r1").await;
    let mut r2 = cluster.replica("r2").await;
    let r3 = cluster.replica("r3").await;
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    for i in 1..=3 {
        a.say(&format!("a{i}"), &format!("m{i}")).await;
        a.expect("ack").await;
        assert_eq!(b.expect("message").await["seq"], i);
    }
    let session = b.session.clone();

    // kill -9 B's replica mid-conversation; A keeps talking through r1.
    r2.kill().await;
    for i in 4..=8 {
        a.say(&format!("a{i}"), &format!("m{i}")).await;
        assert_eq!(a.expect("ack").await["seq"], i);
    }

    // B's page reconnects through the load balancer and lands on r3.
    let mut b = WsClient::resume(&r3.ws_url("?last_seq=3"), &session).await;
    assert_eq!(b.hello_room.as_deref(), Some(room.as_str()));
    b.expect("matched").await;
    for i in 4..=8 {
        let m = b.expect("message").await;
        assert_eq!(
            (m["seq"].as_i64(), m["text"].as_str()),
            (Some(i), Some(format!("m{i}").as_str()))
        );
    }
    a.say("a9", "m9").await;
    a.expect("ack").await;
    assert_eq!(
        b.expect("message").await["seq"],
        9,
        "nothing re-sent, nothing skipped"
    );
    b.say("b1", "back").await;
    assert_eq!(a.expect("message").await["text"], "back");
}

#[actix_web::test]
async fn a_rolling_restart_drains_a_replica_without_losing_anything() {
    // The room waits for B as long as it does by default: the cluster's 2 s
    // could run out while a loaded machine is still draining r2, and the
    // room would end before B is back (not what this test is about).
    let cluster = Cluster::new(None).await;
    let grace = [("CHATHUB_RESUME_GRACE_SECS", "60")];
    let r1 = cluster.replica_with("r1", &grace).await;
    let mut r2 = cluster.replica_with("r2", &grace).await;
    let (mut a, mut b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    b.say("b1", "before the restart").await;
    assert_eq!(b.expect("ack").await["seq"], 1);
    a.expect("message").await;
    let session = b.session.clone();

    // SIGTERM: B is told to reconnect (1001), and the replica exits cleanly.
    let (closed, ()) = tokio::join!(b.closed(), r2.terminate());
    assert_eq!(closed, common::ws::Closed::Code(1001));
    a.say("a1", "during the restart").await;
    assert_eq!(a.expect("ack").await["seq"], 2);

    // B resumes on the surviving replica: same room, nothing lost.
    let mut b = WsClient::resume(&r1.ws_url("?last_seq=1"), &session).await;
    assert_eq!(b.hello_room.as_deref(), Some(room.as_str()));
    b.expect("matched").await;
    let m = b.expect("message").await;
    assert_eq!(
        (m["seq"].as_i64(), m["text"].as_str()),
        (Some(2), Some("during the restart"))
    );
}

#[actix_web::test]
async fn the_room_of_someone_whose_replica_died_ends_if_they_never_return() {
    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica("r1").await;
    let mut r2 = cluster.replica("r2").await;
    let (mut a, _b, room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;

    r2.kill().await;

    // r1 notices r2 is gone (its heartbeat lapses after 10 s), starts B's
    // grace period (2 s here), and ends the room.
    let left = a
        .wait_for_within("partner_left", REPLICA_TTL + common::EXPECT_WITHIN)
        .await;
    assert_eq!(
        (left["room"].as_str(), left["reason"].as_str()),
        (Some(room.as_str()), Some("disconnected"))
    );
}

#[actix_web::test]
async fn a_redis_restart_mid_conversation_loses_and_doubles_nothing() {
    let mut redis = RedisServer::start().await;
    let cluster = Cluster::new(Some(redis.url())).await;
    let (r1, r2) = (cluster.replica("r1").await, cluster.replica("r2").await);
    let (mut a, mut b, _room) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    a.say("a1", "before").await;
    a.expect("ack").await;
    assert_eq!(b.expect("message").await["seq"], 1);

    // Redis goes away: sending is refused with a retryable error (the
    // message may be stored, but it is not acknowledged).
    redis.kill().await;
    a.say("a2", "during").await;
    let err = a.expect("error").await;
    assert_eq!(
        (err["code"].as_str(), err["retryable"].as_bool()),
        (Some("unavailable"), Some(true))
    );
    let ready = reqwest::get(r1.http("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);

    // Redis is back; the page retries with the same id.
    redis.restart().await;
    common::replicas::wait_ready(&r1.http("/readyz")).await;
    common::replicas::wait_ready(&r2.http("/readyz")).await;
    a.say("a2", "during").await;
    assert_eq!(a.expect("ack").await["seq"], 2);
    a.say("a3", "after").await;
    assert_eq!(a.expect("ack").await["seq"], 3);

    let m2 = b.expect("message").await;
    assert_eq!(
        (m2["seq"].as_i64(), m2["text"].as_str()),
        (Some(2), Some("during"))
    );
    let m3 = b.expect("message").await;
    assert_eq!(
        (m3["seq"].as_i64(), m3["text"].as_str()),
        (Some(3), Some("after"))
    );
}

#[actix_web::test]
async fn a_storm_of_clients_never_puts_anyone_in_two_rooms_and_leaves_no_one_queued() {
    let cluster = Cluster::new(None).await;
    let replicas = [
        cluster.replica("r1").await,
        cluster.replica("r2").await,
        cluster.replica("r3").await,
    ];
    let urls: Vec<String> = replicas.iter().map(|r| r.ws_url("")).collect();

    // Each client runs its own pseudo-random script of search / next / stop /
    // message / reconnect, over all replicas at once.
    let mut tasks = Vec::new();
    for i in 0..STORM_CLIENTS {
        let urls = urls.clone();
        tasks.push(tokio::spawn(async move {
            let mut seed = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rnd = move |n: u64| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed % n
            };
            let mut c = WsClient::connect(&urls[i % urls.len()]).await;
            let mut rooms_seen: Vec<String> = Vec::new();
            for step in 0..12 {
                match rnd(6) {
                    0 | 1 => c.send(json!({"type": "search"})).await,
                    2 => c.send(json!({"type": "next"})).await,
                    3 => c.send(json!({"type": "stop"})).await,
                    4 => c.say(&format!("c{i}s{step}"), "hi").await,
                    _ => {
                        // Drop and resume on another replica.
                        let session = c.session.clone();
                        c.drop_connection();
                        let url = &urls[rnd(urls.len() as u64) as usize];
                        c = WsClient::resume(url, &session).await;
                    }
                }
                while let Some(frame) = c.try_next_frame().await {
                    if frame["type"] == "matched" {
                        rooms_seen.push(frame["room"].as_str().unwrap().to_owned());
                    }
                }
            }
            // A storm of people arriving at once may find a replica's
            // database pool busy: a retryable refusal is retried, as the
            // page does.
            c.send(json!({"type": "stop"})).await;
            loop {
                let frame = c.next_frame().await;
                if frame["type"] == "stopped" {
                    break;
                }
                if frame["type"] == "error" && frame["retryable"] == true {
                    c.send(json!({"type": "stop"})).await;
                }
            }
            (c.session.clone(), rooms_seen)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }

    // The database agrees: no person has overlapping rooms, nobody is in an
    // active room once everyone stopped, and each room has two people.
    let rooms = wait_all_rooms_ended(&cluster.db).await;
    // Every `matched` a client saw names a real room, and no room was
    // announced to more than its two people.
    let known: HashSet<String> = rooms.iter().map(|r| r.id.to_string()).collect();
    let mut told: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (session, seen) in &results {
        for room in seen {
            assert!(known.contains(room), "matched names a real room");
            told.entry(room.as_str())
                .or_default()
                .insert(session.as_str());
        }
    }
    for (room, sessions) in &told {
        assert!(
            sessions.len() <= 2,
            "{room} announced to {}",
            sessions.len()
        );
    }
    assert!(!told.is_empty(), "clients saw matches");
    let mut per_user: HashMap<uuid::Uuid, Vec<&RoomRow>> = HashMap::new();
    for r in &rooms {
        assert_ne!(r.user_a, r.user_b);
        per_user.entry(r.user_a).or_default().push(r);
        per_user.entry(r.user_b).or_default().push(r);
    }
    for rs in per_user.values_mut() {
        rs.sort_by_key(|r| r.started_at);
        for w in rs.windows(2) {
            assert!(
                w[0].ended_at.unwrap() <= w[1].started_at,
                "one person had two rooms at once"
            );
        }
    }
    assert!(
        rooms.len() > 10,
        "the storm paired people ({} rooms)",
        rooms.len()
    );
    // Nobody is left in the global queue.
    let waiting = reqwest::get(replicas[0].http("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        waiting.lines().any(|l| l == "chathub_queue_waiting 0"),
        "queue empty:\n{waiting}"
    );
}

#[derive(diesel::QueryableByName)]
struct RoomRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user_a: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    user_b: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    started_at: chrono::DateTime<chrono::Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every room of the test database, once none is active any more (a room
/// paired at the very moment someone stopped is ended right after).
async fn wait_all_rooms_ended(db: &TestDb) -> Vec<RoomRow> {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let deadline = std::time::Instant::now() + common::EXPECT_WITHIN;
    loop {
        let rooms: Vec<RoomRow> =
            diesel::sql_query("SELECT id, user_a, user_b, started_at, ended_at FROM rooms")
                .load(&mut conn)
                .await
                .unwrap();
        if rooms.iter().all(|r| r.ended_at.is_some()) {
            return rooms;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "rooms still active after everyone stopped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
