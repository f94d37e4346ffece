//! The plan: how much each arc carries, what stays unmet, what it costs, and how it was found.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::instance::{Indexed, Instance};

/// An optimal (or, when a time limit cut the search short, the best found) split of the demands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The arcs that carry something, in the instance's arc order.
    pub allocations: Vec<Allocation>,
    /// Every demand, in the instance's order, with the quantity left unmet (zero when fully covered).
    pub unmet: Vec<Unmet>,
    /// `Σ unit_cost·quantity + Σ unmet_penalty·unmet`, computed from the integral plan (arcs in order, then
    /// demands in order), never taken from a solver.
    pub objective: f64,
    /// Whether the plan is proven optimal for the instance: by an LP bound the integral plan attains, by the
    /// solver's completed branch and bound, by the network simplex's exact certificate, or by the combinatorial
    /// algorithm that made it.
    pub proven_optimal: bool,
    pub method: Method,
    /// The LP solver, for the two methods that use one.
    pub backend: Option<Backend>,
}

/// One arc's share of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The arc's index in the instance.
    pub arc: usize,
    pub demand: String,
    pub supplier: String,
    pub quantity: u64,
}

/// What a plan leaves of a demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmet {
    pub demand: String,
    pub quantity: u64,
}

/// How a plan was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// No arc could carry anything (no arcs, zero quantities or zero maxima): every demand is unmet and there was
    /// nothing to solve.
    Trivial,
    /// The linear relaxation, whose optimal vertices are integral for the instance's structure; the returned
    /// vertex was checked to be integral and to attain the LP optimum.
    LinearProgram,
    /// Integer variables, by the solver's branch and bound.
    IntegerProgram,
    /// Successive shortest paths on the flow network of the instance ([`crate::solve_min_cost_flow`]).
    MinCostFlow,
    /// The network simplex on the flow network of the instance, in exact integer arithmetic
    /// ([`crate::solve_network_simplex`]); what [`crate::solve`] uses when the limits are laminar.
    NetworkSimplex,
    /// Enumeration of every integral plan ([`crate::solve_brute_force`]).
    BruteForce,
}

/// The LP/MIP solver behind good_lp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// microlp, pure Rust (dual simplex, branch and bound); the default.
    Microlp,
    /// HiGHS, with the `highs` feature.
    Highs,
}

/// What is wrong with a plan for an instance.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the plan {0}")]
pub struct PlanViolation(pub String);

impl Plan {
    /// The plan of integral arc quantities `x` (one per arc of the instance), which [`check_flows`] accepted.
    pub(crate) fn from_flows(
        instance: &Instance,
        indexed: &Indexed,
        x: &[u64],
        method: Method,
        proven_optimal: bool,
        backend: Option<Backend>,
    ) -> Plan {
        let mut met = vec![0u64; instance.demands.len()];
        let mut objective = 0.0;
        let mut allocations = Vec::new();
        for (a, (arc, &quantity)) in instance.arcs.iter().zip(x).enumerate() {
            if quantity == 0 {
                continue;
            }
            met[indexed.arc_demand[a]] += quantity;
            objective += arc.unit_cost * quantity as f64;
            allocations.push(Allocation {
                arc: a,
                demand: arc.demand.clone(),
                supplier: arc.supplier.clone(),
                quantity,
            });
        }
        let unmet = instance
            .demands
            .iter()
            .zip(&met)
            .map(|(demand, &met)| {
                let quantity = demand.quantity - met;
                objective += demand.unmet_penalty * quantity as f64;
                Unmet { demand: demand.id.clone(), quantity }
            })
            .collect();
        Plan { allocations, unmet, objective, proven_optimal, method, backend }
    }

