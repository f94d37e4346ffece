//! The PostgreSQL backend of [`Store`]: the shared store for deployments that outgrow one SQLite file
//! (many departments, several server processes on one database).
//!
//! It speaks to PostgreSQL through sqlx with runtime-checked queries only (`sqlx::query`, never the
//! macros), so that building it needs no database and no SQL of another backend sneaks in. The schema is
//! the numbered SQL files in `migrations/`, compiled into the binary and applied by sqlx's migrator at
//! [`PgStore::connect`] (recorded in `_sqlx_migrations`; a database that has migrations this build does
//! not know is refused).
//!
//! The one idea to know: **every method is one transaction with the semantics of the SQLite backend**, and
//! the same contract suite holds both to them. Where SQLite serialises writers with `BEGIN IMMEDIATE`,
//! this backend locks what a write depends on: an import or a merge takes one transaction-level advisory
//! lock (they rewrite many rows; two at once would only deadlock), a hand edit locks the enterprise's row,
//! and every docking write locks its demand's row before it reads the demand's requests. Bulk imports go
//! through `COPY … FROM STDIN` into temporary tables, are checked there with a few joins (the first bad
//! row is reported, as SQLite reports it) and upserted from there, all in the import's transaction.
//!
//! Tests get a schema of their own per store ([`testing::fresh_store`]): `CREATE SCHEMA t_…` and a pool
//! whose connections start with that `search_path`, dropped again with the guard.
//!
//! Architecture Invariant: all SQL of this backend is in this crate; nothing here knows HTTP or the CLI.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chaindock_model::{
    AllocationRequest, ChainId, ChainSnapshot, CreditCode, Dataset, Delivery, Demand, Enterprise, LinkId, ModelError,
    Offer, RegionCode, RiskParameters,
};
use chaindock_store::{
    AuditEntry, ChainInfo, DemandQuery, EnterpriseQuery, EnterpriseRecord, ImportCounts, MergeRecord, NewAudit,
    NewRequest, NewUser, Page, RequestQuery, Session, Stats, Store, StoreError, SupplierRecord, User,
};
use chrono::NaiveDate;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Row, SqlSafeStr};

mod accounts;
mod archive;
mod changes;
mod copy;
mod docking;
mod registry;
mod risk;
pub mod testing;

/// The schema: version, description, SQL. Applied in order by sqlx's migrator.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "registry", include_str!("../migrations/0001_registry.sql")),
    (2, "accounts", include_str!("../migrations/0002_accounts.sql")),
    (3, "docking", include_str!("../migrations/0003_docking.sql")),
    (4, "change feed", include_str!("../migrations/0004_change_feed.sql")),
    (5, "risk", include_str!("../migrations/0005_risk.sql")),
];

/// Connections a store keeps open at most. A server process does a few queries at a time per request on a
/// two-core machine; more connections would only queue inside PostgreSQL.
pub const DEFAULT_POOL_SIZE: u32 = 8;

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect(),
    )
}

fn migrate_error(e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Invalid(format!(
            "the database has migration {v} applied, which this chaindock does not know (it knows {}); upgrade chaindock",
            MIGRATIONS.len()
        )),
        MigrateError::VersionMismatch(v) => StoreError::Invalid(format!(
            "migration {v} applied to the database differs from this chaindock's; the schema was changed by hand"
        )),
        MigrateError::Dirty(v) => {
            StoreError::Invalid(format!("migration {v} failed part-way earlier; repair the database by hand"))
        }
        other => StoreError::other("cannot migrate the PostgreSQL schema", other),
    }
}

/// A database error as the store's error: constraint violations and bad values are the caller's doing
/// (`Conflict`, `Invalid`), a lost race is a `Conflict` worth retrying, anything else is ours (`Other`).
/// Methods check what the contract names explicitly; this mapping covers races and what slips past.
pub(crate) fn classify(context: &str, e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
        let says = d.message().to_string();
        match code.as_str() {
            // unique_violation, foreign_key_violation
            "23505" | "23503" => return StoreError::Conflict(format!("{context}: {says}")),
            // check_violation, not_null_violation, and the data exceptions (bad text, out of range)
            "23514" | "23502" => return StoreError::Invalid(format!("{context}: {says}")),
            c if c.starts_with("22") => return StoreError::Invalid(format!("{context}: {says}")),
            // serialization_failure, deadlock_detected
            "40001" | "40P01" => {
                return StoreError::Conflict(format!("{context}: a concurrent write got in the way; try again"));
            }
            _ => {}
        }
    }
    StoreError::other(context, e)
}

pub(crate) fn db_err(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| classify(context, e)
}

pub(crate) fn invalid(e: ModelError) -> StoreError {
    StoreError::Invalid(format!("stored data: {e}"))
}

/// Column `i` of `row`, or an error saying which column could not be read.
pub(crate) fn col<'r, T>(row: &'r PgRow, i: usize) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i).map_err(|e| StoreError::other("cannot read a column", e))
}

