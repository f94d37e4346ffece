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
//! - **Bottleneck** (堵点): a needed link with producers in S where `C(l) < D(l)` (capacity shortfall; as
//!   `C < D·(1 − 10⁻⁹)`, so that rounding in the sums does not make an exact match a shortfall), or
//!   exactly one enterprise makes it in S (single source), or `HHI(l) = Σ_e (c_e / C(l))² ≥ θ`, the sum
//!   over enterprises e in S of their squared capacity shares (θ = 0.5 by default; no HHI when `C = 0`).
//! - **Chokepoint** (卡点): a link marked as import-dependent key technology, whatever the scope.
//!
//! Cost: O(|L| + |BOM| + P + R + P_out·log P_out) for P producers, R supply relations and the sorting of
//! out-of-scope candidates; the scope test is one array look-up per row.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use chaindock_model::{
    Chain, ChainId, ChainSnapshot, CreditCode, LinkId, ModelError, Region, RegionCode, Scope, Segment, Unit,
};
use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

/// Thresholds and list lengths; the defaults are what the department uses.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
        Self { hhi_threshold: 0.5, candidates_per_gap: 5, leaders_per_link: 5, max_key_enterprises: 50 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Chain(#[from] ModelError),
    #[error("the snapshot's {what} row {row} refers to {field} {index}, which does not exist")]
    BadIndex { what: &'static str, row: usize, field: &'static str, index: u32 },
    #[error("the HHI threshold must lie in (0, 1], not {0}")]
    Threshold(f64),
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BottleneckReason {
    CapacityShortfall { capacity: f64, demand: f64 },
    SingleProducer { enterprise: String },
    Concentrated { hhi: f64 },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainSummary {
    pub id: ChainId,
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceShare {
    pub region: RegionCode,
    pub region_name: String,
    pub in_scope: bool,
    pub share: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// The BOM as a graph in evaluation order: for each link its outgoing edges (to the outputs it goes into),
/// and the links from the most downstream up. Built with petgraph's topological sort.
#[derive(Debug, Clone)]
struct BomOrder {
    outputs: Vec<Vec<(usize, f64)>>,
    downstream_first: Vec<usize>,
}

impl BomOrder {
    fn new(chain: &Chain) -> Result<Self, AnalysisError> {
        chain.validate()?;
        let index: HashMap<&LinkId, usize> = chain.links.iter().enumerate().map(|(i, l)| (&l.id, i)).collect();
        let mut g: DiGraph<usize, f64> = DiGraph::with_capacity(chain.links.len(), chain.bom.len());
        let nodes: Vec<NodeIndex> = (0..chain.links.len()).map(|i| g.add_node(i)).collect();
        let mut outputs = vec![Vec::new(); chain.links.len()];
        for e in &chain.bom {
            let (i, o) = (index[&e.input], index[&e.output]);
            g.add_edge(nodes[i], nodes[o], e.quantity);
            outputs[i].push((o, e.quantity));
        }
        // `validate` rejected cycles, so the sort succeeds.
        let order = toposort(&g, None)
            .map_err(|_| ModelError::Chain { chain: chain.id.to_string(), reason: "the BOM has a cycle".into() })?;
        Ok(Self { outputs, downstream_first: order.into_iter().rev().map(|n| g[n]).collect() })
    }

    /// `(D, N)` per link for capacities `c`: `D(i) = Σ r(i,o)·N(o)`, `N(i) = max(c(i), D(i))`.
    fn demand(&self, capacity: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = capacity.len();
        let (mut d, mut need) = (vec![0.0; n], vec![0.0; n]);
        for &i in &self.downstream_first {
            // `+ 0.0` turns the −0.0 that an empty float sum yields into 0.0.
            d[i] = self.outputs[i].iter().map(|(o, q)| q * need[*o]).sum::<f64>() + 0.0;
            need[i] = capacity[i].max(d[i]);
        }
        (d, need)
    }
}

/// Demand and need per link (indexed like `chain.links`) for the given capacities, by the rule in the
/// module docs. O(|L| + |BOM|).
pub fn demand(chain: &Chain, capacity: &[f64]) -> Result<(Vec<f64>, Vec<f64>), AnalysisError> {
    Ok(BomOrder::new(chain)?.demand(capacity))
}

fn cmp_f64_desc(a: f64, b: f64) -> Ordering {
    b.partial_cmp(&a).unwrap_or(Ordering::Equal)
}

/// In-scope producers of one link in one county: count, Σ capacity and Σ capacity² (for the HHI).
#[derive(Debug, Clone, Copy, Default)]
struct CountyAgg {
    county: u16,
    producers: u32,
    capacity: f64,
    capacity_sq: f64,
}

/// A chain snapshot reorganised once so that each scope costs little more than a pass over the
/// divisions, whatever the number of rows: producers are aggregated per (link, enterprise) and then per
/// (link, county), kept sorted for the leader and candidate lists, and supply relations are summed per
/// (link, buyer county, supplier county). Scope-independent work is O(P + R + P log P); each
/// [`PreparedChain::analyze`] is O(|L|·counties + supply cells + the producers it lists).
#[derive(Debug, Clone)]
pub struct PreparedChain<'a> {
    snap: &'a ChainSnapshot,
    bom: BomOrder,
    is_input: Vec<bool>,
    /// Dense division index of each enterprise.
    county_of: Vec<u16>,
    counties: Vec<Vec<CountyAgg>>,
    /// Per link: (enterprise, capacity), leading first, then capacity descending.
    ranked: Vec<Vec<(u32, f64)>>,
    /// Per link: (enterprise, capacity) by capacity descending.
    by_capacity: Vec<Vec<(u32, f64)>>,
    /// Per link: producers that are leading or 专精特新.
    flagged: Vec<Vec<(u32, f64)>>,
    /// Per link: (buyer county, supplier county, Σ share).
    supply: Vec<Vec<(u16, u16, f64)>>,
    producers_total: Vec<usize>,
}

impl<'a> PreparedChain<'a> {
    pub fn new(snap: &'a ChainSnapshot) -> Result<Self, AnalysisError> {
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
                return Err(AnalysisError::BadIndex { what: "producer", row, field: "link", index: p.link });
            }
        }
        for (row, s) in snap.supply.iter().enumerate() {
            for (field, index) in [("supplier", s.supplier), ("buyer", s.buyer)] {
                if index >= ne {
                    return Err(AnalysisError::BadIndex { what: "supply", row, field, index });
                }
            }
            if s.link as usize >= n {
                return Err(AnalysisError::BadIndex { what: "supply", row, field: "link", index: s.link });
            }
        }
        let bom = BomOrder::new(chain)?;
        let is_input: Vec<bool> = bom.outputs.iter().map(|o| !o.is_empty()).collect();
        let county_of: Vec<u16> = snap.enterprises.iter().map(|e| e.region.index() as u16).collect();

        // Capacity per (link, enterprise): sort the rows and merge duplicates.
        let mut rows: Vec<(u32, u32, f64)> =
            snap.producers.iter().map(|p| (p.link, p.enterprise, p.capacity)).collect();
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        let mut per_ent: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for (l, e, c) in rows {
            let list = &mut per_ent[l as usize];
            match list.last_mut() {
                Some(last) if last.0 == e => last.1 += c,
                _ => list.push((e, c)),
            }
        }
        let ent = |e: u32| &snap.enterprises[e as usize];
        let divisions = Region::all().len();
        let mut counties = Vec::with_capacity(n);
        let mut ranked = Vec::with_capacity(n);
        let mut by_capacity = Vec::with_capacity(n);
        let mut flagged = Vec::with_capacity(n);
        let mut producers_total = Vec::with_capacity(n);
        for mut list in per_ent {
            let mut agg: Vec<CountyAgg> =
                (0..divisions).map(|c| CountyAgg { county: c as u16, ..Default::default() }).collect();
            for &(e, c) in &list {
                let a = &mut agg[county_of[e as usize] as usize];
                a.producers += 1;
                a.capacity += c;
                a.capacity_sq += c * c;
            }
            agg.retain(|a| a.producers > 0);
            counties.push(agg);
            list.sort_by(|a, b| cmp_f64_desc(a.1, b.1).then(a.0.cmp(&b.0)));
            producers_total.push(list.len());
            flagged.push(list.iter().copied().filter(|(e, _)| ent(*e).leading || ent(*e).specialised).collect());
            let mut r = list.clone();
            // Stable: among equals the capacity order of `list` holds.
            r.sort_by_key(|(e, _)| !ent(*e).leading);
            ranked.push(r);
            by_capacity.push(list);
        }
        // Supply shares per (buyer division, supplier division), summed in a dense grid per link.
        let mut grids: Vec<Vec<f64>> = vec![Vec::new(); n];
        for s in &snap.supply {
            let grid = &mut grids[s.link as usize];
            if grid.is_empty() {
                grid.resize(divisions * divisions, 0.0);
            }
            grid[county_of[s.buyer as usize] as usize * divisions + county_of[s.supplier as usize] as usize] += s.share;
        }
        let supply = grids
            .into_iter()
            .map(|grid| {
                grid.iter()
                    .enumerate()
                    .filter(|(_, w)| **w > 0.0)
                    .map(|(i, w)| ((i / divisions) as u16, (i % divisions) as u16, *w))
                    .collect()
            })
            .collect();
        Ok(Self { snap, bom, is_input, county_of, counties, ranked, by_capacity, flagged, supply, producers_total })
    }

    /// The panorama of the chain in `scope` and its three lists.
    pub fn analyze(&self, scope: &Scope, options: &AnalysisOptions) -> Result<ChainAnalysis, AnalysisError> {
        if !(options.hhi_threshold > 0.0 && options.hhi_threshold <= 1.0) {
            return Err(AnalysisError::Threshold(options.hhi_threshold));
        }
        let snap = self.snap;
        let chain = &snap.chain;
        let n = chain.links.len();
        let mask = scope.mask();
        let regions = Region::all();
        let inside = |e: u32| mask[self.county_of[e as usize] as usize];
        let ent = |e: u32| &snap.enterprises[e as usize];
        let city_of = |county: u16| regions[county as usize].code.city();

        let mut cap_in = vec![0.0; n];
        let mut cap_out = vec![0.0; n];
        let mut count_in = vec![0usize; n];
        let mut sumsq_in = vec![0.0; n];
        for l in 0..n {
            for a in &self.counties[l] {
                if mask[a.county as usize] {
                    cap_in[l] += a.capacity;
                    count_in[l] += a.producers as usize;
                    sumsq_in[l] += a.capacity_sq;
                } else {
                    cap_out[l] += a.capacity;
                }
            }
        }
        let (d, _need) = self.bom.demand(&cap_in);

        let mut links = Vec::with_capacity(n);
        let mut top_producer: Vec<Option<u32>> = vec![None; n];
        for (l, link) in chain.links.iter().enumerate() {
            let producers_in = count_in[l];
            let needed = d[l] > 0.0 || !self.is_input[l];
            let hhi = (cap_in[l] > 0.0).then(|| sumsq_in[l] / (cap_in[l] * cap_in[l]));
            top_producer[l] = self.by_capacity[l].iter().find(|(e, _)| inside(*e)).map(|(e, _)| *e);
            let mut reasons = Vec::new();
            if needed && producers_in > 0 {
                if cap_in[l] < d[l] * (1.0 - 1e-9) {
                    reasons.push(BottleneckReason::CapacityShortfall { capacity: cap_in[l], demand: d[l] });
                }
                if producers_in == 1 {
                    let only = top_producer[l].expect("one in-scope producer was counted");
                    reasons.push(BottleneckReason::SingleProducer { enterprise: ent(only).name.clone() });
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

            let leading_producers = self.ranked[l]
                .iter()
                .filter(|(e, _)| inside(*e))
                .take(options.leaders_per_link)
                .map(|&(e, c)| {
                    let x = ent(e);
                    ProducerEntry {
                        credit_code: x.credit_code.clone(),
                        name: x.name.clone(),
                        region: x.region,
                        region_name: x.region.region().name.clone(),
                        capacity: c,
                        share: c / cap_in[l],
                        leading: x.leading,
                        specialised: x.specialised,
                    }
                })
                .collect();

            let mut groups: HashMap<(RegionCode, bool), (usize, f64)> = HashMap::new();
            for a in &self.counties[l] {
                let g = groups.entry((city_of(a.county), mask[a.county as usize])).or_default();
                g.0 += a.producers as usize;
                g.1 += a.capacity;
            }
            let mut producers_by_region: Vec<RegionCapacity> = groups
                .into_iter()
                .map(|((region, in_scope), (producers, capacity))| RegionCapacity {
                    region,
                    region_name: region.region().name.clone(),
                    in_scope,
                    producers,
                    capacity,
                })
                .collect();
            producers_by_region.sort_by(|a, b| {
                b.in_scope.cmp(&a.in_scope).then(cmp_f64_desc(a.capacity, b.capacity)).then(a.region.cmp(&b.region))
            });

            // Ordered, so that the float sums below add in the same order every run.
            let mut sources: BTreeMap<(RegionCode, bool), f64> = BTreeMap::new();
            for &(buyer, supplier, w) in &self.supply[l] {
                if mask[buyer as usize] {
                    *sources.entry((city_of(supplier), mask[supplier as usize])).or_default() += w;
                }
            }
            let total: f64 = sources.values().sum();
            // `+ 0.0`: an empty sum is −0.0, which would print as "-0.0".
            let supply_in_scope_share = (total > 0.0)
                .then(|| (sources.iter().filter(|((_, i), _)| *i).map(|(_, w)| w).sum::<f64>() + 0.0) / total);
            let mut supply_sources: Vec<SourceShare> = sources
                .into_iter()
                .map(|((region, in_scope), w)| SourceShare {
                    region,
                    region_name: region.region().name.clone(),
                    in_scope,
                    share: w / total,
                })
                .collect();
            supply_sources.sort_by(|a, b| cmp_f64_desc(a.share, b.share).then(a.region.cmp(&b.region)));

            links.push(LinkReport {
                id: link.id.clone(),
                name: link.name.clone(),
                segment: link.segment,
                unit: link.unit.clone(),
                import_dependent: link.import_dependent,
                status,
                needed,
                producers_in_scope: producers_in,
                producers_out_of_scope: self.producers_total[l] - producers_in,
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
                    format!("no producer in {}; downstream needs {:.1} {}/day", scope.name, r.demand_in_scope, r.unit)
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
                            format!("capacity {capacity:.1} below demand {demand:.1} {}/day", r.unit)
                        }
                        BottleneckReason::SingleProducer { enterprise } => format!("single producer: {enterprise}"),
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
                gaps_to_fill.push(Gap {
                    link: r.id.clone(),
                    name: r.name.clone(),
                    kind: r.status,
                    shortfall: (r.demand_in_scope - r.capacity_in_scope).max(0.0),
                    unit: r.unit.clone(),
                    candidates: self.ranked[l]
                        .iter()
                        .filter(|(e, _)| !inside(*e))
                        .take(options.candidates_per_gap)
                        .map(|&(e, c)| {
                            let x = ent(e);
                            GapCandidate {
                                credit_code: x.credit_code.clone(),
                                name: x.name.clone(),
                                region: x.region,
                                region_name: x.region.region().name.clone(),
                                capacity: c,
                                leading: x.leading,
                                specialised: x.specialised,
                            }
                        })
                        .collect(),
                });
            }
        }

        let (key_enterprises, key_enterprises_total) =
            self.key_enterprises(&links, &cap_in, &top_producer, &count_in, &inside, options.max_key_enterprises);
        Ok(ChainAnalysis {
            chain: ChainSummary { id: chain.id.clone(), name: chain.name.clone() },
            scope: scope.clone(),
            options: *options,
            links,
            breakpoints,
            bottlenecks,
            chokepoints,
            gaps_to_fill,
            key_enterprises,
            key_enterprises_total,
        })
    }

    /// Key enterprises (重点企业): in-scope producers that are leading or 专精特新, or the largest or only
    /// producer of a needed link. Ordered leading first, then by number of reasons, then largest share.
    /// Returns the first `limit` in full and the total count; candidates are ranked on plain numbers and
    /// only those listed are given names and reasons.
    fn key_enterprises(
        &self,
        links: &[LinkReport],
        cap_in: &[f64],
        top_producer: &[Option<u32>],
        count_in: &[usize],
        inside: &dyn Fn(u32) -> bool,
        limit: usize,
    ) -> (Vec<KeyEnterprise>, usize) {
        struct Acc {
            links: Vec<usize>,
            /// Links where it is the largest (false) or only (true) in-scope producer.
            tops: Vec<(usize, bool)>,
            max_share: f64,
        }
        let snap = self.snap;
        let mut acc: HashMap<u32, Acc> = HashMap::new();
        for (l, r) in links.iter().enumerate() {
            let top = top_producer[l].filter(|_| r.needed);
            let top_entry = top.and_then(|t| self.by_capacity[l].iter().find(|(e, _)| *e == t).copied());
            let candidates = self.flagged[l].iter().filter(|(e, _)| inside(*e)).chain(top_entry.iter());
            for &(e, c) in candidates {
                let a = acc.entry(e).or_insert_with(|| Acc { links: Vec::new(), tops: Vec::new(), max_share: 0.0 });
                if a.links.last() == Some(&l) {
                    continue; // a flagged enterprise that is also the top producer
                }
                a.links.push(l);
                a.max_share = a.max_share.max(c / cap_in[l]);
                if Some(e) == top {
                    a.tops.push((l, count_in[l] == 1));
                }
            }
        }
        let ent = |e: u32| &snap.enterprises[e as usize];
        let reasons = |e: u32, a: &Acc| ent(e).leading as usize + ent(e).specialised as usize + a.tops.len();
        let mut ranked: Vec<(u32, Acc)> = acc.into_iter().collect();
        ranked.sort_by(|(x, a), (y, b)| {
            ent(*y)
                .leading
                .cmp(&ent(*x).leading)
                .then(reasons(*y, b).cmp(&reasons(*x, a)))
                .then(cmp_f64_desc(a.max_share, b.max_share))
                .then(ent(*x).credit_code.cmp(&ent(*y).credit_code))
        });
        let total = ranked.len();
        let listed = ranked
            .into_iter()
            .take(limit)
            .map(|(e, a)| {
                let x = ent(e);
                let mut why: Vec<String> = [(x.leading, "龙头企业"), (x.specialised, "专精特新")]
                    .iter()
                    .filter(|(f, _)| *f)
                    .map(|(_, s)| s.to_string())
                    .collect();
                for (l, only) in &a.tops {
                    let what = if *only { "唯一生产企业" } else { "最大生产企业" };
                    why.push(format!("{}{what}", links[*l].name));
                }
                KeyEnterprise {
                    credit_code: x.credit_code.clone(),
                    name: x.name.clone(),
                    region: x.region,
                    region_name: x.region.region().name.clone(),
                    leading: x.leading,
                    specialised: x.specialised,
                    links: a.links.iter().map(|l| links[*l].id.clone()).collect(),
                    reasons: why,
                    max_share: a.max_share,
                }
            })
            .collect();
        (listed, total)
    }
}

/// The panorama of `snap`'s chain in `scope` and its three lists. To analyse one chain in many scopes,
/// prepare it once with [`PreparedChain::new`].
pub fn analyze(snap: &ChainSnapshot, scope: &Scope, options: &AnalysisOptions) -> Result<ChainAnalysis, AnalysisError> {
    PreparedChain::new(snap)?.analyze(scope, options)
}

#[cfg(test)]
mod tests;
