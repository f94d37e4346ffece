//! The engine: what the product does, over any [`Store`](chaindock_store::Store).
//!
//! - [`import`]: files (CSV, XLSX, JSON; UTF-8 or GBK) to a validated dataset with a row-by-row report,
//!   written in one transaction or not at all.
//! - [`embedded`]: the chain templates and demo data set compiled into the binary, loaded through the same
//!   importer as any user file.
//! - [`generate`]: a seeded generator that scales the demo's structure to a million enterprises.
//! - [`risk`]: a chain as the risk network of `chaindock-risk` (producers as nodes, inputs with their
//!   alternative suppliers, stored or default parameters).
//! - [`willems`]: Willems' (2008) real-world supply chains read from their two CSV tables and mapped to
//!   chains with risk parameters.
//! - [`analyze_chain`]: a chain's snapshot from the store, analysed for a scope by `chaindock-graph`.
//!
//! The engine does I/O only through the store trait; it never opens files or sockets itself (callers
//! hand it bytes), so the CLI and the server share it.

pub mod docking;
pub mod embedded;
pub mod exposure;
pub mod generate;
pub mod import;
pub mod risk;
pub mod search;
pub mod willems;

use chaindock_graph::{AnalysisError, AnalysisOptions, ChainAnalysis};
use chaindock_model::{ChainId, ModelError, Scope};
use chaindock_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("the embedded data is broken: {0}")]
    Embedded(String),
    /// A request the engine cannot carry out as asked; the message says why.
    #[error("{0}")]
    Invalid(String),
}

/// The panorama and three lists of one chain in one scope.
pub async fn analyze_chain(
    store: &dyn Store,
    chain: &ChainId,
    scope: &Scope,
    options: &AnalysisOptions,
) -> Result<ChainAnalysis, EngineError> {
    let snap = store.chain_snapshot(chain).await?;
    Ok(chaindock_graph::analyze(&snap, scope, options)?)
}
