//! The registry's full-text index (`chaindock-search`) fed from the store: every enterprise with the
//! links it makes. The server rebuilds it on start when it is missing or out of step with the store,
//! re-indexes an enterprise on every edit through it, and rebuilds after an import.

use std::collections::HashMap;

use chaindock_model::{CreditCode, Enterprise};
use chaindock_search::{EnterpriseDoc, LinkDoc, SearchIndex};
use chaindock_store::{EnterpriseQuery, Store};

use crate::EngineError;

fn search_error(e: chaindock_search::SearchError) -> EngineError {
    EngineError::Invalid(format!("search index: {e}"))
}

/// The document of one enterprise.
pub fn document(e: &Enterprise, links: Vec<LinkDoc>) -> EnterpriseDoc {
    EnterpriseDoc {
        credit_code: e.credit_code.to_string(),
        name: e.name.clone(),
        aliases: e.aliases.clone(),
        description: e.description.clone(),
        region: e.region.as_u32(),
        city: e.region.city().as_u32(),
        province: e.region.province().as_u32(),
        industry: e.industry.as_ref().map(|i| i.as_str().to_string()),
        leading: e.leading,
        specialised: e.specialised,
        lng: e.location.map(|p| p.lng),
        lat: e.location.map(|p| p.lat),
        links,
    }
}

/// Every enterprise of the store as a document: the registry page by page, the links from each chain's
/// snapshot.
pub async fn documents(store: &dyn Store) -> Result<Vec<EnterpriseDoc>, EngineError> {
    let mut links: HashMap<CreditCode, Vec<LinkDoc>> = HashMap::new();
    for c in store.chains().await? {
        let snap = store.chain_snapshot(&c.id).await?;
        for p in &snap.producers {
            let l = &snap.chain.links[p.link as usize];
            links.entry(snap.enterprises[p.enterprise as usize].credit_code.clone()).or_default().push(LinkDoc {
                chain: snap.chain.id.to_string(),
                link: l.id.to_string(),
                link_name: l.name.clone(),
                chain_name: Some(snap.chain.name.clone()),
            });
        }
    }
    let mut out = Vec::new();
    let page = 10_000;
    loop {
        let q = EnterpriseQuery { offset: out.len() as u64, limit: page, ..Default::default() };
        let items = store.enterprises(&q).await?.items;
        let n = items.len();
        out.extend(items.iter().map(|e| document(e, links.remove(&e.credit_code).unwrap_or_default())));
        if (n as u64) < page {
            break;
        }
    }
    Ok(out)
}

/// Rebuild `index` from the store; returns the documents written.
pub async fn rebuild(store: &dyn Store, index: &SearchIndex) -> Result<u64, EngineError> {
    let docs = documents(store).await?;
    index.replace_all(docs).map_err(search_error)
}

/// Re-index one enterprise after an edit.
pub async fn reindex(store: &dyn Store, index: &SearchIndex, code: &CreditCode) -> Result<(), EngineError> {
    let rec = store.enterprise_record(code).await?;
    let links = rec
        .links
        .iter()
        .map(|l| LinkDoc {
            chain: l.chain.to_string(),
            link: l.link.to_string(),
            link_name: l.link_name.clone(),
            chain_name: Some(l.chain_name.clone()),
        })
        .collect();
    index.upsert(&document(&rec.enterprise, links)).map_err(search_error)
}

/// Whether `index` should be rebuilt: empty or new, or holding a different number of enterprises than
/// the store (an import or merge by another process).
pub async fn out_of_step(store: &dyn Store, index: &SearchIndex, fresh: bool) -> Result<bool, EngineError> {
    Ok(fresh || index.doc_count() != store.stats().await?.enterprises)
}
