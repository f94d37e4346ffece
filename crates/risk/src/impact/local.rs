//! Exact answers from small programmes: a node's programme restricted to the part of the network it can
//! affect, bounded from both sides.
//!
//! # The normal plan
//!
//! Every node runs at its normal rate θ ([`crate::scenario::throughputs`]): products at their demand, a
//! supplier at what its buyers draw, an input's need split among its suppliers in proportion to capacity,
//! so that edge e = (i → j, k) carries `f_e = θ_j · share_e · r_e` a day. When nobody is asked for more
//! than its capacity, this plan is feasible for any number of days and loses nothing: the baseline of
//! every node is 0 and the network never runs short on its own.
//!
//! # Two bounds on a region
//!
//! For node n, let R be a region: the nodes downstream of n (the only ones whose constraints change when
//! n stops), grown by whole tiers of their suppliers. The *frontier* F is the suppliers of R outside it.
//!
//! - **Lower bound** (a relaxation): the programme over R alone, shipments from R to buyers outside R
//!   dropped, and each frontier supplier able to send R up to `c_i t + s_i` in all. Any solution of the
//!   whole programme restricted to R satisfies these constraints, and the loss it counts (R's products)
//!   is at most the whole loss.
//! - **Upper bound** (a restriction): every node outside R runs the normal plan; R's nodes still ship the
//!   normal plan's `f_e t` to their buyers outside R, and a frontier supplier sends R at most its normal
//!   deliveries to R plus its stock, `t · Σ_{e into R} f_e + s_i`. Together with the outside running
//!   normally this is a solution of the whole programme that loses nothing outside R.
//!
//! - **Extension** (an upper bound from the relaxation itself): when R is closed under buyers (level 0)
//!   the relaxation's solution is kept inside R and the outside runs the normal plan plus whatever the
//!   solution draws from each frontier supplier beyond its normal flows. That extra demand is served up
//!   the network, buyers first: from stock, else from spare capacity `(c − θ)·t`, asking the node's
//!   suppliers in turn; a node short of capacity moves some of its other buyers' normal draws onto those
//!   buyers' alternative suppliers with room (sideways, [`extends`]). When every request is met, the
//!   result is a solution of the whole programme that loses only what the relaxation loses, so the
//!   relaxation's optimum is exact. The solution extended is not the first optimum found but one that
//!   draws least from the frontier beyond its normal flows and stock (a second programme that holds the
//!   objective at its optimum), since an optimum that draws needlessly may not extend.
//! - **Middle** (an upper bound when it extends): the restriction with each frontier supplier also
//!   offering its spare capacity; its solution (again the one drawing least), extended the same way, is a
//!   solution of the whole programme, at least as good as the restriction's. When the middle programme's
//!   optimum falls short of the relaxation's, so does the restriction's, and the region cannot settle
//!   the node: the next level is tried without solving the restriction.
//!
//! When a lower and an upper bound agree the node's PI is known exactly; the same programmes with t a
//! variable bracket TTS (the relaxation can only survive longer, a solution of the whole programme
//! only shorter). Regions grow up to [`LEVELS`] tiers of suppliers; a node they do not settle goes to
//! the whole programme. Typically a part's loss stops its downstream assembly whatever else is at hand,
//! so the frontier's capacity does not bind and level 0 settles it.

use std::collections::BinaryHeap;

use microlp::ComparisonOp;

use super::lp::{Col, Lp, Warm};

use super::{HORIZON_DAYS, ImpactError, clean, loses, tts_of};
use crate::network::Network;

/// Tiers of suppliers a region grows by before the whole programme is used. With HiGHS the whole
/// programme's warm re-solves cost less than microlp's large regions: regions stop growing sooner.
pub const LEVELS: usize = if super::lp::HIGHS { 1 } else { 4 };

/// Regions larger than this share of the relevant nodes go straight to the whole programme.
const MAX_REGION_SHARE: f64 = 1.0;

/// Agreement of the two bounds, relative.
const AGREE: f64 = 1e-9;

/// Rounds of proportional fitting before the normal plan is sought by a programme.
const FITTING_ROUNDS: usize = 200;

