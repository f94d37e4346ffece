//! Risk parameters of a production site (风险参数), as a user or an import sets them.

use crate::{ChainId, CreditCode, LinkId};

/// The risk parameters set for one production site: an enterprise making a link of a chain (a producer).
/// Every parameter is optional; `None` means "the documented default" (see `chaindock_engine::risk`),
/// which is derived from the producer's capacity, the chain's BOM and the link's segment. The capacity
/// rate `c` is not here: it is the producer's `capacity_per_day`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RiskParameters {
    pub enterprise: CreditCode,
    pub chain: ChainId,
    pub link: LinkId,
    /// Profit (or weight) per unit of a finished product lost; 1 counts lost units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<f64>,
    /// Demand rate per day, in the link's unit; counts only for finished products.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<f64>,
    /// Inventory on hand, in the link's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<f64>,
    /// Time to recover after the site is lost, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttr: Option<f64>,
    /// Whether the link is a finished product of this site (the set V whose lost units count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<bool>,
}

impl RiskParameters {
    /// Parameters of a site with nothing set.
    pub fn new(enterprise: CreditCode, chain: ChainId, link: LinkId) -> Self {
        Self { enterprise, chain, link, f: None, d: None, s: None, ttr: None, product: None }
    }

    /// The numbers that are set, by name, in the order f, d, s, ttr.
    pub fn numbers(&self) -> [(&'static str, Option<f64>); 4] {
        [("f", self.f), ("d", self.d), ("s", self.s), ("ttr", self.ttr)]
    }

    /// The first number set to something negative or not finite, with its name and value: every
    /// parameter is a finite number ≥ 0.
    pub fn bad_number(&self) -> Option<(&'static str, f64)> {
        self.numbers().into_iter().find_map(|(name, v)| v.filter(|v| !(v.is_finite() && *v >= 0.0)).map(|v| (name, v)))
    }

    /// True when nothing is set (every parameter takes its default).
    pub fn is_empty(&self) -> bool {
        self.numbers().iter().all(|(_, v)| v.is_none()) && self.product.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> RiskParameters {
        RiskParameters::new(
            CreditCode::from_body("91130200MA0000001").unwrap(),
            ChainId::parse("auto").unwrap(),
            LinkId::parse("steel").unwrap(),
        )
    }

    #[test]
    fn bad_numbers_are_named() {
        assert_eq!(params().bad_number(), None);
        assert!(params().is_empty());
        let p = RiskParameters { d: Some(3.0), ttr: Some(-1.0), ..params() };
        assert_eq!(p.bad_number(), Some(("ttr", -1.0)));
        assert!(!p.is_empty());
        let p = RiskParameters { s: Some(f64::INFINITY), ..params() };
        assert_eq!(p.bad_number().map(|(n, _)| n), Some("s"));
        let p = RiskParameters { f: Some(f64::NAN), ..params() };
        assert_eq!(p.bad_number().map(|(n, _)| n), Some("f"));
        assert!(!RiskParameters { product: Some(false), ..params() }.is_empty());
    }

    #[test]
    fn unset_parameters_are_left_out_of_json() {
        let p = RiskParameters { ttr: Some(5.0), ..params() };
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json.as_object().unwrap().len(), 4, "{json}");
        let back: RiskParameters = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }
}
