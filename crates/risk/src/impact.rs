//! The time-to-recover and time-to-survive programmes (Simchi-Levi, Schmidt, Wei et al., *Interfaces*
//! 45(5):375–390, 2015, §"The TTR model"), per node and for a disruption.
//!
//! # The programmes
//!
//! For node j: weight per lost unit f_j, demand rate d_j, inventory s_j, capacity rate c_j; r_e units of
//! input k per unit of j on the edge e = (i → j, k) from one of its alternative suppliers P_jk. Variables:
//! lost units l_j, production u_j, shipments y_e. For a disrupted set S over t days:
//!
//! ```text
//! PI(S, t) = min Σ_{j∈V} f_j l_j
//!   u_j − Σ_{e∈(·→j,k)} y_e / r_e ≤ 0     every node j, each input k   (production needs every input)
//!   Σ_{e∈(i→·)} y_e − u_i ≤ s_i           every supplier i               (ship what is made or held)
//!   u_j = 0                               j ∈ S                          (the disrupted make nothing)
//!   l_j + u_j + s_j ≥ d_j t               j ∈ V, the finished products   (what is not made is lost)
//!   u_j ≤ c_j t                           every node
//!   l, u, y ≥ 0
//! ```
//!
//! The performance impact of node n is `PI(n) = PI({n}, TTR_n)`; its **baseline** is `PI(∅, TTR_n)`,
//! what the network loses over the same days with nobody out (0 whenever capacity and stock cover
//! demand). The time to survive `TTS(n)` is the largest t for which `PI({n}, t) = 0`: the same constraints
//! with l = 0 and t a variable, maximised. The Risk Exposure Index is `REI(n) = PI(n) / max_m PI(m)`
//! (0 for every node when no node causes a loss), and a node is **flagged** when `TTS(n) < TTR(n)`.
//!
//! A TTS of [`HORIZON_DAYS`] or more is reported as `None`: the network never runs short without the
//! node (its alternative suppliers cover it indefinitely).
//!
//! # What makes it fast, and why each step is exact
//!
//! The naive way solves one programme per node from scratch. Here:
//!
//! 1. **Only what can reach a loss is modelled.** The *relevant* nodes are the finished products that
//!    can lose something (d > 0, f > 0) and every node upstream of one. Setting the production and the
//!    shipments of every other node to 0 never tightens a constraint of a relevant node (a supplier row
//!    only gets looser when fewer units leave it), so the optimum over the relevant nodes alone is the
//!    optimum of the whole programme. A node that is not relevant has `PI(n)` = its baseline and `TTS(n)`
//!    = the network's own TTS.
//! 2. **Local bounds first.** When a steady normal plan exists (every node at most at its capacity:
//!    split by capacity, else by headroom, else by a programme minimising the largest utilisation; see
//!    [`local::NormalPlan`]), a node's programme is bounded from below by a relaxation over the part of
//!    the network downstream of it, and from above by any solution of the whole programme. Such a
//!    solution comes from the relaxation's own solution when the rest of the network, running the
//!    normal plan, can also deliver what it draws from the region's suppliers beyond their normal flows
//!    (checked by serving that extra demand up the network); failing that, from a "middle" programme
//!    (frontier suppliers offer their spare capacity) extended the same way, or from the restriction
//!    (everything outside runs the normal plan). Regions grow by up to [`local::LEVELS`] tiers of
//!    suppliers. Where the bounds agree (to 1e-9 relative) the node is settled by small programmes
//!    alone ([`local`] gives the bounds and why each is one); in the Willems chains every node is.
//! 3. **The rest on one model per thread, the days a variable.** The capacity rows are written
//!    `u_j − c_j T ≤ 0` and the product rows `l_j + u_j − d_j T ≥ −s_j` with T a variable, so that fixing
//!    `T = TTR` turns the model into the programme for those days. Each thread builds its model once,
//!    solves it once, then for each of its nodes (sorted by TTR) fixes T when the TTR changes (which gives
//!    the baseline), and re-optimises with `u_n = 0` fixed. Every step is a bound change of an optimal
//!    basis, re-optimised by the dual simplex from where it stands.
//! 4. **Nodes in parallel**, on as many threads as there are cores.
//!
//! # Solvers
//!
//! The programmes are written once in a neutral form ([`lp::Lp`]) and solved by one of two simplex
//! codes ([`lp::Warm`]):
//! - the default build uses microlp 0.6 (pure Rust, a bounded dual/primal revised simplex with an LU
//!   factorisation and warm restarts after bound changes), so that `cargo build` needs nothing but Rust;
//! - the `highs` feature (production and benchmark builds; it needs cmake and libclang, which
//!   `scripts/install-highs-deps` installs) solves the whole programme, the normal plan's programme and
//!   regions of 600 columns or more with HiGHS, whose warm re-solves after a bound change cost far less
//!   than microlp's on large models; regions then grow by one tier of suppliers only
//!   ([`local::LEVELS`]) before a node goes to the whole programme.
//!
//! The answers do not depend on the solver: this module's tests run on both (CI runs them with and
//! without the feature) against an interior-point solver (Clarabel) on freshly built programmes, and
//! `benchmarks/risk` checks them against HiGHS called from Python.
//!
//! # Cost
//!
//! Building a model is O(V + E); solving it once is a full simplex; every node then costs the pivots
//! its two bound changes need (each pivot O(rows + the LU's fill)). Memory: one model per thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use microlp::ComparisonOp;
use serde::Serialize;

