//! Every body reads back as written, in the stored shape.

use chrono::Utc;

use super::*;
use crate::domain::{ClientMsgId, RoomId, UserId};

fn stored(body: Content, origin: Origin, reply_to: Option<Seq>) -> StoredMessage {
    StoredMessage {
        room: RoomId::new(),
        seq: Seq(3),
        sender: UserId::new(),
        body: MessageBody::new(body).unwrap(),
        origin,
        reply_to,
        client_msg_id: ClientMsgId::parse("m1".into()).unwrap(),
        created_at: Utc::now(),
    }
}

fn telegram() -> Origin {
    Origin::Telegram(TelegramOrigin {
        chat: 7,
        message_id: 9,
        protect: true,
    })
}

#[test]
fn every_body_reads_back_as_written() {
    let text = Content::Text(MessageText::parse("hi".into()).unwrap());
    let media = Content::Media(Media {
        kind: MediaKind::Video,
        file_id: Some("f".into()),
        caption: Some("look".into()),
        spoiler: true,
        album: Some("g".into()),
    });
    let edit = |change| Content::Edit {
        target: Seq(1),
        change,
    };
    let bodies = [
        (text, Origin::Web, Some(Seq(1))),
        (media, telegram(), None),
        (Content::Dice("🎲 5".into()), telegram(), Some(Seq(2))),
        (Content::Venue, telegram(), None),
        (edit(EditChange::Text("new".into())), telegram(), None),
        (edit(EditChange::Caption("new".into())), telegram(), None),
        (
            edit(EditChange::Media {
                kind: MediaKind::Photo,
                file_id: "f2".into(),
                caption: String::new(),
            }),
            telegram(),
            None,
        ),
        (
            Content::Reaction {
                target: Seq(2),
                emoji: vec!["👍".into(), "🔥".into()],
            },
            telegram(),
            None,
        ),
    ];
    for (body, origin, reply_to) in bodies {
        let msg = stored(body, origin, reply_to);
        let read = Columns::of(&msg).read().unwrap();
        assert_eq!(read, (msg.body.clone(), msg.origin.clone(), msg.reply_to));
        let json = serde_json::to_string(&msg).unwrap();
        assert_eq!(serde_json::from_str::<StoredMessage>(&json).unwrap(), msg);
    }
}

#[test]
fn the_flat_form_keeps_the_shape_of_stored_rows() {
    let msg = stored(
        Content::Reaction {
            target: Seq(2),
            emoji: vec!["👍".into()],
        },
        telegram(),
        None,
    );
    let cols = Columns::of(&msg);
    assert_eq!(
        cols.extra.metadata,
        Some(serde_json::json!({"telegram": {
            "chat": 7, "message_id": 9, "reactions": ["👍"], "protect": true
        }}))
    );
    assert_eq!(
        (cols.text.as_str(), cols.extra.reply_to_seq),
        ("👍", Some(Seq(2)))
    );
    assert_eq!(cols.extra.sender_platform_msg_id, None);
    let json = serde_json::to_value(&msg).unwrap();
    assert_eq!(json["kind"], "reaction");
    assert_eq!(json["text"], "👍");
    assert_eq!(json["extra"]["reply_to_seq"], 2);
}

#[test]
fn a_purged_message_keeps_its_kind_and_loses_its_words() {
    let msg = stored(
        Content::Text(MessageText::parse("secret".into()).unwrap()),
        Origin::Web,
        None,
    );
    let purged = Columns::purged(&msg).unwrap();
    assert_eq!(purged.kind(), MessageKind::Text);
    assert_eq!(
        purged.content(),
        &Content::Text(MessageText::trusted(String::new()))
    );
}
