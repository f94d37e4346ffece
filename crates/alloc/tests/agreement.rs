//! The four solvers agree: on random tiny instances the network simplex (where the limits are laminar) and the
//! LP/MIP plan cost what the best enumerated plan costs; on larger ones with laminar limits (the transportation
//! problem, capacity by due dates, random nested-or-disjoint families, many ties, zeros, costs of very different
//! sizes) the network simplex, the LP relaxation and the successive shortest paths cost the same. Every plan
//! respects the arcs' maxima, the limits and the demands' balance.

use chaindock_alloc::{
    AllocError, Arc, Demand, Instance, Limit, Method, Plan, SolveOptions, solve, solve_brute_force,
    solve_min_cost_flow, solve_network_simplex, solve_with,
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
        let lp = verified(&instance, solve_with(&instance, &LP_ONLY));
        assert_same_objective(&lp, &best);
        prop_assert!(lp.proven_optimal);
        match (solve_min_cost_flow(&instance), solve_network_simplex(&instance)) {
            (Ok(flow), Ok(simplex)) => {
                assert_same_objective(&verified(&instance, Ok(flow)), &best);
                let simplex = verified(&instance, Ok(simplex));
                assert_same_objective(&simplex, &best);
                prop_assert!(simplex.proven_optimal);
                // Laminar limits: solve takes the network simplex, and the relaxation comes out integral with
                // no need for branch and bound.
                prop_assert!(matches!(plan.method, Method::NetworkSimplex | Method::Trivial), "{plan:#?}");
                prop_assert!(matches!(lp.method, Method::LinearProgram | Method::Trivial), "{lp:#?}");
            }
            (Err(AllocError::Unsupported { .. }), Err(AllocError::Unsupported { .. })) => {
                prop_assert!(matches!(plan.method, Method::IntegerProgram | Method::Trivial), "{plan:#?}")
            }
            (flow, simplex) => panic!("{flow:?} / {simplex:?}"),
        }
    }
}

const LP_ONLY: SolveOptions = SolveOptions { time_limit: None, always_integer: false, lp_only: true };

/// The network simplex (through `solve`), the LP relaxation and the successive shortest paths on a laminar
/// instance: all verified, all proven optimal, all of the same cost.
#[track_caller]
fn check_laminar(instance: &Instance) -> Result<(), TestCaseError> {
    let plan = verified(instance, solve(instance));
    let lp = verified(instance, solve_with(instance, &LP_ONLY));
    let flow = verified(instance, solve_min_cost_flow(instance));
    assert_same_objective(&plan, &lp);
    assert_same_objective(&plan, &flow);
    prop_assert!(matches!(plan.method, Method::NetworkSimplex | Method::Trivial), "{:?}", plan.method);
    prop_assert!(matches!(lp.method, Method::LinearProgram | Method::Trivial), "{:?}", lp.method);
    prop_assert!(plan.proven_optimal && lp.proven_optimal && flow.proven_optimal);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn the_solvers_agree_on_transport_problems(instance in laminar(20, 30, 0.3, false)) {
        check_laminar(&instance)?;
    }

    #[test]
    fn the_solvers_agree_under_due_date_capacities(instance in laminar(20, 30, 0.3, true)) {
        check_laminar(&instance)?;
    }
}

/// How the unit costs of [`nested`] are drawn.
#[derive(Debug, Clone, Copy)]
enum Costs {
    /// Uniform in [0, 50).
    Continuous,
    /// Whole numbers 0..=5: ties everywhere, and with them degenerate pivots.
    Ties,
    /// `m·2^k` for k from −40 to 20: exact for the network simplex only after scaling by 2⁴⁰ and more.
    Spread,
}

