//! The programmes in a solver-neutral form, and the two solvers that take them.
//!
//! [`Lp`] collects columns (cost, bounds) and rows (terms, bounds) the way the programmes are written.
//! [`Warm`] solves one and then answers a sequence of bound changes from the basis it stands on:
//!
//! - **microlp** 0.6 (pure Rust, the default build): a bounded dual simplex; a bound change is a
//!   `fix_var` on a copy of the solution.
//! - **HiGHS** (the `highs` cargo feature, for production and benchmark builds): the model is kept and
//!   its column bounds changed in place; each solve restarts HiGHS's dual simplex from the last basis.
//!
//! Both read the same [`Lp`], so the choice changes speed, never the programme. The tests check both
//! against an interior-point solver (Clarabel) on programmes built from the file.

use microlp::{ComparisonOp, OptimizationDirection, Problem, Solution, SolveOutcome, Variable};

use super::ImpactError;

/// A column of an [`Lp`].
pub type Col = usize;

/// A row of an [`Lp`]: its terms and bounds.
type Row = (Vec<(Col, f64)>, f64, f64);

/// A linear programme: minimise or maximise Σ cost·x over `lo ≤ x ≤ hi` and `lo ≤ row·x ≤ hi`.
#[derive(Debug, Clone, Default)]
pub struct Lp {
    pub maximise: bool,
    cols: Vec<(f64, f64, f64)>,
    rows: Vec<Row>,
}

impl Lp {
    pub fn new(maximise: bool) -> Lp {
        Lp { maximise, ..Lp::default() }
    }

    pub fn add_var(&mut self, cost: f64, (lo, hi): (f64, f64)) -> Col {
        self.cols.push((cost, lo, hi));
        self.cols.len() - 1
    }

    /// A row `terms ≤ rhs`, `≥ rhs` or `= rhs`. Terms naming a column twice are merged.
    pub fn add_constraint(&mut self, terms: impl IntoIterator<Item = (Col, f64)>, op: ComparisonOp, rhs: f64) {
        let (lo, hi) = match op {
            ComparisonOp::Le => (f64::NEG_INFINITY, rhs),
            ComparisonOp::Ge => (rhs, f64::INFINITY),
            ComparisonOp::Eq => (rhs, rhs),
        };
        let mut terms: Vec<(Col, f64)> = terms.into_iter().collect();
        terms.sort_by_key(|t| t.0);
        let mut merged: Vec<(Col, f64)> = Vec::with_capacity(terms.len());
        for (c, v) in terms {
            match merged.last_mut() {
                Some((d, w)) if *d == c => *w += v,
                _ => merged.push((c, v)),
            }
        }
        self.rows.push((merged, lo, hi));
    }
}

/// Whether this build solves the whole programme with HiGHS.
pub const HIGHS: bool = cfg!(feature = "highs");

/// The solver's name as reported.
pub const SOLVER: &str = if HIGHS {
    "HiGHS 1.x (dual simplex, warm re-solves after bound changes; small regions on microlp 0.6)"
} else {
    "microlp 0.6 (bounded dual simplex, warm restarts)"
};

/// Regions with at least this many columns go to HiGHS when it is built in; smaller ones to microlp,
/// which costs less to set up.
#[cfg(feature = "highs")]
const HIGHS_FROM_COLS: usize = 600;

/// A solved programme that can be re-solved after bound changes, from where it stands.
pub enum Warm {
    Micro {
        vars: Vec<Variable>,
        sol: Box<Solution>,
    },
    #[cfg(feature = "highs")]
    Highs(Box<highs_backend::State>),
}

impl Warm {
    /// Build and solve `lp` on the solver of this build and size.
    pub fn new(lp: &Lp, what: &dyn Fn() -> String) -> Result<Warm, ImpactError> {
        #[cfg(feature = "highs")]
        if lp.cols.len() >= HIGHS_FROM_COLS {
            return highs_backend::State::new(lp, what).map(|s| Warm::Highs(Box::new(s)));
        }
        Warm::micro(lp, what)
    }

    /// Build and solve `lp` on the solver of this build, whatever its size.
    pub fn whole(lp: &Lp, what: &dyn Fn() -> String) -> Result<Warm, ImpactError> {
        #[cfg(feature = "highs")]
        return highs_backend::State::new(lp, what).map(|s| Warm::Highs(Box::new(s)));
        #[cfg(not(feature = "highs"))]
        Warm::micro(lp, what)
    }

    fn micro(lp: &Lp, what: &dyn Fn() -> String) -> Result<Warm, ImpactError> {
        let mut p =
            Problem::new(if lp.maximise { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize });
        let vars: Vec<Variable> = lp.cols.iter().map(|&(c, lo, hi)| p.add_var(c, (lo, hi))).collect();
        for (terms, lo, hi) in &lp.rows {
            let row: Vec<(Variable, f64)> = terms.iter().map(|&(c, v)| (vars[c], v)).collect();
            if lo == hi {
                p.add_constraint(row, ComparisonOp::Eq, *lo);
                continue;
            }
            if lo.is_finite() {
                p.add_constraint(row.clone(), ComparisonOp::Ge, *lo);
            }
            if hi.is_finite() {
                p.add_constraint(row, ComparisonOp::Le, *hi);
            }
        }
        let sol = micro_solution(p.solve(), what)?;
        Ok(Warm::Micro { vars, sol: Box::new(sol) })
    }