/// The normal plan: the daily flow of every edge, by buyer, input and supplier position, and every
/// node's daily production.
pub struct NormalPlan {
    /// flow[j][k][s]: units a day on the edge from the s-th supplier of node j's input k.
    flow: Vec<Vec<Vec<f64>>>,
    /// Per supplier: each of its edges as (buyer, input, supplier position, daily flow).
    out: Vec<Vec<OutEdge>>,
    /// Daily production θ_j: what the node's buyers draw plus, for a product, its demand.
    theta: Vec<f64>,
    /// Each node's position in the topological order (suppliers first).
    rank: Vec<usize>,
    /// How the plan was found (reported).
    pub how: &'static str,
}

impl NormalPlan {
    /// A steady plan over the `keep` nodes that loses nothing, or `None` when none was found (then the
    /// bounds do not apply and every node goes to the whole programme).
    ///
    /// Any steady plan will do: the bounds only need one in which every node makes at most its
    /// capacity, receives what it makes of every input and ships what its buyers receive. Tried in
    /// turn, each O(V + E) a round:
    /// 1. every input's need split among its suppliers by capacity (the split of
    ///    [`crate::scenario::throughputs`]);
    /// 2. proportional fitting: each supplier's weight scaled by capacity ÷ what it was asked, for up
    ///    to [`FITTING_ROUNDS`] rounds (a split by headroom: overloaded suppliers shed load onto
    ///    alternatives with room);
    /// 3. one programme minimising the largest utilisation (asked ÷ capacity) over the shipments; a plan
    ///    when that is at most 1.
    ///
    /// Each candidate is checked (every node at most its capacity) before it is used.
    pub fn new(net: &Network, keep: &[bool]) -> Option<NormalPlan> {
        let n = net.len();
        let mut rank = vec![0; n];
        for (r, &j) in net.topo.iter().enumerate() {
            rank[j] = r;
        }
        let cap: Vec<f64> = net.nodes.iter().map(|x| x.spec.c).collect();
        let mut weight = cap.clone();
        for round in 0..=FITTING_ROUNDS {
            let (flow, theta) = split(net, keep, &weight);
            if steady(net, keep, &theta) {
                let how = if round == 0 { "split by capacity" } else { "split by headroom (proportional fitting)" };
                return Some(NormalPlan::from_flows(net, flow, theta, rank, how));
            }
            for i in 0..n {
                if theta[i] > 0.0 {
                    // Toward the capacity, a little under it so that the fitting settles inside.
                    weight[i] *= (cap[i] * 0.98 / theta[i]).clamp(1e-3, 1e3);
                }
            }
        }
        let flow = least_utilisation(net, keep)?;
        let theta = productions(net, keep, &flow);
        steady(net, keep, &theta).then(|| NormalPlan::from_flows(net, flow, theta, rank, "least utilisation"))
    }

    fn from_flows(
        net: &Network,
        flow: Vec<Vec<Vec<f64>>>,
        theta: Vec<f64>,
        rank: Vec<usize>,
        how: &'static str,
    ) -> NormalPlan {
        let mut out = vec![Vec::new(); net.len()];
        for (j, node) in net.nodes.iter().enumerate() {
            for (k, input) in node.inputs.iter().enumerate() {
                for (si, s) in input.suppliers.iter().enumerate() {
                    out[s.supplier].push(OutEdge { buyer: j, input: k, position: si, flow: flow[j][k][si] });
                }
            }
        }
        NormalPlan { flow, out, theta, rank, how }
    }
}

/// One edge of the normal plan seen from its supplier.
#[derive(Clone, Copy)]
struct OutEdge {
    buyer: usize,
    input: usize,
    /// The supplier's position among the input's alternatives.
    position: usize,
    /// Units a day.
    flow: f64,
}

/// Every node makes at most its capacity.
fn steady(net: &Network, keep: &[bool], theta: &[f64]) -> bool {
    (0..net.len()).filter(|&i| keep[i]).all(|i| theta[i] <= net.nodes[i].spec.c * (1.0 + 1e-12) + 1e-12)
}

