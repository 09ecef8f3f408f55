//! What happens to a person whose grace period ran out while they were in a
//! room. For most people the room ends (`disconnected`); a transport whose
//! people have no connection to lose (only the replica serving them went
//! away) can take them over instead. The Hub asks its keepers first and
//! knows nothing of any transport.

use async_trait::async_trait;

use crate::domain::UserId;

/// A transport that keeps its people when the replica serving them is gone.
#[async_trait]
pub trait Keeper: Send + Sync {
    /// Takes `user` over if they are this transport's person; `true` when
    /// taken (their room stays), `false` when they are not its concern.
    async fn keep(&self, user: UserId) -> anyhow::Result<bool>;
}