    /// Checks the plan against an instance: every allocation on an arc of the instance and within its
    /// `max_quantity`; for every demand, allocations plus unmet equal to its quantity; every limit respected; the
    /// objective equal to the plan's cost (to 10⁻⁹ relative). For plans read back from elsewhere, and for tests.
    pub fn verify(&self, instance: &Instance) -> Result<(), PlanViolation> {
        let fail = |message: String| Err(PlanViolation(message));
        let arcs: HashMap<(&str, &str), usize> = instance
            .arcs
            .iter()
            .enumerate()
            .map(|(i, arc)| ((arc.demand.as_str(), arc.supplier.as_str()), i))
            .collect();
        let mut x = vec![0u64; instance.arcs.len()];
        for allocation in &self.allocations {
            let Some(&a) = arcs.get(&(allocation.demand.as_str(), allocation.supplier.as_str())) else {
                return fail(format!(
                    "allocates {} from {:?} to {:?}, which no arc joins",
                    allocation.quantity, allocation.supplier, allocation.demand
                ));
            };
            if x[a] != 0 {
                return fail(format!("allocates on arc {a} twice"));
            }
            if allocation.quantity > instance.arcs[a].max_quantity {
                return fail(format!(
                    "allocates {} on arc {a} ({} → {}), whose max_quantity is {}",
                    allocation.quantity, allocation.supplier, allocation.demand, instance.arcs[a].max_quantity
                ));
            }
            x[a] = allocation.quantity;
        }

        let mut met: HashMap<&str, u128> = HashMap::new();
        let mut cost = 0.0;
        for (arc, &quantity) in instance.arcs.iter().zip(&x) {
            *met.entry(arc.demand.as_str()).or_default() += u128::from(quantity);
            cost += arc.unit_cost * quantity as f64;
        }
        if self.unmet.len() != instance.demands.len() {
            return fail(format!("lists {} demands, the instance {}", self.unmet.len(), instance.demands.len()));
        }
        for (demand, unmet) in instance.demands.iter().zip(&self.unmet) {
            if unmet.demand != demand.id {
                return fail(format!("lists demand {:?} where the instance has {:?}", unmet.demand, demand.id));
            }
            let met = met.get(demand.id.as_str()).copied().unwrap_or(0);
            if met + u128::from(unmet.quantity) != u128::from(demand.quantity) {
                return fail(format!(
                    "gives demand {:?} {met} and leaves {} unmet, but it asks for {}",
                    demand.id, unmet.quantity, demand.quantity
                ));
            }
            cost += demand.unmet_penalty * unmet.quantity as f64;
        }

        let supplied: HashMap<(&str, &str), u64> =
            instance.arcs.iter().zip(&x).map(|(arc, &q)| ((arc.supplier.as_str(), arc.demand.as_str()), q)).collect();
        for (index, limit) in instance.limits.iter().enumerate() {
            let total: u128 = limit
                .demands
                .iter()
                .map(|d| u128::from(supplied.get(&(limit.supplier.as_str(), d.as_str())).copied().unwrap_or(0)))
                .sum();
            if total > u128::from(limit.limit) {
                return fail(format!(
                    "has supplier {:?} deliver {total} under limit {index}, which allows {}",
                    limit.supplier, limit.limit
                ));
            }
        }

        if !close(self.objective, cost, 1e-9) {
            return fail(format!("states objective {} but costs {cost}", self.objective));
        }
        Ok(())
    }
}

/// `a` and `b` agree to `relative`·max(1, |a|, |b|).
pub(crate) fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * 1f64.max(a.abs()).max(b.abs())
}

/// Whether integral arc quantities `x` are a feasible plan: within each arc's bound, no demand over-supplied,
/// every limit respected. Returns the first violation, in words.
pub(crate) fn check_flows(instance: &Instance, indexed: &Indexed, x: &[u64]) -> Result<(), String> {
    let mut met = vec![0u64; indexed.quantity.len()];
    for (a, &q) in x.iter().enumerate() {
        if q > indexed.bound[a] {
            return Err(format!("arc {a} carries {q}, more than its bound {}", indexed.bound[a]));
        }
        let d = indexed.arc_demand[a];
        met[d] += q;
        if met[d] > indexed.quantity[d] {
            return Err(format!("demand {:?} receives more than its quantity", instance.demands[d].id));
        }
    }
    for (l, arcs) in indexed.limit_arcs.iter().enumerate() {
        let total: u128 = arcs.iter().map(|&a| u128::from(x[a])).sum();
        if total > u128::from(instance.limits[l].limit) {
            return Err(format!("limit {l} is exceeded ({total} > {})", instance.limits[l].limit));
        }
    }
    Ok(())
}
