//! The fast exact solver for laminar instances: the primal network simplex on the instance's flow network, in
//! exact integer arithmetic.
//!
//! # Exact costs
//!
//! Every finite `f64` is a dyadic rational `m·2^e` (`m` an odd integer below 2⁵³). Multiplying every cost and
//! penalty by `2^-e_min`, where `e_min` is the least such exponent among them, turns them all into integers
//! without any rounding, and multiplying a problem's costs by a positive constant does not change which plans
//! are optimal. So the simplex runs on integers (`i128`) and its optimum is the optimum of the instance as
//! written, with **no error bound to state**: the only rounding left is in the `f64` sum of the plan's
//! `objective`, which [`Plan`] computes from the integral plan the same way for every solver. The scaling fails
//! only when the costs span more than about 2¹⁰⁰ between the largest and the finest bit (say `2⁻⁶⁰` next to
//! `2⁵⁰`), because the potentials must stay within `i128` ([`COST_BITS`]); then [`optimal_flows`] says so and
//! [`crate::solve`] falls back to the LP.
//!
//! # The certificate
//!
//! When the simplex stops, the flow and the node potentials `π` are checked from scratch, in the same exact
//! arithmetic: flow within every edge's bounds, every node balanced, and complementary slackness on every
//! edge — reduced cost `c(u,v) + π(u) − π(v)` non-negative where the flow is below capacity, non-positive where
//! it is above zero. That is LP duality's certificate of optimality (Ahuja, Magnanti and Orlin, *Network
//! Flows*, 1993, theorem 9.4), so a bug in the tree bookkeeping cannot return a plan called optimal that is not.

use crate::AllocError;
use crate::instance::{Forest, Indexed, Instance};
use crate::plan::{Method, Plan, check_flows};

/// The most bits a scaled cost may have, with the number of nodes: a potential is a sum of costs along a tree
/// path (at most `n` of them, each at most `C`), and a reduced cost adds two potentials to a cost, so
/// `bits(C) + bits(n) ≤ 120` keeps every number the algorithm forms below 2¹²² in magnitude.
pub const COST_BITS: u32 = 120;

/// Solves an instance whose limits are laminar by the network simplex, integral and optimal by construction
/// (and by the certificate checked at the end).
///
/// The network is that of [`crate::solve_min_cost_flow`] with node balances instead of a sink, and smaller: a
/// source with supply `Σ quantity`; per limit a node fed from its parent in the forest of limits (or the source)
/// through an edge of capacity `limit`; per arc an edge of capacity `min(max_quantity, quantity)` and cost
/// `unit_cost` from the smallest limit covering it (or the source) to its demand's node; per demand a node that
/// must receive its `quantity`, and an *unmet* edge into it from the source at cost `unmet_penalty`. The
/// supplier nodes of the other network, fed from the source without limit, are left out (the source feeds
/// what they fed), and so are limits that cannot bind: those whose arcs' bounds sum to at most the limit, or
/// inside an enclosing limit no larger. (The generated registry instance of `benchmarks/alloc` drops 94,000
/// of its 165,000 limits so.)
///
/// [`AllocError::Unsupported`] when some supplier's limits cross, or when the costs cannot be scaled to
/// integers exactly (see the module documentation); [`crate::solve`] handles both through the LP.
pub fn solve_network_simplex(instance: &Instance) -> Result<Plan, AllocError> {
    instance.validate()?;
    let indexed = Indexed::new(instance);
    let Some(forest) = indexed.laminar() else {
        return Err(AllocError::Unsupported {
            solver: "network simplex",
            reason: "two limits of one supplier overlap without one containing the other".into(),
        });
    };
    match optimal_flows(instance, &indexed, &forest)? {
        Some(x) => Ok(Plan::from_flows(instance, &indexed, &x, Method::NetworkSimplex, true, None)),
        None => Err(AllocError::Unsupported {
            solver: "network simplex",
            reason: format!(
                "the costs and penalties span too many binary orders of magnitude to be scaled to integers \
                 exactly (more than {COST_BITS} bits with the network's size), or the network has 2³² edges"
            ),
        }),
    }
}

