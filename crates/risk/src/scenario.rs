//! Disruption scenarios (扰动情景): regions locked down, enterprises stopped, links cut, for N days.
//!
//! A [`Disruption`] names what stops; [`Disruption::nodes`] finds the nodes it stops; [`propagate`] follows
//! the shortage down the network, tier by tier, with the day each node runs out; [`simulate`] adds the lost
//! output, which the linear programme of [`crate::impact`] computes exactly (unless told to skip it,
//! [`LossProgramme::Skip`]: the programme is an LP over the whole network, the propagation O(V + E)).
//!
//! # What is disrupted
//!
//! A node is disrupted when its region lies in a locked-down division, its enterprise is stopped, or its
//! link is cut (a cut link stops every producer of it). Division codes have six digits: a province
//! (`130000`) covers every code with its first two digits, a city (`130200`) every code with its first
//! four, a county only itself. A node without a region is never in a locked-down one.
//!
//! The disruption starts on day `start` (day 0 is today) and lasts `days`, so it ends on day
//! `end = start + days`; when it ends every disrupted node is back at once (no ramp-up in this model).
//!
//! # Timing: when each node runs out (the propagation model)
//!
//! *Throughput.* Every node runs at a normal daily rate θ, derived from the demand for finished products
//! down the bill of materials: a finished product is asked for its demand rate d; a node is asked for what
//! its buyers draw from it; it runs at `θ = min(asked, c)`. A buyer j running at θ_j needs `θ_j · r_ij` of
//! input k from supplier i; the need of an input is split among its alternative suppliers P_jk in proportion
//! to their capacities c_i (equally when all are 0). Buyers come before suppliers in reverse topological
//! order, so one pass finds every θ.
//!
//! *Spare capacity* `c_i − θ_i` is what an undisrupted supplier can add when another supplier fails. It is
//! shared among the supplier's uses (buyer j, input k) in proportion to what each normally draws (equally
//! when it draws nothing), so that two buyers never both count on the same spare unit.
//!
//! *Disrupted nodes* stop producing on day `start`; their stock s covers their buyers for s / θ more days:
//! they **run out** on day `start + s / θ`.
//!
//! *A buyer runs short of an input* on the first day on which the input's suppliers that have run out by then
//! took more of its need than the spare capacity of the input's other suppliers can make up. Measured in
//! units of the buyer's output per day: with the suppliers ordered by the day they run out, input k is short
//! on the first such day t at which `Σ_{i out by t} θ_j·share_i > Σ_{i not out by t} spare_ij / r_ij`.
//! A node short of any input is taken as stopped (a missing part stops an assembly line: the worst case),
//! and its own stock of its product then lasts `s_j / θ_j` more days: it **runs out** on day
//! `min_k short_k + s_j / θ_j`.
//!
//! Only what happens before the disruption ends counts: a node whose stock lasts until day `end` or later,
//! or whose input never runs short before then, **never** runs out (`None`). Alternatives that cover a
//! failed supplier are the usual reason for "never".
//!
//! The timing is a first-order model: it does not lower a buyer's supply when a supplier that is still
//! running is asked for more than its capacity, and it stops a node at the first shortage rather than
//! slowing it. How much is lost is not its business: that is the programme's.
//!
//! # Tiers
//!
//! Tier 0 holds the disrupted nodes, tier t + 1 the buyers of tier-t nodes not in an earlier tier: the
//! breadth-first distance from the disrupted set along supplier → buyer edges. Every node downstream of the
//! disruption gets a tier, whether it runs out or not; a node in no tier is not downstream and never runs
//! out.
//!
//! # Amounts: lost output (the programme)
//!
//! What the network loses is the optimum of the time-to-recover programme of [`crate::impact`] with the
//! disrupted nodes out for `days` days: the least loss of finished products over all ways of rerouting the
//! rest of the network's capacity and stock, exact where the timing model is a heuristic. The timing says
//! *when and where* the shortage arrives; the programme says *how much* is lost. The programme does not
//! depend on `start` (stock is what it is on the first day of the disruption).
//!
//! # Cost
//!
//! [`Disruption::nodes`] is O(V · (R + N + L)) for R regions, N enterprises and L links named. [`tiers`] is a
//! breadth-first search, O(V + E). [`propagate`] is one pass in reverse topological order and one in
//! topological order, O(V + E), plus sorting the suppliers of each input hit by the disruption by the day
//! they run out, O(E log Δ) at worst for Δ the most alternative suppliers of one input.

use serde::Serialize;