/// The plan that splits every input's need among its suppliers in proportion to `weight` (equally when
/// all weights are 0): buyers first, so each node's production is known before it is split. O(V + E).
fn split(net: &Network, keep: &[bool], weight: &[f64]) -> (Vec<Vec<Vec<f64>>>, Vec<f64>) {
    let n = net.len();
    let mut theta: Vec<f64> =
        (0..n).map(|j| if keep[j] && loses(net, j) { net.nodes[j].spec.d } else { 0.0 }).collect();
    let mut flow: Vec<Vec<Vec<f64>>> =
        net.nodes.iter().map(|x| x.inputs.iter().map(|i| vec![0.0; i.suppliers.len()]).collect()).collect();
    for &j in net.topo.iter().rev() {
        if !keep[j] {
            continue;
        }
        for (k, input) in net.nodes[j].inputs.iter().enumerate() {
            let total: f64 = input.suppliers.iter().map(|s| weight[s.supplier]).sum();
            let count = input.suppliers.len() as f64;
            for (si, s) in input.suppliers.iter().enumerate() {
                let share = if total > 0.0 { weight[s.supplier] / total } else { 1.0 / count };
                let f = theta[j] * share * s.r;
                flow[j][k][si] = f;
                theta[s.supplier] += f;
            }
        }
    }
    (flow, theta)
}

/// Production of every node under `flow`: what its buyers draw plus its demand.
fn productions(net: &Network, keep: &[bool], flow: &[Vec<Vec<f64>>]) -> Vec<f64> {
    let n = net.len();
    let mut theta: Vec<f64> =
        (0..n).map(|j| if keep[j] && loses(net, j) { net.nodes[j].spec.d } else { 0.0 }).collect();
    for j in (0..n).filter(|&j| keep[j]) {
        for (k, input) in net.nodes[j].inputs.iter().enumerate() {
            for (si, s) in input.suppliers.iter().enumerate() {
                theta[s.supplier] += flow[j][k][si];
            }
        }
    }
    theta
}

/// The shipments that minimise the largest utilisation λ: Σ out_j + d_j ≤ λ c_j, and every input of j
/// receives at least what j makes (Σ_{e∈P_jk} y_e / r_e ≥ Σ out_j + d_j). `None` when λ > 1 (no steady
/// plan exists) or the solver fails. One programme over the kept nodes.
fn least_utilisation(net: &Network, keep: &[bool]) -> Option<Vec<Vec<Vec<f64>>>> {
    let n = net.len();
    let mut p = Lp::new(false);
    let lambda = p.add_var(1.0, (0.0, f64::INFINITY));
    let mut y: Vec<Vec<Vec<Option<Col>>>> =
        net.nodes.iter().map(|x| x.inputs.iter().map(|i| vec![None; i.suppliers.len()]).collect()).collect();
    let mut outs: Vec<Vec<(Col, f64)>> = vec![Vec::new(); n];
    for j in (0..n).filter(|&j| keep[j]) {
        for (k, input) in net.nodes[j].inputs.iter().enumerate() {
            for (si, s) in input.suppliers.iter().enumerate() {
                let v = p.add_var(0.0, (0.0, f64::INFINITY));
                y[j][k][si] = Some(v);
                outs[s.supplier].push((v, 1.0));
            }
        }
    }
    for j in (0..n).filter(|&j| keep[j]) {
        let spec = &net.nodes[j].spec;
        let d = if loses(net, j) { spec.d } else { 0.0 };
        let mut row = outs[j].clone();
        row.push((lambda, -spec.c));
        p.add_constraint(row, ComparisonOp::Le, -d);
        for (k, input) in net.nodes[j].inputs.iter().enumerate() {
            let mut row: Vec<(Col, f64)> =
                input.suppliers.iter().enumerate().filter_map(|(si, s)| y[j][k][si].map(|v| (v, 1.0 / s.r))).collect();
            row.extend(outs[j].iter().map(|&(v, _)| (v, -1.0)));
            p.add_constraint(row, ComparisonOp::Ge, d);
        }
    }
    let sol = Warm::whole(&p, &|| "the normal plan".to_string()).ok()?;
    if sol.objective() > 1.0 {
        return None;
    }
    Some(
        y.iter()
            .map(|per| {
                per.iter().map(|v| v.iter().map(|x| x.map_or(0.0, |x| sol.value(x).max(0.0))).collect()).collect()
            })
            .collect(),
    )
}

