//! The risk network of a chain, built from the store (issue 6, part 1).
//!
//! [`network_from_store`] turns one chain of the registry into the exported form of `chaindock-risk`
//! ([`NetworkFile`]), the input of the time-to-recover / time-to-survive programmes.
//!
//! # Nodes
//!
//! A node is a producer: an enterprise E making a link O of the chain, with id `E:O` (credit code, a
//! colon, link id), `enterprise`, `link`, `name` (`enterprise name · link name`) and `region` (the
//! enterprise's division code) filled in. Nodes are listed by the link's position in the chain, then by
//! credit code.
//!
//! # Inputs and their alternative suppliers
//!
//! The inputs of node (E, O) are the BOM inputs L of O, each named by its link id, with `r` = the BOM
//! quantity (units of L per unit of O). The alternative suppliers of input L are
//!
//! - (E, L) itself when E makes L (vertical integration), and
//! - every producer (S, L) with a supply relation S → E for L in the chain.
//!
//! A supply relation's share is not used: the programme lets any alternative supplier cover the whole
//! need while it has capacity. A supply relation whose supplier does not make the link, or whose buyer makes
//! nothing the link goes into, names no edge and is skipped (counted in [`ChainNetwork::skipped_supply`]).
//!
//! A BOM input nobody in the registry supplies to the node is supplied from outside the modelled region:
//! it is left out of the programme (the node is not held back by it) and listed in
//! [`ChainNetwork::outside`]; [`ChainNetwork::warnings`] words them as one line per input link.
//!
//! # Parameters and their defaults
//!
//! Parameters stored for the producer ([`RiskParameters`], set by hand or by an import) override these
//! defaults one by one:
//!
//! | parameter | default |
//! | --- | --- |
//! | `c` capacity per day | the producer's daily capacity (not overridable here: edit the producer) |
//! | `product` | the link is not a BOM input of any other link of the chain |
//! | `d` demand per day | products: [`DEFAULT_UTILISATION`] (80%) of capacity; other nodes: 0 |
//! | `s` inventory | [`DEFAULT_STOCK_DAYS`] (7) days of throughput, throughput being 80% of capacity |
//! | `ttr` days to recover | by the link's segment: upstream 28, midstream 21, downstream 14 ([`default_ttr`]) |
//! | `f` weight per lost unit | 1 (lost units are counted) |
//!
//! The utilisation of 80% is the order of magnitude of China's industrial capacity utilisation (National
//! Bureau of Statistics quarterly survey, 72–78% in 2023–2024, higher in the process industries);
//! a week of stock and recovery times of two to four weeks are round assumptions of the kind Simchi-Levi
//! et al. (*Interfaces* 45(5), 2015) started from before suppliers reported their own. They are there so
//! that every chain gives a network; set real values per node where they are known.
//!
//! Cost: O(P + R·B + E log E) for P producers, R supply relations, B the largest number of outputs a link
//! is an input of, E the edges written.

use std::collections::{BTreeMap, HashMap};

use chaindock_model::{ChainId, ChainSnapshot, LinkId, RiskParameters, Segment};
use chaindock_risk::{EdgeSpec, NetworkFile, NodeSpec};
use chaindock_store::Store;
use serde::Serialize;

use crate::EngineError;

/// Share of capacity a finished product is assumed to be demanded at, and any node to run at.
pub const DEFAULT_UTILISATION: f64 = 0.8;

/// Days of throughput a node is assumed to hold in stock.
pub const DEFAULT_STOCK_DAYS: f64 = 7.0;

/// Weight of a lost unit of a finished product (1: the programme counts lost units).
pub const DEFAULT_F: f64 = 1.0;

/// Days a node of a link in `segment` is assumed to take to recover: upstream materials and components
/// (plants that take long to rebuild or requalify) 28, midstream 21, downstream 14.
pub fn default_ttr(segment: Segment) -> f64 {
    match segment {
        Segment::Upstream => 28.0,
        Segment::Midstream => 21.0,
        Segment::Downstream => 14.0,
    }
}

