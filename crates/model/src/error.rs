use thiserror::Error;

/// Why a value could not be built. Every variant is a user error: it names what was given and why it is
/// wrong, in words a data clerk can act on.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    #[error("credit code {code:?} {reason}")]
    CreditCode { code: String, reason: String },
    #[error("unknown region {0:?}: not a Beijing, Tianjin or Hebei division code or name")]
    UnknownRegion(String),
    #[error("region name {name:?} is ambiguous: it may be {}", candidates.join(", "))]
    AmbiguousRegion { name: String, candidates: Vec<String> },
    #[error("unknown industry code {0:?} (GB/T 4754-2017)")]
    UnknownIndustry(String),
    #[error("invalid quantity: {0}")]
    Quantity(String),
    #[error("invalid chain {chain:?}: {reason}")]
    Chain { chain: String, reason: String },
    #[error("invalid identifier {value:?}: {reason}")]
    Identifier { value: String, reason: String },
    #[error("unknown segment {0:?}: expected upstream, midstream or downstream (上游/中游/下游)")]
    Segment(String),
    #[error("unknown role {0:?}: expected admin, analyst, enterprise or expert (管理员/分析员/企业/专家)")]
    Role(String),
}
