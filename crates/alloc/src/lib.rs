//! Allocation (供需对接的分配): split demands among suppliers at least cost, in whole units.
//!
//! An [`Instance`] is what the caller has already decided: which demands, which supplier may serve which
//! demand at what unit cost and up to what quantity (the *arcs*), and what each supplier can carry in all
//! over groups of demands (the *limits*). [`solve`] returns the cheapest integral [`Plan`] and says whether
//! it is proven optimal. The crate is pure: no I/O, no clock (but a solver's optional time limit), no store.
//!
//! # The model
//!
//! For demands `d` with quantity `q_d` and unmet penalty `p_d`, arcs `a = (d, s)` with unit cost `c_a` and
//! maximum `m_a`, and limits `ℓ = (s, D_ℓ, L_ℓ)`:
//!
//! ```text
//! minimise    Σ_a c_a·x_a + Σ_d p_d·u_d
//! subject to  Σ_{a into d} x_a + u_d = q_d                for every demand d
//!             Σ_{a = (d, s_ℓ), d ∈ D_ℓ} x_a ≤ L_ℓ         for every limit ℓ
//!             0 ≤ x_a ≤ m_a,  u_d ≥ 0,  x integral
//! ```
//!
//! `x_a` is what supplier `s` delivers to demand `d`, `u_d` what stays unmet. The plan "nothing supplied"
//! is always feasible and every variable is bounded, so every valid instance has an optimum: there is no
//! infeasible or unbounded outcome, only demands left (partly) unmet, which the plan reports. The plan's
//! `objective` is the sum above computed from the integral plan.
//!
//! # What the caller maps onto it
//!
//! - **Cost** of an arc: price + transport (per unit-km or tonne-km from the city coordinates) + lateness,
//!   per unit. **Unmet penalty**: above any arc's cost when the demand should be met whenever it can be.
//! - **Share cap** (default 30% of a demand, so that no supplier carries it alone): `max_quantity =
//!   floor(cap × quantity)`, or the supplier's own maximum if smaller. 11,000 parts at 30% gives 3,300 per
//!   supplier, so at least four suppliers.
//! - **Excluded supplier, locked-down region, missing certification, lead time past the due date**: no arc.
//! - **Free capacity up to a due date**: a limit of that supplier over the demands due by then. A supplier's
//!   limits for successive due dates are nested (the demands due by one date include those due earlier),
//!   which keeps the problem a network flow (below).
//!
//! # Integrality
//!
//! The constraint matrix has a row per demand, whose sets of arcs partition the arcs, and a row per limit.
//! When each supplier's limits are **laminar** — any two of them nested or disjoint, as due-date limits are
//! — the limit rows form a laminar family too (different suppliers' limits share no arc), and a matrix whose
//! rows are the sets of two laminar families is totally unimodular: it is a network matrix, over the tree
//! of the two families joined at a root (Schrijver, *Theory of Linear and Integer Programming*, 1986,
//! ch. 19), and the LP is that of a min-cost flow: a source feeds each supplier, each supplier its limits
//! down the forest they form, the smallest limit over an arc feeds the arc's demand, and an *unmet* edge
//! from the source reaches every demand at its penalty. With integral capacities a min-cost flow algorithm
//! returns an integral optimum, so [`solve`] runs the **network simplex** on that network
//! ([`Method::NetworkSimplex`]), in exact integer arithmetic: every cost is a dyadic rational, so scaling
//! them all by one power of two makes them integers without rounding, and the optimum found is exactly the
//! instance's (see [`solve_network_simplex`]; the objective is then summed in `f64` from the integral plan).
//! The simplex ends by checking an optimality certificate (node potentials satisfying complementary
//! slackness on every edge) in the same exact arithmetic.
//!
//! When the costs span too many binary orders of magnitude for that scaling (more than about 2¹⁰⁰ from the
//! largest to the finest bit, [`COST_BITS`]), or with [`SolveOptions::lp_only`], [`solve`] solves the
//! **linear relaxation** by simplex instead, checks that the vertex returned is integral, feasible and attains
//! the LP optimum — which proves it optimal among integral plans — and reports [`Method::LinearProgram`].
//!
//! Limits that **cross** (say `{A, B} ≤ 1`, `{B, C} ≤ 1` and `{A, C} ≤ 1` for one supplier) can make the
//! relaxation fractional (½ on each of A, B, C). For those, and whenever the check above fails, [`solve`]
//! declares the arc variables **integer** and lets the solver's branch and bound prove the optimum
//! ([`Method::IntegerProgram`]).
//!
//! # Solvers
//!
//! The network simplex (pure Rust, here) for laminar limits; good_lp over microlp (pure Rust) for the rest,
//! where the `highs` feature switches to HiGHS ([`BACKEND`]). Two independent solvers check them:
//! [`solve_min_cost_flow`] (successive shortest paths in `f64`, for laminar limits) and [`solve_brute_force`]
//! (enumeration, for tiny instances). The tests hold all four to the same objective on random instances of
//! several shapes, and every plan to [`Plan::verify`].
//!
//! Speed: `examples/timing.rs` generates 1,000 demands with 50 candidate suppliers each (50,000 arcs, 2,000
//! suppliers with capacity by four due dates, 8,000 limits) where demands compete for capacity (1.3 times the
//! demand). On a shared 2-core machine `solve` (the network simplex, validation and plan included) takes
//! about 0.3 s, where good_lp over microlp took 25–110 s and the successive shortest paths 10–50 s; OR-Tools'
//! min-cost flow takes 0.5 s and HiGHS 1.3 s for their solver calls alone (November 2026).
//! `benchmarks/alloc/` runs that comparison, on an instance drawn from a generated registry too.

