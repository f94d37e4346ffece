use crate::{Chain, CreditCode, RegionCode};

/// What the registry knows about one enterprise that an analysis needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnterpriseBrief {
    pub credit_code: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub leading: bool,
    pub specialised: bool,
}

/// An enterprise (by position in [`ChainSnapshot::enterprises`]) making a link (by position in the
/// chain's links) with a daily capacity in the link's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProducerRow {
    pub enterprise: u32,
    pub link: u32,
    pub capacity: f64,
}

/// A supplier delivering a link to a buyer, both by position in [`ChainSnapshot::enterprises`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SupplyRow {
    pub supplier: u32,
    pub buyer: u32,
    pub link: u32,
    pub share: f64,
}

/// One chain with everyone who makes or trades its links, in a compact, indexed form: the store builds
/// it, the analysis reads it. At a million enterprises a chain's snapshot holds its producers and supply
/// relations as plain numbers, so that memory stays proportional to rows, not to strings.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainSnapshot {
    pub chain: Chain,
    pub enterprises: Vec<EnterpriseBrief>,
    pub producers: Vec<ProducerRow>,
    pub supply: Vec<SupplyRow>,
}
