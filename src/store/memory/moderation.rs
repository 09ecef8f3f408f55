//! Complaints and bans for the in-memory store.

use chrono::Utc;

use super::{BanRecord, State};
use crate::domain::{ComplaintId, ReportReason, RoomId, UserId};
use crate::store::{COMPLAINT_EVIDENCE_MESSAGES, Complaint, ComplaintStatus, NewBan, StoreError};

impl State {
    pub(super) fn file_complaint(
        &mut self,
        room: RoomId,
        reporter: UserId,
        reason: &ReportReason,
    ) -> Result<ComplaintId, StoreError> {
        let reported = self
            .rooms
            .get(&room)
            .and_then(|r| r.partner_of(reporter))
            .ok_or(StoreError::NoSuchRoom)?;
        // A retried report is the same complaint (one per reporter and room).
        if let Some(c) = self
            .complaints
            .iter()
            .find(|c| c.room == room && c.reporter == reporter)
        {
            return Ok(c.id);
        }
        let evidence = self
            .messages
            .get(&room)
            .map(|log| {
                let from = log.len().saturating_sub(COMPLAINT_EVIDENCE_MESSAGES);
                log[from..].iter().map(|m| m.message.clone()).collect()
            })
            .unwrap_or_default();
        let id = ComplaintId::new();
        self.complaints.push(Complaint {
            id,
            room,
            reporter,
            reported,
            reason: reason.as_str().to_owned(),
            status: ComplaintStatus::Open,
            evidence,
            created_at: Utc::now(),
            resolved_at: None,
        });
        Ok(id)
    }

    pub(super) fn resolve_complaint(
        &mut self,
        id: ComplaintId,
        status: ComplaintStatus,
    ) -> Result<(), StoreError> {
        let c = self
            .complaints
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(StoreError::NoSuchComplaint)?;
        // Closing is final; closing twice keeps the first resolution.
        if status != ComplaintStatus::Open && c.status == ComplaintStatus::Open {
            c.status = status;
            c.resolved_at = Some(Utc::now());
        }
        Ok(())
    }

    pub(super) fn ban(&mut self, ban: NewBan) -> Result<(), StoreError> {
        if !self.users.contains_key(&ban.user) {
            return Err(StoreError::NoSuchUser);
        }
        self.bans.push(BanRecord {
            ban,
            created_at: Utc::now(),
        });
        Ok(())
    }
}