use crate::network::{Input, Network, NodeSpec};

/// What a scenario stops: regions locked down, enterprises stopped, links cut.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Disruption {
    /// Six-digit division codes: a province covers its first two digits, a city its first four.
    #[serde(default)]
    pub regions: Vec<u32>,
    /// Enterprises stopped, as the nodes name them (`NodeSpec::enterprise`, a credit code from a registry).
    #[serde(default)]
    pub enterprises: Vec<String>,
    /// Links cut (`NodeSpec::link`): every producer of each stops.
    #[serde(default)]
    pub links: Vec<String>,
}

/// Whether division `code` lies in division `division` (six-digit codes; see the module documentation).
pub fn region_contains(division: u32, code: u32) -> bool {
    if division.is_multiple_of(10_000) {
        division / 10_000 == code / 10_000
    } else if division.is_multiple_of(100) {
        division / 100 == code / 100
    } else {
        division == code
    }
}

impl Disruption {
    /// Whether this disruption stops the node.
    pub fn stops(&self, spec: &NodeSpec) -> bool {
        spec.region.is_some_and(|r| self.regions.iter().any(|&d| region_contains(d, r)))
            || spec.enterprise.as_ref().is_some_and(|e| self.enterprises.contains(e))
            || spec.link.as_ref().is_some_and(|l| self.links.contains(l))
    }

    /// The nodes of `net` it stops, ascending.
    pub fn nodes(&self, net: &Network) -> Vec<usize> {
        (0..net.len()).filter(|&j| self.stops(&net.nodes[j].spec)).collect()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("{field} is {value}; it must be a number {need}")]
    BadWindow { field: &'static str, value: f64, need: &'static str },
}

/// When a disruption starts and how long it lasts, in days from today.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    pub start: f64,
    pub days: f64,
}

impl Window {
    /// A window starting on day `start` (≥ 0) and lasting `days` (> 0), both finite.
    pub fn new(start: f64, days: f64) -> Result<Window, ScenarioError> {
        if !(days.is_finite() && days > 0.0) {
            return Err(ScenarioError::BadWindow { field: "days", value: days, need: "> 0" });
        }
        if !(start.is_finite() && start >= 0.0) {
            return Err(ScenarioError::BadWindow { field: "start", value: start, need: "≥ 0" });
        }
        Ok(Window { start, days })
    }

    /// The day the disruption ends and the disrupted nodes are back.
    pub fn end(&self) -> f64 {
        self.start + self.days
    }
}

/// An input of a node that the disruption reaches: one of its suppliers is disrupted or runs out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitInput {
    /// The buying node.
    pub buyer: usize,
    /// The input's position in the buyer's `inputs`.
    pub input: usize,
    /// The suppliers of the input that are disrupted or run out before the disruption ends.
    pub failed: Vec<usize>,
    /// The first day one of them runs out (`None` when all of them have stock to the end).
    pub first_out: Option<f64>,
    /// The day the buyer runs short of the input (`None`: the other suppliers' spare capacity covers it).
    pub short_day: Option<f64>,
    /// Units of the input per day the failed suppliers normally deliver to the buyer.
    pub lost_rate: f64,
}

/// The timing of a disruption through the network, by node index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Propagation {
    pub window: Window,
    /// The normal daily rate of each node.
    pub throughput: Vec<f64>,
    /// Each node's tier: 0 disrupted, t + 1 buyers of tier t; `None` when not downstream.
    pub tier: Vec<Option<u32>>,
    /// The day each node runs out of its product; `None`: never before the disruption ends.
    pub runs_out: Vec<Option<f64>>,
    /// Inputs the disruption reaches, in topological order of their buyers.
    pub hit: Vec<HitInput>,
}

impl Propagation {
    /// Nodes per tier (index = tier), the tiers of [`tiers`] counted.
    pub fn tier_sizes(&self) -> Vec<usize> {
        tier_sizes(&self.tier)
    }
}

/// How many nodes are in each tier (index = tier).
pub fn tier_sizes(tier: &[Option<u32>]) -> Vec<usize> {
    let mut sizes = Vec::new();
    for t in tier.iter().flatten() {
        let t = *t as usize;
        if sizes.len() <= t {
            sizes.resize(t + 1, 0);
        }
        sizes[t] += 1;
    }
    sizes
}