/// The optimal quantity of every arc of a laminar instance, checked feasible; `None` when the costs cannot be
/// scaled to integers exactly (or, beyond any instance that fits in memory, the network has 2³² edges).
pub(crate) fn optimal_flows(
    instance: &Instance,
    indexed: &Indexed,
    forest: &Forest,
) -> Result<Option<Vec<u64>>, AllocError> {
    let demands = instance.demands.len();
    let source = 0;
    let demand_node = |d: usize| 1 + d;

    // Limits that can never bind are left out, their arcs and inner limits fed from what feeds them: those
    // whose arcs together carry no more than the limit (their reach), or that lie inside an enclosing limit no
    // larger. Parents come first in this order (as in `Indexed::laminar`), so each limit knows what is above it.
    let limits = instance.limits.len();
    let mut order: Vec<usize> = (0..limits).collect();
    order.sort_by_key(|&l| std::cmp::Reverse(indexed.limit_arcs[l].len()));
    let mut above = vec![u64::MAX; limits];
    let mut kept = vec![false; limits];
    for &l in &order {
        above[l] = forest.parent[l].map_or(u64::MAX, |p| above[p].min(instance.limits[p].limit));
        let reach: u128 = indexed.limit_arcs[l].iter().map(|&a| u128::from(indexed.bound[a])).sum();
        kept[l] = reach.min(u128::from(above[l])) > u128::from(instance.limits[l].limit);
    }
    // Kept limits numbered in the instance's order (the simplex's pricing follows the edges' order, and the
    // instance's is the better one on the benchmarks); each limit's arcs and inner limits are fed from `feed`.
    let mut nodes = 1 + demands;
    let mut feed = vec![source; limits];
    for l in (0..limits).filter(|&l| kept[l]) {
        feed[l] = nodes;
        nodes += 1;
    }
    let mut from = vec![source; limits];
    for &l in &order {
        from[l] = forest.parent[l].map_or(source, |p| feed[p]);
        if !kept[l] {
            feed[l] = from[l];
        }
    }

    let total: i128 = indexed.quantity.iter().map(|&q| i128::from(q)).sum();
    // No edge of this acyclic network can carry more than everything supplied, so this bound never binds.
    let unbounded = total + 1;
    let mut supply = vec![0i128; nodes];
    supply[source] = total;
    let mut edges: Vec<Edge> = Vec::with_capacity(limits + instance.arcs.len() + demands);
    let mut costs: Vec<f64> = Vec::with_capacity(edges.capacity());
    let mut push = |edges: &mut Vec<Edge>, tail: usize, head: usize, capacity: i128, cost: f64| {
        edges.push(Edge { tail, head, capacity });
        costs.push(cost);
        edges.len() - 1
    };

    for l in (0..limits).filter(|&l| kept[l]) {
        push(&mut edges, from[l], feed[l], i128::from(instance.limits[l].limit), 0.0);
    }
    let mut arc_edge = vec![None; instance.arcs.len()];
    for (a, arc) in instance.arcs.iter().enumerate() {
        if indexed.bound[a] == 0 {
            continue;
        }
        let from = forest.arc_owner[a].map_or(source, |l| feed[l]);
        let to = demand_node(indexed.arc_demand[a]);
        arc_edge[a] = Some(push(&mut edges, from, to, i128::from(indexed.bound[a]), arc.unit_cost));
    }
    let mut unmet_edge = Vec::with_capacity(demands);
    for (d, demand) in instance.demands.iter().enumerate() {
        supply[demand_node(d)] = -i128::from(demand.quantity);
        unmet_edge.push(push(&mut edges, source, demand_node(d), unbounded, demand.unmet_penalty));
    }

    // With the root and one artificial edge per node, every index must stay below NONE.
    if edges.len() + 2 * nodes + 1 >= NONE as usize {
        return Ok(None);
    }
    let Some(scaled) = scale(&costs, nodes + 1) else {
        return Ok(None);
    };
    // Start with everything unmet: each demand hangs from the source by its unmet edge.
    let mut hang = vec![None; nodes];
    for (d, &e) in unmet_edge.iter().enumerate() {
        if supply[demand_node(d)] < 0 {
            hang[demand_node(d)] = Some(e);
        }
    }
    let mut simplex = NetworkSimplex::new(&supply, &edges, scaled, &hang);
    simplex.run();
    simplex
        .certify(&supply)
        .map_err(|e| AllocError::Solver(format!("the network simplex's optimality certificate fails: {e}")))?;

    // Flows are within the arcs' bounds (certified), themselves at most 2⁵³.
    let x: Vec<u64> = arc_edge.iter().map(|e| e.map_or(0, |e| simplex.flow[e] as u64)).collect();
    check_flows(instance, indexed, &x)
        .map_err(|violation| AllocError::Solver(format!("the network simplex's plan is infeasible: {violation}")))?;
    Ok(Some(x))
}

