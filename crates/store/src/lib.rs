//! The one storage trait.
//!
//! [`Store`] is everything the engine asks of a database: write a [`Dataset`] whole or not at all, list
//! and read enterprises and chains, and hand out a chain's compact [`ChainSnapshot`] for analysis. Each
//! backend (SQLite now, PostgreSQL later) lives in its own crate with its own SQL and migrations, and
//! passes the same contract suite (`contract` feature, [`contract_tests!`]).
//!
//! The one idea to know: **an import is one transaction keyed by natural keys.** Enterprises are keyed by
//! credit code, chains by id, links by (chain, link), producers by (chain, link, enterprise) and supply
//! relations by (chain, link, supplier, buyer); writing the same dataset twice leaves the database as it
//! was after the first time.

use std::collections::HashSet;

use async_trait::async_trait;
use chaindock_model::{Chain, ChainId, ChainSnapshot, CreditCode, Dataset, Enterprise, RegionCode};

#[cfg(feature = "contract")]
pub mod contract;

/// What can go wrong in a store. `NotFound`, `Conflict` and `Invalid` are the caller's doing and carry a
/// message fit for a user; `Other` is ours (a broken connection, a full disk) and keeps its cause.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("storage failure: {message}")]
    Other {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl StoreError {
    pub fn other(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Other { message: message.into(), source: Some(Box::new(source)) }
    }
}

/// How many rows of each kind an import wrote (inserted or updated).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub enterprises: u64,
    pub chains: u64,
    pub producers: u64,
    pub supply: u64,
}

/// A chain as listed: its id and name with a few counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainInfo {
    pub id: ChainId,
    pub name: String,
    pub links: u64,
    pub producers: u64,
    pub enterprises: u64,
}

/// Filters for listing enterprises; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseQuery {
    /// Enterprises inside this division.
    pub region: Option<RegionCode>,
    /// Enterprises that make a link of this chain.
    pub chain: Option<ChainId>,
    /// Substring of the name.
    pub name_contains: Option<String>,
    pub leading: Option<bool>,
    pub specialised: Option<bool>,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Counts for the overview: rows per kind and enterprises per province-level division.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub enterprises: u64,
    pub chains: u64,
    pub producers: u64,
    pub supply: u64,
    pub enterprises_by_province: Vec<(RegionCode, u64)>,
}

/// One enterprise merged into another: the names it brought and why.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeRecord {
    pub removed_code: CreditCode,
    pub removed_name: String,
    pub removed_aliases: Vec<String>,
    pub reason: String,
    pub merged_at: String,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// Write everything in `data` in one transaction, upserting by natural keys. Producers and supply
    /// relations may refer to enterprises and chains already stored or in `data`. On any error nothing is
    /// written.
    async fn import(&self, data: &Dataset) -> Result<ImportCounts, StoreError>;

    async fn chains(&self) -> Result<Vec<ChainInfo>, StoreError>;

    async fn chain(&self, id: &ChainId) -> Result<Chain, StoreError>;

    /// The chain with all its producers and supply relations, indexed for analysis.
    async fn chain_snapshot(&self, id: &ChainId) -> Result<ChainSnapshot, StoreError>;

    async fn enterprise(&self, code: &CreditCode) -> Result<Enterprise, StoreError>;

    async fn enterprises(&self, query: &EnterpriseQuery) -> Result<Page<Enterprise>, StoreError>;

    /// Which of `codes` are stored.
    async fn existing_enterprises(&self, codes: &[CreditCode]) -> Result<HashSet<CreditCode>, StoreError>;

    async fn stats(&self) -> Result<Stats, StoreError>;

    /// Merge the enterprise `remove` into `keep` in one transaction: its producers and supply relations
    /// move to `keep` (capacities of a link both make add up; shares of one relation add up to at most 1;
    /// a relation of `keep` with itself disappears), its name and aliases become aliases of `keep`, the
    /// merge is recorded, and `remove` is deleted.
    async fn merge_enterprises(&self, keep: &CreditCode, remove: &CreditCode, reason: &str) -> Result<(), StoreError>;

    /// The enterprises merged into `code`, oldest first.
    async fn merges(&self, code: &CreditCode) -> Result<Vec<MergeRecord>, StoreError>;
}
