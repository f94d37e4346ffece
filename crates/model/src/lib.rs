//! The domain of chaindock, as plain data.
//!
//! Everything the other crates talk about is declared here: enterprises with their unified social credit
//! code ([`CreditCode`]), the administrative divisions they sit in ([`RegionCode`], [`Scope`]), industry
//! codes ([`IndustryCode`]), industrial chains ([`Chain`]) made of links joined by bill-of-material edges
//! ([`BomEdge`]), who makes which link with how much capacity ([`Producer`]), who supplies whom
//! ([`SupplyRelation`]), the risk parameters a producer may carry ([`RiskParameters`]), the unit of import, a
//! [`Dataset`], and the [`Role`]s of the platform's accounts.
//!
//! The one idea to know: **a value of these types is valid by construction.** A `CreditCode` can only be
//! built from a code whose GB 32100-2015 check character is right, a `RegionCode` only from a code in the
//! embedded division table, a `Quantity` always carries its unit. Code that holds one never checks again.
//!
//! This crate does no I/O: the reference tables (GB/T 2260 divisions of Beijing, Tianjin and Hebei, GB/T
//! 4754-2017 industry codes) are compiled in from `data/` (sources in `data/SOURCES.md`).

mod account;
mod chain;
mod credit;
mod dataset;
mod docking;
mod enterprise;
mod error;
mod industry;
#[cfg(feature = "openapi")]
mod openapi;
mod quantity;
mod region;
mod risk;
mod snapshot;

pub use account::Role;
pub use chain::{BomEdge, Chain, ChainId, ChainLink, LinkId, Segment};
pub use credit::CreditCode;
pub use dataset::{Dataset, Producer, SupplyRelation};
pub use docking::{AllocationRequest, Delivery, Demand, DemandStatus, Offer, RequestStatus, demand_status};
pub use enterprise::{Enterprise, GeoPoint};
pub use error::ModelError;
pub use industry::{IndustryClass, IndustryCode};
pub use quantity::{Quantity, Unit};
pub use region::{Region, RegionCode, RegionLevel, Scope};
pub use risk::RiskParameters;
pub use snapshot::{ChainSnapshot, EnterpriseBrief, ProducerRow, SupplyRow};
