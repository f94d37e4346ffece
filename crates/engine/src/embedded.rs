//! The data compiled into the binary: chain templates (`data/chains/*.json`) and the demo data set
//! (`data/demo/*.csv`). See `data/README.md` for their formats and sources.

use chaindock_model::Chain;
use chaindock_store::Store;

use crate::EngineError;
use crate::import::{ImportReport, SourceFile, import_files};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The chain templates, parsed and validated.
pub fn chain_templates() -> Result<Vec<Chain>, EngineError> {
    CHAIN_TEMPLATES
        .iter()
        .map(|(name, bytes)| {
            let chain: Chain =
                serde_json::from_slice(bytes).map_err(|e| EngineError::Embedded(format!("{name}: {e}")))?;
            chain.validate().map_err(|e| EngineError::Embedded(format!("{name}: {e}")))?;
            Ok(chain)
        })
        .collect()
}

/// The chain templates and demo files, as an import takes them.
pub fn demo_files() -> Vec<SourceFile> {
    CHAIN_TEMPLATES
        .iter()
        .map(|(name, bytes)| SourceFile { name: format!("data/chains/{name}"), bytes: bytes.to_vec() })
        .chain(
            DEMO_FILES
                .iter()
                .map(|(name, bytes)| SourceFile { name: format!("data/demo/{name}"), bytes: bytes.to_vec() }),
        )
        .collect()
}

/// Load the demo data set into `store` through the ordinary importer.
pub async fn load_demo(store: &dyn Store) -> Result<ImportReport, EngineError> {
    import_files(store, &demo_files(), false).await
}
