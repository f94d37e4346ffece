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

/// The demo's docking story (`data/demo/docking.json`): demands and offers with dates relative to
/// `today`, written through the store like any user's. Does nothing when the store holds demands already.
pub async fn load_demo_docking(store: &dyn Store, today: chrono::NaiveDate) -> Result<usize, EngineError> {
    use chaindock_model::{CreditCode, Demand, DemandStatus, Offer};
    use chaindock_store::{DemandQuery, NewAudit};

    #[derive(serde::Deserialize)]
    struct DemoDemand {
        buyer: String,
        product: String,
        quantity: String,
        due_in_days: u64,
        deliver_to: String,
        priority: u8,
        excluded_regions: Vec<String>,
        note: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct DemoOffer {
        supplier: String,
        product: String,
        quantity: u64,
        from_in_days: u64,
        until_in_days: u64,
        unit_price: f64,
        lead_time_days: u32,
    }
    #[derive(serde::Deserialize)]
    struct Story {
        demands: Vec<DemoDemand>,
        offers: Vec<DemoOffer>,
    }
    if !store.demands(&DemandQuery::default()).await?.is_empty() {
        return Ok(0);
    }
    let bad = |e: String| EngineError::Embedded(format!("data/demo/docking.json: {e}"));
    let story: Story =
        serde_json::from_str(include_str!("../../../data/demo/docking.json")).map_err(|e| bad(e.to_string()))?;
    let mut chains = Vec::new();
    for c in store.chains().await? {
        chains.push(store.chain(&c.id).await?);
    }
    let audit = |action: &str| NewAudit {
        username: Some("demo".into()),
        action: action.into(),
        target: "demo".into(),
        detail: serde_json::json!({}),
    };
    let days = |n: u64| today + chrono::Days::new(n);
    for o in &story.offers {
        let (chain, link) = crate::docking::resolve_product(&chains, &o.product)?;
        let unit = chains.iter().find(|c| c.id == chain).and_then(|c| c.link(&link)).map(|l| l.unit.clone());
        let offer = Offer {
            id: 0,
            supplier: CreditCode::parse(&o.supplier)?,
            chain,
            link,
            quantity: o.quantity,
            unit: unit.ok_or_else(|| bad(format!("no link {}", o.product)))?,
            available_from: days(o.from_in_days),
            available_until: days(o.until_in_days),
            unit_price: o.unit_price,
            lead_time_days: o.lead_time_days,
        };
        store.create_offer(&offer, &audit("offer.create")).await?;
    }
    for d in &story.demands {
        let (chain, link) = crate::docking::resolve_product(&chains, &d.product)?;
        let l = chains.iter().find(|c| c.id == chain).and_then(|c| c.link(&link)).cloned();
        let l = l.ok_or_else(|| bad(format!("no link {}", d.product)))?;
        let demand = Demand {
            id: 0,
            buyer: CreditCode::parse(&d.buyer)?,
            chain,
            link,
            product: l.name.clone(),
            quantity: crate::docking::parse_quantity_in(&d.quantity, &l.unit).map_err(bad)?,
            unit: l.unit.clone(),
            due: days(d.due_in_days),
            created: today,
            delivery_region: crate::import::parse_region(&d.deliver_to)?,
            certifications: Vec::new(),
            excluded_suppliers: Vec::new(),
            excluded_regions: d
                .excluded_regions
                .iter()
                .map(|r| crate::import::parse_region(r))
                .collect::<Result<_, _>>()?,
            priority: d.priority,
            status: DemandStatus::Open,
            note: d.note.clone(),
        };
        store.create_demand(&demand, &audit("demand.create")).await?;
    }
    Ok(story.demands.len())
}
