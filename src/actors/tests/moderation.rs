//! Moderation reaching a live person even when the ban's own doorbell is
//! lost: the replica that stores a ban ends the person's chat itself.

use async_trait::async_trait;

use super::*;
use crate::bus::{BusError, BusEvent, Topic};
use crate::error::ChatError;
use crate::store::NewBan;

/// The in-process bus, except that every ban doorbell is lost.
struct LosesBans(Arc<MemoryBus>);

#[async_trait]
impl Bus for LosesBans {
    async fn publish(&self, topic: Topic, event: &BusEvent) -> Result<(), BusError> {
        if matches!(event, BusEvent::Banned { .. }) {
            return Ok(());
        }
        self.0.publish(topic, event).await
    }
    async fn subscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.0.subscribe(topic).await
    }
    async fn unsubscribe(&self, topic: Topic) -> Result<(), BusError> {
        self.0.unsubscribe(topic).await
    }
    async fn ping(&self) -> Result<(), BusError> {
        self.0.ping().await
    }
}

#[actix::test]
async fn a_ban_whose_doorbell_is_lost_still_ends_the_chat_and_tells_the_person() {
    // Arrange: A and B chatting on a core that loses ban doorbells.
    let deps = core_on_bus(Stores::in_memory(), |bus| Arc::new(LosesBans(bus))).0;
    let (mut a, mut b, room) = paired(&deps).await;

    // Act: a moderator bans A, who sends a message right after.
    let ban = NewBan {
        user: a.user,
        until: None,
        reason: "spam".into(),
        by: "moderator-1".into(),
    };
    crate::actors::moderation::ban(&deps, ban).await.unwrap();
    a.say("after the ban", "a1").await;

    // Assert: the message is refused, B hears the chat ended by
    // moderation, and A is told of the ban (not that they stopped).
    let stored = deps.store.rooms.messages_after(room, Seq::ZERO, 10).await;
    assert!(stored.unwrap().is_empty(), "nothing stored after the ban");
    loop {
        match b.next().await {
            Outgoing::PartnerLeft { reason, .. } => {
                assert_eq!(reason, EndReason::Moderation);
                break;
            }
            Outgoing::Message { .. } => panic!("B got a message sent after the ban"),
            _ => {}
        }
    }
    loop {
        match a.next().await {
            Outgoing::Error {
                error: ChatError::Banned { .. },
                ..
            } => break,
            Outgoing::Stopped => panic!("A was told they stopped"),
            _ => {}
        }
    }
}
