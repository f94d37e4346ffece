//! Profile the per-node analysis on a network file: `cargo run --release -p chaindock-risk --example
//! exposure -- FILE [--whole] [--threads N] [--out FILE]` prints the time and how the nodes were settled and, with --out,
//! writes every node's PI, baseline and TTS (keyed by id) for comparison with benchmarks/risk.

use std::time::Instant;

use chaindock_risk::{ExposureOptions, Network, NetworkFile, exposure};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: exposure FILE [--whole] [--threads N] [--out FILE]")?;
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let options = ExposureOptions {
        threads: flag("--threads").map_or(Ok(0), |t| t.parse())?,
        whole_only: args.iter().any(|a| a == "--whole"),
    };
    let file: NetworkFile = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let net = Network::new(file)?;
    let started = Instant::now();
    let e = exposure(&net, options)?;
    eprintln!(
        "{} nodes, {} relevant: {:.3} s; settled locally {} (PI {}, TTS {}), extended {}, plan {:?}; {} solves, {} re-optimisations",
        net.len(),
        e.relevant,
        started.elapsed().as_secs_f64(),
        e.settled_locally,
        e.pi_settled_locally,
        e.tts_settled_locally,
        e.extended,
        e.plan,
        e.solves,
        e.reoptimisations
    );
    if let Some(out) = flag("--out") {
        let rows: Vec<serde_json::Value> = e
            .nodes
            .iter()
            .map(|x| {
                serde_json::json!({"node": net.nodes[x.node].spec.id, "pi": x.pi, "baseline": x.baseline, "tts_days": x.tts})
            })
            .collect();
        std::fs::write(out, serde_json::to_string(&serde_json::json!({ "nodes": rows }))?)?;
    }
    Ok(())
}