/// An edge of the network before solving.
struct Edge {
    tail: usize,
    head: usize,
    capacity: i128,
}

/// `c = m·2^e` with `m` odd, for a positive finite `c`.
fn dyadic(c: f64) -> (u64, i32) {
    let bits = c.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // Subnormals have no implicit leading bit and the least exponent.
    let (m, e) = if exponent == 0 { (fraction, -1074) } else { (fraction | 1 << 52, exponent - 1075) };
    let zeros = m.trailing_zeros();
    (m >> zeros, e + zeros as i32)
}

/// The costs times `2^-e_min` (see the module documentation), exactly; `None` when the largest would leave too
/// few bits for a network of `nodes` nodes ([`COST_BITS`]). Costs are finite and non-negative (validated).
fn scale(costs: &[f64], nodes: usize) -> Option<Vec<i128>> {
    let parts: Vec<Option<(u64, i32)>> = costs.iter().map(|&c| (c > 0.0).then(|| dyadic(c))).collect();
    let Some(low) = parts.iter().flatten().map(|&(_, e)| e).min() else {
        return Some(vec![0; costs.len()]);
    };
    let node_bits = usize::BITS - nodes.leading_zeros();
    for &(m, e) in parts.iter().flatten() {
        // The scaled cost m·2^(e − low) has this many bits.
        let bits = i64::from(e - low) + i64::from(u64::BITS - m.leading_zeros());
        if bits + i64::from(node_bits) > i64::from(COST_BITS) {
            return None;
        }
    }
    Some(parts.iter().map(|p| p.map_or(0, |(m, e)| i128::from(m) << (e - low))).collect())
}

/// Node and edge indices are kept as `u32` (half the memory of `usize`, which keeps the tree's arrays in cache
/// while pricing streams over the edges); [`optimal_flows`] refuses networks too large for them.
type Ix = u32;
const NONE: Ix = Ix::MAX;

/// States of an edge: at its lower bound (`+1`: entering would raise its flow), in the spanning tree, at its
/// upper bound (`−1`). The sign makes `state·reduced cost < 0` the test for an edge that improves the flow.
const LOWER: i8 = 1;
const TREE: i8 = 0;
const UPPER: i8 = -1;