use lp::{Col, Lp, Warm};

use crate::network::Network;

/// A time to survive this long or longer (in days, about 27 years) is reported as "never runs short".
pub const HORIZON_DAYS: f64 = 10_000.0;

/// The solver's name as reported.
pub const SOLVER: &str = lp::SOLVER;

/// Why a programme could not be solved. The programmes are always feasible and bounded by construction
/// (nothing made, nothing shipped, everything lost is a solution; T ≤ [`HORIZON_DAYS`]), so this means
/// the solver failed numerically.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImpactError {
    #[error("the LP solver failed on {what}: {message}")]
    Solver { what: String, message: String },
}

/// How to run [`exposure`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExposureOptions {
    /// Threads to run nodes on; 0 = the machine's available parallelism.
    pub threads: usize,
    /// Skip the local bounds and solve every node on the whole programme (for checking one against the
    /// other).
    pub whole_only: bool,
}

/// The analysis of one node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeExposure {
    /// The node's index in the network.
    pub node: usize,
    /// Its time to recover (the days of the programme).
    pub ttr: f64,
    /// Performance impact: the weighted loss of finished products while the node is out for its TTR.
    pub pi: f64,
    /// What the network loses over the same days with nobody out.
    pub baseline: f64,
    /// Time to survive in days; `None` when the network never runs short without the node.
    pub tts: Option<f64>,
    /// Risk exposure index: PI / max PI, in [0, 1].
    pub rei: f64,
    /// TTS < TTR: the node's loss will be felt before it recovers.
    pub flagged: bool,
    /// Whether the node can reach a finished product that loses (see the module documentation).
    pub relevant: bool,
}

/// The analysis of every node of a network, in node order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    pub nodes: Vec<NodeExposure>,
    pub max_pi: f64,
    /// The network's own time to survive (nobody out); `None`: never runs short.
    pub base_tts: Option<f64>,
    /// Full solves (one per model built).
    pub solves: usize,
    /// Warm re-optimisations after a bound change.
    pub reoptimisations: usize,
    /// Nodes whose programmes were solved (the relevant ones).
    pub relevant: usize,
    /// Relevant nodes whose PI and TTS the local bounds settled (the others used the whole programme).
    pub settled_locally: usize,
    /// Relevant nodes whose PI the local bounds settled.
    pub pi_settled_locally: usize,
    /// Relevant nodes whose TTS the local bounds settled.
    pub tts_settled_locally: usize,
    /// Local answers (PI or TTS) proved by extending the relaxation's solution, without a restriction.
    pub extended: usize,
    /// How the normal plan was found (`None`: no steady plan, or not sought).
    pub plan: Option<&'static str>,
}

