use crate::{Chain, ChainId, CreditCode, Enterprise, LinkId, Quantity, RiskParameters};

/// An enterprise makes a link of a chain, with a daily capacity in the link's unit (生产能力).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Producer {
    pub enterprise: CreditCode,
    pub chain: ChainId,
    pub link: LinkId,
    pub capacity_per_day: Quantity,
    #[serde(default)]
    pub illustrative: bool,
}

/// A supplier delivers a link of a chain to a buyer; `share` is the part of the buyer's need of that
/// link it covers, in (0, 1].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SupplyRelation {
    pub supplier: CreditCode,
    pub buyer: CreditCode,
    pub chain: ChainId,
    pub link: LinkId,
    pub share: f64,
    #[serde(default)]
    pub illustrative: bool,
}

/// What one import brings: any mix of enterprises, chains, producers, supply relations and risk parameters
/// of producers. It is stored whole or not at all.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dataset {
    #[serde(default)]
    pub enterprises: Vec<Enterprise>,
    #[serde(default)]
    pub chains: Vec<Chain>,
    #[serde(default)]
    pub producers: Vec<Producer>,
    #[serde(default)]
    pub supply: Vec<SupplyRelation>,
    /// Risk parameters of producers in this import or already stored; each row replaces what is stored
    /// for its producer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk: Vec<RiskParameters>,
}

impl Dataset {
    pub fn is_empty(&self) -> bool {
        self.enterprises.is_empty()
            && self.chains.is_empty()
            && self.producers.is_empty()
            && self.supply.is_empty()
            && self.risk.is_empty()
    }

    pub fn len(&self) -> usize {
        self.enterprises.len() + self.chains.len() + self.producers.len() + self.supply.len() + self.risk.len()
    }

    pub fn extend(&mut self, other: Dataset) {
        self.enterprises.extend(other.enterprises);
        self.chains.extend(other.chains);
        self.producers.extend(other.producers);
        self.supply.extend(other.supply);
        self.risk.extend(other.risk);
    }
}