/// The breadth-first distance of every node from `disrupted` along supplier → buyer edges (`None` when
/// unreachable). O(V + E).
pub fn tiers(net: &Network, disrupted: &[usize]) -> Vec<Option<u32>> {
    let mut tier = vec![None; net.len()];
    let mut queue = Vec::with_capacity(disrupted.len());
    for &d in disrupted {
        if tier[d].is_none() {
            tier[d] = Some(0);
            queue.push(d);
        }
    }
    let mut head = 0;
    while head < queue.len() {
        let i = queue[head];
        head += 1;
        let next = tier[i].map_or(0, |t| t + 1);
        for &c in &net.nodes[i].children {
            if tier[c].is_none() {
                tier[c] = Some(next);
                queue.push(c);
            }
        }
    }
    tier
}

/// The share of input `input`'s need that each of its suppliers normally covers: proportional to capacity,
/// equal when no supplier has any.
pub(crate) fn shares(net: &Network, input: &Input) -> impl Iterator<Item = f64> {
    let total: f64 = input.suppliers.iter().map(|s| net.nodes[s.supplier].spec.c).sum();
    let n = input.suppliers.len() as f64;
    input.suppliers.iter().map(move |s| if total > 0.0 { net.nodes[s.supplier].spec.c / total } else { 1.0 / n })
}

/// Every node's normal daily rate θ (see the module documentation): finished products asked for d, every
/// node for what its buyers draw, each running at `min(asked, c)`. O(V + E).
pub fn throughputs(net: &Network) -> Vec<f64> {
    let mut asked: Vec<f64> = net.nodes.iter().map(|n| if n.spec.product { n.spec.d } else { 0.0 }).collect();
    let mut theta = vec![0.0; net.len()];
    for &j in net.topo.iter().rev() {
        theta[j] = asked[j].min(net.nodes[j].spec.c);
        for input in &net.nodes[j].inputs {
            for (s, share) in input.suppliers.iter().zip(shares(net, input)) {
                asked[s.supplier] += theta[j] * share * s.r;
            }
        }
    }
    theta
}

/// Follow a disruption of `disrupted` during `window` down the network: tiers, the day each node runs out,
/// the inputs hit. O(V + E + E log Δ); the model is in the module documentation.
pub fn propagate(net: &Network, disrupted: &[usize], window: Window) -> Propagation {
    let n = net.len();
    let theta = throughputs(net);
    let end = window.end();
    let mut is_disrupted = vec![false; n];
    for &d in disrupted {
        is_disrupted[d] = true;
    }

    // Spare capacity and how it is shared: each supplier's total normal outflow to buyers (in its own
    // units) and its number of uses, for the pro-rata split.
    let spare: Vec<f64> = (0..n).map(|i| (net.nodes[i].spec.c - theta[i]).max(0.0)).collect();
    let mut outflow = vec![0.0; n];
    let mut uses = vec![0usize; n];
    for (j, node) in net.nodes.iter().enumerate() {
        for input in &node.inputs {
            for (s, share) in input.suppliers.iter().zip(shares(net, input)) {
                outflow[s.supplier] += theta[j] * share * s.r;
                uses[s.supplier] += 1;
            }
        }
    }
    // Spare of supplier i reserved for a use drawing `flow` of i's units per day.
    let reserve = |i: usize, flow: f64| {
        if outflow[i] > 0.0 { spare[i] * flow / outflow[i] } else { spare[i] / uses[i].max(1) as f64 }
    };

    // The day each node stops producing (disrupted: `start`; short of an input: that day) and the day its
    // stock of its product runs out; `None` when that does not happen before the disruption ends.
    let mut stops: Vec<Option<f64>> = vec![None; n];
    let mut runs_out: Vec<Option<f64>> = vec![None; n];
    let mut hit = Vec::new();
    // (day, change of the lost flow, change of the spare gone), both in the buyer's units per day
    let mut events: Vec<(f64, f64, f64)> = Vec::new();
    for &j in &net.topo {
        let short = if is_disrupted[j] {
            Some(window.start)
        } else {
            let mut short: Option<f64> = None;
            for (k, input) in net.nodes[j].inputs.iter().enumerate() {
                events.clear();
                let mut failed = Vec::new();
                let (mut total_reserve, mut lost_rate) = (0.0, 0.0);
                for (s, share) in input.suppliers.iter().zip(shares(net, input)) {
                    let i = s.supplier;
                    let flow = theta[j] * share;
                    let spare_j = reserve(i, flow * s.r) / s.r;
                    total_reserve += spare_j;
                    if let Some(stop) = stops[i] {
                        failed.push(i);
                        lost_rate += flow * s.r;
                        // A supplier that stopped adds nothing from then on and ships its stock until
                        // it runs out.
                        events.push((stop, 0.0, spare_j));
                        if let Some(day) = runs_out[i] {
                            events.push((day, flow, 0.0));
                        }
                    }
                }
                if failed.is_empty() {
                    continue;
                }
                events.sort_by(|a, b| a.0.total_cmp(&b.0));
                // A shortfall smaller than this is rounding, not a shortage.
                let tolerance = 1e-9 * theta[j].max(1.0);
                let (mut lost, mut gone) = (0.0, 0.0);
                let mut short_k = None;
                for &(day, d_lost, d_gone) in &events {
                    lost += d_lost;
                    gone += d_gone;
                    if lost > total_reserve - gone + tolerance {
                        short_k = Some(day);
                        break;
                    }
                }
                if let Some(d) = short_k {
                    short = Some(short.map_or(d, |s: f64| s.min(d)));
                }
                let first_out = failed.iter().filter_map(|&i| runs_out[i]).min_by(f64::total_cmp);
                hit.push(HitInput { buyer: j, input: k, failed, first_out, short_day: short_k, lost_rate });
            }
            short
        };
        // A node nobody draws from (θ = 0) leaves no one short and never runs out.
        if let Some(t) = short
            && t < end
        {
            stops[j] = Some(t);
            if theta[j] > 0.0 {
                let day = t + net.nodes[j].spec.s / theta[j];
                runs_out[j] = (day < end).then_some(day);
            }
        }
    }
    Propagation { window, throughput: theta, tier: tiers(net, disrupted), runs_out, hit }
}