/// The loss of a disruption: the programme with `disrupted` out for `days` days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loss {
    /// Σ f_j l_j with the disruption.
    pub total: f64,
    /// Σ f_j l_j over the same days with nobody out.
    pub baseline: f64,
    /// Lost units l_j of each node (0 for nodes that are not finished products), with the disruption.
    pub lost: Vec<f64>,
    /// Lost units of each node with nobody out.
    pub baseline_lost: Vec<f64>,
    /// What each finished product is asked for over the days, d_j · days (0 for others).
    pub demand: Vec<f64>,
}

/// The nodes whose decisions can change a loss: finished products with d > 0 and f > 0 and every node
/// upstream of one (breadth-first up the supplier edges, O(V + E)).
pub fn relevant(net: &Network) -> Vec<bool> {
    let mut keep = vec![false; net.len()];
    let mut stack: Vec<usize> = (0..net.len()).filter(|&j| loses(net, j)).collect();
    for &j in &stack {
        keep[j] = true;
    }
    while let Some(j) = stack.pop() {
        for input in &net.nodes[j].inputs {
            for s in &input.suppliers {
                if !keep[s.supplier] {
                    keep[s.supplier] = true;
                    stack.push(s.supplier);
                }
            }
        }
    }
    keep
}

/// A finished product whose shortfall counts.
fn loses(net: &Network, j: usize) -> bool {
    let spec = &net.nodes[j].spec;
    spec.product && spec.d > 0.0 && spec.f > 0.0
}

/// Which programme a model is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Minimise the loss over T days (T to be fixed).
    Loss,
    /// Maximise T with no loss.
    Survive,
}

/// A programme over the relevant nodes, T a variable.
struct Model {
    lp: Lp,
    /// Production u_j of each relevant node.
    u: Vec<Option<Col>>,
    /// Lost units l_j of each product that loses (loss models only).
    l: Vec<Option<Col>>,
    t: Col,
}

impl Model {
    /// Build the programme of `kind` over the `keep` nodes, with the nodes of `stopped` making nothing.
    /// O(V + E).
    fn new(net: &Network, keep: &[bool], kind: Kind, stopped: &[bool]) -> Model {
        let n = net.len();
        let (maximise, t_obj) = match kind {
            Kind::Loss => (false, 0.0),
            Kind::Survive => (true, 1.0),
        };
        let mut problem = Lp::new(maximise);
        let t = problem.add_var(t_obj, (0.0, HORIZON_DAYS));
        let mut u = vec![None; n];
        let mut l = vec![None; n];
        for j in (0..n).filter(|&j| keep[j]) {
            let max = if stopped.get(j).copied().unwrap_or(false) { 0.0 } else { f64::INFINITY };
            u[j] = Some(problem.add_var(0.0, (0.0, max)));
            if kind == Kind::Loss && loses(net, j) {
                l[j] = Some(problem.add_var(net.nodes[j].spec.f, (0.0, f64::INFINITY)));
            }
        }
        // Shipments per edge, collected per supplier for its row.
        let mut shipped: Vec<Vec<(Col, f64)>> = vec![Vec::new(); n];
        for j in (0..n).filter(|&j| keep[j]) {
            let uj = u[j].expect("every kept node has a production variable");
            let spec = &net.nodes[j].spec;
            problem.add_constraint([(uj, 1.0), (t, -spec.c)], ComparisonOp::Le, 0.0);
            if loses(net, j) {
                match l[j] {
                    Some(lj) => problem.add_constraint([(lj, 1.0), (uj, 1.0), (t, -spec.d)], ComparisonOp::Ge, -spec.s),
                    None => problem.add_constraint([(uj, 1.0), (t, -spec.d)], ComparisonOp::Ge, -spec.s),
                }
            }
            for input in &net.nodes[j].inputs {
                let mut row = Vec::with_capacity(input.suppliers.len() + 1);
                row.push((uj, 1.0));
                for s in &input.suppliers {
                    let y = problem.add_var(0.0, (0.0, f64::INFINITY));
                    row.push((y, -1.0 / s.r));
                    shipped[s.supplier].push((y, 1.0));
                }
                problem.add_constraint(row, ComparisonOp::Le, 0.0);
            }
        }
        for (i, mut row) in shipped.into_iter().enumerate() {
            if row.is_empty() {
                continue;
            }
            let ui = u[i].expect("a supplier of a kept node is kept");
            row.push((ui, -1.0));
            problem.add_constraint(row, ComparisonOp::Le, net.nodes[i].spec.s);
        }
        Model { lp: problem, u, l, t }
    }

