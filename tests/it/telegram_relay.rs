//! Relaying every kind of Telegram message between two Telegram people:
//! media by copyMessage (no forward header), spoilers by resend, albums as
//! albums, and edits, replies and reactions aimed at the partner's copy.

use crate::common;

use common::fake_telegram::FakeTelegram;
use common::telegram::{TgPerson, WITHIN, only, pair, spawn_tg_app, texts, wait_method};
use serde_json::{Value, json};

const A: i64 = 3003;
const B: i64 = 4004;

fn file(id: &str) -> Value {
    json!({"file_id": id, "file_unique_id": format!("u-{id}")})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

/// One message of every kind a person can send.
fn every_kind() -> Vec<(&'static str, Value)> {
    let loc = json!({"latitude": 52.5, "longitude": 13.4});
    vec![
        ("text", json!({"text": "plain words"})),
        (
            "photo",
            json!({"photo": [with(file("P1"), json!({"width": 90, "height": 90}))], "caption": "pic"}),
        ),
        (
            "video",
            json!({"video": with(file("V1"), json!({"width": 1, "height": 1, "duration": 3, "mime_type": "video/mp4"}))}),
        ),
        (
            "animation",
            json!({"animation": with(file("G1"), json!({"width": 1, "height": 1, "duration": 2, "mime_type": "video/mp4"}))}),
        ),
        (
            "sticker",
            json!({"sticker": with(file("S1"), json!({"type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false}))}),
        ),
        (
            "voice",
            json!({"voice": with(file("VO1"), json!({"duration": 4, "mime_type": "audio/ogg"}))}),
        ),
        (
            "video_note",
            json!({"video_note": with(file("VN1"), json!({"length": 240, "duration": 5}))}),
        ),
        (
            "audio",
            json!({"audio": with(file("AU1"), json!({"duration": 180, "mime_type": "audio/mpeg"}))}),
        ),
        (
            "document",
            json!({"document": with(file("D1"), json!({"mime_type": "application/pdf"})), "caption": "report.pdf"}),
        ),
        ("location", json!({"location": loc})),
        (
            "venue",
            json!({"location": loc, "venue": {"location": loc, "title": "Cafe", "address": "Main St 1"}}),
        ),
        (
            "contact",
            json!({"contact": {"phone_number": "+100", "first_name": "Bob"}}),
        ),
        ("dice", json!({"dice": {"emoji": "🎲", "value": 4}})),
    ]
}

#[actix_web::test]
async fn every_kind_is_relayed_with_copy_message_in_order() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    let mut ids = Vec::new();
    for (kind, content) in every_kind() {
        let (id, msg) = a.message(content);
        let (_, status) = a.post("message", msg).await;
        assert_eq!(status, 200, "{kind} accepted");
        ids.push(i64::from(id));
    }

    let copies = wait_method(&fake, B, "copymessage", ids.len()).await;
    let relayed: Vec<i64> = copies
        .iter()
        .map(|c| {
            assert_eq!(c.params["from_chat_id"], A);
            c.params["message_id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(relayed, ids, "every kind, once, in order");
    // Nothing was forwarded (a forward shows the sender).
    assert!(
        fake.calls()
            .iter()
            .all(|c| !c.method.starts_with("forward"))
    );
}

#[actix_web::test]
async fn spoiler_default_resends_media_with_has_spoiler() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    a.command("/spoiler_on").await;
    a.send(
        json!({"photo": [with(file("P9"), json!({"width": 9, "height": 9}))], "caption": "hidden"}),
    )
    .await;
    a.send(json!({"video": with(file("V9"), json!({"width": 1, "height": 1, "duration": 1, "mime_type": "video/mp4"}))}))
        .await;
    a.send(json!({"text": "text is never covered"})).await;
    a.command("/spoiler_off").await;
    a.send(json!({"photo": [with(file("P10"), json!({"width": 9, "height": 9}))]}))
        .await;

    let photo = wait_method(&fake, B, "sendphoto", 1).await;
    assert_eq!(photo[0].params["photo"], "P9");
    assert_eq!(photo[0].params["has_spoiler"], true);
    assert_eq!(photo[0].params["caption"], "hidden");
    let video = wait_method(&fake, B, "sendvideo", 1).await;
    assert_eq!(
        (
            video[0].params["video"].as_str(),
            video[0].params["has_spoiler"].as_bool()
        ),
        (Some("V9"), Some(true))
    );
    let copies = wait_method(&fake, B, "copymessage", 2).await;
    assert_eq!(copies.len(), 2, "text and the uncovered photo are copied");
    let notes = texts(&only(&fake.calls(), A));
    assert!(
        notes.iter().any(|t| t.starts_with("Spoilers on")),
        "{notes:?}"
    );
}

#[actix_web::test]
async fn an_album_arrives_as_an_album() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    let mut ids = Vec::new();
    for i in 0..3 {
        let photo = json!([with(
            file(&format!("AL{i}")),
            json!({"width": 5, "height": 5})
        )]);
        ids.push(i64::from(
            a.send(json!({"photo": photo, "media_group_id": "album-1"}))
                .await,
        ));
    }
    a.text("after the album").await;

    let albums = wait_method(&fake, B, "copymessages", 1).await;
    assert_eq!(albums[0].params["from_chat_id"], A);
    assert_eq!(albums[0].params["message_ids"], json!(ids));
    let single = wait_method(&fake, B, "copymessage", 1).await;
    assert!(single[0].at > albums[0].at, "order kept around the album");
}

#[actix_web::test]
async fn an_album_with_the_spoiler_default_is_resent_covered_as_one_group() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;
    a.command("/spoiler_on").await;

    let photo = json!([with(file("SP1"), json!({"width": 5, "height": 5}))]);
    a.send(json!({"photo": photo, "media_group_id": "g2", "caption": "one"}))
        .await;
    let video = with(
        file("SV1"),
        json!({"width": 1, "height": 1, "duration": 1, "mime_type": "video/mp4"}),
    );
    a.send(json!({"video": video, "media_group_id": "g2"}))
        .await;

    let group = wait_method(&fake, B, "sendmediagroup", 1).await;
    let media = group[0].params["media"].as_array().unwrap().clone();
    assert_eq!(media.len(), 2);
    assert_eq!(
        (media[0]["media"].as_str(), media[0]["type"].as_str()),
        (Some("SP1"), Some("photo"))
    );
    assert_eq!(
        (media[1]["media"].as_str(), media[1]["type"].as_str()),
        (Some("SV1"), Some("video"))
    );
    assert!(media.iter().all(|m| m["has_spoiler"] == true));
    assert_eq!(media[0]["caption"], "one");
}

#[actix_web::test]
async fn what_cannot_be_relayed_is_explained_to_the_sender() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    a.send(json!({"story": {"chat": {"id": 77, "type": "private"}, "id": 5}}))
        .await;
    // A kind newer than the Bot API client knows.
    a.send(json!({"brand_new_kind": {"x": 1}})).await;

    fake.wait_until(WITHIN, |calls| {
        let t = texts(&only(calls, A));
        t.iter().any(|t| t.contains("stories can't be passed on"))
            && t.iter()
                .any(|t| t.contains("this kind of message can't be passed on"))
    })
    .await;
    assert!(wait_method(&fake, B, "copymessage", 0).await.is_empty());
}

#[actix_web::test]
async fn edits_replies_and_reactions_reach_the_partners_copy() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;

    // A's text and photo reach B as copies with new ids in B's chat.
    let a_text = a.text("frist").await;
    let a_photo = a
        .send(json!({"photo": [with(file("PX"), json!({"width": 9, "height": 9}))], "caption": "old caption"}))
        .await;
    let copies = wait_method(&fake, B, "copymessage", 2).await;
    let b_copy_of_text = copies[0].result["message_id"].as_i64().unwrap();
    let b_copy_of_photo = copies[1].result["message_id"].as_i64().unwrap();

    // A edits both; B's copies are edited.
    assert_eq!(a.edit(a_text, json!({"text": "first"})).await, 200);
    assert_eq!(a.edit(a_photo, json!({"photo": [with(file("PX"), json!({"width": 9, "height": 9}))], "caption": "new caption"})).await, 200);
    let edit_text = wait_method(&fake, B, "editmessagetext", 1).await;
    assert_eq!(edit_text[0].params["text"], "first");
    let edit_caption = wait_method(&fake, B, "editmessagecaption", 1).await;
    assert_eq!(edit_caption[0].params["caption"], "new caption");
    assert_eq!(
        edit_text[0].params["message_id"], b_copy_of_text,
        "B's copy, not A's id"
    );
    assert_eq!(edit_caption[0].params["message_id"], b_copy_of_photo);

    // B replies to its copy of A's text: A's reply points at A's original.
    let b_reply = b
        .send(json!({"text": "re", "reply_to_message": {
            "message_id": b_copy_of_text, "date": 1, "chat": {"id": B, "type": "private"}, "text": "first"}}))
        .await;
    let to_a = wait_method(&fake, A, "copymessage", 1).await;
    assert_eq!(to_a[0].params["message_id"], b_reply);
    assert_eq!(to_a[0].params["reply_parameters"]["message_id"], a_text);

    // B reacts to its copy of A's photo: A's original gets the reaction.
    assert_eq!(
        b.react(i32::try_from(b_copy_of_photo).unwrap(), "👍").await,
        200
    );
    let reaction = wait_method(&fake, A, "setmessagereaction", 1).await;
    assert_eq!(reaction[0].params["message_id"], a_photo);
    assert_eq!(reaction[0].params["reaction"][0]["emoji"], "👍");

    // A reacts to A's copy of B's reply: B's original gets it.
    let a_copy_of_reply = to_a[0].result["message_id"].as_i64().unwrap();
    assert_eq!(
        a.react(i32::try_from(a_copy_of_reply).unwrap(), "🔥").await,
        200
    );
    let reaction = wait_method(&fake, B, "setmessagereaction", 1).await;
    assert_eq!(reaction[0].params["message_id"], b_reply);
    assert_eq!(reaction[0].params["reaction"][0]["emoji"], "🔥");
    // An edit of a message from before this chat is explained, not relayed.
    assert_eq!(a.edit(1, json!({"text": "/search edited"})).await, 200);
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A))
            .iter()
            .any(|t| t.contains("edit was not passed on"))
    })
    .await;
}

