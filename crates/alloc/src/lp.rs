//! The model through good_lp: the linear relaxation where it is integral, integer variables otherwise.

use std::time::Duration;

use good_lp::{Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel, variable};

use crate::AllocError;
use crate::instance::{Indexed, Instance};
use crate::plan::{Backend, Method, Plan, check_flows, close};
use crate::simplex;

/// How [`solve_with`] goes about it. The default is what [`solve`] does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveOptions {
    /// Stop each good_lp run (the relaxation, then if need be the integer program) after this long and return
    /// the best plan found, not proven optimal. When the solver has no integral plan by then, the result is
    /// [`AllocError::Solver`]. The network simplex, which handles laminar limits, always runs to the end.
    pub time_limit: Option<Duration>,
    /// Declare integer variables even where the linear relaxation is known to be integral (for checking one
    /// path against the other). Implies `lp_only`.
    pub always_integer: bool,
    /// Solve through good_lp even when the limits are laminar and the network simplex would do (for checking
    /// one against the other, and for timing).
    pub lp_only: bool,
}

/// The LP solver this build uses.
pub const BACKEND: Backend = if cfg!(feature = "highs") { Backend::Highs } else { Backend::Microlp };

/// The relative tolerance to which the integral plan's cost must equal the LP optimum for the LP to prove it
/// optimal.
const BOUND_TOLERANCE: f64 = 1e-9;

/// Solves an instance: the cheapest integral plan, proven optimal. The network simplex when the limits are
/// laminar, good_lp otherwise; see the crate documentation for the model and how integrality is obtained.
pub fn solve(instance: &Instance) -> Result<Plan, AllocError> {
    solve_with(instance, &SolveOptions::default())
}

/// [`solve`] with options.
pub fn solve_with(instance: &Instance, options: &SolveOptions) -> Result<Plan, AllocError> {
    instance.validate()?;
    let indexed = Indexed::new(instance);
    let active: Vec<usize> = (0..instance.arcs.len()).filter(|&a| indexed.bound[a] > 0).collect();
    if active.is_empty() {
        let zeros = vec![0; instance.arcs.len()];
        return Ok(Plan::from_flows(instance, &indexed, &zeros, Method::Trivial, true, None));
    }

    let forest = indexed.laminar();
    if let Some(forest) = &forest
        && !(options.always_integer || options.lp_only)
        && let Some(x) = simplex::optimal_flows(instance, &indexed, forest)?
    {
        return Ok(Plan::from_flows(instance, &indexed, &x, Method::NetworkSimplex, true, None));
    }
    if !options.always_integer && forest.is_some() {
        let relaxed = run(instance, &indexed, &active, false, options)?;
        if let Some(x) = integral(instance, &indexed, &active, &relaxed.values) {
            let mut plan = Plan::from_flows(instance, &indexed, &x, Method::LinearProgram, false, Some(BACKEND));
            let optimal = matches!(relaxed.status, SolutionStatus::Optimal);
            plan.proven_optimal = optimal && close(plan.objective, relaxed.objective, BOUND_TOLERANCE);
            // An LP stopped by the time limit would only be slower as a MIP: return what it has.
            if plan.proven_optimal || !optimal {
                return Ok(plan);
            }
        }
    }

    let solved = run(instance, &indexed, &active, true, options)?;
    let x = integral(instance, &indexed, &active, &solved.values).ok_or_else(|| {
        AllocError::Solver("the integer program's solution is not integral and feasible after rounding".into())
    })?;
    let proven = matches!(solved.status, SolutionStatus::Optimal);
    Ok(Plan::from_flows(instance, &indexed, &x, Method::IntegerProgram, proven, Some(BACKEND)))
}

/// What the solver returned: values of the active arcs' variables, the instance's objective at them (the
/// model's plus what the demands left out of it cost), the status.
struct Solved {
    values: Vec<f64>,
    objective: f64,
    status: SolutionStatus,
}

