//! Complaints with their evidence snapshot (filing and closing live with
//! the rest of moderation).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::models::ComplaintRow;
use super::schema::complaints;
use super::{PgStore, db_error, with_conn};
use crate::domain::ComplaintId;
use crate::store::{Complaint, StoreError};

impl PgStore {
    pub(super) async fn complaint_impl(
        &self,
        id: ComplaintId,
    ) -> Result<Option<Complaint>, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            complaints::table
                .find(id.0)
                .select(ComplaintRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(db_error)?
                .map(Complaint::try_from)
                .transpose()
        })
    }
}
