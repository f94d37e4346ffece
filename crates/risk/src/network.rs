//! The risk network: its exported form, its validation and its indexed form.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The exported form of a risk network, as `chaindock risk --export-network` writes it and `--network`
/// reads it. Times are in days, rates per day, quantities in each node's own unit.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetworkFile {
    pub nodes: Vec<NodeSpec>,
    #[serde(default)]
    pub edges: Vec<EdgeSpec>,
}

/// A node as exported: a production site.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeSpec {
    pub id: String,
    /// Profit (or weight) per unit of a finished product lost; 1 counts lost units.
    pub f: f64,
    /// Demand rate per day; counts only for finished products.
    pub d: f64,
    /// Inventory on hand, in units of the node's own product.
    pub s: f64,
    /// Capacity rate per day.
    pub c: f64,
    /// Time to recover, in days.
    pub ttr: f64,
    /// A finished product (the set V): its lost units are what the programme counts.
    #[serde(default)]
    pub product: bool,
    /// Inputs the node needs whether or not anyone supplies them. An input named here with no edge is an
    /// error; inputs are otherwise known from the edges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// What the node is in the registry, when it comes from one (not needed to rebuild the programme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The node's region (six-digit division code), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<u32>,
}

/// An edge as exported: `supplier` can deliver the buyer's input `input`, `r` units of it per unit of the
/// buyer's product. The edges sharing a buyer and an input are that input's alternative suppliers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EdgeSpec {
    pub supplier: String,
    pub buyer: String,
    pub input: String,
    pub r: f64,
}

/// Why a network cannot be analysed; every message names the node (and the input) at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetworkError {
    #[error("the network has no nodes")]
    Empty,
    #[error("node {index} has an empty id")]
    EmptyId { index: usize },
    #[error("node {node} appears twice")]
    DuplicateNode { node: String },
    #[error("node {node}: {field} is {value}, it must be a finite number ≥ 0")]
    BadParameter { node: String, field: &'static str, value: f64 },
    #[error("edge {supplier} → {buyer} (input {input}) names node {missing}, which is not in the network")]
    UnknownNode { supplier: String, buyer: String, input: String, missing: String },
    #[error("edge {supplier} → {buyer} (input {input}): r is {r}, it must be a finite number > 0")]
    BadCoefficient { supplier: String, buyer: String, input: String, r: f64 },
    #[error("edge {supplier} → {buyer} (input {input}) appears twice")]
    DuplicateEdge { supplier: String, buyer: String, input: String },
    #[error("node {node} supplies itself (input {input})")]
    SelfSupply { node: String, input: String },
    #[error("node {node} needs input {input}, which no node supplies")]
    UnsuppliedInput { node: String, input: String },
    #[error("the network has a cycle: {}", .path.join(" → "))]
    Cycle { path: Vec<String> },
}

impl NetworkError {
    /// The node the error is about, when it is about one.
    pub fn node(&self) -> Option<&str> {
        match self {
            NetworkError::DuplicateNode { node }
            | NetworkError::BadParameter { node, .. }
            | NetworkError::SelfSupply { node, .. }
            | NetworkError::UnsuppliedInput { node, .. } => Some(node),
            NetworkError::UnknownNode { missing, .. } => Some(missing),
            NetworkError::BadCoefficient { buyer, .. } | NetworkError::DuplicateEdge { buyer, .. } => Some(buyer),
            NetworkError::Cycle { path } => path.first().map(String::as_str),
            NetworkError::Empty | NetworkError::EmptyId { .. } => None,
        }
    }
}

/// One alternative supplier of an input: the supplying node's index and the units of the input per unit
/// of the buyer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Supply {
    pub supplier: usize,
    pub r: f64,
}

/// An input k of a node j with its alternative suppliers P_jk.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub suppliers: Vec<Supply>,
}

/// A validated node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub spec: NodeSpec,
    pub inputs: Vec<Input>,
    /// The nodes this one supplies (U: the nodes with children), each once, ascending.
    pub children: Vec<usize>,
}

/// A validated, indexed risk network: node indices are positions in `nodes`, which keep the file's
/// order; `topo` lists them suppliers before buyers.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub topo: Vec<usize>,
    index: HashMap<String, usize, BuildHasherDefault<FxHasher>>,
}

