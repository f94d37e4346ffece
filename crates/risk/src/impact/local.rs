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
//! When the two optima agree the node's PI is known exactly; the same pair, with t a variable, brackets
//! TTS (the relaxation can only survive longer, the restriction only shorter). Regions grow up to
//! [`LEVELS`] tiers of suppliers; a node they do not settle goes to the whole programme.
//! Typically a part's loss stops its downstream assembly whatever else is at hand, so the frontier's
//! capacity does not bind and level 0 settles it.

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome, Variable};

use super::{HORIZON_DAYS, ImpactError, clean, loses, tts_of};
use crate::network::Network;
use crate::scenario::{shares, throughputs};

/// Tiers of suppliers a region grows by before the whole programme is used.
pub const LEVELS: usize = 2;

/// Regions larger than this share of the relevant nodes go straight to the whole programme.
const MAX_REGION_SHARE: f64 = 1.0;

/// Agreement of the two bounds, relative.
const AGREE: f64 = 1e-9;

/// The normal plan: the daily flow of every edge, by buyer, input and supplier position.
pub struct NormalPlan {
    /// flow[j][k][s]: units a day on the edge from the s-th supplier of node j's input k.
    flow: Vec<Vec<Vec<f64>>>,
    /// Per supplier: (buyer, daily flow) of each of its edges.
    out: Vec<Vec<(usize, f64)>>,
}

impl NormalPlan {
    /// The plan, or `None` when some node is asked for more than its capacity (then the network loses on
    /// its own and the bounds do not apply).
    pub fn new(net: &Network, keep: &[bool]) -> Option<NormalPlan> {
        let theta = throughputs(net);
        let n = net.len();
        let mut asked: Vec<f64> = (0..n).map(|j| if loses(net, j) { net.nodes[j].spec.d } else { 0.0 }).collect();
        let mut flow = Vec::with_capacity(n);
        let mut out = vec![Vec::new(); n];
        for (j, node) in net.nodes.iter().enumerate() {
            let mut per_input = Vec::with_capacity(node.inputs.len());
            for input in &node.inputs {
                let mut v = Vec::with_capacity(input.suppliers.len());
                for (s, share) in input.suppliers.iter().zip(shares(net, input)) {
                    let f = theta[j] * share * s.r;
                    asked[s.supplier] += f;
                    out[s.supplier].push((j, f));
                    v.push(f);
                }
                per_input.push(v);
            }
            flow.push(per_input);
        }
        let feasible = (0..n).filter(|&i| keep[i]).all(|i| asked[i] <= net.nodes[i].spec.c * (1.0 + 1e-12) + 1e-12);
        feasible.then_some(NormalPlan { flow, out })
    }
}

/// Which bound.
#[derive(Clone, Copy, PartialEq)]
enum Bound {
    Lower,
    Upper,
}

/// Scratch space of one thread: region membership by stamp.
pub struct Scratch {
    stamp: Vec<u32>,
    epoch: u32,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch { stamp: vec![0; n], epoch: 0 }
    }
}