#[actix_web::test]
async fn a_replaced_photo_is_replaced_in_the_partners_copy() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;
    let photo = |id: &str| json!([with(file(id), json!({"width": 9, "height": 9}))]);
    let a_photo = a
        .send(json!({"photo": photo("OLD"), "caption": "look"}))
        .await;
    let copy = wait_method(&fake, B, "copymessage", 1).await[0].result["message_id"].clone();

    // A swaps the picture (and keeps a caption).
    assert_eq!(
        a.edit(
            a_photo,
            json!({"photo": photo("NEW"), "caption": "look again"})
        )
        .await,
        200
    );

    let edit = wait_method(&fake, B, "editmessagemedia", 1).await;
    assert_eq!(
        edit[0].params["message_id"], copy,
        "B's copy is the one replaced"
    );
    let media = &edit[0].params["media"];
    assert_eq!(
        (media["type"].as_str(), media["caption"].as_str()),
        (Some("photo"), Some("look again"))
    );
    assert!(media["media"].as_str().unwrap().contains("NEW"), "{media}");
    // A later caption-only edit reaches the same copy (the media stays NEW:
    // after a swap it is compared with the original, so it may go out as a
    // media edit carrying the same file).
    assert_eq!(
        a.edit(a_photo, json!({"photo": photo("NEW"), "caption": "final"}))
            .await,
        200
    );
    let last = fake
        .wait_until(WITHIN, |calls| {
            calls.iter().any(|c| {
                c.chat_id == Some(B)
                    && c.method.starts_with("editmessage")
                    && c.params.to_string().contains("final")
            })
        })
        .await;
    let last = last
        .iter()
        .rev()
        .find(|c| c.chat_id == Some(B) && c.method.starts_with("editmessage"))
        .unwrap();
    assert_eq!(last.params["message_id"], copy);
    assert!(!last.params.to_string().contains("OLD"));
}

#[actix_web::test]
async fn an_edit_that_cannot_be_stored_is_refused_and_the_next_one_passes() {
    let fake = FakeTelegram::start().await;
    let app = spawn_tg_app(&fake, &[]).await;
    let (mut a, mut b) = (TgPerson::new(&app, A), TgPerson::new(&app, B));
    pair(&fake, &mut a, &mut b).await;
    let a_text = a.text("frist").await;
    let copy = wait_method(&fake, B, "copymessage", 1).await;
    let b_copy = copy[0].result["message_id"].as_i64().unwrap();

    // Edits are validated like messages: a NUL is refused with the reason.
    assert_eq!(a.edit(a_text, json!({"text": "bad\u{0}edit"})).await, 200);
    fake.wait_until(WITHIN, |calls| {
        texts(&only(calls, A)).iter().any(|t| t.contains("U+0000"))
    })
    .await;
    // It changed nothing: the next edit is B's first, and it is the good one.
    assert_eq!(a.edit(a_text, json!({"text": "first"})).await, 200);
    let edits = wait_method(&fake, B, "editmessagetext", 1).await;
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].params["text"], "first");
    assert_eq!(edits[0].params["message_id"], b_copy);
}