mod brute;
mod flow;
mod instance;
mod lp;
mod plan;
mod simplex;

pub use brute::{BRUTE_FORCE_LIMIT, solve_brute_force};
pub use flow::solve_min_cost_flow;
pub use instance::{Arc, Demand, Instance, Limit, MAX_QUANTITY};
pub use lp::{BACKEND, SolveOptions, solve, solve_with};
pub use plan::{Allocation, Backend, Method, Plan, PlanViolation, Unmet};
pub use simplex::{COST_BITS, solve_network_simplex};

/// Why an instance could not be solved. The variants up to [`AllocError::TooLarge`] are faults of the
/// instance, to be shown to its author; the last two are limits or failures of a solver.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocError {
    #[error("{what} has a blank id")]
    BlankId { what: String },
    #[error("demand {id:?} appears twice")]
    DuplicateDemand { id: String },
    #[error("demand {demand:?} has unmet_penalty {value}; penalties must be finite and not negative")]
    BadPenalty { demand: String, value: f64 },
    #[error("arc {arc} (supplier {supplier:?}) names demand {demand:?}, which is not in the instance")]
    UnknownDemandInArc { arc: usize, demand: String, supplier: String },
    #[error("arcs {first} and {second} both join supplier {supplier:?} to demand {demand:?}")]
    DuplicateArc { first: usize, second: usize, demand: String, supplier: String },
    #[error(
        "arc {arc} (supplier {supplier:?} to demand {demand:?}) has unit_cost {value}; costs must be finite and \
         not negative"
    )]
    BadCost { arc: usize, demand: String, supplier: String, value: f64 },
    #[error("limit {limit} of supplier {supplier:?} names demand {demand:?}, which is not in the instance")]
    UnknownDemandInLimit { limit: usize, supplier: String, demand: String },
    #[error("limit {limit} of supplier {supplier:?} lists demand {demand:?} twice")]
    RepeatedDemandInLimit { limit: usize, supplier: String, demand: String },
    #[error("{what} is {value}, above the largest quantity handled exactly ({})", MAX_QUANTITY)]
    TooLarge { what: String, value: u64 },
    #[error("the {solver} solver cannot take this instance: {reason}")]
    Unsupported { solver: &'static str, reason: String },
    #[error("the solver failed: {0}")]
    Solver(String),
}