/// Builds and solves the model over the active arcs (those with a positive bound). Demands without an active
/// arc and limits that cannot bind (their arcs' bounds sum to at most the limit) are left out: neither changes
/// the optimum, and leaving rows out keeps the matrix's structure.
fn run(
    instance: &Instance,
    indexed: &Indexed,
    active: &[usize],
    integer: bool,
    options: &SolveOptions,
) -> Result<Solved, AllocError> {
    let demands = instance.demands.len();
    let mut vars = ProblemVariables::new();
    let mut objective = Expression::with_capacity(active.len() + demands);
    let mut arc_var = vec![None; instance.arcs.len()];
    let mut demand_rows: Vec<Expression> = vec![Expression::default(); demands];
    let mut has_arc = vec![false; demands];
    for &a in active {
        let mut definition = variable().min(0).max(indexed.bound[a] as f64);
        if integer {
            check_integer_bound(indexed.bound[a], a)?;
            definition = definition.integer();
        }
        let x = vars.add(definition);
        arc_var[a] = Some(x);
        objective.add_mul(instance.arcs[a].unit_cost, x);
        demand_rows[indexed.arc_demand[a]].add_mul(1.0, x);
        has_arc[indexed.arc_demand[a]] = true;
    }
    let mut unmet_var = vec![None; demands];
    // What the demands without an active arc cost: all of them unmet.
    let mut fixed = 0.0;
    for (d, demand) in instance.demands.iter().enumerate() {
        if !has_arc[d] {
            fixed += demand.unmet_penalty * demand.quantity as f64;
            continue;
        }
        // Unmet is integral whenever the arcs' quantities are, so it need not be declared integer.
        let u = vars.add(variable().min(0).max(demand.quantity as f64));
        unmet_var[d] = Some(u);
        objective.add_mul(demand.unmet_penalty, u);
    }

    let mut model = make_model(vars.minimise(objective.clone()), options)?;
    for (d, row) in demand_rows.into_iter().enumerate() {
        if let Some(u) = unmet_var[d] {
            model.add_constraint((row + u).eq(indexed.quantity[d] as f64));
        }
    }
    for (l, arcs) in indexed.limit_arcs.iter().enumerate() {
        let limit = instance.limits[l].limit;
        let reach: u128 = arcs.iter().map(|&a| u128::from(indexed.bound[a])).sum();
        if reach <= u128::from(limit) {
            continue;
        }
        let mut row = Expression::with_capacity(arcs.len());
        for x in arcs.iter().filter_map(|&a| arc_var[a]) {
            row.add_mul(1.0, x);
        }
        model.add_constraint(row.leq(limit as f64));
    }

    let solution = model.solve().map_err(|e| match e {
        // The model always has the feasible plan "nothing supplied, everything unmet", and every variable is
        // bounded, so these mean a solver failure rather than a property of the instance.
        ResolutionError::Infeasible | ResolutionError::Unbounded => {
            AllocError::Solver(format!("the solver declared a feasible, bounded model {e}"))
        }
        other => AllocError::Solver(other.to_string()),
    })?;
    let values = active.iter().map(|&a| arc_var[a].map_or(0.0, |x| solution.value(x))).collect();
    Ok(Solved { values, objective: objective.eval_with(&solution) + fixed, status: solution.status() })
}

/// microlp keeps integer bounds in an `i32`.
fn check_integer_bound(bound: u64, arc: usize) -> Result<(), AllocError> {
    if cfg!(feature = "highs") || bound <= i32::MAX as u64 {
        Ok(())
    } else {
        Err(AllocError::Unsupported {
            solver: "microlp integer program",
            reason: format!("arc {arc} may carry {bound}, and microlp's integer variables stop at 2³¹ − 1"),
        })
    }
}

#[cfg(not(feature = "highs"))]
fn make_model(
    problem: good_lp::variable::UnsolvedProblem,
    options: &SolveOptions,
) -> Result<impl SolverModel<Error = ResolutionError>, AllocError> {
    use good_lp::WithTimeLimit;
    let mut model = problem.using(good_lp::microlp);
    if let Some(limit) = options.time_limit {
        model = model.with_time_limit(limit.as_secs_f64());
    }
    Ok(model)
}

#[cfg(feature = "highs")]
fn make_model(
    problem: good_lp::variable::UnsolvedProblem,
    options: &SolveOptions,
) -> Result<impl SolverModel<Error = ResolutionError>, AllocError> {
    // HiGHS stops a MIP at a relative gap of 10⁻⁴ by default; the plan must be optimal, not nearly so.
    let mut model = problem
        .using(good_lp::highs)
        .set_mip_rel_gap(0.0)
        .map_err(|e| AllocError::Solver(format!("HiGHS refused a zero MIP gap: {e}")))?;
    if let Some(limit) = options.time_limit {
        model = model.set_time_limit(limit.as_secs_f64());
    }
    Ok(model)
}

