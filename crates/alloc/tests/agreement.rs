//! The three solvers agree: on random tiny instances the LP/MIP plan costs what the best enumerated plan
//! costs, and on larger ones with laminar limits (the transportation problem, and capacity by due dates)
//! what the min-cost flow costs. Every plan respects the arcs' maxima, the limits and the demands' balance.

use chaindock_alloc::{
    AllocError, Arc, Demand, Instance, Limit, Method, Plan, SolveOptions, solve, solve_brute_force,
    solve_min_cost_flow, solve_with,
};
use proptest::prelude::*;

/// Costs and penalties in half units, so that ties (and with them degenerate optima) are common.
fn halves(max: u32) -> impl Strategy<Value = f64> {
    (0..=2 * max).prop_map(|k| f64::from(k) / 2.0)
}

/// Up to 3 demands and 3 suppliers, quantities and maxima up to 3, any arcs, up to 3 limits over any demands
/// (so crossing limits occur).
fn tiny() -> impl Strategy<Value = Instance> {
    (1usize..=3, 1usize..=3)
        .prop_flat_map(|(demands, suppliers)| {
            (
                prop::collection::vec((0u64..=3, halves(12)), demands),
                prop::collection::vec(prop::option::weighted(0.7, (halves(8), 0u64..=3)), demands * suppliers),
                prop::collection::vec((0..suppliers, prop::collection::vec(any::<bool>(), demands), 0u64..=4), 0..=3),
            )
        })
        .prop_map(|(demands, arcs, limits)| {
            let suppliers = arcs.len() / demands.len();
            let demand_id = |d: usize| format!("D{d}");
            Instance {
                demands: demands
                    .iter()
                    .enumerate()
                    .map(|(d, &(quantity, unmet_penalty))| Demand { id: demand_id(d), quantity, unmet_penalty })
                    .collect(),
                arcs: arcs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, arc)| {
                        arc.map(|(unit_cost, max_quantity)| Arc {
                            demand: demand_id(i % demands.len()),
                            supplier: format!("S{}", i / demands.len()),
                            unit_cost,
                            max_quantity,
                        })
                    })
                    .collect(),
                limits: limits
                    .into_iter()
                    .map(|(s, listed, limit)| Limit {
                        supplier: format!("S{}", s % suppliers),
                        demands: listed.iter().enumerate().filter(|&(_, &on)| on).map(|(d, _)| demand_id(d)).collect(),
                        limit,
                    })
                    .collect(),
            }
        })
}

/// `demands` × `suppliers` with about `density` of the pairs joined; each supplier with one limit over all
/// its demands and, when `due_dates`, tighter limits over the demands due by day 1 and by day 2 (of 3).
fn laminar(demands: usize, suppliers: usize, density: f64, due_dates: bool) -> impl Strategy<Value = Instance> {
    (
        prop::collection::vec((0u64..=200, 20.0f64..100.0, 1u8..=3), demands),
        prop::collection::vec(prop::option::weighted(density, (0.0f64..50.0, 0u64..=100)), demands * suppliers),
        prop::collection::vec((0u64..=150, 0u64..=150, 0u64..=150), suppliers),
    )
        .prop_map(move |(demand_specs, arcs, capacity)| {
            let demand_id = |d: usize| format!("D{d}");
            let mut instance = Instance {
                demands: demand_specs
                    .iter()
                    .enumerate()
                    .map(|(d, &(quantity, unmet_penalty, _))| Demand { id: demand_id(d), quantity, unmet_penalty })
                    .collect(),
                ..Instance::default()
            };
            for (i, arc) in arcs.iter().enumerate() {
                if let Some((unit_cost, max_quantity)) = *arc {
                    instance.arcs.push(Arc {
                        demand: demand_id(i % demands),
                        supplier: format!("S{}", i / demands),
                        unit_cost,
                        max_quantity,
                    });
                }
            }
            for (s, &(day1, day2, day3)) in capacity.iter().enumerate() {
                // Free capacity accumulates: what is free by day 1 is free by day 2 too.
                let by_day = [day1, day1 + day2, day1 + day2 + day3];
                let days = if due_dates { 0..3 } else { 2..3 };
                for day in days {
                    let limit = by_day[day];
                    let due: Vec<String> = demand_specs
                        .iter()
                        .enumerate()
                        .filter(|&(_, &(_, _, due))| usize::from(due) <= day + 1)
                        .map(|(d, _)| demand_id(d))
                        .collect();
                    instance.limits.push(Limit { supplier: format!("S{s}"), demands: due, limit });
                }
            }
            instance
        })
}

/// The objectives agree to 10⁻⁹ relative (they are sums of the same terms in the same order, so ties in
/// cost between different plans are where they may differ in the last bits).
#[track_caller]
fn assert_same_objective(a: &Plan, b: &Plan) {
    let scale = 1f64.max(a.objective.abs()).max(b.objective.abs());
    assert!((a.objective - b.objective).abs() <= 1e-9 * scale, "objectives differ:\n{a:#?}\n{b:#?}");
}

#[track_caller]
fn verified(instance: &Instance, plan: Result<Plan, AllocError>) -> Plan {
    let plan = plan.unwrap_or_else(|e| panic!("{e} on {instance:#?}"));
    plan.verify(instance).unwrap_or_else(|e| panic!("{e}: {plan:#?} on {instance:#?}"));
    plan
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_solver_finds_the_best_of_all_plans(instance in tiny()) {
        let best = verified(&instance, solve_brute_force(&instance));
        let plan = verified(&instance, solve(&instance));
        assert_same_objective(&plan, &best);
        prop_assert!(plan.proven_optimal);
        let integer = verified(&instance, solve_with(&instance, &SolveOptions { always_integer: true, ..SolveOptions::default() }));
        assert_same_objective(&integer, &best);
        match solve_min_cost_flow(&instance) {
            Ok(flow) => {
                let flow = verified(&instance, Ok(flow));
                assert_same_objective(&flow, &best);
                // Laminar limits: the relaxation must have come out integral, with no need for branch and bound.
                prop_assert!(matches!(plan.method, Method::LinearProgram | Method::Trivial), "{plan:#?}");
            }
            Err(AllocError::Unsupported { .. }) => {
                prop_assert!(matches!(plan.method, Method::IntegerProgram | Method::Trivial), "{plan:#?}")
            }
            Err(e) => panic!("{e}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_solver_agrees_with_min_cost_flow_on_transport_problems(instance in laminar(20, 30, 0.3, false)) {
        let flow = verified(&instance, solve_min_cost_flow(&instance));
        let plan = verified(&instance, solve(&instance));
        assert_same_objective(&plan, &flow);
        prop_assert_eq!(plan.method, Method::LinearProgram);
        prop_assert!(plan.proven_optimal);
    }

    #[test]
    fn the_solver_agrees_with_min_cost_flow_under_due_date_capacities(instance in laminar(20, 30, 0.3, true)) {
        let flow = verified(&instance, solve_min_cost_flow(&instance));
        let plan = verified(&instance, solve(&instance));
        assert_same_objective(&plan, &flow);
        prop_assert_eq!(plan.method, Method::LinearProgram);
        prop_assert!(plan.proven_optimal);
    }
}