/// A BOM input of a node that nobody in the registry supplies to it: supplied from outside the modelled
/// region, so left out of the programme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutsideInput {
    /// The node's id (`ENTERPRISE:LINK`).
    pub node: String,
    /// The input link.
    pub input: LinkId,
}

/// A chain's risk network with what was left out building it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainNetwork {
    pub chain: ChainId,
    pub network: NetworkFile,
    /// Inputs supplied from outside the modelled region, by node (in node order) then input.
    pub outside: Vec<OutsideInput>,
    /// Supply relations that name no edge: the supplier does not make the link, or the buyer makes nothing
    /// the link goes into.
    pub skipped_supply: usize,
    /// Stored parameters that name no producer of the chain (a producer removed since): ignored.
    pub skipped_parameters: usize,
}

impl ChainNetwork {
    /// What the caller should tell the user, one line each: per input link supplied from outside the
    /// modelled region, how many nodes need it and the first few of them; then skipped rows, if any.
    pub fn warnings(&self) -> Vec<String> {
        let mut by_input: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for o in &self.outside {
            by_input.entry(o.input.as_str()).or_default().push(&o.node);
        }
        let mut out: Vec<String> = by_input
            .into_iter()
            .map(|(input, nodes)| {
                let shown: Vec<&str> = nodes.iter().take(3).copied().collect();
                let more = if nodes.len() > shown.len() { format!(" and {} more", nodes.len() - shown.len()) } else { String::new() };
                format!(
                    "input {input} of {} node{} ({}{more}) has no supplier in the registry: it is taken as supplied from outside the modelled region and left out of the programme",
                    nodes.len(),
                    if nodes.len() == 1 { "" } else { "s" },
                    shown.join(", ")
                )
            })
            .collect();
        if self.skipped_supply > 0 {
            out.push(format!(
                "{} supply relation{} of chain {} skipped: the supplier does not make the link, or the buyer makes nothing it goes into",
                self.skipped_supply,
                if self.skipped_supply == 1 { "" } else { "s" },
                self.chain
            ));
        }
        if self.skipped_parameters > 0 {
            out.push(format!(
                "{} stored risk parameter row{} of chain {} skipped: no such producer",
                self.skipped_parameters,
                if self.skipped_parameters == 1 { "" } else { "s" },
                self.chain
            ));
        }
        out
    }
}

/// The risk network of `chain` in the exported form, with every parameter filled in (stored values, else
/// the defaults of the module documentation). What was left out is dropped; [`chain_network`] keeps it.
pub async fn network_from_store(store: &dyn Store, chain: &ChainId) -> Result<NetworkFile, EngineError> {
    Ok(chain_network(store, chain).await?.network)
}

/// [`network_from_store`] with the inputs supplied from outside and the rows skipped.
pub async fn chain_network(store: &dyn Store, chain: &ChainId) -> Result<ChainNetwork, EngineError> {
    let snap = store.chain_snapshot(chain).await?;
    let params = store.risk_parameters(chain).await?;
    Ok(build_network(&snap, &params))
}

/// The node id of enterprise `code` making `link`.
pub fn node_id(code: &str, link: &str) -> String {
    format!("{code}:{link}")
}