/// The primal network simplex with a strongly feasible spanning tree (Cunningham's leaving-arc rule, which
/// rules out cycling) and block-search pricing, after Ahuja, Magnanti and Orlin, *Network Flows*, 1993, ch. 11,
/// and the design of LEMON's `NetworkSimplex` (Király and Kovács, "Efficient implementations of minimum-cost
/// flow algorithms", *Acta Univ. Sapientiae, Informatica* 4(1), 2012).
///
/// The tree hangs from an artificial root. It starts with every demand unmet: each demand node hangs from the
/// source by its unmet edge, and every other node from the root by an artificial edge pointing to the root,
/// of cost 0 and unbounded. No edge leaves the root, so no flow can ever pass through it: the artificial
/// edges carry nothing, leave the tree as soon as a pivot blocks on them, and never re-enter (they are not
/// priced). No big-M cost is needed because the start is already a feasible flow.
///
/// The tree is kept as parent pointers, the preorder *thread* (a circular list through the root) and subtree
/// sizes. A pivot costs the length of the cycle plus the size of the subtree that moves, which is rebuilt in
/// its new preorder and whose potentials shift by one constant — O(n) at worst. The number of pivots is not
/// polynomially bounded in theory; in practice it grows about linearly with the network (Király and Kovács).
struct NetworkSimplex {
    tail: Vec<Ix>,
    head: Vec<Ix>,
    cost: Vec<i128>,
    capacity: Vec<i128>,
    flow: Vec<i128>,
    state: Vec<i8>,
    /// Edges below this index are the network's; the rest are the artificial ones, one per node.
    real: usize,

    /// Per node (the root last): the parent in the tree, the tree edge to it, whether that edge points from the
    /// node to its parent, the size of its subtree, the next and previous node in preorder.
    parent: Vec<Ix>,
    pred: Vec<Ix>,
    up: Vec<bool>,
    size: Vec<Ix>,
    thread: Vec<Ix>,
    rev_thread: Vec<Ix>,
    /// Node potentials, with every tree edge's reduced cost zero.
    potential: Vec<i128>,

    /// Block search: how many edges to price before taking the best candidate, and where to go on.
    block: usize,
    next_edge: usize,

    /// Scratch space of a pivot: the moving subtree in its old preorder, each node's place in it, the runs of it
    /// that make the new preorder, and the stem (the path from the entering edge's end up to the leaving edge).
    old_order: Vec<Ix>,
    runs: Vec<(Ix, Ix)>,
    place: Vec<Ix>,
    stem: Vec<usize>,
}

/// An index as stored, from one below [`NONE`] ([`optimal_flows`] checked the sizes).
fn ix(i: usize) -> Ix {
    i as Ix
}

impl NetworkSimplex {
    /// The starting tree: node `u` hangs from the tail of `hang[u]` when given (a real edge into `u`, which
    /// must have negative supply, from a node hanging from the root), carrying `u`'s demand; every other node
    /// hangs from the root by an artificial edge to it carrying what its subtree supplies (zero in a balanced
    /// network whose negative supplies all hang, as [`optimal_flows`] arranges; [`Self::certify`] checks).
    fn new(supply: &[i128], edges: &[Edge], cost: Vec<i128>, hang: &[Option<usize>]) -> Self {
        let n = supply.len();
        let root = n;
        let real = edges.len();
        let total = supply.iter().filter(|&&b| b > 0).sum::<i128>();

        let all = real + n;
        let mut simplex = Self {
            tail: edges.iter().map(|e| ix(e.tail)).chain((0..n).map(ix)).collect(),
            head: edges.iter().map(|e| ix(e.head)).chain(std::iter::repeat_n(ix(root), n)).collect(),
            cost: cost.into_iter().chain(std::iter::repeat_n(0, n)).collect(),
            capacity: edges.iter().map(|e| e.capacity).chain(std::iter::repeat_n(total + 1, n)).collect(),
            flow: vec![0; all],
            state: vec![LOWER; all],
            real,
            parent: vec![ix(root); n + 1],
            pred: vec![NONE; n + 1],
            up: vec![true; n + 1],
            size: vec![1; n + 1],
            thread: vec![NONE; n + 1],
            rev_thread: vec![NONE; n + 1],
            potential: vec![0; n + 1],
            // LEMON prices √m edges per block; half that was 5–25% faster on the generated instances of
            // benchmarks/alloc (fewer edges priced per pivot, a few more pivots).
            block: ((0.5 * (real as f64).sqrt()).ceil() as usize).max(10),
            next_edge: 0,
            old_order: Vec::new(),
            runs: Vec::new(),
            place: vec![0; n + 1],
            stem: Vec::new(),
        };
        simplex.parent[root] = NONE;
        simplex.size[root] = ix(n + 1);
        let mut subtree = supply.to_vec();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for u in 0..n {
            if let Some(e) = hang[u] {
                let p = edges[e].tail;
                (simplex.parent[u], simplex.pred[u], simplex.up[u]) = (ix(p), ix(e), false);
                (simplex.flow[e], simplex.state[e]) = (-supply[u], TREE);
                simplex.potential[u] = simplex.cost[e];
                subtree[p] += supply[u];
                simplex.size[p] += 1;
                children[p].push(u);
            }
        }
        // Preorder: the root, then each node hanging from it followed by its children.
        let mut last = root;
        let mut visit = |simplex: &mut Self, u: usize| {
            simplex.thread[last] = ix(u);
            simplex.rev_thread[u] = ix(last);
            last = u;
        };
        for u in (0..n).filter(|&u| hang[u].is_none()) {
            let e = real + u;
            (simplex.pred[u], simplex.flow[e], simplex.state[e]) = (ix(e), subtree[u], TREE);
            visit(&mut simplex, u);
            for &child in &children[u] {
                visit(&mut simplex, child);
            }
        }
        simplex.thread[last] = ix(root);
        simplex.rev_thread[root] = ix(last);
        simplex
    }

