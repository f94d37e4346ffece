//! Solves an instance in the export form (`chaindock allocate --export-instance`, or `timing --write`) and prints
//! one JSON line: the objective, the method, and the time of each run of the solver. For benchmarks against
//! peers (`benchmarks/alloc/`).
//!
//! ```text
//! cargo run --release -p chaindock-alloc --example solve_file -- FILE [--runs N] [--lp]
//! ```
//!
//! Each run is one call of `solve` on the parsed instance — validation, indexing, building the network or the
//! model, solving, checking, and the plan with its objective — timed by the wall clock. Reading and parsing
//! the JSON is timed apart (`parse_seconds`) and not counted in the runs. `--lp` solves through good_lp even
//! when the network simplex applies. The plan of the first run is checked with `Plan::verify`.

use std::time::Instant;

use chaindock_alloc::{Instance, SolveOptions, solve_with};

fn main() {
    let mut path = None;
    let mut runs = 5usize;
    let mut options = SolveOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                runs = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| fail("--runs needs a number"))
            }
            "--lp" => options.lp_only = true,
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let path = path.unwrap_or_else(|| fail("usage: solve_file FILE [--runs N] [--lp]"));

    let started = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
    let instance: Instance = serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let parse_seconds = started.elapsed().as_secs_f64();

    let mut seconds = Vec::with_capacity(runs);
    let mut first = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let plan = solve_with(&instance, &options).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        seconds.push(started.elapsed().as_secs_f64());
        first.get_or_insert(plan);
    }
    let Some(plan) = first else { unreachable!("at least one run") };
    plan.verify(&instance).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let line = serde_json::json!({
        "objective": plan.objective,
        "method": plan.method,
        "proven_optimal": plan.proven_optimal,
        "seconds": seconds,
        "parse_seconds": parse_seconds,
        "demands": instance.demands.len(),
        "arcs": instance.arcs.len(),
        "limits": instance.limits.len(),
    });
    println!("{line}");
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2);
}
