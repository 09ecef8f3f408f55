//! Delivery: seq order across crossing doorbells, acks that never run
//! ahead of delivery, the partner gets the stored record.

use super::*;

#[actix::test]
async fn doorbells_that_cross_are_delivered_in_seq_order() {
    use crate::bus::{BusEvent, Topic};
    use crate::domain::{ClientMsgId, MessageBody, StoredMessage};

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    let doorbell = |seq: i64| BusEvent::Message {
        message: StoredMessage {
            room,
            seq: Seq(seq),
            sender: a.user,
            body: MessageBody::text(format!("m{seq}")).unwrap(),
            origin: Default::default(),
            reply_to: None,
            client_msg_id: ClientMsgId::parse(format!("m{seq}")).unwrap(),
            created_at: chrono::Utc::now(),
        },
    };

    // Seq 2's doorbell overtakes seq 1's (two replicas publishing).
    deps.bus
        .publish(Topic::Room(room), &doorbell(2))
        .await
        .unwrap();
    deps.bus
        .publish(Topic::Room(room), &doorbell(1))
        .await
        .unwrap();

    let mut seqs = Vec::new();
    while seqs.len() < 2 {
        if let Outgoing::Message { seq, .. } = b.next().await {
            seqs.push(seq.0);
        }
    }
    assert_eq!(seqs, vec![1, 2]);
}

#[actix::test]
async fn an_ack_waits_until_the_partners_earlier_message_was_delivered() {
    use crate::domain::{ClientMsgId, MessageBody};
    use crate::store::NewMessage;

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    // A's message is stored as seq 1, its doorbell still on the way (it
    // never comes here).
    deps.store
        .rooms
        .append_message(NewMessage {
            room,
            sender: a.user,
            body: MessageBody::text("first".into()).unwrap(),
            origin: Default::default(),
            reply_to: None,
            client_msg_id: ClientMsgId::parse("a1".into()).unwrap(),
        })
        .await
        .unwrap();
    // B's message is stored as seq 2: B must see seq 1 before the ack for
    // seq 2, or a page resuming from "the highest seq seen" skips seq 1.
    b.cmd(ClientCommand::Send {
        body: MessageBody::text("second".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: ClientMsgId::parse("b1".into()).unwrap(),
    })
    .await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match b.next().await {
            Outgoing::Message { seq, .. } => seen.push(("message", seq.0)),
            Outgoing::Ack { seq, .. } => seen.push(("ack", seq.0)),
            _ => {}
        }
    }
    assert_eq!(seen, vec![("message", 1), ("ack", 2)]);
}

#[actix::test]
async fn the_partner_gets_the_message_as_stored() {
    use crate::domain::{ClientMsgId, MessageBody};

    let deps = core();
    let (a, mut b, room) = paired(&deps).await;
    a.cmd(ClientCommand::Send {
        body: MessageBody::text("as stored".into()).unwrap(),
        origin: Default::default(),
        reply_to: None,
        id: ClientMsgId::parse("d1".into()).unwrap(),
    })
    .await;
    let delivered = loop {
        if let Outgoing::Message { message, .. } = b.next().await {
            break message;
        }
    };
    // The doorbell's copy is the store's record, `created_at` included.
    let stored = deps
        .store
        .rooms
        .messages_after(room, Seq::ZERO, 10)
        .await
        .unwrap();
    assert_eq!(stored, vec![*delivered]);
}