/// What the local programmes settled for one node.
pub struct Settled {
    pub pi: Option<f64>,
    /// `Some(tts)` when settled (`tts` itself `None` for "never").
    pub tts: Option<Option<f64>>,
    pub solves: usize,
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
    let mut out = Settled { pi: None, tts: None, solves: 0 };
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
        let inside = |i: usize| scratch.stamp[i] == epoch;
        if out.pi.is_none() {
            let lo = programme(net, plan, &region, &inside, n, Some(t), Bound::Lower)?;
            let hi = programme(net, plan, &region, &inside, n, Some(t), Bound::Upper)?;
            out.solves += 2;
            if (hi - lo).abs() <= AGREE * hi.abs().max(1.0) {
                out.pi = Some(clean(hi));
            }
        }
        if out.tts.is_none() {
            // The relaxation survives at least as long as the whole network, the restriction at most.
            let long = tts_of(programme(net, plan, &region, &inside, n, None, Bound::Lower)?);
            let short = tts_of(programme(net, plan, &region, &inside, n, None, Bound::Upper)?);
            out.solves += 2;
            let agree = match (long, short) {
                (None, None) => true,
                (Some(a), Some(b)) => (a - b).abs() <= AGREE * a.abs().max(1.0),
                _ => false,
            };
            if agree {
                out.tts = Some(short);
            }
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

/// One bound of node n's programme over `region`: the least loss over `t` days, or (t = None) the
/// longest time without loss.
fn programme(
    net: &Network,
    plan: &NormalPlan,
    region: &[usize],
    inside: &dyn Fn(usize) -> bool,
    n: usize,
    t: Option<f64>,
    bound: Bound,
) -> Result<f64, ImpactError> {
    let direction = if t.is_some() { OptimizationDirection::Minimize } else { OptimizationDirection::Maximize };
    let mut p = Problem::new(direction);
    // Over fixed days the capacity is a bound; for TTS the days are the variable T and capacity a row.
    let tv = t.is_none().then(|| p.add_var(1.0, (0.0, HORIZON_DAYS)));
    let mut u: std::collections::HashMap<usize, Variable> = std::collections::HashMap::with_capacity(region.len());
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
    let mut shipped: std::collections::HashMap<usize, Vec<(Variable, f64)>> = Default::default();
    let mut frontier: std::collections::HashMap<usize, (Vec<(Variable, f64)>, f64)> = Default::default();
    for &j in region {
        let uj = u[&j];
        let spec = &net.nodes[j].spec;
        if let Some(tv) = tv {
            p.add_constraint([(uj, 1.0), (tv, -spec.c)], ComparisonOp::Le, 0.0);
        }
        if loses(net, j) {
            match (t, tv) {
                (Some(t), _) => {
                    let l = p.add_var(spec.f, (0.0, f64::INFINITY));
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
    let add_rate_row = |p: &mut Problem, row: Vec<(Variable, f64)>, rate: f64, s: f64| {
        let mut row = merged(row);
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
            Bound::Upper => plan.out[i].iter().filter(|(b, _)| !inside(*b)).map(|(_, f)| f).sum(),
        };
        let mut row = shipped.remove(&i).unwrap_or_default();
        if row.is_empty() && reserved == 0.0 {
            continue;
        }
        // Σ shipped + reserved·T − u_i ≤ s_i.
        row.push((u[&i], -1.0));
        add_rate_row(&mut p, row, -reserved, net.nodes[i].spec.s);
    }
    for (i, (row, normal_into_r)) in frontier {
        let rate = match bound {
            Bound::Lower => net.nodes[i].spec.c,
            Bound::Upper => normal_into_r,
        };
        add_rate_row(&mut p, row, rate, net.nodes[i].spec.s);
    }
    match p.solve() {
        Ok(SolveOutcome::Solution(s)) => Ok(s.objective()),
        Ok(SolveOutcome::Interrupted(_)) => {
            Err(ImpactError::Solver { what: format!("node {}", net.nodes[n].spec.id), message: "interrupted".into() })
        }
        Err(e) => Err(ImpactError::Solver { what: format!("node {}", net.nodes[n].spec.id), message: e.to_string() }),
    }
}

/// A row with each variable once (a supplier row can name a buyer's production twice, once per input the
/// supplier delivers; the solver wants distinct indices), coefficients summed.
fn merged(mut row: Vec<(Variable, f64)>) -> Vec<(Variable, f64)> {
    row.sort_by_key(|(v, _)| *v);
    let mut out: Vec<(Variable, f64)> = Vec::with_capacity(row.len());
    for (v, c) in row {
        match out.last_mut() {
            Some((w, d)) if *w == v => *d += c,
            _ => out.push((v, c)),
        }
    }
    out
}
