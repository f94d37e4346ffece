//! The slowest and plainest solver: every integral plan of a tiny instance, for checking the others.

use crate::AllocError;
use crate::instance::{Indexed, Instance};
use crate::plan::{Method, Plan, check_flows};

/// The most plans [`solve_brute_force`] will consider: the product over arcs of `bound + 1`.
pub const BRUTE_FORCE_LIMIT: u64 = 5_000_000;

/// Solves a tiny instance by enumerating every integral quantity on every arc (depth first, cutting a branch
/// as soon as a demand or a limit is exceeded) and keeping the cheapest plan; ties go to the first found.
/// Shares with the other solvers only the indexing of the instance and [`Plan`]'s cost ([`Plan::verify`]
/// checks plans from the names alone). [`AllocError::Unsupported`] when the product of
/// `min(max_quantity, quantity) + 1` over the arcs exceeds [`BRUTE_FORCE_LIMIT`].
pub fn solve_brute_force(instance: &Instance) -> Result<Plan, AllocError> {
    instance.validate()?;
    let indexed = Indexed::new(instance);
    let mut size: u64 = 1;
    for &bound in &indexed.bound {
        size = size.saturating_mul(bound.saturating_add(1));
        if size > BRUTE_FORCE_LIMIT {
            return Err(AllocError::Unsupported {
                solver: "brute force",
                reason: format!("more than {BRUTE_FORCE_LIMIT} plans to enumerate"),
            });
        }
    }
    let mut limits_of_arc: Vec<Vec<usize>> = vec![Vec::new(); instance.arcs.len()];
    for (l, arcs) in indexed.limit_arcs.iter().enumerate() {
        for &a in arcs {
            limits_of_arc[a].push(l);
        }
    }
    let mut search = Search {
        instance,
        indexed: &indexed,
        limits_of_arc,
        x: vec![0; instance.arcs.len()],
        met: vec![0; instance.demands.len()],
        used: vec![0; instance.limits.len()],
        best: None,
    };
    search.visit(0);
    // The search always reaches the plan with nothing supplied.
    let Some((_, x)) = search.best else {
        return Err(AllocError::Solver("the enumeration found no plan".into()));
    };
    check_flows(instance, &indexed, &x)
        .map_err(|violation| AllocError::Solver(format!("the enumerated plan is infeasible: {violation}")))?;
    Ok(Plan::from_flows(instance, &indexed, &x, Method::BruteForce, true, None))
}

struct Search<'a> {
    instance: &'a Instance,
    indexed: &'a Indexed,
    limits_of_arc: Vec<Vec<usize>>,
    x: Vec<u64>,
    met: Vec<u64>,
    used: Vec<u64>,
    best: Option<(f64, Vec<u64>)>,
}

impl Search<'_> {
    fn visit(&mut self, a: usize) {
        if a == self.x.len() {
            // The same sum, in the same order, as Plan::from_flows.
            let mut cost = 0.0;
            for (arc, &q) in self.instance.arcs.iter().zip(&self.x) {
                cost += arc.unit_cost * q as f64;
            }
            for (d, demand) in self.instance.demands.iter().enumerate() {
                cost += demand.unmet_penalty * (demand.quantity - self.met[d]) as f64;
            }
            if self.best.as_ref().is_none_or(|(best, _)| cost < *best) {
                self.best = Some((cost, self.x.clone()));
            }
            return;
        }
        let d = self.indexed.arc_demand[a];
        let mut most = self.indexed.bound[a].min(self.indexed.quantity[d] - self.met[d]);
        for &l in &self.limits_of_arc[a] {
            most = most.min(self.instance.limits[l].limit - self.used[l]);
        }
        for q in 0..=most {
            self.x[a] = q;
            self.met[d] += q;
            for &l in &self.limits_of_arc[a] {
                self.used[l] += q;
            }
            self.visit(a + 1);
            self.met[d] -= q;
            for &l in &self.limits_of_arc[a] {
                self.used[l] -= q;
            }
        }
        self.x[a] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::build;

    #[test]
    fn enumeration_refuses_what_it_cannot_finish() {
        let arcs: Vec<(&str, &str, f64, u64)> = ["a", "b", "c", "d"].iter().map(|&s| ("A", s, 1.0, 100)).collect();
        let instance = build(&[("A", 100, 5.0)], &arcs, &[]);
        assert!(matches!(solve_brute_force(&instance), Err(AllocError::Unsupported { solver: "brute force", .. })));
        // Two arcs are 101² plans; a is cheaper than b but limited to 30.
        let two = [("A", "a", 1.0, 100), ("A", "b", 2.0, 100)];
        let plan = solve_brute_force(&build(&[("A", 100, 5.0)], &two, &[("a", &["A"], 30)])).unwrap();
        assert_eq!(plan.allocations.iter().map(|a| a.quantity).collect::<Vec<_>>(), [30, 70]);
    }
}