/// The multiply-rotate hash of rustc (FxHash) with a finaliser: the index of a million node ids is looked up twice per edge,
/// and SipHash (std's default, resistant to chosen collisions) made that most of `Network::new`'s time.
/// Network files are a user's own data, not requests from strangers.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply carries low input bits only upwards, and the table picks buckets by the low bits of
        // the hash: ids sharing a prefix would share buckets. MurmurHash3's finaliser mixes every bit into
        // every other.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl Network {
    /// Validate `file` and index it. Checks, each naming the node: ids present and unique; f, d, s, c and
    /// TTR finite and non-negative; edges between known nodes, with r > 0, not repeated, not a node to
    /// itself; every declared input supplied; no cycle (the message gives one). O(V + E·K + E log E) for K
    /// the most inputs of one node (a buyer's inputs are found by name in its short list).
    pub fn new(file: NetworkFile) -> Result<Network, NetworkError> {
        if file.nodes.is_empty() {
            return Err(NetworkError::Empty);
        }
        let mut index = HashMap::with_capacity_and_hasher(file.nodes.len(), BuildHasherDefault::default());
        for (i, n) in file.nodes.iter().enumerate() {
            if n.id.trim().is_empty() {
                return Err(NetworkError::EmptyId { index: i });
            }
            if index.insert(n.id.clone(), i).is_some() {
                return Err(NetworkError::DuplicateNode { node: n.id.clone() });
            }
            for (field, value) in [("f", n.f), ("d", n.d), ("s", n.s), ("c", n.c), ("ttr", n.ttr)] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(NetworkError::BadParameter { node: n.id.clone(), field, value });
                }
            }
        }
        let mut inputs: Vec<Vec<Input>> = vec![Vec::new(); file.nodes.len()];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); file.nodes.len()];
        for e in &file.edges {
            let find = |id: &str| {
                index.get(id).copied().ok_or_else(|| NetworkError::UnknownNode {
                    supplier: e.supplier.clone(),
                    buyer: e.buyer.clone(),
                    input: e.input.clone(),
                    missing: id.to_string(),
                })
            };
            let (s, b) = (find(&e.supplier)?, find(&e.buyer)?);
            if !(e.r.is_finite() && e.r > 0.0) {
                return Err(NetworkError::BadCoefficient {
                    supplier: e.supplier.clone(),
                    buyer: e.buyer.clone(),
                    input: e.input.clone(),
                    r: e.r,
                });
            }
            if s == b {
                return Err(NetworkError::SelfSupply { node: e.buyer.clone(), input: e.input.clone() });
            }
            let list = &mut inputs[b];
            let k = match list.iter().position(|i| i.name == e.input) {
                Some(k) => k,
                None => {
                    list.push(Input { name: e.input.clone(), suppliers: Vec::new() });
                    list.len() - 1
                }
            };
            list[k].suppliers.push(Supply { supplier: s, r: e.r });
            children[s].push(b);
        }
        // A repeated edge is a supplier twice in one input's list: each input marks its suppliers with its own
        // stamp, so the check is O(E) with no hashing.
        let mut mark = vec![0usize; file.nodes.len()];
        let mut stamp = 0;
        for (b, list) in inputs.iter().enumerate() {
            for input in list {
                stamp += 1;
                for sup in &input.suppliers {
                    if mark[sup.supplier] == stamp {
                        return Err(NetworkError::DuplicateEdge {
                            supplier: file.nodes[sup.supplier].id.clone(),
                            buyer: file.nodes[b].id.clone(),
                            input: input.name.clone(),
                        });
                    }
                    mark[sup.supplier] = stamp;
                }
            }
        }
        for (j, n) in file.nodes.iter().enumerate() {
            for k in &n.inputs {
                if !inputs[j].iter().any(|i| &i.name == k) {
                    return Err(NetworkError::UnsuppliedInput { node: n.id.clone(), input: k.clone() });
                }
            }
        }
        for c in &mut children {
            c.sort_unstable();
            c.dedup();
        }
        let topo = topological_order(&children).map_err(|cycle| NetworkError::Cycle {
            path: cycle.into_iter().map(|i| file.nodes[i].id.clone()).collect(),
        })?;
        let nodes = file
            .nodes
            .into_iter()
            .zip(inputs)
            .zip(children)
            .map(|((spec, inputs), children)| Node { spec, inputs, children })
            .collect();
        Ok(Network { nodes, topo, index })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The index of the node with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The exported form again (declared inputs kept, edges in input order per buyer).
    pub fn to_file(&self) -> NetworkFile {
        let mut edges = Vec::new();
        for n in &self.nodes {
            for input in &n.inputs {
                for s in &input.suppliers {
                    edges.push(EdgeSpec {
                        supplier: self.nodes[s.supplier].spec.id.clone(),
                        buyer: n.spec.id.clone(),
                        input: input.name.clone(),
                        r: s.r,
                    });
                }
            }
        }
        NetworkFile { nodes: self.nodes.iter().map(|n| n.spec.clone()).collect(), edges }
    }
}

