//! Matching people can steer, over real WebSockets on two replica
//! processes sharing Redis and PostgreSQL: profiles kept across sessions
//! and replicas, preferences honoured on both sides, bad values refused
//! with their codes, the rematch cooldown, blocks, ratings putting low
//! reputations together first, and relaxation after a long wait.

use crate::common;

use common::replicas::{Cluster, Replica};
use common::ws::{WsClient, matched_pair_across};
use serde_json::{Value, json};

async fn two_replicas(extra: &[(&str, &str)]) -> (Cluster, Replica, Replica) {
    let cluster = Cluster::new(None).await;
    let r1 = cluster.replica_with("r1", extra).await;
    let r2 = cluster.replica_with("r2", extra).await;
    (cluster, r1, r2)
}

/// Someone on `replica` with `profile` (a `profile` frame's fields).
async fn person(replica: &Replica, profile: Value) -> WsClient {
    let mut c = WsClient::connect(&replica.ws_url("")).await;
    let mut frame = profile;
    frame["type"] = json!("profile");
    c.send(frame).await;
    c.expect("profile").await;
    c
}

/// Searches with `prefs` (none if null); returns the `searching` frame.
async fn search(c: &mut WsClient, prefs: Value) -> Value {
    let mut frame = json!({"type": "search"});
    if !prefs.is_null() {
        frame["prefs"] = prefs;
    }
    c.send(frame).await;
    c.expect("searching").await
}

/// The room both were put in (each hears `matched`).
async fn paired(a: &mut WsClient, b: &mut WsClient) -> String {
    let ra = a.wait_for("matched").await["room"].clone();
    let rb = b.wait_for("matched").await["room"].clone();
    assert_eq!(ra, rb, "the two are in one room");
    ra.as_str().unwrap().to_owned()
}

