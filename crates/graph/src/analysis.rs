//! The rules of the panorama, one function each.
//!
//! For a chain with links `L`, BOM coefficients `r(i,o)` (units of `i` per unit of `o`) and a scope `S`:
//!
//! - **Capacity in scope** `C(l) = Σ capacity of producers of l located in S` (per day, in l's unit).
//! - **Demand in scope** `D(i) = Σ_{o : i→o} r(i,o) · N(o)` and **need** `N(l) = max(C(l), D(l))`,
//!   computed from the most downstream links upstream (reverse topological order). A finished product
//!   (a link that is no input of another) has `D = 0`: the scope needs whatever its producers can make.
//! - A link is **needed** by the scope when `D(l) > 0` or it is a finished product.
//! - **Breakpoint** (断点): a needed link with no producer in S.
//! - **Bottleneck** (堵点): a needed link with producers in S where `C(l) < D(l)` (capacity shortfall), or
//!   exactly one enterprise makes it in S (single source), or `HHI(l) = Σ_e (c_e / C(l))² ≥ θ`, the sum
//!   over enterprises e in S of their squared capacity shares (θ = 0.5 by default).
//! - **Chokepoint** (卡点): a link marked as import-dependent key technology, whatever the scope.
//!
//! Cost: O(|L| + |BOM| + P + R + P_out·log P_out) for P producers, R supply relations and the sorting of
//! out-of-scope candidates; the scope test is one array look-up per row.

use std::cmp::Ordering;
use std::collections::HashMap;

use chaindock_model::{
    Chain, ChainId, ChainSnapshot, CreditCode, LinkId, ModelError, RegionCode, Scope, Segment, Unit,
};
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