    fn reduced_cost(&self, e: usize) -> i128 {
        self.cost[e] + self.potential[self.tail[e] as usize] - self.potential[self.head[e] as usize]
    }

    fn run(&mut self) {
        while let Some(entering) = self.entering_edge() {
            self.pivot(entering);
        }
    }

    /// Block search: price the real edges a block at a time, round robin from where the last search stopped,
    /// and take the most violating edge of the first block that has one. Artificial edges never re-enter.
    fn entering_edge(&mut self) -> Option<usize> {
        let mut best = 0;
        let mut found = usize::MAX;
        let mut count = self.block;
        let mut e = self.next_edge;
        for _ in 0..self.real {
            // state·reduced cost: a tree edge's reduced cost is zero, so only the sign of the state matters,
            // and negating where it is −1 is the same without a multiplication.
            let negate = i128::from(self.state[e] >> 7);
            let violation = (self.reduced_cost(e) ^ negate) - negate;
            if violation < best {
                best = violation;
                found = e;
            }
            e += 1;
            if e == self.real {
                e = 0;
            }
            count -= 1;
            if count == 0 {
                if found != usize::MAX {
                    self.next_edge = e;
                    return Some(found);
                }
                count = self.block;
            }
        }
        (found != usize::MAX).then_some(found)
    }

    /// The deepest common ancestor of two nodes: a proper ancestor's subtree is larger than its descendant's.
    fn join(&self, mut u: usize, mut v: usize) -> usize {
        while u != v {
            if self.size[u] < self.size[v] {
                u = self.parent[u] as usize;
            } else {
                v = self.parent[v] as usize;
            }
        }
        u
    }