/// splitmix64, to draw a whole instance from one proptest seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// `demands` × `suppliers`, about `density` of the pairs joined, each supplier with a random laminar family of
/// limits over its demands: its demands in random order, cut recursively into runs, each run (at any depth)
/// limited with some probability, so limits nest several deep or sit side by side. Quantities, maxima and limits
/// are zero now and then.
fn nested(demands: usize, suppliers: usize, density: f64, costs: Costs, seed: u64) -> Instance {
    let mut rng = Rng(seed);
    let demand_id = |d: usize| format!("D{d}");
    let mut instance = Instance::default();
    for d in 0..demands {
        let quantity = if rng.chance(0.1) { 0 } else { rng.below(120) };
        let unmet_penalty = match costs {
            Costs::Ties => 6.0 + rng.below(4) as f64,
            _ => 20.0 + rng.below(8000) as f64 / 100.0,
        };
        instance.demands.push(Demand { id: demand_id(d), quantity, unmet_penalty });
    }
    for s in 0..suppliers {
        let mut served = Vec::new();
        for d in 0..demands {
            if !rng.chance(density) {
                continue;
            }
            served.push(d);
            let unit_cost = match costs {
                Costs::Continuous => (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 50.0,
                Costs::Ties => rng.below(6) as f64,
                Costs::Spread => (1 + rng.below(1000)) as f64 * 2f64.powi(rng.below(61) as i32 - 40),
            };
            let max_quantity = if rng.chance(0.1) { 0 } else { rng.below(80) };
            instance.arcs.push(Arc { demand: demand_id(d), supplier: format!("S{s}"), unit_cost, max_quantity });
        }
        for i in (1..served.len()).rev() {
            served.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut runs = vec![(0, served.len())];
        while let Some((from, to)) = runs.pop() {
            if to - from >= 1 && rng.chance(0.6) {
                let listed = served[from..to].iter().map(|&d| demand_id(d)).collect();
                let limit = if rng.chance(0.05) { 0 } else { rng.below(40 * (to - from) as u64) };
                instance.limits.push(Limit { supplier: format!("S{s}"), demands: listed, limit });
            }
            if to - from >= 2 {
                let cut = from + 1 + rng.below((to - from - 1) as u64) as usize;
                runs.push((from, cut));
                runs.push((cut, to));
            }
        }
    }
    instance
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_solvers_agree_under_nested_and_disjoint_limits(seed in any::<u64>(), demands in 1usize..=25, suppliers in 1usize..=25) {
        check_laminar(&nested(demands, suppliers, 0.4, Costs::Continuous, seed))?;
    }

    #[test]
    fn the_solvers_agree_when_costs_tie(seed in any::<u64>(), demands in 1usize..=25, suppliers in 1usize..=25) {
        check_laminar(&nested(demands, suppliers, 0.5, Costs::Ties, seed))?;
    }

    #[test]
    fn the_solvers_agree_when_costs_differ_by_orders_of_magnitude(seed in any::<u64>(), demands in 1usize..=20, suppliers in 1usize..=20) {
        check_laminar(&nested(demands, suppliers, 0.4, Costs::Spread, seed))?;
    }

    #[test]
    fn one_demand_over_many_suppliers(seed in any::<u64>(), suppliers in 1usize..=60) {
        check_laminar(&nested(1, suppliers, 0.9, Costs::Continuous, seed))?;
    }

    #[test]
    fn the_network_simplex_finds_the_best_of_all_plans(seed in any::<u64>(), demands in 1usize..=3, suppliers in 1usize..=3) {
        // Small enough to enumerate (the brute force refuses what it cannot finish, and then there is no check).
        let mut instance = nested(demands, suppliers, 0.6, Costs::Ties, seed);
        for demand in &mut instance.demands {
            demand.quantity %= 4;
        }
        for arc in &mut instance.arcs {
            arc.max_quantity %= 4;
        }
        for limit in &mut instance.limits {
            limit.limit %= 5;
        }
        let best = verified(&instance, solve_brute_force(&instance));
        let simplex = verified(&instance, solve_network_simplex(&instance));
        assert_same_objective(&simplex, &best);
        prop_assert_eq!(simplex.method, Method::NetworkSimplex);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Larger networks, where the simplex pivots many times, against the successive shortest paths (the LP takes
    /// too long here to run many cases).
    #[test]
    fn the_network_simplex_agrees_with_shortest_paths_on_larger_networks(seed in any::<u64>(), ties in any::<bool>()) {
        let costs = if ties { Costs::Ties } else { Costs::Continuous };
        let instance = nested(150, 200, 0.08, costs, seed);
        let simplex = verified(&instance, solve_network_simplex(&instance));
        let flow = verified(&instance, solve_min_cost_flow(&instance));
        assert_same_objective(&simplex, &flow);
        prop_assert!(simplex.proven_optimal);
    }
}