/// A disruption's whole story: who stops, when the shortage reaches each node, and what is lost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// The nodes the disruption stops, ascending.
    pub disrupted: Vec<usize>,
    pub propagation: Propagation,
    /// The time-to-recover programme with the disrupted nodes out for the window's days; `None` when it was
    /// not asked for ([`LossProgramme::Skip`]).
    pub loss: Option<crate::impact::Loss>,
}

/// Whether [`simulate`] solves the loss programme. The propagation alone is O(V + E); the programme is an
/// LP over the whole network, which on large networks takes far longer than everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossProgramme {
    Solve,
    Skip,
}

/// Stop what `disruption` names for `window`: the tiers and days of [`propagate`] and, unless `loss` is
/// [`LossProgramme::Skip`], the loss of [`crate::impact::loss`] over `window.days`. O(V + E) plus, with the
/// loss, two solves of the programme.
pub fn simulate(
    net: &Network,
    disruption: &Disruption,
    window: Window,
    loss: LossProgramme,
) -> Result<Scenario, crate::ImpactError> {
    let disrupted = disruption.nodes(net);
    let propagation = propagate(net, &disrupted, window);
    let loss = match loss {
        LossProgramme::Solve => Some(crate::impact::loss(net, &disrupted, window.days)?),
        LossProgramme::Skip => None,
    };
    Ok(Scenario { disrupted, propagation, loss })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{EdgeSpec, NetworkFile};

    fn node(id: &str, c: f64, s: f64) -> NodeSpec {
        NodeSpec {
            id: id.into(),
            f: 1.0,
            d: 0.0,
            s,
            c,
            ttr: 5.0,
            product: false,
            inputs: Vec::new(),
            enterprise: None,
            link: None,
            name: None,
            region: None,
        }
    }

    fn product(id: &str, c: f64, s: f64, d: f64) -> NodeSpec {
        NodeSpec { product: true, d, ..node(id, c, s) }
    }

    fn edge(s: &str, b: &str, k: &str) -> EdgeSpec {
        EdgeSpec { supplier: s.into(), buyer: b.into(), input: k.into(), r: 1.0 }
    }

    fn net(nodes: Vec<NodeSpec>, edges: Vec<EdgeSpec>) -> Network {
        Network::new(NetworkFile { nodes, edges }).unwrap()
    }

    fn run(net: &Network, disrupted: &[&str], start: f64, days: f64) -> Propagation {
        let d: Vec<usize> = disrupted.iter().map(|id| net.position(id).unwrap()).collect();
        propagate(net, &d, Window::new(start, days).unwrap())
    }

    fn day(p: &Propagation, net: &Network, id: &str) -> Option<f64> {
        p.runs_out[net.position(id).unwrap()]
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    /// a → b → p, capacity 10 each, p demanded at 8 a day, so θ = 8 everywhere (no spare anyone can use:
    /// a is b's only supplier). Stocks 16, 8, 16: two days, one day, two days of throughput.
    fn chain3() -> Network {
        net(
            vec![node("a", 10.0, 16.0), node("b", 10.0, 8.0), product("p", 10.0, 16.0, 8.0)],
            vec![edge("a", "b", "ore"), edge("b", "p", "part")],
        )
    }

    #[test]
    fn a_chain_of_three_runs_out_stock_after_stock() {
        let n = chain3();
        assert_eq!(throughputs(&n), vec![8.0, 8.0, 8.0]);
        // a stops on day 0 and ships its stock 16 / 8 = 2 days; b is short from day 2 and ships its own
        // stock 8 / 8 = 1 day more: day 3; p then sells 16 / 8 = 2 days: day 5.
        let p = run(&n, &["a"], 0.0, 10.0);
        assert!(close(day(&p, &n, "a"), Some(2.0)));
        assert!(close(day(&p, &n, "b"), Some(3.0)));
        assert!(close(day(&p, &n, "p"), Some(5.0)));
        assert_eq!(p.tier, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(p.tier_sizes(), vec![1, 1, 1]);
        assert_eq!(p.hit.len(), 2);
        assert!(close(p.hit[0].short_day, Some(2.0)) && p.hit[0].lost_rate == 8.0, "{:?}", p.hit[0]);
        // Over four days p's stock outlasts the disruption: it never runs out.
        let p = run(&n, &["a"], 0.0, 4.0);
        assert_eq!(p.runs_out, vec![Some(2.0), Some(3.0), None]);
        // Stopping b instead: b ships its stock for one day, p two more.
        let p = run(&n, &["b"], 0.0, 10.0);
        assert_eq!(p.runs_out, vec![None, Some(1.0), Some(3.0)]);
        assert_eq!(p.tier, vec![None, Some(0), Some(1)]);
    }

    #[test]
    fn a_later_start_shifts_every_day() {
        let n = chain3();
        let p = run(&n, &["a"], 3.0, 10.0);
        assert_eq!(p.runs_out, vec![Some(5.0), Some(6.0), Some(8.0)]);
        // Ending on day 3 + 4.5 = 7.5: p's day 8 comes after the end.
        let p = run(&n, &["a"], 3.0, 4.5);
        assert_eq!(p.runs_out, vec![Some(5.0), Some(6.0), None]);
    }

    /// a1 and a2 both supply b's input; b → p, p demanded at 8 a day.
    fn diamond(c2: f64) -> Network {
        net(
            vec![
                node("a1", 12.0, 12.0),
                node("a2", c2, 12.0),
                node("b", 10.0, 8.0),
                product("p", 10.0, 16.0, 8.0),
                node("x", 5.0, 0.0),
            ],
            vec![edge("a1", "b", "steel"), edge("a2", "b", "steel"), edge("b", "p", "body")],
        )
    }

    #[test]
    fn an_alternative_supplier_covers_or_not() {
        // c2 = 8: b's need of 8 splits 12 : 8 = 4.8 from a1 and 3.2 from a2, whose spare is 8 − 3.2 = 4.8:
        // exactly what a1 took. Covered, nobody downstream runs out.
        let n = diamond(8.0);
        let th = throughputs(&n);
        assert!((th[0] - 4.8).abs() < 1e-12 && (th[1] - 3.2).abs() < 1e-12, "{th:?}");
        let p = run(&n, &["a1"], 0.0, 30.0);
        assert!(close(day(&p, &n, "a1"), Some(12.0 / 4.8)));
        assert_eq!(day(&p, &n, "b"), None);
        assert_eq!(day(&p, &n, "p"), None);
        assert_eq!(p.hit.len(), 1);
        assert_eq!(p.hit[0].short_day, None);
        // Tiers are reachability: b and p are downstream even though they never run out; x is not.
        assert_eq!(p.tier, vec![Some(0), None, Some(1), Some(2), None]);
        // c2 = 4: shares 12 : 4, flows 6 and 2, a2's spare 2 < the 6 lost. a1 runs out on 12 / 6 = 2, b is
        // short from then and ships 8 / 8 = 1 day more, p 16 / 8 = 2 more.
        let n = diamond(4.0);
        let p = run(&n, &["a1"], 0.0, 30.0);
        assert_eq!(p.runs_out, vec![Some(2.0), None, Some(3.0), Some(5.0), None]);
        // Both suppliers stopped: the first to run out leaves b short (a2: 12 / 2 = 6 days; a1: 2 days).
        let p = run(&n, &["a1", "a2"], 0.0, 30.0);
        assert_eq!(p.runs_out, vec![Some(2.0), Some(6.0), Some(3.0), Some(5.0), None]);
    }

    #[test]
    fn a_supplier_short_of_its_own_input_stops_adding_spare() {
        // u feeds a2 only; a1 and a2 supply b. When u stops, a2 stops producing on the day u runs out,
        // so a2's spare is no longer there for b when a1 fails later.
        let n = net(
            vec![
                node("u", 10.0, 2.0),
                node("a1", 12.0, 12.0),
                node("a2", 8.0, 100.0),
                node("b", 10.0, 8.0),
                product("p", 10.0, 16.0, 8.0),
            ],
            vec![edge("u", "a2", "ore"), edge("a1", "b", "steel"), edge("a2", "b", "steel"), edge("b", "p", "body")],
        );
        // θ: b 8; a1 4.8, a2 3.2; u 3.2. u runs out on 2 / 3.2 = 0.625, a2 stops then; a2's stock lasts
        // 100 / 3.2 = 31.25 days more. a1 runs out on 12 / 4.8 = 2.5, and nothing makes up its 4.8: b is
        // short from 2.5 and runs out on 3.5; p on 5.5.
        let p = run(&n, &["u", "a1"], 0.0, 30.0);
        assert!(close(day(&p, &n, "u"), Some(0.625)));
        assert_eq!(day(&p, &n, "a2"), None, "its stock outlasts the 30 days");
        assert!(close(day(&p, &n, "b"), Some(3.5)));
        assert!(close(day(&p, &n, "p"), Some(5.5)));
        // Without u's failure a2's spare of 4.8 covers a1's 4.8.
        let p = run(&n, &["a1"], 0.0, 30.0);
        assert_eq!(day(&p, &n, "b"), None);
    }

    #[test]
    fn regions_enterprises_and_links_select_nodes() {
        let mut a = node("a", 1.0, 0.0);
        a.region = Some(130203);
        a.enterprise = Some("E1".into());
        a.link = Some("steel".into());
        let mut b = node("b", 1.0, 0.0);
        b.region = Some(130606);
        b.enterprise = Some("E2".into());
        b.link = Some("steel".into());
        let mut c = node("c", 1.0, 0.0);
        c.region = Some(110105);
        c.enterprise = Some("E1".into());
        c.link = Some("body".into());
        let n = net(vec![a, b, c, node("d", 1.0, 0.0)], vec![]);
        let by = |regions: &[u32], enterprises: &[&str], links: &[&str]| {
            Disruption {
                regions: regions.to_vec(),
                enterprises: enterprises.iter().map(|s| s.to_string()).collect(),
                links: links.iter().map(|s| s.to_string()).collect(),
            }
            .nodes(&n)
        };
        assert_eq!(by(&[130200], &[], &[]), vec![0], "a city covers its counties");
        assert_eq!(by(&[130000], &[], &[]), vec![0, 1], "a province covers its cities");
        assert_eq!(by(&[130203], &[], &[]), vec![0]);
        assert_eq!(by(&[130204], &[], &[]), Vec::<usize>::new());
        assert_eq!(by(&[110000], &[], &[]), vec![2]);
        assert_eq!(by(&[], &["E1"], &[]), vec![0, 2], "an enterprise stops all its nodes");
        assert_eq!(by(&[], &[], &["steel"]), vec![0, 1], "a cut link stops all its producers");
        assert_eq!(by(&[130600], &[], &["body"]), vec![1, 2]);
    }

    #[test]
    fn bad_windows_name_the_argument() {
        assert_eq!(Window::new(0.0, 0.0).unwrap_err().to_string(), "days is 0; it must be a number > 0");
        assert!(Window::new(0.0, -3.0).is_err());
        assert!(Window::new(0.0, f64::NAN).is_err());
        assert_eq!(Window::new(-1.0, 5.0).unwrap_err().to_string(), "start is -1; it must be a number ≥ 0");
        assert_eq!(Window::new(2.0, 5.0).unwrap().end(), 7.0);
    }

    #[test]
    fn the_loss_programme_can_be_skipped_without_changing_the_propagation() {
        let n = chain3();
        let mut named = n.to_file();
        named.nodes[0].enterprise = Some("A".into());
        let n = Network::new(named).unwrap();
        let stop_a = Disruption { enterprises: vec!["A".into()], ..Disruption::default() };
        let w = Window::new(0.0, 10.0).unwrap();
        let with = simulate(&n, &stop_a, w, LossProgramme::Solve).unwrap();
        let without = simulate(&n, &stop_a, w, LossProgramme::Skip).unwrap();
        assert_eq!(without.loss, None);
        assert_eq!((&with.disrupted, &with.propagation), (&without.disrupted, &without.propagation));
        assert_eq!(without.propagation.tier, vec![Some(0), Some(1), Some(2)]);
        // By hand: p is asked for 8 a day over 10 days, 80; the stocks down the line make 16 + 8 + 16 = 40
        // units of p (r = 1 everywhere) and nothing else can, so 40 are lost.
        let loss = with.loss.expect("asked for");
        assert!((loss.total - 40.0).abs() < 1e-9, "{loss:?}");
        let json = serde_json::to_value(&without).unwrap();
        assert!(json["loss"].is_null() && json["propagation"]["tier"] == serde_json::json!([0, 1, 2]), "{json}");
    }

    use proptest::prelude::*;

    /// A random DAG: node i's inputs are supplied by nodes before it; 1–3 suppliers per input.
    fn random_network() -> impl Strategy<Value = Network> {
        (3usize..14).prop_flat_map(|n| {
            (
                proptest::collection::vec((0.0f64..20.0, 0.0f64..30.0, 0.5f64..10.0, proptest::bool::weighted(0.4)), n),
                proptest::collection::vec((1usize..14, 0usize..14, 1usize..3, 0.5f64..3.0), 0..(2 * n)),
            )
                .prop_map(move |(params, raw_edges)| {
                    let nodes: Vec<NodeSpec> = params
                        .iter()
                        .enumerate()
                        .map(|(i, &(c, s, d, is_product))| {
                            let mut x = node(&format!("n{i}"), c, s);
                            if is_product || i == n - 1 {
                                x.product = true;
                                x.d = d;
                            }
                            x
                        })
                        .collect();
                    let mut edges = Vec::new();
                    let mut seen = std::collections::HashSet::new();
                    for (b, s, input, r) in raw_edges {
                        let (b, s) = (b % n, s % n);
                        if b == 0 || !seen.insert((s % b, b, input)) {
                            continue;
                        }
                        edges.push(EdgeSpec {
                            supplier: format!("n{}", s % b),
                            buyer: format!("n{b}"),
                            input: format!("k{input}"),
                            r,
                        });
                    }
                    Network::new(NetworkFile { nodes, edges }).unwrap()
                })
        })
    }

    /// The same model stepped through time in steps of `dt`, as a second computation of the days: every
    /// step, a node keeps producing while each of its inputs gets its need from the suppliers still
    /// shipping (producing, or living on stock) plus the spare of those still producing; once it stops it
    /// ships its stock at its throughput until the stock is gone.
    fn stepped(n: &Network, disrupted: &[usize], w: Window, dt: f64) -> Vec<Option<f64>> {
        let theta = throughputs(n);
        let share =
            |input: &Input| -> Vec<f64> {
                let total: f64 = input.suppliers.iter().map(|s| n.nodes[s.supplier].spec.c).sum();
                input
                    .suppliers
                    .iter()
                    .map(|s| {
                        if total > 0.0 {
                            n.nodes[s.supplier].spec.c / total
                        } else {
                            1.0 / input.suppliers.len() as f64
                        }
                    })
                    .collect()
            };
        let mut outflow = vec![0.0; n.len()];
        let mut uses = vec![0.0; n.len()];
        for (j, node) in n.nodes.iter().enumerate() {
            for input in &node.inputs {
                for (s, sh) in input.suppliers.iter().zip(share(input)) {
                    outflow[s.supplier] += theta[j] * sh * s.r;
                    uses[s.supplier] += 1.0;
                }
            }
        }
        let spare = |i: usize, flow: f64| {
            let free = (n.nodes[i].spec.c - theta[i]).max(0.0);
            if outflow[i] > 0.0 { free * flow / outflow[i] } else { free / uses[i] }
        };
        let mut producing = vec![true; n.len()];
        let mut stock: Vec<f64> = n.nodes.iter().map(|x| x.spec.s).collect();
        let mut out: Vec<Option<f64>> = vec![None; n.len()];
        let steps = (w.days / dt).ceil() as usize;
        for step in 0..steps {
            let t = w.start + step as f64 * dt;
            for &j in &n.topo {
                if producing[j] && disrupted.contains(&j) {
                    producing[j] = false;
                }
                if producing[j] {
                    for input in &n.nodes[j].inputs {
                        let mut got = 0.0;
                        for (s, sh) in input.suppliers.iter().zip(share(input)) {
                            let i = s.supplier;
                            if producing[i] || out[i].is_none() {
                                got += theta[j] * sh;
                            }
                            if producing[i] {
                                got += spare(i, theta[j] * sh * s.r) / s.r;
                            }
                        }
                        if got < theta[j] - 1e-9 * theta[j].max(1.0) {
                            producing[j] = false;
                        }
                    }
                }
                if !producing[j] && out[j].is_none() && theta[j] > 0.0 {
                    stock[j] -= theta[j] * dt;
                    if stock[j] < -1e-12 {
                        out[j] = Some(t);
                    }
                }
            }
        }
        out
    }

    fn earlier_or_equal(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(b)) => a <= b + 1e-9,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// The propagation's invariants on random networks and disruptions.
        #[test]
        fn propagation_invariants(
            n in random_network(),
            picks in proptest::collection::vec(0usize..14, 1..4),
            extra in 0usize..14,
            start in 0.0f64..5.0,
            days in 0.5f64..40.0,
        ) {
            let mut disrupted: Vec<usize> = picks.iter().map(|p| p % n.len()).collect();
            disrupted.sort_unstable();
            disrupted.dedup();
            let w = Window::new(start, days).unwrap();
            let p = propagate(&n, &disrupted, w);
            for j in 0..n.len() {
                let node = &n.nodes[j];
                let suppliers: Vec<usize> =
                    node.inputs.iter().flat_map(|k| k.suppliers.iter().map(|s| s.supplier)).collect();
                match p.tier[j] {
                    // Not downstream of the disruption: never affected.
                    None => {
                        prop_assert_eq!(p.runs_out[j], None);
                        prop_assert!(!p.hit.iter().any(|h| h.buyer == j));
                    }
                    Some(0) => prop_assert!(disrupted.contains(&j)),
                    // A tier is one more than the tier of one of its suppliers, and no supplier is in an
                    // earlier tier than that.
                    Some(t) => {
                        prop_assert!(!disrupted.contains(&j));
                        let best = suppliers.iter().filter_map(|&i| p.tier[i]).min();
                        prop_assert_eq!(best, Some(t - 1));
                    }
                }
                if let Some(day) = p.runs_out[j] {
                    prop_assert!(day >= start - 1e-12 && day < w.end());
                    if !disrupted.contains(&j) {
                        // A node runs out no earlier than the first of its suppliers to run out.
                        let first = suppliers.iter().filter_map(|&i| p.runs_out[i]).min_by(f64::total_cmp);
                        prop_assert!(first.is_some_and(|f| f <= day + 1e-9), "{j}: {day} vs {first:?}");
                    }
                }
                // Down a path without alternatives (one input, one supplier, drawn from), the days never
                // decrease, and the buyer runs out exactly its stock's days after its supplier.
                if let [input] = node.inputs.as_slice()
                    && let [s] = input.suppliers.as_slice()
                    && !disrupted.contains(&j)
                    && p.throughput[j] > 1e-6
                    && let Some(up) = p.runs_out[s.supplier]
                {
                    let expect = up + node.spec.s / p.throughput[j];
                    prop_assert!(close(p.runs_out[j], (expect < w.end()).then_some(expect)), "{j}");
                    prop_assert!(earlier_or_equal(Some(up), p.runs_out[j]) || p.runs_out[j].is_none());
                }
            }
            // The stepped model agrees to within a step per tier (away from the end, where a step decides
            // whether the day falls inside the disruption at all).
            let dt = 1.0 / 64.0;
            let brute = stepped(&n, &disrupted, w, dt);
            for (j, &stepped_day) in brute.iter().enumerate() {
                let slack = dt * (2.0 + 2.0 * f64::from(p.tier[j].unwrap_or(0)));
                match (p.runs_out[j], stepped_day) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() <= slack, "{j}: {a} vs stepped {b}"),
                    (Some(a), None) => prop_assert!(a > w.end() - slack, "{j}: {a} vs stepped never"),
                    (None, Some(b)) => prop_assert!(b > w.end() - slack, "{j}: never vs stepped {b}"),
                    (None, None) => {}
                }
            }
            // More disruption never makes anyone run out later.
            let mut more = disrupted.clone();
            more.push(extra % n.len());
            more.sort_unstable();
            more.dedup();
            let q = propagate(&n, &more, w);
            for j in 0..n.len() {
                prop_assert!(earlier_or_equal(q.runs_out[j], p.runs_out[j]), "{j}: {:?} vs {:?}", q.runs_out[j], p.runs_out[j]);
            }
        }
    }
}
