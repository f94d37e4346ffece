//! Solve times on a generated instance of issue 5's size: by default 1,000 demands with 50 candidate
//! suppliers each, drawn from 2,000 suppliers, a 30% share cap, and each supplier's free capacity up to four
//! due dates (nested limits). Prints one line per solver; the objectives must agree.
//!
//! ```text
//! cargo run --release -p chaindock-alloc --example timing -- [--demands N] [--candidates K] [--suppliers S]
//!     [--seed X] [--transport] [--solvers LIST] [--write FILE]
//! ```
//!
//! `--transport` keeps one limit per supplier (its capacity by the last due date, over all its demands);
//! `--solvers` lists what to time, of `simplex` (the network simplex, what `solve` uses here), `flow` (successive
//! shortest paths), `lp` (good_lp's relaxation) and `integer` (good_lp with integer variables), or `none`, by
//! default `simplex,flow,lp`; `--write` saves the instance in the export form for peers.

use std::time::Instant;

use chaindock_alloc::{
    Arc, Demand, Instance, Limit, Plan, SolveOptions, solve, solve_brute_force, solve_min_cost_flow, solve_with,
};

struct Args {
    demands: usize,
    candidates: usize,
    suppliers: usize,
    seed: u64,
    transport: bool,
    solvers: Vec<String>,
    write: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        demands: 1000,
        candidates: 50,
        suppliers: 2000,
        seed: 5,
        transport: false,
        solvers: ["simplex", "flow", "lp"].map(String::from).to_vec(),
        write: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--demands" => args.demands = value()?.parse().map_err(|e| format!("--demands: {e}"))?,
            "--candidates" => args.candidates = value()?.parse().map_err(|e| format!("--candidates: {e}"))?,
            "--suppliers" => args.suppliers = value()?.parse().map_err(|e| format!("--suppliers: {e}"))?,
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--write" => args.write = Some(value()?),
            "--transport" => args.transport = true,
            "--solvers" => args.solvers = value()?.split(',').map(String::from).collect(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if let Some(other) =
        args.solvers.iter().find(|s| !["simplex", "flow", "lp", "integer", "none"].contains(&s.as_str()))
    {
        return Err(format!("--solvers: unknown solver {other}"));
    }
    if args.candidates > args.suppliers {
        return Err("--candidates cannot exceed --suppliers".into());
    }
    Ok(args)
}

/// splitmix64: small, seeded, good enough to spread test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Demands of 1,000–20,000 units due on day 3, 7, 10 or 14, each with `candidates` distinct suppliers. A
/// supplier's unit cost for a demand is its price plus transport by a made-up distance (0.02 per unit-km over
/// 0–400 km); the unmet penalty is 100, above any cost. Each supplier's free capacity grows linearly up to
/// day 14, where it is a tenth of what its arcs could carry: in all about 1.3 times the total demand, so
/// that demands compete for the cheap suppliers. Its limits list the demands it can serve that are due by
/// each day. (With ample capacity the cheapest arcs simply fill up and every solver is fast.)
fn generate(args: &Args) -> Instance {
    const DAYS: [u64; 4] = [3, 7, 10, 14];
    let mut rng = Rng(args.seed);
    let price: Vec<f64> = (0..args.suppliers).map(|_| 20.0 + 30.0 * rng.unit()).collect();
    let mut instance = Instance::default();
    let mut due = Vec::with_capacity(args.demands);
    let mut reach = vec![0u64; args.suppliers];
    let mut served: Vec<Vec<usize>> = vec![Vec::new(); args.suppliers];
    let mut chosen = vec![usize::MAX; args.suppliers];
    for d in 0..args.demands {
        let quantity = rng.range(1_000, 20_000);
        let id = format!("D{d:04}");
        instance.demands.push(Demand { id: id.clone(), quantity, unmet_penalty: 100.0 });
        due.push(DAYS[(rng.next() % 4) as usize]);
        let cap = (0.3 * quantity as f64).floor() as u64;
        let mut taken = 0;
        while taken < args.candidates {
            let s = (rng.next() % args.suppliers as u64) as usize;
            if chosen[s] == d {
                continue;
            }
            chosen[s] = d;
            taken += 1;
            let max_quantity = cap.min(rng.range(500, 8_000));
            reach[s] += max_quantity;
            served[s].push(d);
            let unit_cost = price[s] + 0.02 * 400.0 * rng.unit();
            instance.arcs.push(Arc { demand: id.clone(), supplier: format!("S{s:05}"), unit_cost, max_quantity });
        }
    }
    for (s, &reach) in reach.iter().enumerate() {
        if reach == 0 {
            continue;
        }
        let total = (0.1 * reach as f64) as u64;
        let by_day: Vec<u64> = DAYS.iter().map(|&day| total * day / 14).collect();
        let days = if args.transport { DAYS.len() - 1..DAYS.len() } else { 0..DAYS.len() };
        for i in days {
            let demands =
                served[s].iter().filter(|&&d| due[d] <= DAYS[i]).map(|&d| instance.demands[d].id.clone()).collect();
            instance.limits.push(Limit { supplier: format!("S{s:05}"), demands, limit: by_day[i] });
        }
    }
    instance
}

fn main() {
    let args = match parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let instance = generate(&args);
    let limit_terms: usize = instance.limits.iter().map(|l| l.demands.len()).sum();
    println!(
        "instance: {} demands, {} arcs, {} limits ({} listed demands), generated in {:.2} s",
        instance.demands.len(),
        instance.arcs.len(),
        instance.limits.len(),
        limit_terms,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.write {
        let json = serde_json::to_string(&instance).expect("an instance always serialises");
        std::fs::write(path, json).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        println!("written to {path}");
    }

    let mut plans: Vec<(&str, Plan)> = Vec::new();
    let mut run = |name: &'static str, solver: &dyn Fn(&Instance) -> Result<Plan, chaindock_alloc::AllocError>| {
        let started = Instant::now();
        let result = solver(&instance);
        let seconds = started.elapsed().as_secs_f64();
        match result {
            Ok(plan) => {
                plan.verify(&instance).unwrap_or_else(|e| panic!("{name}: {e}"));
                let unmet: u64 = plan.unmet.iter().map(|u| u.quantity).sum();
                let suppliers: std::collections::HashSet<&str> =
                    plan.allocations.iter().map(|a| a.supplier.as_str()).collect();
                println!(
                    "{name:<28} {seconds:>8.3} s  objective {:>16.4}  {:?}{}  {} suppliers used, {unmet} units unmet",
                    plan.objective,
                    plan.method,
                    if plan.proven_optimal { ", proven optimal" } else { "" },
                    suppliers.len(),
                );
                plans.push((name, plan));
            }
            Err(e) => println!("{name:<28} {seconds:>8.3} s  {e}"),
        }
    };
    let wants = |name: &str| args.solvers.iter().any(|s| s == name);
    if wants("simplex") {
        run("solve (network simplex)", &solve);
    }
    if wants("flow") {
        run("successive shortest paths", &solve_min_cost_flow);
    }
    if wants("lp") {
        run("good_lp relaxation", &|i| solve_with(i, &SolveOptions { lp_only: true, ..SolveOptions::default() }));
    }
    if wants("integer") {
        run("good_lp, integer variables", &|i| {
            solve_with(i, &SolveOptions { always_integer: true, ..SolveOptions::default() })
        });
    }
    if instance.arcs.len() <= 12 {
        run("brute force", &solve_brute_force);
    }

    let best = plans.iter().map(|(_, p)| p.objective).fold(f64::INFINITY, f64::min);
    let agree = plans.iter().all(|(_, p)| (p.objective - best).abs() <= 1e-9 * best.abs().max(1.0));
    println!("objectives {}", if agree { "agree" } else { "DIFFER" });
    if !agree {
        std::process::exit(1);
    }
}