/// Which programme over a region.
#[derive(Clone, Copy, PartialEq)]
enum Bound {
    /// The relaxation (a lower bound on PI, an upper bound on TTS).
    Lower,
    /// The restriction (an upper bound on PI, a lower bound on TTS).
    Upper,
    /// The restriction with each frontier supplier also offering its spare capacity `(c − θ)·t`: not a
    /// bound by itself, but its solution is one of the whole programme when [`extends`] finds the
    /// supplies for that spare.
    Middle,
}

/// Scratch space of one thread: region membership by stamp, and the extension's extra demands.
pub struct Scratch {
    stamp: Vec<u32>,
    epoch: u32,
    ext: Extension,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch { stamp: vec![0; n], epoch: 0, ext: Extension::new(n) }
    }
}

/// The extension's state, per node valid where `mark` is the current epoch: the extra units asked of it
/// beyond the normal plan, the production increase it has asked
/// its suppliers for, and the units of its normal deliveries moved to other suppliers; the nodes still
/// to serve, buyers first; the units moved off each edge.
struct Extension {
    extra: Vec<f64>,
    raised: Vec<f64>,
    shed: Vec<f64>,
    mark: Vec<u32>,
    epoch: u32,
    heap: BinaryHeap<(usize, usize)>,
    queued: Vec<u32>,
    moved: std::collections::HashMap<(usize, usize, usize), f64>,
}

impl Extension {
    fn new(n: usize) -> Extension {
        Extension {
            extra: vec![0.0; n],
            raised: vec![0.0; n],
            shed: vec![0.0; n],
            mark: vec![0; n],
            epoch: 0,
            heap: BinaryHeap::new(),
            queued: vec![0; n],
            moved: Default::default(),
        }
    }

    fn touch(&mut self, i: usize) {
        if self.mark[i] != self.epoch {
            self.mark[i] = self.epoch;
            self.extra[i] = 0.0;
            self.raised[i] = 0.0;
            self.shed[i] = 0.0;
        }
    }

    /// Ask node i for `units` more (over the days), and queue it to be served.
    fn ask(&mut self, plan: &NormalPlan, i: usize, units: f64) {
        self.touch(i);
        self.extra[i] += units;
        if self.queued[i] != self.epoch {
            self.queued[i] = self.epoch;
            self.heap.push((plan.rank[i], i));
        }
    }

    /// What node i can still take on over `t` days: spare capacity and stock, less what it was asked,
    /// plus what it moved off to others.
    fn room(&self, net: &Network, plan: &NormalPlan, i: usize, t: f64) -> f64 {
        let x = &net.nodes[i].spec;
        let (asked, shed) = if self.mark[i] == self.epoch { (self.extra[i], self.shed[i]) } else { (0.0, 0.0) };
        ((x.c - plan.theta[i]) * t + x.s - asked + shed).max(0.0)
    }
}

/// What the local programmes settled for one node.
pub struct Settled {
    pub pi: Option<f64>,
    /// `Some(tts)` when settled (`tts` itself `None` for "never").
    pub tts: Option<Option<f64>>,
    pub solves: usize,
    /// Of which the relaxation's own solution was extended to the whole network (no restriction solved).
    pub extended: usize,
}

