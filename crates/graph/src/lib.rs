//! Chain analysis: the panorama of a chain in a scope, and where it breaks.
//!
//! [`analyze`] takes a [`ChainSnapshot`] (a chain, its producers and supply relations, as plain data) and a
//! [`Scope`] (河北, 京津冀, a city) and returns a [`ChainAnalysis`]: for each link the producers in and out
//! of scope, capacity and BOM-derived demand in scope, concentration, leading enterprises and where its
//! supply comes from; and the department's three lists — chokepoints to tackle (卡点), gaps to fill by
//! recruiting (堵点招商) and key enterprises (重点企业).
//!
//! The one idea to know: **demand flows upstream through the bill of materials.** What a scope needs of a
//! link is what its downstream producers would consume running at full capacity, and, where a downstream
//! link is itself short, what making up that shortfall would consume too (see [`demand`]).
//!
//! This crate is pure: no I/O, no clock, no store. Everything is tested with data alone, and every
//! figure is checked against a brute-force computation on random chains.

mod analysis;

pub use analysis::{
    AnalysisError, AnalysisOptions, BottleneckReason, ChainAnalysis, ChainSummary, Finding, Gap, GapCandidate,
    KeyEnterprise, LinkReport, LinkStatus, PreparedChain, ProducerEntry, RegionCapacity, SourceShare, analyze, demand,
};
