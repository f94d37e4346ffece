//! Risk exposure (风险暴露) of an industrial chain's nodes and the spread of disruptions.
//!
//! A [`Network`] is the chain seen as production sites: each node makes one product (an enterprise ×
//! a chain link) at a capacity rate, holds some inventory, takes a time to recover when it is lost, and
//! needs inputs, each of which one or more alternative suppliers can deliver. It is built from the
//! exported form [`NetworkFile`] (`{"nodes":[…],"edges":[…]}`), which is also what `chaindock risk
//! --export-network` writes, so that anyone can rebuild the programmes below from the file alone.
//!
//! The crate is pure: no I/O, no clock, no store.
//!
//! # The one idea
//!
//! Time-to-recover / time-to-survive (Simchi-Levi, Schmidt, Wei et al., "Identifying Risks and
//! Mitigating Disruptions in the Automotive Supply Chain", *Interfaces* 45(5):375–390, 2015): for each
//! node, a linear programme finds the least loss of finished products the rest of the network can
//! achieve while that node is out for its time to recover (the performance impact, PI), and another the
//! longest time the network can go without the node and lose nothing (the time to survive, TTS). A node
//! whose TTS is shorter than its TTR is one whose loss will be felt.

pub mod impact;
pub mod network;
pub mod scenario;

pub use impact::{Exposure, ExposureOptions, ImpactError, Loss, NodeExposure, exposure, loss};
pub use network::{EdgeSpec, Input, Network, NetworkError, NetworkFile, Node, NodeSpec, Supply};
pub use scenario::{Disruption, LossProgramme, Scenario, Window, simulate};
