//! The change feed of a PostgreSQL store: LISTEN on the channel the triggers of migration 0004 notify
//! (`chaindock_changes`, payload `"<schema> <table>"`), keeping only this store's schema.
//!
//! Notifications are delivered after their transaction commits, so a server that hears of a write and
//! reads the store sees it. A connection lost drops what was notified meanwhile: the feed says so (`None`)
//! and reconnects on the next call.

use async_trait::async_trait;
use chaindock_store::{ChangeFeed, Changed, StoreError};
use sqlx::postgres::PgListener;

use crate::PgStore;

pub(crate) const CHANNEL: &str = "chaindock_changes";

pub(crate) struct PgChangeFeed {
    listener: PgListener,
    schema: String,
}

/// What a write to `table` touched.
pub(crate) fn changed(table: &str) -> Changed {
    match table {
        "enterprise" | "chain" | "chain_link" | "bom_edge" | "producer" | "enterprise_merge" => Changed::Registry,
        "session" => Changed::Sessions,
        "audit_log" => Changed::Audit,
        _ => Changed::Data,
    }
}

impl PgStore {
    pub(crate) async fn listen(&self) -> Result<PgChangeFeed, StoreError> {
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(self.pool())
            .await
            .map_err(|e| StoreError::other("cannot read the current schema", e))?;
        let mut listener = PgListener::connect_with(self.pool())
            .await
            .map_err(|e| StoreError::other("cannot open the change feed's connection", e))?;
        listener.listen(CHANNEL).await.map_err(|e| StoreError::other("cannot LISTEN for changes", e))?;
        Ok(PgChangeFeed { listener, schema })
    }
}

#[async_trait]
impl ChangeFeed for PgChangeFeed {
    async fn next(&mut self) -> Result<Option<Changed>, StoreError> {
        loop {
            let n = self.listener.try_recv().await.map_err(|e| StoreError::other("the change feed failed", e))?;
            let Some(n) = n else { return Ok(None) };
            if let Some((schema, table)) = n.payload().split_once(' ')
                && schema == self.schema
            {
                return Ok(Some(changed(table)));
            }
        }
    }
}