    /// Solve it on the whole-programme solver of this build.
    fn solve(&self, what: &str) -> Result<Warm, ImpactError> {
        Warm::whole(&self.lp, &|| what.to_string())
    }
}

/// Clean a solver value: tiny negatives and noise around 0 to 0.
fn clean(x: f64) -> f64 {
    if x.abs() < 1e-9 { 0.0 } else { x }
}

/// A time to survive as reported: `None` at the horizon.
fn tts_of(t: f64) -> Option<f64> {
    (t < HORIZON_DAYS * (1.0 - 1e-9)).then_some(clean(t))
}

/// The programme with `disrupted` out for `days` days, and the same days with nobody out. Two solves.
pub fn loss(net: &Network, disrupted: &[usize], days: f64) -> Result<Loss, ImpactError> {
    let keep = relevant(net);
    let n = net.len();
    let demand: Vec<f64> = (0..n).map(|j| if loses(net, j) { net.nodes[j].spec.d * days } else { 0.0 }).collect();
    if !keep.iter().any(|&k| k) {
        return Ok(Loss { total: 0.0, baseline: 0.0, lost: vec![0.0; n], baseline_lost: vec![0.0; n], demand });
    }
    let days = days.clamp(0.0, HORIZON_DAYS);
    let mut stopped = vec![false; n];
    for &d in disrupted {
        stopped[d] = true;
    }
    let run = |stopped: &[bool], what: &str| -> Result<(f64, Vec<f64>), ImpactError> {
        let model = Model::new(net, &keep, Kind::Loss, stopped);
        let mut sol = model.solve(what)?;
        sol.fix(model.t, days, &|| what.to_string())?;
        let lost = model.l.iter().map(|l| l.map_or(0.0, |v| clean(sol.value(v)))).collect();
        Ok((clean(sol.objective()), lost))
    };
    let (total, lost) = run(&stopped, "the disruption's programme")?;
    let (baseline, baseline_lost) = run(&vec![false; n], "the undisrupted programme")?;
    Ok(Loss { total, baseline, lost, baseline_lost, demand })
}

/// What one run of nodes gave.
#[derive(Default)]
struct RunResult {
    pi: Vec<(usize, f64, f64)>,
    tts: Vec<(usize, Option<f64>)>,
    base_tts: Option<Option<f64>>,
    solves: usize,
    reoptimisations: usize,
}

/// A contiguous run of nodes for one thread, of one programme.
struct Task<'a> {
    kind: Kind,
    nodes: &'a [usize],
}

