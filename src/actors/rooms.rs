//! The room lifecycle's one ending: every way a room ends (next, stop,
//! report, a person who did not come back, a blocked bot, a ban, a
//! deletion) goes through [`end_room`], so that the end is stored, counted
//! in `chathub_rooms_ended_total` and announced the same way each time.

use std::future::Future;

use crate::bus::{Bus, BusEvent, Topic};
use crate::domain::{EndReason, Room, RoomId, UserId};
use crate::store::{RoomLog, StoreError};

use super::Deps;

/// Ends `room` in the store; if this call ended it (the store lets exactly
/// one caller do so, on any replica), counts it once under `reason` and
/// rings the room so both participants hear it. Returns the ended room, or
/// `None` if it had already ended.
pub async fn end_room(
    rooms: &dyn RoomLog,
    bus: &dyn Bus,
    room: RoomId,
    by: Option<UserId>,
    reason: EndReason,
) -> Result<Option<Room>, StoreError> {
    let Some(ended) = rooms.end_room(room, by, reason).await? else {
        return Ok(None);
    };
    metrics::counter!(crate::telemetry::metric::ROOMS_ENDED, "reason" => reason.as_str())
        .increment(1);
    let event = BusEvent::RoomEnded { room, by, reason };
    // The room is over either way; a lost doorbell is found by the
    // participants' periodic sync, so a publish failure is only logged.
    if let Err(e) = bus.publish(Topic::Room(room), &event).await {
        tracing::warn!(room = %room, error = %e, "room end not announced");
    }
    Ok(Some(ended))
}

impl Deps {
    /// [`end_room`] with this replica's store and bus, as a future that
    /// owns what it needs (for actor contexts and spawned tasks).
    pub fn end_room(
        &self,
        room: RoomId,
        by: Option<UserId>,
        reason: EndReason,
    ) -> impl Future<Output = Result<Option<Room>, StoreError>> + 'static {
        let (rooms, bus) = (self.store.rooms.clone(), self.bus.clone());
        async move { end_room(&*rooms, &*bus, room, by, reason).await }
    }
}