    pub fn objective(&self) -> f64 {
        match self {
            Warm::Micro { sol, .. } => sol.objective(),
            #[cfg(feature = "highs")]
            Warm::Highs(s) => s.objective,
        }
    }

    pub fn value(&self, col: Col) -> f64 {
        match self {
            Warm::Micro { vars, sol } => sol.var_value(vars[col]),
            #[cfg(feature = "highs")]
            Warm::Highs(s) => s.values[col],
        }
    }

    /// Fix `col` at `value` for good and re-solve.
    pub fn fix(&mut self, col: Col, value: f64, what: &dyn Fn() -> String) -> Result<(), ImpactError> {
        match self {
            Warm::Micro { vars, sol } => {
                let fixed = micro_solution(sol.as_ref().clone().fix_var(vars[col], value), what)?;
                **sol = fixed;
                Ok(())
            }
            #[cfg(feature = "highs")]
            Warm::Highs(s) => s.set_bounds(col, value, value, what),
        }
    }

    /// The optimum with `col` fixed at `value`, leaving the programme as it was (its bounds restored; the
    /// next solve starts from the basis this one ended on).
    pub fn probe(&mut self, col: Col, value: f64, what: &dyn Fn() -> String) -> Result<f64, ImpactError> {
        match self {
            Warm::Micro { vars, sol } => {
                Ok(micro_solution(sol.as_ref().clone().fix_var(vars[col], value), what)?.objective())
            }
            #[cfg(feature = "highs")]
            Warm::Highs(s) => s.probe(col, value, what),
        }
    }
}

fn micro_solution(
    outcome: Result<SolveOutcome, microlp::Error>,
    what: &dyn Fn() -> String,
) -> Result<Solution, ImpactError> {
    match outcome {
        Ok(SolveOutcome::Solution(s)) => Ok(s),
        Ok(SolveOutcome::Interrupted(_)) => {
            Err(ImpactError::Solver { what: what(), message: "interrupted".to_string() })
        }
        Err(e) => Err(ImpactError::Solver { what: what(), message: e.to_string() }),
    }
}

#[cfg(feature = "highs")]
mod highs_backend {
    use highs::{HighsModelStatus, Model, RowProblem, Sense};

    use super::{Col, ImpactError, Lp};

    /// A HiGHS model between solves, its columns, their bounds as built, and the last optimum.
    pub struct State {
        model: Option<Model>,
        cols: Vec<highs::Col>,
        bounds: Vec<(f64, f64)>,
        pub objective: f64,
        pub values: Vec<f64>,
    }

    impl State {
        pub fn new(lp: &Lp, what: &dyn Fn() -> String) -> Result<State, ImpactError> {
            let mut p = RowProblem::default();
            let cols: Vec<highs::Col> = lp.cols.iter().map(|&(c, lo, hi)| p.add_column(c, lo..=hi)).collect();
            for (terms, lo, hi) in &lp.rows {
                p.add_row(*lo..=*hi, terms.iter().map(|&(c, v)| (cols[c], v)));
            }
            let mut model = p.optimise(if lp.maximise { Sense::Maximise } else { Sense::Minimise });
            model.make_quiet();
            // The nodes run in parallel on threads of our own: one thread per model.
            model.set_option("threads", 1);
            let bounds = lp.cols.iter().map(|&(_, lo, hi)| (lo, hi)).collect();
            let mut state = State { model: Some(model), cols, bounds, objective: f64::NAN, values: Vec::new() };
            state.solve(what)?;
            Ok(state)
        }

        fn solve(&mut self, what: &dyn Fn() -> String) -> Result<(), ImpactError> {
            let model = self.model.take().expect("a model between solves");
            let solved =
                model.try_solve().map_err(|e| ImpactError::Solver { what: what(), message: format!("{e:?}") })?;
            if solved.status() != HighsModelStatus::Optimal {
                return Err(ImpactError::Solver { what: what(), message: format!("HiGHS: {:?}", solved.status()) });
            }
            self.objective = solved.objective_value();
            self.values = solved.get_solution().columns().to_vec();
            self.model = Some(solved.into());
            Ok(())
        }

        pub fn set_bounds(&mut self, col: Col, lo: f64, hi: f64, what: &dyn Fn() -> String) -> Result<(), ImpactError> {
            self.bounds[col] = (lo, hi);
            self.model.as_mut().expect("a model between solves").change_column_bounds(self.cols[col], lo..=hi);
            self.solve(what)
        }

        pub fn probe(&mut self, col: Col, value: f64, what: &dyn Fn() -> String) -> Result<f64, ImpactError> {
            let model = self.model.as_mut().expect("a model between solves");
            model.change_column_bounds(self.cols[col], value..=value);
            let outcome = self.solve(what).map(|()| self.objective);
            let (lo, hi) = self.bounds[col];
            if let Some(model) = self.model.as_mut() {
                model.change_column_bounds(self.cols[col], lo..=hi);
            }
            outcome
        }
    }
}
