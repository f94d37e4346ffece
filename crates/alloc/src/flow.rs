//! An independent check of the network simplex: min-cost flow by successive shortest paths in `f64`, for
//! instances whose limits are laminar (each supplier's limits nested or disjoint — in particular one limit per
//! supplier over all its arcs, the transportation problem). Plain and slow (tens of seconds at issue 5's size,
//! where the network simplex takes a third of a second); it shares with the simplex only the idea of the network.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::AllocError;
use crate::instance::{Indexed, Instance};
use crate::plan::{Method, Plan, check_flows};

/// Solves an instance whose limits are laminar as a min-cost flow, integral by construction.
///
/// The network: a source; per supplier a node fed from the source without limit; per limit a node fed from
/// its parent in the forest of limits (its smallest enclosing limit, or the supplier's node) through an edge
/// of capacity `limit`; per arc an edge of capacity `min(max_quantity, quantity)` and cost `unit_cost` from
/// the smallest limit covering it (or the supplier's node) to its demand's node; per demand an edge of
/// capacity `quantity` to the sink, and an *unmet* edge from the source straight to the demand's node, of
/// capacity `quantity` and cost `unmet_penalty`. Every unit of every demand reaches the sink (the unmet edges
/// alone carry them all), so a maximum flow of least cost is an optimal plan: the flow on an arc's edge is
/// its quantity, on a demand's unmet edge what is left unmet. A unit over an arc passes through every limit
/// covering the arc — its ancestors in the forest — and nothing else, so the limits hold exactly.
///
/// Successive shortest paths (Ahuja, Magnanti and Orlin, *Network Flows*, 1993, ch. 9): Dijkstra on reduced
/// costs with node potentials, valid from the start because every cost is non-negative; each round augments
/// the flow by the bottleneck of a shortest source–sink path. Integral capacities give integral flows.
/// O(A · E log V) for A augmentations: at most the total quantity (each pushes at least one unit), in practice
/// about the number of edges that end up saturated.
///
/// [`AllocError::Unsupported`] when some supplier's limits cross (two share an arc without one containing the
/// other); [`crate::solve`] handles those.
pub fn solve_min_cost_flow(instance: &Instance) -> Result<Plan, AllocError> {
    instance.validate()?;
    let indexed = Indexed::new(instance);
    let Some(forest) = indexed.laminar() else {
        return Err(AllocError::Unsupported {
            solver: "min-cost flow",
            reason: "two limits of one supplier overlap without one containing the other".into(),
        });
    };

    let demands = instance.demands.len();
    let (source, sink) = (0, 1);
    let demand_node = |d: usize| 2 + d;
    let supplier_node = |s: usize| 2 + demands + s;
    let limit_node = |l: usize| 2 + demands + indexed.suppliers + l;
    let mut network = Network::new(2 + demands + indexed.suppliers + instance.limits.len());

    for s in 0..indexed.suppliers {
        network.add_edge(source, supplier_node(s), u64::MAX, 0.0);
    }
    for (l, limit) in instance.limits.iter().enumerate() {
        let from = forest.parent[l].map_or(supplier_node(indexed.limit_supplier[l]), limit_node);
        network.add_edge(from, limit_node(l), limit.limit, 0.0);
    }
    let mut arc_edge = vec![None; instance.arcs.len()];
    for (a, arc) in instance.arcs.iter().enumerate() {
        if indexed.bound[a] == 0 {
            continue;
        }
        let from = forest.arc_owner[a].map_or(supplier_node(indexed.arc_supplier[a]), limit_node);
        arc_edge[a] = Some(network.add_edge(from, demand_node(indexed.arc_demand[a]), indexed.bound[a], arc.unit_cost));
    }
    for (d, demand) in instance.demands.iter().enumerate() {
        network.add_edge(demand_node(d), sink, demand.quantity, 0.0);
        network.add_edge(source, demand_node(d), demand.quantity, demand.unmet_penalty);
    }

    network.min_cost_max_flow(source, sink);

    let x: Vec<u64> = arc_edge.iter().map(|e| e.map_or(0, |e| network.flow(e))).collect();
    check_flows(instance, &indexed, &x)
        .map_err(|violation| AllocError::Solver(format!("the min-cost flow is infeasible: {violation}")))?;
    Ok(Plan::from_flows(instance, &indexed, &x, Method::MinCostFlow, true, None))
}

