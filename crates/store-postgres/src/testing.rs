//! Stores for tests, each in a schema of its own on the test database, so that tests run side by side
//! on one PostgreSQL without seeing each other's rows.
//!
//! The database is `TEST_DATABASE_URL`, or the local server's `test` database
//! ([`DEFAULT_TEST_DATABASE_URL`]). When it cannot be reached the test fails with a message that says so
//! and how to fix it: a skipped backend would let the suite pass with half its stories unrun.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection};

use crate::PgStore;

/// The local server's test database (trust authentication, as on the development and CI machines).
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Schemas left behind by test processes that were killed are dropped once they are this old.
const STALE_AFTER_SECS: u64 = 6 * 3600;

/// The URL tests use: `TEST_DATABASE_URL`, or [`DEFAULT_TEST_DATABASE_URL`].
pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_string())
}

/// Keeps a test schema alive; dropping it drops the schema and everything in it.
pub struct SchemaGuard {
    options: PgConnectOptions,
    schema: String,
}

impl SchemaGuard {
    /// Connection options whose connections work in this schema. They carry the schema's name as their
    /// application name, which is how the guard finds them again.
    pub fn options(&self) -> PgConnectOptions {
        self.options.clone().application_name(&self.schema).options([("search_path", self.schema.as_str())])
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which this blocks: a thread of its own with a runtime of its
        // own does the dropping. A connection of the test's pool may still hold a transaction whose rollback
        // waits for that blocked runtime (sqlx rolls back a dropped transaction lazily), and DROP SCHEMA would
        // wait for its locks forever: the test's connections are ended first. A failure leaves the schema
        // for the sweep in `fresh_schema`.
        let (options, schema) = (self.options.clone(), self.schema.clone());
        let dropped = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut c) = PgConnection::connect_with(&options).await {
                    let _ = sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                    )
                    .bind(&schema)
                    .execute(&mut c)
                    .await;
                    let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE")))
                        .execute(&mut c)
                        .await;
                    let _ = c.close().await;
                }
            });
        });
        let _ = dropped.join();
    }
}

/// A new, empty schema on the test database (and old ones of killed test runs swept away).
pub async fn fresh_schema() -> Result<SchemaGuard, String> {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let url = test_database_url();
    let shown = crate::redact(&url);
    let options =
        PgConnectOptions::from_str(&url).map_err(|e| format!("TEST_DATABASE_URL {shown} is not a usable URL: {e}"))?;
    let mut c = PgConnection::connect_with(&options).await.map_err(|e| {
        format!(
            "PostgreSQL is not reachable at {shown} ({e}). The PostgreSQL half of the tests needs it: start the \
             local server (pg_ctlcluster 15 main start) or point TEST_DATABASE_URL at a database you may create \
             schemas in"
        )
    })?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname ~ '^t_[0-9]+_[0-9]+_[0-9]+$'
           AND split_part(nspname, '_', 2)::bigint < $1",
    )
    .bind(now.saturating_sub(STALE_AFTER_SECS) as i64)
    .fetch_all(&mut c)
    .await
    .map_err(|e| format!("cannot list old test schemas: {e}"))?;
    for s in stale {
        // Another test process may be sweeping the same schema; losing that race is fine.
        let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {s} CASCADE"))).execute(&mut c).await;
    }
    // Seconds first (for the sweep), then what tells processes and tests apart.
    let schema = format!("t_{now}_{}_{}", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut c)
        .await
        .map_err(|e| format!("cannot create the test schema {schema} at {shown}: {e}"))?;
    let _ = c.close().await;
    Ok(SchemaGuard { options, schema })
}

/// A migrated store in a fresh schema, and the guard that drops the schema. Panics, saying why, when the
/// test database cannot be reached: this is for tests.
pub async fn fresh_store() -> (PgStore, SchemaGuard) {
    let guard = match fresh_schema().await {
        Ok(g) => g,
        Err(why) => panic!("{why}"),
    };
    match PgStore::connect_with(guard.options(), 4).await {
        Ok(store) => (store, guard),
        Err(e) => panic!("cannot open a store in test schema {}: {e}", guard.schema()),
    }
}