/// The active arcs' values as integers, when each is within 10⁻⁶ of one and the rounded plan is feasible.
fn integral(instance: &Instance, indexed: &Indexed, active: &[usize], values: &[f64]) -> Option<Vec<u64>> {
    let mut x = vec![0u64; instance.arcs.len()];
    for (&a, &v) in active.iter().zip(values) {
        let rounded = v.round();
        if !(rounded >= 0.0 && (v - rounded).abs() <= 1e-6 * 1f64.max(v.abs()).min(1e4)) {
            return None;
        }
        // At most the arc's bound, itself at most 2⁵³, so the conversion is exact.
        x[a] = rounded as u64;
    }
    check_flows(instance, indexed, &x).ok().map(|()| x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::build;
    use crate::{solve_brute_force, solve_min_cost_flow};

    /// Solves `instance` every way (the network simplex where the limits are laminar, the relaxation where it
    /// is integral, and integer variables throughout), checks each plan, and returns the default one after
    /// comparing objectives.
    #[track_caller]
    fn check(instance: &Instance, objective: f64, method: Method) -> Plan {
        let plan = solve(instance).unwrap();
        plan.verify(instance).unwrap();
        assert_eq!(plan.objective, objective, "{plan:#?}");
        assert_eq!(plan.method, method);
        assert!(plan.proven_optimal);
        let lp = solve_with(instance, &SolveOptions { lp_only: true, ..SolveOptions::default() }).unwrap();
        lp.verify(instance).unwrap();
        assert_eq!(lp.objective, objective);
        assert!(lp.proven_optimal);
        if method == Method::NetworkSimplex {
            assert_eq!(lp.method, Method::LinearProgram);
            assert_eq!(lp.backend, Some(BACKEND));
        }
        let integer = solve_with(instance, &SolveOptions { always_integer: true, ..SolveOptions::default() }).unwrap();
        integer.verify(instance).unwrap();
        assert_eq!(integer.objective, objective);
        if method != Method::Trivial {
            assert_eq!(integer.method, Method::IntegerProgram);
        }
        plan
    }

    /// The supplier → quantity pairs of a plan.
    fn split(plan: &Plan) -> Vec<(&str, u64)> {
        plan.allocations.iter().map(|a| (a.supplier.as_str(), a.quantity)).collect()
    }

    #[test]
    fn a_share_cap_of_30_percent_spreads_11000_parts_over_four_suppliers() {
        let cap = (0.3f64 * 11_000.0).floor() as u64;
        assert_eq!(cap, 3300);
        let arcs: Vec<(&str, &str, f64, u64)> =
            ["s1", "s2", "s3", "s4", "s5", "s6"].iter().zip(1..).map(|(&s, c)| ("D", s, f64::from(c), cap)).collect();
        let instance = build(&[("D", 11_000, 1000.0)], &arcs, &[]);
        let plan = check(&instance, 3300.0 * (1.0 + 2.0 + 3.0) + 1100.0 * 4.0, Method::NetworkSimplex);
        assert_eq!(split(&plan), [("s1", 3300), ("s2", 3300), ("s3", 3300), ("s4", 1100)]);
        assert_eq!(plan.unmet[0].quantity, 0);
        assert_eq!(plan.backend, None);
    }

    #[test]
    fn capacity_up_to_each_due_date_is_shared_by_the_demands_due_by_then() {
        // s has 10 free by day 5 (E is due then) and 25 by day 10 (L too); t serves L only, dearer.
        let demands = [("E", 8, 100.0), ("L", 20, 100.0)];
        let arcs = [("E", "s", 1.0, 8), ("L", "s", 1.0, 20), ("L", "t", 5.0, 20)];
        let plan = check(
            &build(&demands, &arcs, &[("s", &["E"], 10), ("s", &["E", "L"], 25)]),
            8.0 + 17.0 + 3.0 * 5.0,
            Method::NetworkSimplex,
        );
        assert_eq!(split(&plan), [("s", 8), ("s", 17), ("t", 3)]);
        // With only 5 free by day 5, E is short by 3 (nobody else makes it) and s gives L the remaining 20.
        let plan = check(
            &build(&demands, &arcs, &[("s", &["E"], 5), ("s", &["E", "L"], 25)]),
            5.0 + 20.0 + 300.0,
            Method::NetworkSimplex,
        );
        assert_eq!(plan.unmet.iter().map(|u| u.quantity).collect::<Vec<_>>(), [3, 0]);
    }

    #[test]
    fn crossing_limits_need_integer_variables() {
        // Any two of A, B, C share one unit of s's capacity: the relaxation would give each half a unit
        // (objective 16.5); the integral optimum serves one and leaves two unmet.
        let demands = [("A", 1, 10.0), ("B", 1, 10.0), ("C", 1, 10.0)];
        let arcs = [("A", "s", 1.0, 1), ("B", "s", 1.0, 1), ("C", "s", 1.0, 1)];
        let limits: [(&str, &[&str], u64); 3] = [("s", &["A", "B"], 1), ("s", &["B", "C"], 1), ("s", &["A", "C"], 1)];
        let instance = build(&demands, &arcs, &limits);
        check(&instance, 21.0, Method::IntegerProgram);
        assert_eq!(solve_brute_force(&instance).unwrap().objective, 21.0);
        assert!(matches!(solve_min_cost_flow(&instance), Err(AllocError::Unsupported { .. })));
    }

    #[test]
    fn degenerate_instances_leave_everything_unmet() {
        let demands = [("A", 4, 2.0), ("B", 0, 3.0)];
        // Nothing at all.
        let plan = check(&build(&[], &[], &[]), 0.0, Method::Trivial);
        assert!(plan.unmet.is_empty() && plan.allocations.is_empty());
        // No arcs (every supplier excluded), arcs that can carry nothing (zero capacity, or a zero quantity).
        check(&build(&demands, &[], &[]), 8.0, Method::Trivial);
        check(&build(&demands, &[("A", "s", 1.0, 0), ("B", "s", 1.0, 9)], &[]), 8.0, Method::Trivial);
        // A supplier with no free capacity by the due date.
        let plan =
            check(&build(&demands, &[("A", "s", 1.0, 4)], &[("s", &["A", "B"], 0)]), 8.0, Method::NetworkSimplex);
        assert!(plan.allocations.is_empty());
        assert_eq!(plan.unmet[0].quantity, 4);
        // Supplying costs more than leaving it unmet.
        check(&build(&demands, &[("A", "s", 2.5, 4)], &[]), 8.0, Method::NetworkSimplex);
    }

    #[test]
    fn a_time_limit_gives_a_plan_or_an_error_never_a_wrong_plan() {
        let demands = [("A", 3, 10.0), ("B", 3, 10.0), ("C", 3, 10.0)];
        let arcs = [("A", "s", 1.0, 3), ("B", "s", 1.0, 3), ("C", "s", 1.0, 3)];
        let limits: [(&str, &[&str], u64); 3] = [("s", &["A", "B"], 4), ("s", &["B", "C"], 4), ("s", &["A", "C"], 4)];
        let instance = build(&demands, &arcs, &limits);
        let ample = SolveOptions { time_limit: Some(Duration::from_secs(60)), ..SolveOptions::default() };
        let plan = solve_with(&instance, &ample).unwrap();
        assert!(plan.proven_optimal);
        assert_eq!(plan.objective, solve_brute_force(&instance).unwrap().objective);
        let none = SolveOptions { time_limit: Some(Duration::ZERO), ..SolveOptions::default() };
        match solve_with(&instance, &none) {
            Ok(plan) => plan.verify(&instance).unwrap(),
            Err(e) => assert!(matches!(e, AllocError::Solver(_)), "{e:?}"),
        }
    }

    #[test]
    fn costs_too_spread_for_exact_scaling_go_to_the_lp() {
        // 2⁻⁷⁰ beside a penalty of 2⁶⁰: 131 bits apart, more than the network simplex's integers hold.
        let instance = build(&[("A", 2, 2f64.powi(60))], &[("A", "s", 2f64.powi(-70), 1), ("A", "t", 3.0, 2)], &[]);
        assert!(matches!(crate::solve_network_simplex(&instance), Err(AllocError::Unsupported { .. })));
        let plan = solve(&instance).unwrap();
        plan.verify(&instance).unwrap();
        assert_eq!(plan.method, Method::LinearProgram);
        assert!(plan.proven_optimal);
        assert_eq!(split(&plan), [("s", 1), ("t", 1)]);
        assert_eq!(plan.objective, solve_brute_force(&instance).unwrap().objective);
    }

    #[test]
    fn invalid_instances_are_refused_before_solving() {
        let instance = build(&[("A", 4, 2.0)], &[("B", "s", 1.0, 4)], &[]);
        assert!(matches!(solve(&instance), Err(AllocError::UnknownDemandInArc { arc: 0, .. })));
    }

    #[test]
    fn quantities_beyond_i32_solve_as_a_relaxation() {
        let big = 3 << 40;
        let instance = build(&[("A", big, 2.0)], &[("A", "s", 1.0, big / 3), ("A", "t", 1.5, big)], &[]);
        let plan = solve_with(&instance, &SolveOptions { lp_only: true, ..SolveOptions::default() }).unwrap();
        plan.verify(&instance).unwrap();
        assert_eq!(split(&plan), [("s", big / 3), ("t", big - big / 3)]);
        assert_eq!(plan.method, Method::LinearProgram);
        assert!(plan.proven_optimal);
        let simplex = solve(&instance).unwrap();
        assert_eq!((split(&simplex), simplex.method), (split(&plan), Method::NetworkSimplex));
        // microlp's integer variables stop at 2³¹ − 1.
        let integer = solve_with(&instance, &SolveOptions { always_integer: true, ..SolveOptions::default() });
        if BACKEND == Backend::Microlp {
            assert!(matches!(integer, Err(AllocError::Unsupported { .. })), "{integer:?}");
        }
    }
}