/// Settle node `n`'s PI (over `t` days) and TTS by regions of growing size; see the module documentation.
pub fn settle(
    net: &Network,
    keep: &[bool],
    relevant: usize,
    plan: &NormalPlan,
    n: usize,
    t: f64,
    scratch: &mut Scratch,
) -> Result<Settled, ImpactError> {
    let mut out = Settled { pi: None, tts: None, solves: 0, extended: 0 };
    scratch.epoch += 1;
    let epoch = scratch.epoch;
    // Level 0: n and everything downstream of it (among the relevant nodes).
    let mut region = vec![n];
    scratch.stamp[n] = epoch;
    let mut head = 0;
    while head < region.len() {
        let j = region[head];
        head += 1;
        for &c in &net.nodes[j].children {
            if keep[c] && scratch.stamp[c] != epoch {
                scratch.stamp[c] = epoch;
                region.push(c);
            }
        }
    }
    for level in 0..=LEVELS {
        if region.len() as f64 > MAX_REGION_SHARE * relevant as f64 && region.len() > 64 {
            break;
        }
        let Scratch { stamp, ext, .. } = &mut *scratch;
        let inside = |i: usize| stamp[i] == epoch;
        // Only level 0 is closed under buyers, which extending the relaxation needs (no region node
        // ships outside).
        let closed = level == 0;
        let mut run = |days: Option<f64>| -> Result<Option<f64>, ImpactError> {
            let bound = |b, optimum| programme(net, plan, &region, &inside, n, days, (b, optimum));
            let agree = |a: f64, b: f64| match days {
                Some(_) => (a - b).abs() <= AGREE * a.abs().max(b.abs()).max(1.0),
                None => match (tts_of(a), tts_of(b)) {
                    (None, None) => true,
                    (Some(a), Some(b)) => (a - b).abs() <= AGREE * a.abs().max(1.0),
                    _ => false,
                },
            };
            let lower = bound(Bound::Lower, None)?;
            out.solves += 1;
            if closed {
                let least = bound(Bound::Lower, Some(lower.value))?;
                out.solves += 1;
                if extends(net, plan, &inside, &least, ext) {
                    out.extended += 1;
                    return Ok(Some(lower.value));
                }
            }
            // The middle programme is at least as good as the restriction: when it falls short of the
            // relaxation, so does the restriction, and the region cannot settle the node.
            let middle = bound(Bound::Middle, None)?;
            out.solves += 1;
            if !agree(middle.value, lower.value) {
                return Ok(None);
            }
            let least = bound(Bound::Middle, Some(middle.value))?;
            out.solves += 1;
            if extends(net, plan, &inside, &least, ext) {
                // The middle programme's solution is one of the whole programme: an upper bound on PI
                // (a lower bound on TTS) that agrees with the relaxation.
                out.extended += 1;
                return Ok(Some(middle.value));
            }
            let upper = bound(Bound::Upper, None)?;
            out.solves += 1;
            Ok(agree(upper.value, lower.value).then_some(upper.value))
        };
        if out.pi.is_none() {
            out.pi = run(Some(t))?.map(clean);
        }
        if out.tts.is_none() {
            out.tts = run(None)?.map(tts_of);
        }
        if (out.pi.is_some() && out.tts.is_some()) || level == LEVELS {
            break;
        }
        // Grow by one tier of suppliers.
        let before = region.len();
        for idx in 0..before {
            let j = region[idx];
            for input in &net.nodes[j].inputs {
                for s in &input.suppliers {
                    if scratch.stamp[s.supplier] != epoch {
                        scratch.stamp[s.supplier] = epoch;
                        region.push(s.supplier);
                    }
                }
            }
        }
        if region.len() == before {
            break;
        }
    }
    Ok(out)
}