/// A stored count as the model's unsigned one (the columns are CHECKed positive).
pub(crate) fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// A region code as the INTEGER column holds it (codes are six digits, far inside `i32`).
pub(crate) fn region_int(code: chaindock_model::RegionCode) -> i32 {
    code.as_u32() as i32
}

pub(crate) fn parse_region(n: i32) -> Result<chaindock_model::RegionCode, StoreError> {
    chaindock_model::RegionCode::parse(&n.to_string()).map_err(invalid)
}

/// The SQL that formats a `timestamptz` column as RFC 3339 in UTC to the second (`2025-03-01T08:00:00Z`),
/// the form the SQLite backend stores.
pub(crate) fn utc_seconds(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
}

/// The key of the advisory lock that imports and merges hold for their whole transaction.
pub(crate) const REGISTRY_LOCK: i64 = 0x6368_6169_6e64_6f63; // "chaindoc"

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connect to the database a `postgres://` or `postgresql://` URL names and bring its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Invalid(format!("{} is not a usable PostgreSQL URL: {e}", redact(url))))?;
        Self::connect_with(options, DEFAULT_POOL_SIZE).await
    }

    /// Connect with `options` (a `search_path` among them, for instance) and at most `pool_size`
    /// connections, and bring the schema up to date.
    pub async fn connect_with(options: PgConnectOptions, pool_size: u32) -> Result<Self, StoreError> {
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        );
        let pool = PgPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::other(format!("cannot connect to PostgreSQL at {target}"), e))?;
        migrator().run(&pool).await.map_err(migrate_error)?;
        Ok(Self { pool })
    }

    /// The connection pool, for what lives beside the store on the same database (a change feed).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The number of migrations this build knows (and has applied to every database it opened).
    pub fn schema_version() -> i64 {
        MIGRATIONS.len() as i64
    }
}

/// `url` with its password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[async_trait]
impl Store for PgStore {
    async fn change_feed(&self) -> Result<Option<Box<dyn chaindock_store::ChangeFeed>>, StoreError> {
        Ok(Some(Box::new(self.listen().await?)))
    }

    async fn import(&self, data: &Dataset) -> Result<ImportCounts, StoreError> {
        registry::import(&self.pool, data).await
    }

    async fn chains(&self) -> Result<Vec<ChainInfo>, StoreError> {
        registry::chains(&self.pool).await
    }

    async fn chain(&self, id: &ChainId) -> Result<chaindock_model::Chain, StoreError> {
        let mut c = self.pool.acquire().await.map_err(db_err("cannot reach the database"))?;
        registry::read_chain(&mut c, id).await
    }

    async fn chain_snapshot(&self, id: &ChainId) -> Result<ChainSnapshot, StoreError> {
        registry::read_snapshot(&self.pool, id).await
    }

    async fn enterprise(&self, code: &CreditCode) -> Result<Enterprise, StoreError> {
        registry::enterprise(&self.pool, code).await
    }

