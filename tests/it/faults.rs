//! Faults with real processes, under a steady load of web pairs that chat
//! and resume as the page does (`common::people`): PostgreSQL crashed and
//! restarted, a replica frozen past its heartbeat and thawed, and every
//! replica restarted in turn. After each: every acked message reached the
//! partner once and in order, and everyone kept their one room (also in
//! the database).

use crate::common;

use std::time::Duration;

use common::load::{Lb, Load};
use common::people::Person;
use common::pg::TestDb;
use common::pg_server::PgServer;
use common::replicas::{Cluster, Replica};

/// Messages acked between two steps of a scenario: the load is flowing.
const PROGRESS: usize = 30;

/// Pairs of people, pair `i` on replicas `placement(i)`.
async fn pairs(
    lb: &Lb,
    n: usize,
    placement: impl Fn(usize) -> (usize, usize),
) -> Vec<(Person, Person)> {
    let mut pairs = Vec::new();
    for i in 0..n {
        let (a, b) = placement(i);
        pairs.push(Person::pair(lb, &format!("p{i}"), a, b).await);
    }
    pairs
}

/// The database agrees: one room per pair, still active (nobody was
/// re-paired, nobody's room was ended).
async fn one_room_per_pair(db: &TestDb, pairs: &[(Person, Person)]) {
    let n = pairs.len() as i64;
    assert_eq!(db.count("rooms").await, n, "no room beyond one per pair");
    assert_eq!(
        db.count("rooms WHERE ended_at IS NULL").await,
        n,
        "every pair's room still active"
    );
}

fn urls(replicas: &[&Replica]) -> Vec<String> {
    replicas.iter().map(|r| r.ws_url("")).collect()
}

#[actix_web::test]
async fn postgres_crashed_and_restarted_loses_and_doubles_nothing() {
    let pg = PgServer::start().await;
    let cluster = Cluster::on(TestDb::create_on(&pg.url()).await, None);
    let (r1, r2) = (cluster.replica("r1").await, cluster.replica("r2").await);
    let lb = Lb::new(urls(&[&r1, &r2]));
    let load = Load::start(pairs(&lb, 3, |_| (0, 1)).await, &lb);
    load.tally.wait_acked(PROGRESS, "the load flows").await;

    pg.stop_immediately().await;
    let tally = load.tally.clone();
    tally
        .wait("someone is told `unavailable`", || {
            tally.unavailable.load(std::sync::atomic::Ordering::SeqCst) > 0
        })
        .await;
    pg.start_again().await;
    load.tally
        .wait_acked(PROGRESS, "the load flows after the restart")
        .await;

    let pairs = load.finish("postgres crash").await;
    one_room_per_pair(&cluster.db, &pairs).await;
}

#[actix_web::test]
async fn a_replica_frozen_past_its_heartbeat_neither_delivers_stale_state_nor_owns_anyone_twice() {
    use redis::AsyncCommands;

    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica("r1").await;
    let r2 = cluster.replica("r2").await;
    let lb = Lb::new(urls(&[&r1, &r2]));
    let load = Load::start(pairs(&lb, 3, |_| (0, 1)).await, &lb);
    load.tally.wait_acked(PROGRESS, "the load flows").await;

    let prefix = &cluster
        .env
        .iter()
        .find(|(k, _)| k == "CHATHUB_REDIS_PREFIX")
        .unwrap()
        .1;
    let redis = redis::Client::open(common::redis_server::shared_redis_url()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let beat = format!("{prefix}replica:r2");
    let token: String = conn.get(&beat).await.unwrap();

    // r2 freezes; the balancer takes it out and its people resume on r1.
    r2.signal("STOP").await;
    lb.set_up(1, false);
    load.tally
        .wait_acked(PROGRESS, "the moved people chat on r1")
        .await;
    // r2 is presumed dead: its heartbeat expired and r1 purged what it held.
    let presence_owners = format!("{prefix}presence:owners");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let alive: bool = conn.exists(&beat).await.unwrap();
        let owns: bool = conn.hexists(&presence_owners, &token).await.unwrap();
        if !alive && !owns {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "r2 never presumed dead"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // r2 thaws: it sees its old sockets closed and beats again. Two beats
    // (each refreshing the heartbeat's TTL) and a grace period later,
    // whatever it would wrongly end or send has happened.
    r2.signal("CONT").await;
    let mut refreshed = 0;
    let mut last_ttl: i64 = conn.pttl(&beat).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while refreshed < 2 {
        let ttl: i64 = conn.pttl(&beat).await.unwrap();
        if ttl > last_ttl {
            refreshed += 1;
        }
        last_ttl = ttl;
        assert!(std::time::Instant::now() < deadline, "r2 never beat again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let holder: String = conn.get(&beat).await.unwrap();
    assert_eq!(holder, token, "the same process beats again");
    load.tally
        .wait_acked(PROGRESS, "the load flows with r2 back")
        .await;

    // Everyone moves onto the thawed replica, which serves them all.
    lb.set_up(1, true);
    lb.set_up(0, false);
    load.tally
        .wait_acked(PROGRESS, "everyone chats on r2")
        .await;

    let pairs = load.finish("replica frozen and thawed").await;
    one_room_per_pair(&cluster.db, &pairs).await;
}

#[actix_web::test]
async fn every_replica_restarted_in_turn_under_load_loses_and_doubles_nothing() {
    let cluster = Cluster::new(None).await;
    // A short drain: a SIGTERMed replica exits within seconds.
    let env = [("CHATHUB_SHUTDOWN_SECS", "3")];
    let mut replicas = vec![
        cluster.replica_with("r1", &env).await,
        cluster.replica_with("r2", &env).await,
        cluster.replica_with("r3", &env).await,
    ];
    let lb = Lb::new(urls(&replicas.iter().collect::<Vec<_>>()));
    let load = Load::start(pairs(&lb, 3, |i| (i % 3, (i + 1) % 3)).await, &lb);
    load.tally.wait_acked(PROGRESS, "the load flows").await;

    for replica in &mut replicas {
        replica.terminate().await;
        replica.restart().await;
        load.tally
            .wait_acked(
                PROGRESS,
                &format!("the load flows after {} restarted", replica.name),
            )
            .await;
    }

    let pairs = load.finish("rolling restart").await;
    one_room_per_pair(&cluster.db, &pairs).await;
}
