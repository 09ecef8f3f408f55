//! A moderator action and its audit entry are one transaction: when the
//! entry cannot be written, the action changes nothing. Two replica
//! processes on Redis and PostgreSQL; the test makes the audit table refuse
//! one moderator's name (a constraint no other table shares), which no
//! request can do on its own since the API checks `by` against the same
//! limits as every column holding it.

use crate::moderation::{admin, ban, cluster_pair_with, meet_and_report, user_of};

use chathub::store::{Moderation, RoomLog};
use common::ws::WsClient;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common;

/// The name the audit table is made to refuse.
const REFUSED: &str = "mod-unaudited";

#[actix_web::test]
async fn an_action_whose_audit_entry_fails_changes_nothing() {
    let (cluster, r1, r2) = cluster_pair_with(&[]).await;
    let store = cluster.db.store().await;
    cluster
        .db
        .execute(&format!(
            "ALTER TABLE audit_log ADD CONSTRAINT test_refuses_one_actor \
             CHECK (actor <> '{REFUSED}')"
        ))
        .await;

    // Arrange: P (idle on r1) was reported by X, so one complaint is open.
    let mut p = WsClient::connect(&r1.ws_url("")).await;
    let person = user_of(&*store, &p.session).await;
    let mut x = WsClient::connect(&r2.ws_url("")).await;
    meet_and_report(&mut x, &mut p).await;
    let open = |replica: &common::replicas::Replica| {
        let url = replica.http("/admin/complaints?status=open");
        async move {
            let page: Value = admin(Method::GET, url, None).await.json().await.unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(open(&r2).await, 1);
    let complaint = store
        .complaints_page(chathub::store::ComplaintStatus::Open, None, 10)
        .await
        .unwrap()[0]
        .id;

    // A ban, a dismissal and a deletion by the refused name: each fails...
    let attempts = [
        (
            Method::POST,
            format!("/admin/users/{person}/ban"),
            Some(json!({"reason": "spam", "by": REFUSED})),
        ),
        (
            Method::POST,
            format!("/admin/complaints/{complaint}/resolve"),
            Some(json!({"status": "dismissed", "by": REFUSED})),
        ),
        (
            Method::DELETE,
            format!("/admin/users/{person}?by={REFUSED}"),
            None,
        ),
    ];
    for (method, path, body) in attempts {
        let res = admin(method, r2.http(&path), body).await;
        assert!(res.status().is_server_error(), "{path}: {}", res.status());
    }
    // ...and changes nothing: not banned, the complaint still open, the
    // person not erased and still free to search.
    assert!(!store.is_banned(person).await.unwrap());
    assert_eq!(open(&r1).await, 1);
    assert!(store.identity(person).await.unwrap().is_some());
    p.search().await;
    p.expect("searching").await;
    p.send(json!({"type": "stop"})).await;
    p.wait_for("stopped").await;

    // An unban by the refused name leaves the ban in force.
    ban(&r1, person, None).await;
    p.told_banned_and_closed().await;
    let res = admin(
        Method::DELETE,
        r2.http(&format!("/admin/users/{person}/ban?by={REFUSED}")),
        None,
    )
    .await;
    assert!(res.status().is_server_error(), "unban: {}", res.status());
    assert!(store.is_banned(person).await.unwrap(), "still banned");

    // The audit log holds the one action that happened.
    let audit: Value = admin(Method::GET, r1.http("/admin/audit"), None)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["ban"]);
}
