//! The room lifecycle's one ending: every way a room ends (next, stop,
//! report, a person who did not come back, a blocked bot, a ban, a
//! deletion) goes through [`end_room`], so that the end is stored, counted
//! in `chathub_rooms_ended_total` and announced the same way each time.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::bus::{Bus, BusEvent, Topic};
use crate::domain::{EndReason, Room, RoomId, UserId};
use crate::store::{RoomLog, StoreError};

use super::Deps;

/// Rooms ended per idle sweep at most (the rest wait for the next sweep).
const IDLE_SWEEP_BATCH: usize = 200;
/// Bounds of the idle sweep's period: a quarter of the idle limit, so a
/// room ends at most a quarter late, but never busier than once a second
/// nor lazier than every 30 s.
const IDLE_SWEEP_MIN: Duration = Duration::from_secs(1);
const IDLE_SWEEP_MAX: Duration = Duration::from_secs(30);

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
    announce(bus, room, by, reason).await;
    Ok(Some(ended))
}

/// Ends every room in which nobody wrote for `idle` (reason `idle`), on
/// whichever replica sweeps first: the store ends each room for one caller
/// only, and that caller counts and rings it as [`end_room`] does. Returns
/// how many rooms this call ended.
pub async fn end_idle_rooms(
    rooms: &dyn RoomLog,
    bus: &dyn Bus,
    idle: Duration,
) -> Result<usize, StoreError> {
    let ended = rooms.end_idle_rooms(idle, IDLE_SWEEP_BATCH).await?;
    for room in &ended {
        tracing::info!(room = %room.id, "room ended: idle");
        announce(bus, room.id, None, EndReason::Idle).await;
    }
    Ok(ended.len())
}

/// Counts a room end this replica stored and rings the room.
async fn announce(bus: &dyn Bus, room: RoomId, by: Option<UserId>, reason: EndReason) {
    metrics::counter!(crate::telemetry::metric::ROOMS_ENDED, "reason" => reason.as_str())
        .increment(1);
    let event = BusEvent::RoomEnded { room, by, reason };
    // The room is over either way; a lost doorbell is found by the
    // participants' periodic sync, so a publish failure is only logged.
    if let Err(e) = bus.publish(Topic::Room(room), &event).await {
        tracing::warn!(room = %room, error = %e, "room end not announced");
    }
}

/// Runs the idle sweep of `CHATHUB_ROOM_IDLE_SECS` on this replica until
/// the task is aborted. Every replica runs one; the store decides who ends
/// each room, so no replica owns a timer that could die with it.
pub fn spawn_idle_sweep(
    rooms: Arc<dyn RoomLog>,
    bus: Arc<dyn Bus>,
    idle: Duration,
) -> tokio::task::JoinHandle<()> {
    let period = (idle / 4).clamp(IDLE_SWEEP_MIN, IDLE_SWEEP_MAX);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Failures (store unreachable) are retried at the next tick.
            if let Err(e) = end_idle_rooms(&*rooms, &*bus, idle).await {
                tracing::warn!(error = %e, "idle room sweep failed");
            }
        }
    })
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