/// Kahn's algorithm over `children` (O(V + E)); on a cycle, one cycle as a closed path of node indices.
fn topological_order(children: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = children.len();
    let mut indegree = vec![0usize; n];
    for c in children.iter().flatten() {
        indegree[*c] += 1;
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let i = order[head];
        head += 1;
        for &c in &children[i] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                order.push(c);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every node left has a parent left, so walking back along parents from any of them must repeat.
    let mut parent = vec![usize::MAX; n];
    for (i, c) in children.iter().enumerate() {
        if indegree[i] > 0 {
            for &c in c {
                if indegree[c] > 0 {
                    parent[c] = i;
                }
            }
        }
    }
    let start = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut on_path = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut at = start;
    while on_path[at] == usize::MAX {
        on_path[at] = path.len();
        path.push(at);
        at = parent[at];
    }
    let mut cycle: Vec<usize> = path[on_path[at]..].to_vec();
    cycle.reverse();
    cycle.push(cycle[0]);
    Err(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str) -> NodeSpec {
        NodeSpec {
            id: id.into(),
            f: 1.0,
            d: 0.0,
            s: 0.0,
            c: 10.0,
            ttr: 5.0,
            product: false,
            inputs: Vec::new(),
            enterprise: None,
            link: None,
            name: None,
            region: None,
        }
    }

    fn edge(s: &str, b: &str, k: &str) -> EdgeSpec {
        EdgeSpec { supplier: s.into(), buyer: b.into(), input: k.into(), r: 1.0 }
    }

    #[test]
    fn indexes_inputs_and_alternative_suppliers() {
        let file = NetworkFile {
            nodes: vec![node("a1"), node("a2"), node("b"), NodeSpec { product: true, d: 3.0, ..node("p") }],
            edges: vec![edge("a1", "b", "steel"), edge("a2", "b", "steel"), edge("b", "p", "body")],
        };
        let net = Network::new(file.clone()).unwrap();
        let b = net.position("b").unwrap();
        assert_eq!(net.nodes[b].inputs.len(), 1);
        assert_eq!(net.nodes[b].inputs[0].suppliers.len(), 2);
        assert_eq!(net.nodes[net.position("a1").unwrap()].children, vec![b]);
        assert_eq!(net.topo.len(), 4);
        assert!(net.topo.iter().position(|&i| i == b) < net.topo.iter().position(|&i| i == 3));
        assert_eq!(net.to_file(), file);
    }

    #[test]
    fn bad_input_names_the_node() {
        let bad = |file: NetworkFile| Network::new(file).unwrap_err();
        let e = bad(NetworkFile { nodes: vec![NodeSpec { ttr: -1.0, ..node("x") }], edges: vec![] });
        assert_eq!(e.to_string(), "node x: ttr is -1, it must be a finite number ≥ 0");
        let e = bad(NetworkFile { nodes: vec![NodeSpec { c: -5.0, ..node("x") }], edges: vec![] });
        assert_eq!(e.node(), Some("x"));
        let e = bad(NetworkFile {
            nodes: vec![node("a"), node("b"), node("c")],
            edges: vec![edge("a", "b", "k"), edge("b", "c", "k"), edge("c", "a", "k")],
        });
        let NetworkError::Cycle { path } = &e else { panic!("{e}") };
        assert_eq!(path.len(), 4);
        assert_eq!(path.first(), path.last());
        assert!(e.to_string().starts_with("the network has a cycle: "), "{e}");
        let e = bad(NetworkFile {
            nodes: vec![NodeSpec { inputs: vec!["glass".into()], ..node("screen") }],
            edges: vec![],
        });
        assert_eq!(e.to_string(), "node screen needs input glass, which no node supplies");
        let e = bad(NetworkFile { nodes: vec![node("a")], edges: vec![edge("a", "zz", "k")] });
        assert_eq!(e.node(), Some("zz"));
        let e = bad(NetworkFile { nodes: vec![node("a"), node("a")], edges: vec![] });
        assert_eq!(e, NetworkError::DuplicateNode { node: "a".into() });
        let e = bad(NetworkFile {
            nodes: vec![node("a"), node("b")],
            edges: vec![EdgeSpec { r: 0.0, ..edge("a", "b", "k") }],
        });
        assert!(e.to_string().contains("r is 0"), "{e}");
        // A repeated edge, apart from the other edges of its input, and the same pair under two inputs (fine).
        let twice = vec![edge("a", "c", "k"), edge("b", "c", "k"), edge("a", "c", "m"), edge("a", "c", "k")];
        let e = bad(NetworkFile { nodes: vec![node("a"), node("b"), node("c")], edges: twice });
        assert_eq!(e.to_string(), "edge a → c (input k) appears twice");
        let ok = vec![edge("a", "c", "k"), edge("b", "c", "k"), edge("a", "c", "m"), edge("a", "b", "k")];
        assert!(Network::new(NetworkFile { nodes: vec![node("a"), node("b"), node("c")], edges: ok }).is_ok());
    }

    #[test]
    fn reads_the_exported_form() {
        let json = r#"{"nodes":[{"id":"s","f":1,"d":0,"s":20,"c":12.5,"ttr":3,"product":false},
            {"id":"p","f":1,"d":10,"s":20,"c":12.5,"ttr":1,"product":true}],
            "edges":[{"supplier":"s","buyer":"p","input":"s","r":1}]}"#;
        let net = Network::new(serde_json::from_str(json).unwrap()).unwrap();
        assert_eq!(net.len(), 2);
        assert_eq!(net.topo, vec![0, 1]);
    }
}