/// PI, baseline, TTS and REI of every node (see the module documentation for the method). Nodes with a
/// TTR of 0 lose nothing by definition (PI over zero days); their TTS is still computed.
pub fn exposure(net: &Network, options: ExposureOptions) -> Result<Exposure, ImpactError> {
    let n = net.len();
    let keep = relevant(net);
    let relevant_count = keep.iter().filter(|&&k| k).count();
    let ttr: Vec<f64> = net.nodes.iter().map(|x| x.spec.ttr.min(HORIZON_DAYS)).collect();
    if relevant_count == 0 {
        let nodes = (0..n)
            .map(|j| NodeExposure {
                node: j,
                ttr: net.nodes[j].spec.ttr,
                pi: 0.0,
                baseline: 0.0,
                tts: None,
                rei: 0.0,
                flagged: false,
                relevant: false,
            })
            .collect();
        return Ok(Exposure {
            nodes,
            max_pi: 0.0,
            base_tts: None,
            solves: 0,
            reoptimisations: 0,
            relevant: 0,
            settled_locally: 0,
            pi_settled_locally: 0,
            tts_settled_locally: 0,
            extended: 0,
            plan: None,
        });
    }

    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |p| p.get()),
        t => t,
    };
    let mut pi: Vec<Option<(f64, f64)>> = vec![None; n];
    let mut tts: Vec<Option<Option<f64>>> = vec![None; n];
    let (mut solves, mut reoptimisations, mut settled_locally) = (0, 0, 0);
    let (mut pi_settled_locally, mut tts_settled_locally, mut extended) = (0, 0, 0);

    // Step 1: nodes settled by their local bounds, when the normal plan is feasible (then nobody loses
    // without a disruption: every baseline is 0 and the network's own TTS is "never").
    let plan = if options.whole_only { None } else { local::NormalPlan::new(net, &keep) };
    let mut base_tts = None;
    if let Some(plan) = &plan {
        let nodes: Vec<usize> = (0..n).filter(|&j| keep[j]).collect();
        let next = AtomicUsize::new(0);
        let settled: Mutex<Vec<(usize, local::Settled)>> = Mutex::new(Vec::new());
        let failure: Mutex<Option<ImpactError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..threads.min(nodes.len()) {
                scope.spawn(|| {
                    let mut scratch = local::Scratch::new(n);
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&j) = nodes.get(i) else { break };
                        match local::settle(net, &keep, relevant_count, plan, j, ttr[j], &mut scratch) {
                            Ok(x) => mine.push((j, x)),
                            Err(e) => {
                                *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                                break;
                            }
                        }
                    }
                    settled.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                });
            }
        });
        if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        for (j, x) in settled.into_inner().unwrap_or_else(|e| e.into_inner()) {
            solves += x.solves;
            extended += x.extended;
            pi_settled_locally += usize::from(x.pi.is_some());
            tts_settled_locally += usize::from(x.tts.is_some());
            if let Some(p) = x.pi {
                pi[j] = Some((p, 0.0));
            }
            tts[j] = x.tts;
            if x.pi.is_some() && x.tts.is_some() {
                settled_locally += 1;
            }
        }
        for j in (0..n).filter(|&j| !keep[j]) {
            pi[j] = Some((0.0, 0.0));
        }
    }

    // Step 2: the rest on the whole programme. Loss runs sorted by TTR (nodes not relevant only need the
    // baseline at their TTR); survive runs for the relevant nodes not settled, and the base TTS.
    let mut by_ttr: Vec<usize> = (0..n).filter(|&j| pi[j].is_none()).collect();
    by_ttr.sort_by(|&a, &b| ttr[a].total_cmp(&ttr[b]).then(a.cmp(&b)));
    let survivors: Vec<usize> = (0..n).filter(|&j| keep[j] && tts[j].is_none()).collect();
    let mut tasks = Vec::new();
    for (kind, list) in [(Kind::Loss, &by_ttr), (Kind::Survive, &survivors)] {
        if list.is_empty() {
            continue;
        }
        // A thread's model costs one full solve: keep runs long enough to be worth it.
        let runs = threads.min(list.len().div_ceil(32)).max(1);
        let size = list.len().div_ceil(runs);
        for chunk in list.chunks(size.max(1)) {
            tasks.push(Task { kind, nodes: chunk });
        }
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Result<RunResult, ImpactError>>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(tasks.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { break };
                    let r = run_task(net, &keep, &ttr, task);
                    let failed = r.is_err();
                    results.lock().unwrap_or_else(|e| e.into_inner()).push(r);
                    if failed {
                        break;
                    }
                }
            });
        }
    });
    let mut global_base_tts = None;
    for r in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let r = r?;
        for (j, p, b) in r.pi {
            pi[j] = Some((p, b));
        }
        for (j, t) in r.tts {
            tts[j] = Some(t);
        }
        if let Some(b) = r.base_tts {
            global_base_tts = Some(b);
        }
        solves += r.solves;
        reoptimisations += r.reoptimisations;
    }
    if plan.is_none() {
        base_tts = global_base_tts.flatten();
    }
    let tts: Vec<Option<f64>> = (0..n).map(|j| if keep[j] { tts[j].flatten() } else { base_tts }).collect();
    let pi: Vec<(f64, f64)> = pi.into_iter().map(|p| p.unwrap_or((0.0, 0.0))).collect();
    let max_pi = pi.iter().map(|p| p.0).fold(0.0, f64::max);
    let nodes = (0..n)
        .map(|j| NodeExposure {
            node: j,
            ttr: net.nodes[j].spec.ttr,
            pi: pi[j].0,
            baseline: pi[j].1,
            tts: tts[j],
            rei: if max_pi > 0.0 { pi[j].0 / max_pi } else { 0.0 },
            flagged: tts[j].is_some_and(|t| t < net.nodes[j].spec.ttr),
            relevant: keep[j],
        })
        .collect();
    Ok(Exposure {
        nodes,
        max_pi,
        base_tts,
        solves,
        reoptimisations,
        relevant: relevant_count,
        settled_locally,
        pi_settled_locally,
        tts_settled_locally,
        extended,
        plan: plan.as_ref().map(|p| p.how),
    })
}