    /// Sends flow round the cycle the entering edge closes, as much as the cycle allows, and exchanges the
    /// entering edge with the blocking one in the tree.
    fn pivot(&mut self, entering: usize) {
        let (tail, head) = (self.tail[entering] as usize, self.head[entering] as usize);
        // Flow goes first → second over the entering edge, then up to the join and down back to first.
        let (first, second) = if self.state[entering] == LOWER { (tail, head) } else { (head, tail) };
        let join = self.join(first, second);

        // Cunningham's rule: of the blocking edges, the last met going round the cycle in the flow's direction
        // from the join, which keeps the tree strongly feasible (every node can send a positive amount to the
        // root along its tree path).
        let mut delta = self.capacity[entering];
        let mut leaving_side = 0;
        let mut leaving_node = usize::MAX;
        let mut u = first;
        while u != join {
            let e = self.pred[u] as usize;
            let room = if self.up[u] { self.flow[e] } else { self.capacity[e] - self.flow[e] };
            if room < delta {
                (delta, leaving_node, leaving_side) = (room, u, 1);
            }
            u = self.parent[u] as usize;
        }
        let mut u = second;
        while u != join {
            let e = self.pred[u] as usize;
            let room = if self.up[u] { self.capacity[e] - self.flow[e] } else { self.flow[e] };
            if room <= delta {
                (delta, leaving_node, leaving_side) = (room, u, 2);
            }
            u = self.parent[u] as usize;
        }

        if delta > 0 {
            let value = i128::from(self.state[entering]) * delta;
            self.flow[entering] += value;
            let mut u = tail;
            while u != join {
                self.flow[self.pred[u] as usize] -= if self.up[u] { value } else { -value };
                u = self.parent[u] as usize;
            }
            let mut u = head;
            while u != join {
                self.flow[self.pred[u] as usize] += if self.up[u] { value } else { -value };
                u = self.parent[u] as usize;
            }
        }

        if leaving_side == 0 {
            // The entering edge blocks itself: it moves to its other bound and the tree stays.
            self.state[entering] = -self.state[entering];
            return;
        }
        let (u_in, v_in) = if leaving_side == 1 { (first, second) } else { (second, first) };
        let leaving = self.pred[leaving_node] as usize;
        self.state[leaving] = if self.flow[leaving] == 0 { LOWER } else { UPPER };
        self.state[entering] = TREE;
        // The subtree below the leaving edge (it holds u_in) hangs from v_in by the entering edge from now on;
        // shifting its potentials by sigma makes the entering edge's reduced cost zero.
        let reduced = self.reduced_cost(entering);
        let sigma = if u_in == tail { -reduced } else { reduced };
        self.move_subtree(u_in, v_in, entering, leaving_node, join, sigma);
    }

    /// Moves the subtree of `top` (which holds `u_in`) to hang from `v_in` by edge `e`, re-rooted at `u_in`: the
    /// stem from `u_in` up to `top` reverses. Shifts the subtree's potentials by `sigma` on the way.
    fn move_subtree(&mut self, u_in: usize, v_in: usize, e: usize, top: usize, join: usize, sigma: i128) {
        let moving = self.size[top];
        // Only the nodes strictly between either end and the join change subtrees.
        let mut u = self.parent[top] as usize;
        while u != join {
            self.size[u] -= moving;
            u = self.parent[u] as usize;
        }
        let mut u = v_in;
        while u != join {
            self.size[u] += moving;
            u = self.parent[u] as usize;
        }

        // The subtree in its old preorder, which holds each stem node's subtree as a contiguous run.
        self.old_order.clear();
        let before = self.rev_thread[top] as usize;
        let mut u = top;
        for i in 0..moving {
            self.place[u] = i;
            self.old_order.push(ix(u));
            self.potential[u] += sigma;
            u = self.thread[u] as usize;
        }
        let after = u;
        self.stem.clear();
        let mut u = u_in;
        loop {
            self.stem.push(u);
            if u == top {
                break;
            }
            u = self.parent[u] as usize;
        }

        // The new preorder: u_in's subtree, then each stem node followed by the rest of its old subtree (what
        // is not its stem child's), which becomes its subtree. Each piece is a run of the old preorder, linked
        // within already, so only the ends of the runs are relinked below.
        self.runs.clear();
        let (start, size) = (self.place[u_in], self.size[u_in]);
        self.runs.push((start, start + size));
        for i in 1..self.stem.len() {
            let (w, child) = (self.stem[i], self.stem[i - 1]);
            let (start, end) = (self.place[w], self.place[w] + self.size[w]);
            let (inner, inner_end) = (self.place[child], self.place[child] + self.size[child]);
            self.runs.push((start, inner));
            if inner_end < end {
                self.runs.push((inner_end, end));
            }
        }

        // Stem nodes from the top down: each takes its child's edge, reversed, and its subtree becomes all of the
        // moving one but its child's old subtree (everything above it on the stem now hangs below it).
        for i in (1..self.stem.len()).rev() {
            let (w, child) = (self.stem[i], self.stem[i - 1]);
            self.size[w] = moving - self.size[child];
            (self.parent[w], self.pred[w], self.up[w]) = (ix(child), self.pred[child], !self.up[child]);
        }
        (self.parent[u_in], self.pred[u_in], self.up[u_in]) = (ix(v_in), ix(e), self.tail[e] as usize == u_in);
        self.size[u_in] = moving;

        // Cut the subtree out of the thread and splice it in, in its new order, right after v_in.
        self.thread[before] = ix(after);
        self.rev_thread[after] = ix(before);
        let mut last = ix(v_in);
        let next = self.thread[v_in];
        for &(start, end) in &self.runs {
            let first = self.old_order[start as usize];
            self.thread[last as usize] = first;
            self.rev_thread[first as usize] = last;
            last = self.old_order[end as usize - 1];
        }
        self.thread[last as usize] = next;
        self.rev_thread[next as usize] = last;
    }