/// Whether the relaxation's solution `lower` (over a region closed under buyers) extends to a solution
/// of the whole programme: the nodes outside run the normal plan and, on top of it, deliver what the
/// solution draws from the frontier beyond its normal flows. Then that solution loses exactly what the
/// relaxation does (nothing outside is short), so the relaxation's optimum is the programme's.
///
/// The extra demand is served buyers first (down the topological order): a node covers it from stock,
/// else makes it within its spare capacity `(c − θ)·t`, asking each input's suppliers for the rest in
/// proportion to their room (spare capacity and stock less what they were already asked). A node whose
/// capacity does not reach moves some of its normal deliveries to buyers outside the region onto those
/// buyers' other suppliers of the same input, where they have room (sideways: the buyer receives as
/// many units of the input as before, so nothing downstream changes); those suppliers are then served
/// in turn. A greedy check: it can fail where some other split would succeed (then the restriction is
/// solved instead), but when it succeeds the solution it builds is feasible, so the answer is exact.
/// Cost: the nodes the extra demand reaches and their inputs, O(k log k).
fn extends(
    net: &Network,
    plan: &NormalPlan,
    inside: &dyn Fn(usize) -> bool,
    lower: &Bounded,
    ext: &mut Extension,
) -> bool {
    let t = lower.days;
    ext.epoch = ext.epoch.wrapping_add(1);
    if ext.epoch == 0 {
        ext.mark.iter_mut().for_each(|m| *m = 0);
        ext.queued.iter_mut().for_each(|m| *m = 0);
        ext.epoch = 1;
    }
    ext.heap.clear();
    ext.moved.clear();
    let tol = |x: f64| 1e-9 * x.abs().max(1.0);
    for &(i, drawn, normal) in &lower.draws {
        let beyond = drawn - normal * t;
        if beyond > tol(drawn) {
            ext.ask(plan, i, beyond);
        }
    }
    // Moving load sideways can queue a node again; a bound on the visits keeps a pathological
    // network from cycling on ever smaller amounts.
    let mut visits = 0usize;
    while let Some((_, i)) = ext.heap.pop() {
        ext.queued[i] = 0;
        visits += 1;
        if visits > 64 * net.len().max(64) {
            return false;
        }
        let spec = &net.nodes[i].spec;
        // Production beyond the normal plan that the stock does not cover.
        let more = (ext.extra[i] - spec.s).max(0.0);
        let over = plan.theta[i] * t + more - ext.shed[i] - spec.c * t;
        if over > tol(spec.c * t) && !shed(net, plan, inside, ext, i, over, t) {
            return false;
        }
        // What its suppliers must add: the production increase not yet asked of them.
        let raise = (more - ext.shed[i]).max(0.0) - ext.raised[i];
        if raise <= tol(more) {
            continue;
        }
        ext.raised[i] += raise;
        for (k, input) in net.nodes[i].inputs.iter().enumerate() {
            let mut total = 0.0;
            for s in &input.suppliers {
                if inside(s.supplier) {
                    return false; // cannot happen in a region closed under buyers
                }
                total += ext.room(net, plan, s.supplier, t) / s.r;
            }
            // In units of the input: first what the suppliers have room for, in proportion to it; the
            // rest in proportion to their normal deliveries, which they must then make room for by moving
            // other buyers elsewhere (or the extension fails when they are served).
            let scale = if total > 0.0 { (raise / total).min(1.0) } else { 0.0 };
            let rest = (raise - total).max(0.0);
            let normal: f64 = plan.flow[i][k].iter().zip(&input.suppliers).map(|(f, s)| f / s.r).sum();
            let count = input.suppliers.len() as f64;
            for (si, s) in input.suppliers.iter().enumerate() {
                let mut give = ext.room(net, plan, s.supplier, t) * scale;
                if rest > tol(raise) {
                    let share = if normal > 0.0 { plan.flow[i][k][si] / s.r / normal } else { 1.0 / count };
                    give += rest * share * s.r;
                }
                if give > 0.0 {
                    ext.ask(plan, s.supplier, give);
                }
            }
        }
    }
    true
}

/// Move `over` units of node i's normal deliveries (over `t` days) to other suppliers of the same
/// buyers' inputs that have room, for buyers outside the region. Each unit of input the buyer no longer
/// gets from i (`moved / r_i`) it gets from an alternative a (`· r_a` units of a's). Whether all of
/// `over` found a place.
fn shed(
    net: &Network,
    plan: &NormalPlan,
    inside: &dyn Fn(usize) -> bool,
    ext: &mut Extension,
    i: usize,
    over: f64,
    t: f64,
) -> bool {
    let mut left = over;
    let tol = 1e-9 * over.abs().max(1.0);
    for e in &plan.out[i] {
        if left <= tol {
            break;
        }
        if inside(e.buyer) || e.flow <= 0.0 {
            continue;
        }
        let key = (e.buyer, e.input, e.position);
        let already = ext.moved.get(&key).copied().unwrap_or(0.0);
        let movable = e.flow * t - already;
        if movable <= tol {
            continue;
        }
        let input = &net.nodes[e.buyer].inputs[e.input];
        let r_i = input.suppliers[e.position].r;
        // In units of the buyer's input.
        let mut want = left.min(movable) / r_i;
        for (position, a) in input.suppliers.iter().enumerate() {
            if want <= tol / r_i {
                break;
            }
            if position == e.position || a.supplier == i || inside(a.supplier) {
                continue;
            }
            let take = want.min(ext.room(net, plan, a.supplier, t) / a.r);
            if take <= 0.0 {
                continue;
            }
            ext.ask(plan, a.supplier, take * a.r);
            want -= take;
            let units = take * r_i;
            *ext.moved.entry(key).or_insert(0.0) += units;
            ext.touch(i);
            ext.shed[i] += units;
            left -= units;
        }
    }
    left <= tol
}