/// Solve one run: build the model, solve it, then one node after another by bound changes.
fn run_task(net: &Network, keep: &[bool], ttr: &[f64], task: &Task) -> Result<RunResult, ImpactError> {
    let model = Model::new(net, keep, task.kind, &[]);
    let mut sol = model.solve("the base programme")?;
    let mut out = RunResult { solves: 1, ..RunResult::default() };
    match task.kind {
        Kind::Loss => {
            let mut current = f64::NAN;
            let mut baseline = 0.0;
            for &j in task.nodes {
                if ttr[j] != current {
                    current = ttr[j];
                    sol.fix(model.t, current, &|| "the programme over a node's TTR".to_string())?;
                    out.reoptimisations += 1;
                    baseline = clean(sol.objective());
                }
                let Some(uj) = model.u[j] else {
                    out.pi.push((j, baseline, baseline));
                    continue;
                };
                let what = || format!("node {}", net.nodes[j].spec.id);
                let pi = clean(sol.probe(uj, 0.0, &what)?).max(baseline);
                out.reoptimisations += 1;
                out.pi.push((j, pi, baseline));
            }
        }
        Kind::Survive => {
            out.base_tts = Some(tts_of(sol.objective()));
            for &j in task.nodes {
                let uj = model.u[j].expect("survive runs hold relevant nodes only");
                let what = || format!("node {}", net.nodes[j].spec.id);
                let t = tts_of(sol.probe(uj, 0.0, &what)?);
                out.reoptimisations += 1;
                out.tts.push((j, t));
            }
        }
    }
    Ok(out)
}

/// Nodes of `exposure` ranked by REI (highest first; ties by node order).
pub fn ranked(exposure: &Exposure) -> Vec<&NodeExposure> {
    let mut v: Vec<&NodeExposure> = exposure.nodes.iter().collect();
    v.sort_by(|a, b| b.pi.total_cmp(&a.pi).then(a.node.cmp(&b.node)));
    v
}

mod local;
mod lp;

#[cfg(test)]
mod tests;