    /// Checks from scratch that the flow is optimal for the real network (see the module documentation).
    fn certify(&self, supply: &[i128]) -> Result<(), String> {
        if let Some(e) = (self.real..self.flow.len()).find(|&e| self.flow[e] != 0) {
            return Err(format!("artificial edge {} still carries {}", e - self.real, self.flow[e]));
        }
        let mut balance = vec![0i128; supply.len()];
        for e in 0..self.real {
            let flow = self.flow[e];
            if !(0..=self.capacity[e]).contains(&flow) {
                return Err(format!("edge {e} carries {flow}, outside 0..={}", self.capacity[e]));
            }
            let reduced = self.reduced_cost(e);
            if (flow < self.capacity[e] && reduced < 0) || (flow > 0 && reduced > 0) {
                return Err(format!("edge {e} carries {flow} at reduced cost {reduced}"));
            }
            balance[self.tail[e] as usize] += flow;
            balance[self.head[e] as usize] -= flow;
        }
        match (0..supply.len()).find(|&u| balance[u] != supply[u]) {
            Some(u) => Err(format!("node {u} sends {} but supplies {}", balance[u], supply[u])),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::build;

    #[test]
    fn costs_scale_to_integers_exactly() {
        assert_eq!(dyadic(1.0), (1, 0));
        assert_eq!(dyadic(12.5), (25, -1));
        assert_eq!(dyadic(0.1), (0x000C_CCCC_CCCC_CCCD, -55));
        assert_eq!(dyadic(f64::from_bits(1)), (1, -1074));
        assert_eq!(scale(&[0.0, 12.5, 3.0, 0.25], 10), Some(vec![0, 50, 12, 1]));
        assert_eq!(scale(&[0.0, 0.0], 10), Some(vec![0, 0]));
        // 0.1 has bits down to 2⁻⁵⁵: scaled, 1000 + 0.1 is an integer of 65 bits.
        let scaled = scale(&[0.1, 1000.0 + 0.1], 1000).unwrap();
        assert_eq!(scaled[0], 0x000C_CCCC_CCCC_CCCD);
        assert_eq!(scaled[1] as f64 / 2f64.powi(55), 1000.0 + 0.1);
        // 2⁻⁷⁰ beside 2⁶⁰ needs 131 bits.
        assert_eq!(scale(&[2f64.powi(-70), 2f64.powi(60)], 10), None);
        assert!(scale(&[2f64.powi(-50), 2f64.powi(60)], 1 << 8).is_some());
    }

    #[test]
    fn nested_capacities_by_due_date() {
        // s: 10 free by E's due date, 25 by L's; t serves L only, dearer.
        let demands = [("E", 8, 100.0), ("L", 20, 100.0)];
        let arcs = [("E", "s", 1.0, 8), ("L", "s", 1.0, 20), ("L", "t", 5.0, 20)];
        let instance = build(&demands, &arcs, &[("s", &["E"], 10), ("s", &["E", "L"], 25)]);
        let plan = solve_network_simplex(&instance).unwrap();
        plan.verify(&instance).unwrap();
        assert_eq!(plan.objective, 8.0 + 17.0 + 15.0);
        assert_eq!(plan.allocations.iter().map(|a| a.quantity).collect::<Vec<_>>(), [8, 17, 3]);
        assert_eq!(plan.method, Method::NetworkSimplex);
        assert!(plan.proven_optimal);
    }

    #[test]
    fn limits_that_cannot_bind_are_left_out_without_changing_the_plan() {
        // s's limit over E alone (30) is no tighter than its limit over E and L (25), and its limit over L alone
        // (50) exceeds what its arc to L can carry (20): only the limit of 25 shapes the plan.
        let demands = [("E", 20, 100.0), ("L", 20, 100.0)];
        let arcs = [("E", "s", 1.0, 20), ("L", "s", 2.0, 20), ("E", "t", 5.0, 20), ("L", "t", 5.0, 20)];
        let limits: [(&str, &[&str], u64); 3] = [("s", &["E"], 30), ("s", &["E", "L"], 25), ("s", &["L"], 50)];
        let instance = build(&demands, &arcs, &limits);
        let plan = solve_network_simplex(&instance).unwrap();
        plan.verify(&instance).unwrap();
        assert_eq!(plan.allocations.iter().map(|a| a.quantity).collect::<Vec<_>>(), [20, 5, 15]);
        assert_eq!(plan.objective, 20.0 + 10.0 + 75.0);
        assert_eq!(plan.objective, crate::solve_min_cost_flow(&instance).unwrap().objective);
    }

    #[test]
    fn degenerate_networks() {
        // Nothing; zero quantities; a zero limit; supplying dearer than leaving unmet; zero costs everywhere.
        let check = |instance: Instance, objective: f64| {
            let plan = solve_network_simplex(&instance).unwrap();
            plan.verify(&instance).unwrap();
            assert_eq!(plan.objective, objective, "{plan:#?}");
        };
        check(build(&[], &[], &[]), 0.0);
        check(build(&[("A", 0, 1.0)], &[("A", "s", 1.0, 5)], &[]), 0.0);
        check(build(&[("A", 4, 2.0)], &[("A", "s", 1.0, 4)], &[("s", &["A"], 0)]), 8.0);
        check(build(&[("A", 4, 2.0)], &[("A", "s", 2.5, 4)], &[]), 8.0);
        check(build(&[("A", 4, 0.0), ("B", 3, 0.0)], &[("A", "s", 0.0, 4), ("B", "s", 0.0, 4)], &[]), 0.0);
    }

    #[test]
    fn large_quantities_stay_exact() {
        // 2⁵³ units at costs whose products with the quantities are far from integral in f64.
        let big = 1u64 << 53;
        let instance = build(
            &[("A", big, 7.0), ("B", big - 1, 7.0)],
            &[("A", "s", 0.1, big), ("B", "s", 0.2, big), ("A", "t", 0.3, big / 2), ("B", "t", 0.05, big / 2)],
            &[("s", &["A", "B"], big)],
        );
        let plan = solve_network_simplex(&instance).unwrap();
        plan.verify(&instance).unwrap();
        // t gives B half at 0.05; B's rest can only come from s, which gives A what is left of its capacity, and
        // t makes up A's shortfall at 0.3.
        let quantities: Vec<u64> = plan.allocations.iter().map(|a| a.quantity).collect();
        assert_eq!(quantities, [big / 2 + 1, big / 2 - 1, big / 2 - 1, big / 2]);
    }
}