/// A frontier supplier's shipments into the region (terms of its row) and its normal daily flow into it.
type FrontierRow = (Vec<(Col, f64)>, f64);

/// A bound's optimum and what its solution draws from each frontier supplier.
struct Bounded {
    value: f64,
    /// The days of the solution (t, or the optimal T).
    days: f64,
    /// (frontier supplier, units it sends the region over the days, its normal daily flow into the region).
    draws: Vec<(usize, f64, f64)>,
}

/// One bound of node n's programme over `region`: the least loss over `t` days, or (t = None) the
/// longest time without loss. With `optimum` (that bound's optimum, found before), the solution that
/// holds it and draws least from the frontier beyond normal flows and stock.
fn programme(
    net: &Network,
    plan: &NormalPlan,
    region: &[usize],
    inside: &dyn Fn(usize) -> bool,
    n: usize,
    t: Option<f64>,
    (bound, optimum): (Bound, Option<f64>),
) -> Result<Bounded, ImpactError> {
    // With the optimum known, the second phase: hold the objective at it and draw as little as possible
    // from the frontier beyond its normal flows and stock, so that the solution is easy to extend.
    let second = optimum.is_some();
    let mut p = Lp::new(t.is_none() && !second);
    let slack = |v: f64| 1e-10 * v.abs().max(1.0);
    // Over fixed days the capacity is a bound; for TTS the days are the variable T and capacity a row.
    let tv = t.is_none().then(|| match optimum {
        Some(v) => p.add_var(0.0, ((v - slack(v)).clamp(0.0, HORIZON_DAYS), HORIZON_DAYS)),
        None => p.add_var(1.0, (0.0, HORIZON_DAYS)),
    });
    let mut losses: Vec<(Col, f64)> = Vec::new();
    let mut u: std::collections::HashMap<usize, Col> = std::collections::HashMap::with_capacity(region.len());
    for &j in region {
        let cap = match t {
            Some(t) => net.nodes[j].spec.c * t,
            None => f64::INFINITY,
        };
        let max = if j == n { 0.0 } else { cap };
        u.insert(j, p.add_var(0.0, (0.0, max)));
    }
    // What leaves each supplier of R (in R, or on the frontier), as terms of its row. An input with one
    // supplier needs no shipment variable: shipping more than r·u_j of it never helps, so its shipment is
    // r·u_j and its input row disappears (exact). Inputs with alternatives keep a variable per edge.
    let mut shipped: std::collections::HashMap<usize, Vec<(Col, f64)>> = Default::default();
    let mut frontier: std::collections::HashMap<usize, (Vec<(Col, f64)>, f64)> = Default::default();
    for &j in region {
        let uj = u[&j];
        let spec = &net.nodes[j].spec;
        if let Some(tv) = tv {
            p.add_constraint([(uj, 1.0), (tv, -spec.c)], ComparisonOp::Le, 0.0);
        }
        if loses(net, j) {
            match (t, tv) {
                (Some(t), _) => {
                    let l = p.add_var(if second { 0.0 } else { spec.f }, (0.0, f64::INFINITY));
                    losses.push((l, spec.f));
                    p.add_constraint([(l, 1.0), (uj, 1.0)], ComparisonOp::Ge, spec.d * t - spec.s);
                }
                (None, Some(tv)) => p.add_constraint([(uj, 1.0), (tv, -spec.d)], ComparisonOp::Ge, -spec.s),
                (None, None) => {}
            }
        }
        for (k, input) in net.nodes[j].inputs.iter().enumerate() {
            let mut row = Vec::with_capacity(input.suppliers.len() + 1);
            let single = input.suppliers.len() == 1;
            if !single {
                row.push((uj, 1.0));
            }
            for (si, s) in input.suppliers.iter().enumerate() {
                let term = if single {
                    (uj, s.r)
                } else {
                    let y = p.add_var(0.0, (0.0, f64::INFINITY));
                    row.push((y, -1.0 / s.r));
                    (y, 1.0)
                };
                if inside(s.supplier) {
                    shipped.entry(s.supplier).or_default().push(term);
                } else {
                    let e = frontier.entry(s.supplier).or_default();
                    e.0.push(term);
                    e.1 += plan.flow[j][k][si];
                }
            }
            if !single {
                p.add_constraint(row, ComparisonOp::Le, 0.0);
            }
        }
    }
    // The days multiply reserved and frontier rates: a constant over fixed days, the variable T for TTS.
    let add_rate_row = |p: &mut Lp, row: Vec<(Col, f64)>, rate: f64, s: f64| {
        let mut row = row;
        match (t, tv) {
            (Some(t), _) => p.add_constraint(row, ComparisonOp::Le, s + rate * t),
            (None, Some(tv)) => {
                if rate != 0.0 {
                    row.push((tv, -rate));
                }
                p.add_constraint(row, ComparisonOp::Le, s)
            }
            (None, None) => {}
        }
    };
    for &i in region {
        let reserved: f64 = match bound {
            Bound::Lower => 0.0,
            Bound::Upper | Bound::Middle => plan.out[i].iter().filter(|e| !inside(e.buyer)).map(|e| e.flow).sum(),
        };
        let mut row = shipped.remove(&i).unwrap_or_default();
        if row.is_empty() && reserved == 0.0 {
            continue;
        }
        // Σ shipped + reserved·T − u_i ≤ s_i.
        row.push((u[&i], -1.0));
        add_rate_row(&mut p, row, -reserved, net.nodes[i].spec.s);
    }
    let mut frontier: Vec<(usize, FrontierRow)> = frontier.into_iter().collect();
    frontier.sort_unstable_by_key(|(i, _)| *i);
    for (i, (row, normal_into_r)) in &frontier {
        let rate = match bound {
            Bound::Lower => net.nodes[*i].spec.c,
            Bound::Upper => *normal_into_r,
            Bound::Middle => *normal_into_r + (net.nodes[*i].spec.c - plan.theta[*i]).max(0.0),
        };
        add_rate_row(&mut p, row.clone(), rate, net.nodes[*i].spec.s);
        if second {
            // beyond_i ≥ what i sends the region beyond its normal flows and its stock.
            let beyond = p.add_var(1.0, (0.0, f64::INFINITY));
            let mut row = row.clone();
            row.push((beyond, -1.0));
            add_rate_row(&mut p, row, *normal_into_r, net.nodes[*i].spec.s);
        }
    }
    if let (Some(v), Some(_)) = (optimum, t) {
        p.add_constraint(losses.clone(), ComparisonOp::Le, v + slack(v));
    }
    let what = || format!("node {}", net.nodes[n].spec.id);
    let s = Warm::new(&p, &what)?;
    let days = match (t, tv) {
        (Some(t), _) => t,
        (None, Some(tv)) => s.value(tv),
        (None, None) => 0.0,
    };
    let value = match (optimum, t) {
        (None, _) => s.objective(),
        (Some(_), Some(_)) => losses.iter().map(|&(l, f)| f * s.value(l)).sum(),
        (Some(_), None) => days,
    };
    let draws = frontier
        .iter()
        .map(|(i, (row, normal))| (*i, row.iter().map(|&(v, c)| c * s.value(v)).sum::<f64>(), *normal))
        .collect();
    Ok(Bounded { value, days, draws })
}
