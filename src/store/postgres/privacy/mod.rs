//! Data protection on PostgreSQL: export everything about one person
//! (`export.rs`), erase them (`erase.rs`), and retention (`retention.rs`).

mod erase;
mod export;
mod retention;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;

use super::{PgStore, db_error, with_conn};
use crate::domain::UserId;
use crate::store::{Privacy, StoreError};

#[async_trait]
impl Privacy for PgStore {
    async fn purge_expired(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        retention::purge_expired(self, cutoff).await
    }

    async fn export_user(
        &self,
        user: UserId,
        by: &str,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        // One snapshot (repeatable read) for the whole document, and the
        // audit entry in the same transaction: no export goes unrecorded.
        let stored = with_conn!(self.checkout(), |conn| async move {
            conn.build_transaction()
                .repeatable_read()
                .run(async |conn| {
                    let stored = export::read(conn, user).await?;
                    if stored.is_some() {
                        PgStore::audit_export(conn, user, by).await?;
                    }
                    Ok::<_, diesel::result::Error>(stored)
                })
                .await
                .map_err(db_error)
        })?;
        stored
            .map(|s| {
                let doc = export::build(user, s)?;
                serde_json::to_value(doc).map_err(|e| StoreError::Internal(e.to_string()))
            })
            .transpose()
    }

    async fn delete_user(&self, user: UserId, by: &str) -> Result<bool, StoreError> {
        with_conn!(self.checkout(), |conn| async move {
            conn.transaction(async |conn| {
                let erased = erase::erase(conn, user).await?;
                if erased {
                    PgStore::audit_delete(conn, user, by).await?;
                }
                Ok::<_, diesel::result::Error>(erased)
            })
            .await
            .map_err(db_error)
        })
    }
}