/// A residual network: edges in pairs (forward at an even index, its reverse at the next odd one).
struct Network {
    /// Per node, its outgoing edges (forward and reverse).
    out: Vec<Vec<usize>>,
    to: Vec<usize>,
    /// Residual capacity.
    residual: Vec<u64>,
    cost: Vec<f64>,
}

impl Network {
    fn new(nodes: usize) -> Self {
        Self { out: vec![Vec::new(); nodes], to: Vec::new(), residual: Vec::new(), cost: Vec::new() }
    }

    /// Adds an edge and its reverse; returns the forward edge's index.
    fn add_edge(&mut self, from: usize, to: usize, capacity: u64, cost: f64) -> usize {
        let e = self.to.len();
        self.out[from].push(e);
        self.to.push(to);
        self.residual.push(capacity);
        self.cost.push(cost);
        self.out[to].push(e + 1);
        self.to.push(from);
        self.residual.push(0);
        self.cost.push(-cost);
        e
    }

    /// The flow on a forward edge: what its reverse can send back.
    fn flow(&self, e: usize) -> u64 {
        self.residual[e ^ 1]
    }

    fn min_cost_max_flow(&mut self, source: usize, sink: usize) {
        let n = self.out.len();
        // Potentials π with reduced costs c(u,v) + π(u) − π(v) ≥ 0 on every residual edge; zero at first
        // because every cost is.
        let mut potential = vec![0.0f64; n];
        let mut dist = vec![f64::INFINITY; n];
        let mut done = vec![false; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        loop {
            dist.fill(f64::INFINITY);
            done.fill(false);
            via.fill(None);
            dist[source] = 0.0;
            heap.clear();
            heap.push(Entry { dist: 0.0, node: source });
            while let Some(Entry { dist: d, node: u }) = heap.pop() {
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == sink {
                    break;
                }
                for &e in &self.out[u] {
                    if self.residual[e] == 0 {
                        continue;
                    }
                    let v = self.to[e];
                    // Rounding can make a reduced cost that is zero in exact arithmetic slightly negative.
                    let reduced = (self.cost[e] + potential[u] - potential[v]).max(0.0);
                    if d + reduced < dist[v] {
                        dist[v] = d + reduced;
                        via[v] = Some(e);
                        heap.push(Entry { dist: dist[v], node: v });
                    }
                }
            }
            if !done[sink] {
                return;
            }
            // π += min(dist, dist(sink)) keeps every reduced cost non-negative and makes those on the shortest
            // path zero, so that their reverses are usable next round.
            let cap = dist[sink];
            for v in 0..n {
                potential[v] += dist[v].min(cap);
            }
            let mut push = u64::MAX;
            let mut v = sink;
            while let Some(e) = via[v] {
                push = push.min(self.residual[e]);
                v = self.to[e ^ 1];
            }
            let mut v = sink;
            while let Some(e) = via[v] {
                self.residual[e] -= push;
                self.residual[e ^ 1] += push;
                v = self.to[e ^ 1];
            }
        }
    }
}

/// A heap entry, least distance first.
struct Entry {
    dist: f64,
    node: usize,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.dist.total_cmp(&self.dist).then_with(|| other.node.cmp(&self.node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::build;

    #[test]
    fn nested_capacities_by_due_date_route_through_a_chain_of_limit_nodes() {
        // s: 10 free by E's due date, 25 by L's; t serves L only, dearer. The day-5 limit sits inside the
        // day-10 one, so E's units pass both and L's only the outer one.
        let demands = [("E", 8, 100.0), ("L", 20, 100.0)];
        let arcs = [("E", "s", 1.0, 8), ("L", "s", 1.0, 20), ("L", "t", 5.0, 20)];
        let instance = build(&demands, &arcs, &[("s", &["E"], 10), ("s", &["E", "L"], 25)]);
        let plan = solve_min_cost_flow(&instance).unwrap();
        plan.verify(&instance).unwrap();
        assert_eq!(plan.objective, 8.0 + 17.0 + 15.0);
        assert_eq!(plan.allocations.iter().map(|a| a.quantity).collect::<Vec<_>>(), [8, 17, 3]);
        assert_eq!(plan.method, Method::MinCostFlow);
    }

    #[test]
    fn units_go_unmet_where_the_penalty_is_below_every_path() {
        let instance = build(&[("A", 5, 2.0), ("B", 0, 9.0)], &[("A", "s", 3.0, 5), ("B", "s", 0.0, 5)], &[]);
        let plan = solve_min_cost_flow(&instance).unwrap();
        plan.verify(&instance).unwrap();
        assert!(plan.allocations.is_empty());
        assert_eq!(plan.objective, 10.0);
    }
}