    async fn enterprises(&self, query: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError> {
        registry::enterprises(&self.pool, query).await
    }

    async fn existing_enterprises(&self, codes: &[CreditCode]) -> Result<HashSet<CreditCode>, StoreError> {
        registry::existing_enterprises(&self.pool, codes).await
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        registry::stats(&self.pool).await
    }

    async fn merge_enterprises(&self, keep: &CreditCode, remove: &CreditCode, reason: &str) -> Result<(), StoreError> {
        registry::merge_into(&self.pool, keep, remove, reason).await
    }

    async fn merges(&self, code: &CreditCode) -> Result<Vec<MergeRecord>, StoreError> {
        registry::merges(&self.pool, code).await
    }

    async fn create_user(&self, user: &NewUser) -> Result<User, StoreError> {
        accounts::create_user(&self.pool, user).await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let mut c = self.pool.acquire().await.map_err(db_err("cannot reach the database"))?;
        accounts::user_by_name(&mut c, username).await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        accounts::users(&self.pool).await
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<(), StoreError> {
        accounts::set_password(&self.pool, username, password_hash).await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        accounts::create_session(&self.pool, session).await
    }

    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>, StoreError> {
        accounts::session(&self.pool, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        accounts::delete_session(&self.pool, token_hash).await
    }

    async fn append_audit(&self, entry: &NewAudit) -> Result<(), StoreError> {
        let mut c = self.pool.acquire().await.map_err(db_err("cannot reach the database"))?;
        accounts::append_audit(&mut c, entry).await
    }

    async fn audit(&self, limit: u64) -> Result<Vec<AuditEntry>, StoreError> {
        accounts::audit(&self.pool, limit).await
    }

    async fn enterprise_record(&self, code: &CreditCode) -> Result<EnterpriseRecord, StoreError> {
        accounts::enterprise_record(&self.pool, code).await
    }

    async fn create_enterprise(&self, e: &Enterprise, audit: &NewAudit) -> Result<EnterpriseRecord, StoreError> {
        accounts::create_enterprise(&self.pool, e, audit).await
    }

    async fn update_enterprise(
        &self,
        e: &Enterprise,
        expected_version: i64,
        audit: &NewAudit,
    ) -> Result<EnterpriseRecord, StoreError> {
        accounts::update_enterprise(&self.pool, e, expected_version, audit).await
    }

    async fn create_demand(&self, d: &Demand, audit: &NewAudit) -> Result<Demand, StoreError> {
        docking::create_demand(&self.pool, d, audit).await
    }

    async fn demand(&self, id: i64) -> Result<Demand, StoreError> {
        let mut c = self.pool.acquire().await.map_err(db_err("cannot reach the database"))?;
        docking::read_demand(&mut c, id).await
    }

    async fn demands(&self, q: &DemandQuery) -> Result<Vec<Demand>, StoreError> {
        docking::demands(&self.pool, q).await
    }

    async fn cancel_demand(&self, id: i64, audit: &NewAudit) -> Result<Demand, StoreError> {
        docking::cancel_demand(&self.pool, id, audit).await
    }

    async fn create_offer(&self, o: &Offer, audit: &NewAudit) -> Result<Offer, StoreError> {
        docking::create_offer(&self.pool, o, audit).await
    }

    async fn offers(&self, chain: Option<&ChainId>, link: Option<&LinkId>) -> Result<Vec<Offer>, StoreError> {
        docking::offers(&self.pool, chain, link).await
    }

    async fn send_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError> {
        docking::send_requests(&self.pool, demand, requests, audit).await
    }

    async fn add_requests(
        &self,
        demand: i64,
        requests: &[NewRequest],
        audit: &NewAudit,
    ) -> Result<Vec<AllocationRequest>, StoreError> {
        docking::add_requests(&self.pool, demand, requests, audit).await
    }

    async fn exclude_regions(
        &self,
        demand: i64,
        regions: &[RegionCode],
        audit: &NewAudit,
    ) -> Result<Demand, StoreError> {
        docking::exclude_regions(&self.pool, demand, regions, audit).await
    }

    async fn requests(&self, q: &RequestQuery) -> Result<Vec<AllocationRequest>, StoreError> {
        docking::requests(&self.pool, q).await
    }

    async fn respond_request(
        &self,
        id: i64,
        accept: bool,
        reason: Option<&str>,
        audit: &NewAudit,
    ) -> Result<AllocationRequest, StoreError> {
        docking::respond_request(&self.pool, id, accept, reason, audit).await
    }

    async fn record_delivery(
        &self,
        request: i64,
        quantity: u64,
        on: NaiveDate,
        audit: &NewAudit,
    ) -> Result<Delivery, StoreError> {
        docking::record_delivery(&self.pool, request, quantity, on, audit).await
    }

    async fn supplier_records(&self) -> Result<HashMap<CreditCode, SupplierRecord>, StoreError> {
        docking::supplier_records(&self.pool).await
    }

    async fn risk_parameters(&self, chain: &ChainId) -> Result<Vec<RiskParameters>, StoreError> {
        risk::read_risk(&self.pool, chain).await
    }

    async fn set_risk_parameters(&self, params: &[RiskParameters], audit: &NewAudit) -> Result<(), StoreError> {
        risk::set_risk(&self.pool, params, audit).await
    }
    async fn export_archive(
        &self,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<chaindock_store::archive::Header, StoreError> {
        archive::export(&self.pool, out).await
    }

    async fn restore_archive(
        &self,
        input: &mut (dyn std::io::BufRead + Send),
    ) -> Result<chaindock_store::archive::Header, StoreError> {
        archive::restore(&self.pool, input).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    chaindock_store::contract_tests!(crate::testing::fresh_store);
    chaindock_store::risk_contract_tests!(crate::testing::fresh_store);
    chaindock_store::archive_contract_tests!(crate::testing::fresh_store);

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:secret@db:5432/x?sslmode=require"),
            "postgres://u:***@db:5432/x?sslmode=require"
        );
        assert_eq!(redact("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(redact("postgresql://db/x"), "postgresql://db/x");
        assert_eq!(redact("postgres://u:p@w@db/x"), "postgres://u:***@db/x");
    }

    #[tokio::test]
    async fn a_database_with_an_unknown_migration_is_refused() {
        let (store, guard) = testing::fresh_store().await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99, 'from the future', true, '\\x00', 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let err = PgStore::connect_with(guard.options(), 1).await.err().expect("refused");
        assert!(err.to_string().contains("upgrade chaindock"), "{err}");
    }

    #[tokio::test]
    async fn connecting_twice_migrates_once() {
        let (store, guard) = testing::fresh_store().await;
        let again = PgStore::connect_with(guard.options(), 1).await.expect("second connect");
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(again.pool()).await.unwrap();
        assert_eq!(applied, PgStore::schema_version());
        drop(store);
    }
}