/// Thresholds and list lengths; the defaults are what the department uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnalysisOptions {
    /// A link whose in-scope HHI is at or above this is a bottleneck (concentrated).
    pub hhi_threshold: f64,
    /// Out-of-scope enterprises proposed per gap to fill (leading ones first, then by capacity).
    pub candidates_per_gap: usize,
    /// Leading producers listed per link.
    pub leaders_per_link: usize,
    /// Key enterprises listed per chain (the total is reported too).
    pub max_key_enterprises: usize,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            hhi_threshold: 0.5,
            candidates_per_gap: 5,
            leaders_per_link: 5,
            max_key_enterprises: 50,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Chain(#[from] ModelError),
    #[error("the snapshot's {what} row {row} refers to {field} {index}, which does not exist")]
    BadIndex {
        what: &'static str,
        row: usize,
        field: &'static str,
        index: u32,
    },
    #[error("the HHI threshold must lie in (0, 1], not {0}")]
    Threshold(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Breakpoint,
    Bottleneck,
    Chokepoint,
    Healthy,
    /// Nothing in the scope consumes it and it is not a finished product.
    NotNeeded,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BottleneckReason {
    CapacityShortfall { capacity: f64, demand: f64 },
    SingleProducer { enterprise: String },
    Concentrated { hhi: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainSummary {
    pub id: ChainId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProducerEntry {
    pub credit_code: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub capacity: f64,
    /// Share of the link's in-scope capacity.
    pub share: f64,
    pub leading: bool,
    pub specialised: bool,
}

/// Producers of a link in one city, split by whether they lie in the scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionCapacity {
    pub region: RegionCode,
    pub region_name: String,
    pub in_scope: bool,
    pub producers: usize,
    pub capacity: f64,
}

/// Where the in-scope buyers of a link get it from, by the supplier's city: the share-weighted part of
/// the link's recorded supply relations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceShare {
    pub region: RegionCode,
    pub region_name: String,
    pub in_scope: bool,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkReport {
    pub id: LinkId,
    pub name: String,
    pub segment: Segment,
    pub unit: Unit,
    pub import_dependent: bool,
    pub status: LinkStatus,
    pub needed: bool,
    pub producers_in_scope: usize,
    pub producers_out_of_scope: usize,
    pub capacity_in_scope: f64,
    pub capacity_out_of_scope: f64,
    /// `D(l)`: what the scope's downstream producers need of this link per day.
    pub demand_in_scope: f64,
    /// HHI of in-scope capacity over enterprises; `None` without in-scope capacity.
    pub hhi: Option<f64>,
    pub bottleneck_reasons: Vec<BottleneckReason>,
    pub leading_producers: Vec<ProducerEntry>,
    pub producers_by_region: Vec<RegionCapacity>,
    pub supply_sources: Vec<SourceShare>,
    /// Share of the recorded supply that comes from inside the scope; `None` without relations.
    pub supply_in_scope_share: Option<f64>,
}

/// One entry of the breakpoint, bottleneck or chokepoint list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub link: LinkId,
    pub name: String,
    pub segment: Segment,
    pub producers_in_scope: usize,
    pub capacity_in_scope: f64,
    pub demand_in_scope: f64,
    pub unit: Unit,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapCandidate {
    pub credit_code: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub capacity: f64,
    pub leading: bool,
    pub specialised: bool,
}

/// A gap to fill by recruiting (堵点招商): a breakpoint or bottleneck with who could fill it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub link: LinkId,
    pub name: String,
    pub kind: LinkStatus,
    /// `max(D − C, 0)` in the link's unit per day.
    pub shortfall: f64,
    pub unit: Unit,
    pub candidates: Vec<GapCandidate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyEnterprise {
    pub credit_code: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub region_name: String,
    pub leading: bool,
    pub specialised: bool,
    pub links: Vec<LinkId>,
    /// Why it is key: 龙头企业, 专精特新, the largest or the only producer of a link in scope.
    pub reasons: Vec<String>,
    /// Its largest share of a link's in-scope capacity.
    pub max_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainAnalysis {
    pub chain: ChainSummary,
    pub scope: Scope,
    pub options: AnalysisOptions,
    pub links: Vec<LinkReport>,
    pub breakpoints: Vec<Finding>,
    pub bottlenecks: Vec<Finding>,
    pub chokepoints: Vec<Finding>,
    pub gaps_to_fill: Vec<Gap>,
    pub key_enterprises: Vec<KeyEnterprise>,
    pub key_enterprises_total: usize,
}

/// Demand and need per link (indexed like `chain.links`) for the given capacities, by the rule in the
/// module docs. O(|L| + |BOM|).
pub fn demand(chain: &Chain, capacity: &[f64]) -> Result<(Vec<f64>, Vec<f64>), AnalysisError> {
    chain.validate()?;
    let index: HashMap<&LinkId, usize> = chain
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| (&l.id, i))
        .collect();
    let mut g: DiGraph<usize, f64> = DiGraph::with_capacity(chain.links.len(), chain.bom.len());
    let nodes: Vec<NodeIndex> = (0..chain.links.len()).map(|i| g.add_node(i)).collect();
    for e in &chain.bom {
        g.add_edge(nodes[index[&e.input]], nodes[index[&e.output]], e.quantity);
    }
    // `validate` rejected cycles, so the sort succeeds.
    let order = toposort(&g, None).map_err(|_| ModelError::Chain {
        chain: chain.id.to_string(),
        reason: "the BOM has a cycle".into(),
    })?;
    let n = chain.links.len();
    let (mut d, mut need) = (vec![0.0; n], vec![0.0; n]);
    for node in order.into_iter().rev() {
        let i = g[node];
        // `+ 0.0` turns the −0.0 that an empty float sum yields into 0.0.
        d[i] = g
            .edges(node)
            .map(|e| e.weight() * need[g[e.target()]])
            .sum::<f64>()
            + 0.0;
        need[i] = capacity[i].max(d[i]);
    }
    Ok((d, need))
}

fn cmp_f64_desc(a: f64, b: f64) -> Ordering {
    b.partial_cmp(&a).unwrap_or(Ordering::Equal)
}

/// The panorama of `snap`'s chain in `scope` and its three lists.
pub fn analyze(
    snap: &ChainSnapshot,
    scope: &Scope,
    options: &AnalysisOptions,
) -> Result<ChainAnalysis, AnalysisError> {
    if !(options.hhi_threshold > 0.0 && options.hhi_threshold <= 1.0) {
        return Err(AnalysisError::Threshold(options.hhi_threshold));
    }
    let chain = &snap.chain;
    let n = chain.links.len();
    let ne = snap.enterprises.len() as u32;
    for (row, p) in snap.producers.iter().enumerate() {
        if p.enterprise >= ne {
            return Err(AnalysisError::BadIndex {
                what: "producer",
                row,
                field: "enterprise",
                index: p.enterprise,
            });
        }
        if p.link as usize >= n {
            return Err(AnalysisError::BadIndex {
                what: "producer",
                row,
                field: "link",
                index: p.link,
            });
        }
    }
    for (row, s) in snap.supply.iter().enumerate() {
        for (field, index) in [("supplier", s.supplier), ("buyer", s.buyer)] {
            if index >= ne {
                return Err(AnalysisError::BadIndex {
                    what: "supply",
                    row,
                    field,
                    index,
                });
            }
        }
        if s.link as usize >= n {
            return Err(AnalysisError::BadIndex {
                what: "supply",
                row,
                field: "link",
                index: s.link,
            });
        }
    }

    let mask = scope.mask();
    let in_scope: Vec<bool> = snap
        .enterprises
        .iter()
        .map(|e| mask[e.region.index()])
        .collect();

    // Per link: in-scope capacity per enterprise (for HHI and leaders), out-of-scope producers.
    let mut cap_in = vec![0.0; n];
    let mut cap_out = vec![0.0; n];
    let mut by_ent_in: Vec<HashMap<u32, f64>> = vec![HashMap::new(); n];
    let mut by_ent_out: Vec<HashMap<u32, f64>> = vec![HashMap::new(); n];
    let mut by_region: Vec<HashMap<(RegionCode, bool), (usize, f64)>> = vec![HashMap::new(); n];
    for p in &snap.producers {
        let (l, e) = (p.link as usize, p.enterprise);
        let inside = in_scope[e as usize];
        if inside {
            cap_in[l] += p.capacity;
            *by_ent_in[l].entry(e).or_default() += p.capacity;
        } else {
            cap_out[l] += p.capacity;
            *by_ent_out[l].entry(e).or_default() += p.capacity;
        }
        let city = snap.enterprises[e as usize].region.city();
        let slot = by_region[l].entry((city, inside)).or_default();
        slot.0 += 1;
        slot.1 += p.capacity;
    }

    let (d, _need) = demand(chain, &cap_in)?;
    let mut is_input = vec![false; n];
    let index: HashMap<&LinkId, usize> = chain
        .links
        .iter()
        .enumerate()
        .map(|(i, l)| (&l.id, i))
        .collect();
    for e in &chain.bom {
        is_input[index[&e.input]] = true;
    }

    // Supply sources: relations whose buyer is in scope, weighted by share, by supplier city.
    let mut sources: Vec<HashMap<(RegionCode, bool), f64>> = vec![HashMap::new(); n];
    for s in &snap.supply {
        if in_scope[s.buyer as usize] {
            let sup = s.supplier as usize;
            let city = snap.enterprises[sup].region.city();
            *sources[s.link as usize]
                .entry((city, in_scope[sup]))
                .or_default() += s.share;
        }
    }

    let ent = |e: u32| &snap.enterprises[e as usize];
    let region_name = |r: RegionCode| r.region().name.clone();
    let mut links = Vec::with_capacity(n);
    let mut top_producer: Vec<Option<u32>> = vec![None; n];
    for (l, link) in chain.links.iter().enumerate() {
        let producers_in = by_ent_in[l].len();
        let needed = d[l] > 0.0 || !is_input[l];
        let hhi = (cap_in[l] > 0.0).then(|| {
            by_ent_in[l]
                .values()
                .map(|c| (c / cap_in[l]).powi(2))
                .sum::<f64>()
        });
        let mut reasons = Vec::new();
        if needed && producers_in > 0 {
            if cap_in[l] < d[l] * (1.0 - 1e-9) {
                reasons.push(BottleneckReason::CapacityShortfall {
                    capacity: cap_in[l],
                    demand: d[l],
                });
            }
            if producers_in == 1 {
                let only = *by_ent_in[l]
                    .keys()
                    .next()
                    .expect("one producer was just counted");
                reasons.push(BottleneckReason::SingleProducer {
                    enterprise: ent(only).name.clone(),
                });
            } else if let Some(h) = hhi.filter(|h| *h >= options.hhi_threshold) {
                reasons.push(BottleneckReason::Concentrated { hhi: h });
            }
        }
        let status = if needed && producers_in == 0 {
            LinkStatus::Breakpoint
        } else if !reasons.is_empty() {
            LinkStatus::Bottleneck
        } else if link.import_dependent {
            LinkStatus::Chokepoint
        } else if needed {
            LinkStatus::Healthy
        } else {
            LinkStatus::NotNeeded
        };

        let mut leaders: Vec<(u32, f64)> = by_ent_in[l].iter().map(|(e, c)| (*e, *c)).collect();
        leaders.sort_by(|a, b| {
            ent(b.0)
                .leading
                .cmp(&ent(a.0).leading)
                .then(cmp_f64_desc(a.1, b.1))
                .then(a.0.cmp(&b.0))
        });
        top_producer[l] = by_ent_in[l]
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(e, _)| *e);
        let leading_producers = leaders
            .iter()
            .take(options.leaders_per_link)
            .map(|&(e, c)| {
                let x = ent(e);
                ProducerEntry {
                    credit_code: x.credit_code.clone(),
                    name: x.name.clone(),
                    region: x.region,
                    region_name: region_name(x.region),
                    capacity: c,
                    share: c / cap_in[l],
                    leading: x.leading,
                    specialised: x.specialised,
                }
            })
            .collect();

        let mut producers_by_region: Vec<RegionCapacity> = by_region[l]
            .iter()
            .map(|(&(region, inside), &(count, cap))| RegionCapacity {
                region,
                region_name: region_name(region),
                in_scope: inside,
                producers: count,
                capacity: cap,
            })
            .collect();
        producers_by_region.sort_by(|a, b| {
            b.in_scope
                .cmp(&a.in_scope)
                .then(cmp_f64_desc(a.capacity, b.capacity))
                .then(a.region.cmp(&b.region))
        });

        let total: f64 = sources[l].values().sum();
        let mut supply_sources: Vec<SourceShare> = sources[l]
            .iter()
            .map(|(&(region, inside), &w)| SourceShare {
                region,
                region_name: region_name(region),
                in_scope: inside,
                share: w / total,
            })
            .collect();
        supply_sources.sort_by(|a, b| cmp_f64_desc(a.share, b.share).then(a.region.cmp(&b.region)));
        let supply_in_scope_share = (total > 0.0).then(|| {
            sources[l]
                .iter()
                .filter(|((_, inside), _)| *inside)
                .map(|(_, w)| w)
                .sum::<f64>()
                / total
        });

        links.push(LinkReport {
            id: link.id.clone(),
            name: link.name.clone(),
            segment: link.segment,
            unit: link.unit.clone(),
            import_dependent: link.import_dependent,
            status,
            needed,
            producers_in_scope: producers_in,
            producers_out_of_scope: by_ent_out[l].len(),
            capacity_in_scope: cap_in[l],
            capacity_out_of_scope: cap_out[l],
            demand_in_scope: d[l],
            hhi,
            bottleneck_reasons: reasons,
            leading_producers,
            producers_by_region,
            supply_sources,
            supply_in_scope_share,
        });
    }

    let finding = |r: &LinkReport, detail: String| Finding {
        link: r.id.clone(),
        name: r.name.clone(),
        segment: r.segment,
        producers_in_scope: r.producers_in_scope,
        capacity_in_scope: r.capacity_in_scope,
        demand_in_scope: r.demand_in_scope,
        unit: r.unit.clone(),
        detail,
    };
    let mut breakpoints = Vec::new();
    let mut bottlenecks = Vec::new();
    let mut chokepoints = Vec::new();
    let mut gaps_to_fill = Vec::new();
    for (l, r) in links.iter().enumerate() {
        if r.status == LinkStatus::Breakpoint {
            let detail = if r.demand_in_scope > 0.0 {
                format!(
                    "no producer in {}; downstream needs {:.1} {}/day",
                    scope.name, r.demand_in_scope, r.unit
                )
            } else {
                format!("finished product with no producer in {}", scope.name)
            };
            breakpoints.push(finding(r, detail));
        }
        if r.status == LinkStatus::Bottleneck {
            let parts: Vec<String> = r
                .bottleneck_reasons
                .iter()
                .map(|b| match b {
                    BottleneckReason::CapacityShortfall { capacity, demand } => {
                        format!(
                            "capacity {capacity:.1} below demand {demand:.1} {}/day",
                            r.unit
                        )
                    }
                    BottleneckReason::SingleProducer { enterprise } => {
                        format!("single producer: {enterprise}")
                    }
                    BottleneckReason::Concentrated { hhi } => {
                        format!("concentrated: HHI {hhi:.2} ≥ {:.2}", options.hhi_threshold)
                    }
                })
                .collect();
            bottlenecks.push(finding(r, parts.join("; ")));
        }
        if r.import_dependent {
            let detail = format!(
                "import-dependent key technology; {} producer(s) in {}, {} outside",
                r.producers_in_scope, scope.name, r.producers_out_of_scope
            );
            chokepoints.push(finding(r, detail));
        }
        if matches!(r.status, LinkStatus::Breakpoint | LinkStatus::Bottleneck) {
            let mut cands: Vec<(u32, f64)> = by_ent_out[l].iter().map(|(e, c)| (*e, *c)).collect();
            cands.sort_by(|a, b| {
                let (x, y) = (ent(a.0), ent(b.0));
                y.leading
                    .cmp(&x.leading)
                    .then(cmp_f64_desc(a.1, b.1))
                    .then(a.0.cmp(&b.0))
            });
            gaps_to_fill.push(Gap {
                link: r.id.clone(),
                name: r.name.clone(),
                kind: r.status,
                shortfall: (r.demand_in_scope - r.capacity_in_scope).max(0.0),
                unit: r.unit.clone(),
                candidates: cands
                    .into_iter()
                    .take(options.candidates_per_gap)
                    .map(|(e, c)| {
                        let x = ent(e);
                        GapCandidate {
                            credit_code: x.credit_code.clone(),
                            name: x.name.clone(),
                            region: x.region,
                            region_name: region_name(x.region),
                            capacity: c,
                            leading: x.leading,
                            specialised: x.specialised,
                        }
                    })
                    .collect(),
            });
        }
    }

    let key = key_enterprises(snap, &links, &by_ent_in, &cap_in, &top_producer);
    let key_enterprises_total = key.len();
    Ok(ChainAnalysis {
        chain: ChainSummary {
            id: chain.id.clone(),
            name: chain.name.clone(),
        },
        scope: scope.clone(),
        options: *options,
        links,
        breakpoints,
        bottlenecks,
        chokepoints,
        gaps_to_fill,
        key_enterprises: key.into_iter().take(options.max_key_enterprises).collect(),
        key_enterprises_total,
    })
}

/// Key enterprises (重点企业): in-scope producers that are leading or 专精特新, or the largest or only
/// producer of a needed link. Ordered leading first, then by number of reasons, then largest share.
fn key_enterprises(
    snap: &ChainSnapshot,
    links: &[LinkReport],
    by_ent_in: &[HashMap<u32, f64>],
    cap_in: &[f64],
    top_producer: &[Option<u32>],
) -> Vec<KeyEnterprise> {
    let mut acc: HashMap<u32, KeyEnterprise> = HashMap::new();
    for (l, r) in links.iter().enumerate() {
        for (&e, &c) in &by_ent_in[l] {
            let x = &snap.enterprises[e as usize];
            let is_top = top_producer[l] == Some(e) && r.needed;
            let is_only = by_ent_in[l].len() == 1 && r.needed;
            if !(x.leading || x.specialised || is_top) {
                continue;
            }
            let k = acc.entry(e).or_insert_with(|| KeyEnterprise {
                credit_code: x.credit_code.clone(),
                name: x.name.clone(),
                region: x.region,
                region_name: x.region.region().name.clone(),
                leading: x.leading,
                specialised: x.specialised,
                links: Vec::new(),
                reasons: [(x.leading, "龙头企业"), (x.specialised, "专精特新")]
                    .iter()
                    .filter(|(f, _)| *f)
                    .map(|(_, s)| s.to_string())
                    .collect(),
                max_share: 0.0,
            });
            k.links.push(r.id.clone());
            k.max_share = k.max_share.max(c / cap_in[l]);
            if is_only {
                k.reasons.push(format!("{}唯一生产企业", r.name));
            } else if is_top {
                k.reasons.push(format!("{}最大生产企业", r.name));
            }
        }
    }
    let mut out: Vec<KeyEnterprise> = acc.into_values().collect();
    out.sort_by(|a, b| {
        b.leading
            .cmp(&a.leading)
            .then(b.reasons.len().cmp(&a.reasons.len()))
            .then(cmp_f64_desc(a.max_share, b.max_share))
            .then(a.credit_code.cmp(&b.credit_code))
    });
    out
}

#[cfg(test)]
mod tests;