/// Build the network of a snapshot with stored parameters `params` (rows of other chains or of no
/// producer are skipped). Pure; see the module documentation for the rules.
pub fn build_network(snap: &ChainSnapshot, params: &[RiskParameters]) -> ChainNetwork {
    let chain = &snap.chain;
    let nlinks = chain.links.len();
    let link_pos: HashMap<&LinkId, u32> = chain.links.iter().enumerate().map(|(i, l)| (&l.id, i as u32)).collect();
    // BOM by position: inputs of each link (in BOM order) and the outputs each link goes into.
    let mut inputs_of: Vec<Vec<(u32, f64)>> = vec![Vec::new(); nlinks];
    let mut outputs_of: Vec<Vec<u32>> = vec![Vec::new(); nlinks];
    for e in &chain.bom {
        // A stored chain passed `Chain::validate`, so both ends are links of the chain.
        if let (Some(&i), Some(&o)) = (link_pos.get(&e.input), link_pos.get(&e.output)) {
            inputs_of[o as usize].push((i, e.quantity));
            outputs_of[i as usize].push(o);
        }
    }

    // Nodes in (link position, credit code) order.
    let mut order: Vec<usize> = (0..snap.producers.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&snap.producers[a], &snap.producers[b]);
        (pa.link, snap.enterprises[pa.enterprise as usize].credit_code.as_str())
            .cmp(&(pb.link, snap.enterprises[pb.enterprise as usize].credit_code.as_str()))
    });
    let mut node_of: HashMap<(u32, u32), usize> = HashMap::with_capacity(order.len());
    for (n, &p) in order.iter().enumerate() {
        let row = &snap.producers[p];
        node_of.insert((row.enterprise, row.link), n);
    }

    // Stored parameters by node.
    let code_pos: HashMap<&str, u32> =
        snap.enterprises.iter().enumerate().map(|(i, e)| (e.credit_code.as_str(), i as u32)).collect();
    let mut stored: HashMap<usize, &RiskParameters> = HashMap::new();
    let mut skipped_parameters = 0;
    for p in params {
        let node = (p.chain == chain.id)
            .then(|| Some((*code_pos.get(p.enterprise.as_str())?, *link_pos.get(&p.link)?)))
            .flatten()
            .and_then(|key| node_of.get(&key));
        match node {
            Some(&n) => {
                stored.insert(n, p);
            }
            None => skipped_parameters += 1,
        }
    }

    // Each node's inputs in BOM order, each with its suppliers; own production first.
    let mut suppliers: Vec<Vec<Vec<usize>>> = Vec::with_capacity(order.len());
    for &p in &order {
        let row = &snap.producers[p];
        let own = |&(input, _): &(u32, f64)| -> Vec<usize> {
            node_of.get(&(row.enterprise, input)).copied().into_iter().collect()
        };
        suppliers.push(inputs_of[row.link as usize].iter().map(own).collect());
    }
    let mut skipped_supply = 0;
    for s in &snap.supply {
        if s.supplier == s.buyer {
            continue; // making it oneself is vertical integration, already counted
        }
        let Some(&from) = node_of.get(&(s.supplier, s.link)) else {
            skipped_supply += 1;
            continue;
        };
        let mut used = false;
        for &o in &outputs_of[s.link as usize] {
            if let Some(&buyer) = node_of.get(&(s.buyer, o)) {
                let k = inputs_of[o as usize].iter().position(|&(i, _)| i == s.link);
                // `o` is an output of `s.link`, so `s.link` is among the inputs of `o`.
                if let Some(k) = k {
                    suppliers[buyer][k].push(from);
                    used = true;
                }
            }
        }
        if !used {
            skipped_supply += 1;
        }
    }

    let mut nodes = Vec::with_capacity(order.len());
    let mut edges = Vec::new();
    let mut outside = Vec::new();
    let ids: Vec<String> = order
        .iter()
        .map(|&p| {
            let row = &snap.producers[p];
            node_id(
                snap.enterprises[row.enterprise as usize].credit_code.as_str(),
                chain.links[row.link as usize].id.as_str(),
            )
        })
        .collect();
    for (n, &p) in order.iter().enumerate() {
        let row = &snap.producers[p];
        let link = &chain.links[row.link as usize];
        let enterprise = &snap.enterprises[row.enterprise as usize];
        let set = stored.get(&n);
        let product = set.and_then(|s| s.product).unwrap_or(outputs_of[row.link as usize].is_empty());
        let c = row.capacity;
        let d = set.and_then(|s| s.d).unwrap_or(if product { DEFAULT_UTILISATION * c } else { 0.0 });
        nodes.push(NodeSpec {
            id: ids[n].clone(),
            f: set.and_then(|s| s.f).unwrap_or(DEFAULT_F),
            d,
            s: set.and_then(|s| s.s).unwrap_or(DEFAULT_STOCK_DAYS * DEFAULT_UTILISATION * c),
            c,
            ttr: set.and_then(|s| s.ttr).unwrap_or_else(|| default_ttr(link.segment)),
            product,
            inputs: Vec::new(),
            enterprise: Some(enterprise.credit_code.to_string()),
            link: Some(link.id.to_string()),
            name: Some(format!("{} · {}", enterprise.name, link.name)),
            region: Some(enterprise.region.as_u32()),
        });
        for (k, &(input, r)) in inputs_of[row.link as usize].iter().enumerate() {
            let list = &mut suppliers[n][k];
            let input_id = &chain.links[input as usize].id;
            if list.is_empty() {
                outside.push(OutsideInput { node: ids[n].clone(), input: input_id.clone() });
                continue;
            }
            // Own production first, then the others in node order; a relation written twice counts once.
            let own = list[0];
            let own_first = snap.producers[order[own]].enterprise == row.enterprise;
            let rest = if own_first { &mut list[1..] } else { &mut list[..] };
            rest.sort_unstable();
            let mut last = None;
            for &sup in list.iter() {
                if last == Some(sup) {
                    continue;
                }
                last = Some(sup);
                edges.push(EdgeSpec {
                    supplier: ids[sup].clone(),
                    buyer: ids[n].clone(),
                    input: input_id.to_string(),
                    r,
                });
            }
        }
    }
    ChainNetwork {
        chain: chain.id.clone(),
        network: NetworkFile { nodes, edges },
        outside,
        skipped_supply,
        skipped_parameters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaindock_model::{Chain, CreditCode, EnterpriseBrief, ProducerRow, RegionCode, SupplyRow};
    use chaindock_risk::Network;

    fn code(n: u32) -> CreditCode {
        CreditCode::from_body(&format!("91130200MA{n:07}")).unwrap()
    }

    fn snapshot() -> ChainSnapshot {
        let chain: Chain = serde_json::from_str(
            r#"{"id":"auto","name":"汽车","links":[
                {"id":"steel","name":"钢板","segment":"upstream","unit":"吨"},
                {"id":"ecu","name":"电控","segment":"midstream","unit":"件"},
                {"id":"vehicle","name":"整车","segment":"downstream","unit":"辆"}],
              "bom":[{"input":"steel","output":"vehicle","quantity":1.2},
                     {"input":"ecu","output":"vehicle","quantity":3}]}"#,
        )
        .unwrap();
        let brief = |n: u32, name: &str| EnterpriseBrief {
            credit_code: code(n),
            name: name.into(),
            region: RegionCode::parse("130203").unwrap(),
            leading: false,
            specialised: false,
        };
        // Snapshot positions: 0 = C (vehicle and steel), 1 = A (steel), 2 = B (ecu), 3 = D (vehicle),
        // 4 = X (supplies ecu without making it).
        let p = |enterprise, link, capacity| ProducerRow { enterprise, link, capacity };
        let s = |supplier, buyer, link| SupplyRow { supplier, buyer, link, share: 0.5 };
        ChainSnapshot {
            chain,
            enterprises: vec![
                brief(3, "C整车"),
                brief(1, "A钢铁"),
                brief(2, "B电控"),
                brief(4, "D整车"),
                brief(5, "X贸易"),
            ],
            producers: vec![p(0, 2, 300.0), p(1, 0, 500.0), p(0, 0, 100.0), p(2, 1, 900.0), p(3, 2, 200.0)],
            supply: vec![s(1, 0, 0), s(2, 0, 1), s(1, 3, 0), s(4, 0, 1), s(0, 0, 0)],
        }
    }

    fn id(n: u32, link: &str) -> String {
        node_id(code(n).as_str(), link)
    }

    fn edge(s: &str, b: &str, k: &str, r: f64) -> EdgeSpec {
        EdgeSpec { supplier: s.into(), buyer: b.into(), input: k.into(), r }
    }

    #[test]
    fn nodes_inputs_and_defaults_by_hand() {
        let built = build_network(&snapshot(), &[]);
        let net = &built.network;
        let ids: Vec<&str> = net.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, [id(1, "steel"), id(3, "steel"), id(2, "ecu"), id(3, "vehicle"), id(4, "vehicle")]);
        // C makes its own steel and buys A's; B supplies its ECUs; D buys A's steel and nobody's ECUs; X's
        // relation names no ECU maker and C's relation with itself is vertical integration.
        assert_eq!(
            net.edges,
            vec![
                edge(&id(3, "steel"), &id(3, "vehicle"), "steel", 1.2),
                edge(&id(1, "steel"), &id(3, "vehicle"), "steel", 1.2),
                edge(&id(2, "ecu"), &id(3, "vehicle"), "ecu", 3.0),
                edge(&id(1, "steel"), &id(4, "vehicle"), "steel", 1.2),
            ]
        );
        assert_eq!(built.outside, vec![OutsideInput { node: id(4, "vehicle"), input: LinkId::parse("ecu").unwrap() }]);
        assert_eq!(built.skipped_supply, 1);
        let w = built.warnings();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with(&format!("input ecu of 1 node ({})", id(4, "vehicle"))), "{w:?}");

        let c = &net.nodes[3];
        assert!(c.product);
        assert_eq!((c.c, c.d, c.f, c.ttr), (300.0, 240.0, 1.0, 14.0));
        assert!((c.s - 7.0 * 0.8 * 300.0).abs() < 1e-9);
        assert_eq!(c.enterprise.as_deref(), Some(code(3).as_str()));
        assert_eq!(c.link.as_deref(), Some("vehicle"));
        assert_eq!(c.name.as_deref(), Some("C整车 · 整车"));
        assert_eq!(c.region, Some(130203));
        let a = &net.nodes[0];
        assert!(!a.product);
        assert_eq!((a.c, a.d, a.ttr), (500.0, 0.0, 28.0));
        assert_eq!(net.nodes[2].ttr, 21.0);
        Network::new(net.clone()).expect("a valid network");
    }

    #[test]
    fn stored_parameters_override_defaults() {
        let auto = ChainId::parse("auto").unwrap();
        let set = |n: u32, link: &str| RiskParameters::new(code(n), auto.clone(), LinkId::parse(link).unwrap());
        let params = vec![
            RiskParameters { ttr: Some(30.0), d: Some(100.0), s: Some(0.0), f: Some(2.5), ..set(3, "vehicle") },
            RiskParameters { product: Some(false), ..set(4, "vehicle") },
            RiskParameters { product: Some(true), ..set(1, "steel") },
            // A producer that does not exist, and another chain's row.
            RiskParameters { ttr: Some(1.0), ..set(2, "steel") },
            RiskParameters { chain: ChainId::parse("other").unwrap(), ttr: Some(1.0), ..set(3, "vehicle") },
        ];
        let built = build_network(&snapshot(), &params);
        let n = &built.network.nodes;
        assert_eq!((n[3].ttr, n[3].d, n[3].s, n[3].f, n[3].product), (30.0, 100.0, 0.0, 2.5, true));
        assert_eq!((n[4].product, n[4].d), (false, 0.0));
        assert_eq!((n[0].product, n[0].d), (true, 400.0));
        assert_eq!(built.skipped_parameters, 2);
        Network::new(built.network).expect("a valid network");
    }
}