async fn refused(c: &mut WsClient, frame: Value) -> String {
    c.send(frame).await;
    let e = c.expect("error").await;
    assert_eq!(e["retryable"], false, "{e}");
    e["code"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn profiles_are_kept_and_bad_values_change_nothing() {
    let (_cluster, r1, r2) = two_replicas(&[]).await;
    let mut a = WsClient::connect(&r1.ws_url("")).await;
    a.send(json!({"type": "profile", "gender": "female", "age": 30,
        "interests": ["music", "books"], "lang": "EN"}))
        .await;
    let stored = a.expect("profile").await;
    assert_eq!(stored["gender"], "female");
    assert_eq!(stored["age"], 30);
    assert_eq!(stored["interests"], json!(["music", "books"]));
    assert_eq!(stored["lang"], json!(["en"]));

    let twenty: Vec<&str> = vec!["music"; 20];
    for (frame, code) in [
        (json!({"type": "profile", "age": 7}), "bad_age"),
        (json!({"type": "profile", "gender": "robot"}), "bad_gender"),
        (
            json!({"type": "profile", "interests": ["knitting"]}),
            "bad_interest",
        ),
        (
            json!({"type": "profile", "interests": twenty}),
            "too_many_interests",
        ),
        (json!({"type": "profile", "lang": "<b>"}), "bad_lang"),
        (
            json!({"type": "search", "prefs": {"age_min": 40, "age_max": 20}}),
            "bad_prefs",
        ),
        (
            json!({"type": "search", "prefs": {"gender": ["x"]}}),
            "bad_prefs",
        ),
        (
            json!({"type": "search", "prefs": {"age_min": 7}}),
            "bad_prefs",
        ),
        (json!({"type": "rate", "score": "up"}), "nothing_to_rate"),
        (json!({"type": "rate", "score": "great"}), "bad_score"),
        (json!({"type": "block"}), "nothing_to_block"),
    ] {
        assert_eq!(refused(&mut a, frame).await, code);
    }

    // Another session of the same person on the other replica reads the
    // same profile: nothing above changed it. A field can be unset.
    let session = a.session.clone();
    drop(a);
    let mut a = WsClient::resume(&r2.ws_url(""), &session).await;
    a.send(json!({"type": "profile"})).await;
    let again = a.expect("profile").await;
    assert_eq!(again["interests"], stored["interests"]);
    assert_eq!(
        (&again["gender"], &again["age"]),
        (&stored["gender"], &stored["age"])
    );
    a.send(json!({"type": "profile", "age": null})).await;
    assert_eq!(a.expect("profile").await["age"], Value::Null);
}

#[actix_web::test]
async fn preferences_are_honoured_on_both_sides_across_replicas() {
    let (_cluster, r1, r2) = two_replicas(&[]).await;
    // A woman of 30 who wants a man waits on r1.
    let mut a = person(&r1, json!({"gender": "female", "age": 30})).await;
    search(&mut a, json!({"gender": ["male"]})).await;
    // Another woman (no preferences) does not suit A: both wait.
    let mut b = person(&r2, json!({"gender": "female", "age": 25})).await;
    assert_eq!(search(&mut b, Value::Null).await["waiting"], 2);
    // A man wanting someone of at most 28 suits A, but A is 30: he skips
    // her and gets B (the next oldest) on the other replica.
    let mut c = person(&r2, json!({"gender": "male", "age": 40})).await;
    c.send(json!({"type": "search", "prefs": {"age_max": 28}}))
        .await;
    paired(&mut b, &mut c).await;
    // A man who wants anyone gets A.
    let mut d = person(&r1, json!({"gender": "male"})).await;
    d.search().await;
    paired(&mut a, &mut d).await;

    // Stored preferences apply to a search that names none (`next`).
    a.send(json!({"type": "stop"})).await;
    a.wait_for("stopped").await;
    let mut e = person(&r2, json!({"gender": "other"})).await;
    search(&mut e, Value::Null).await;
    assert_eq!(
        search(&mut a, Value::Null).await["waiting"],
        2,
        "A still wants a man"
    );
}

#[actix_web::test]
async fn people_who_just_chatted_or_blocked_each_other_are_not_paired_again() {
    let (_cluster, r1, r2) = two_replicas(&[]).await;
    let (mut a, mut b, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    // A moves on; B searches too: within the cooldown they both wait.
    a.send(json!({"type": "next"})).await;
    assert_eq!(b.expect("partner_left").await["reason"], "next");
    a.expect("searching").await;
    assert_eq!(search(&mut b, Value::Null).await["waiting"], 2);
    // A third person gets the one who waited longest (A).
    let mut c = WsClient::connect(&r2.ws_url("")).await;
    c.search().await;
    paired(&mut a, &mut c).await;

    // Blocks hold without any cooldown.
    let (_cluster, r1, r2) = two_replicas(&[("CHATHUB_REMATCH_COOLDOWN_SECS", "0")]).await;
    let (mut a, mut b, _) = matched_pair_across(&r1.ws_url(""), &r2.ws_url("")).await;
    a.send(json!({"type": "block"})).await;
    a.expect("blocked").await;
    // B is told the chat ended as if A pressed next, nothing more.
    assert_eq!(b.expect("partner_left").await["reason"], "next");
    search(&mut a, Value::Null).await;
    assert_eq!(search(&mut b, Value::Null).await["waiting"], 2);
    let mut c = WsClient::connect(&r1.ws_url("")).await;
    c.search().await;
    paired(&mut a, &mut c).await;
    // Blocking the last partner after the chat ended works too.
    let mut d = WsClient::connect(&r1.ws_url("")).await;
    d.search().await;
    paired(&mut b, &mut d).await;
    d.send(json!({"type": "stop"})).await;
    d.wait_for("stopped").await;
    d.send(json!({"type": "block"})).await;
    d.expect("blocked").await;
    b.wait_for("partner_left").await;
    search(&mut b, Value::Null).await;
    assert_eq!(search(&mut d, Value::Null).await["waiting"], 2);
}

#[actix_web::test]
async fn low_reputations_are_paired_among_themselves_first() {
    let env = [
        ("CHATHUB_REMATCH_COOLDOWN_SECS", "0"),
        ("CHATHUB_REPUTATION_FLOOR", "0"),
    ];
    let (_cluster, r1, r2) = two_replicas(&env).await;
    // Two people each get a thumbs-down (reputation -1, below 0).
    let mut low = Vec::new();
    for gender in ["male", "female"] {
        let mut rater = WsClient::connect(&r1.ws_url("")).await;
        let mut rated = person(&r2, json!({"gender": gender})).await;
        rater.search().await;
        rater.expect("searching").await;
        rated.search().await;
        paired(&mut rater, &mut rated).await;
        rater.send(json!({"type": "stop"})).await;
        rated.wait_for("partner_left").await;
        // The rating comes from a later connection of the rater's, on the
        // other replica: the last partner is found in the store.
        let session = rater.session.clone();
        rater.drop_connection();
        let mut rater = WsClient::resume(&r2.ws_url(""), &session).await;
        rater.send(json!({"type": "rate", "score": "down"})).await;
        rater.expect("rated").await;
        low.push(rated);
    }
    let [mut low_m, mut low_f] = <[WsClient; 2]>::try_from(low).ok().unwrap();
    // A well-rated person who wants a woman waits first, then the low man.
    let mut fine = WsClient::connect(&r1.ws_url("")).await;
    search(&mut fine, json!({"gender": ["female"]})).await;
    assert_eq!(search(&mut low_m, Value::Null).await["waiting"], 2);
    // The low woman suits both, and gets the low man though the other
    // waited longer.
    low_f.search().await;
    paired(&mut low_m, &mut low_f).await;
}

#[actix_web::test]
async fn a_long_wait_relaxes_preferences_step_by_step_and_says_so() {
    let (_cluster, r1, r2) = two_replicas(&[("CHATHUB_RELAX_SECS", "1")]).await;
    let mut b = person(&r2, json!({"age": 30, "interests": ["books"]})).await;
    search(&mut b, Value::Null).await;
    let mut a = person(&r1, json!({"interests": ["music"]})).await;
    let first = search(
        &mut a,
        json!({"shared_interest": true, "age_min": 40, "gender": ["male"]}),
    )
    .await;
    assert_eq!(first["waiting"], 2);
    assert!(first.get("relaxed").is_none(), "{first}");
    // First the shared interest goes, then the age range; B has no gender,
    // so they meet only once gender goes too.
    let next = a.expect("searching").await;
    assert_eq!(next["relaxed"], json!(["shared_interest"]));
    let next = a.expect("searching").await;
    assert_eq!(next["relaxed"], json!(["shared_interest", "age"]));
    paired(&mut a, &mut b).await;
}
