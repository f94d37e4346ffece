//! `chaindock risk` and `chaindock simulate` as a user runs them: the demo chains, a Willems chain, network
//! files, and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn chaindock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chaindock")).args(args).output().expect("run chaindock")
}

fn ok(args: &[&str]) -> Value {
    let out = chaindock(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn fails(args: &[&str]) -> String {
    let out = chaindock(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn demo(dir: &Path) -> String {
    let db = dir.join("demo.db");
    let out = chaindock(&["init", "--demo", "--db", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db.to_str().unwrap().to_string()
}

fn by_node(report: &Value) -> std::collections::HashMap<String, Value> {
    report["nodes"].as_array().unwrap().iter().map(|n| (n["node"].as_str().unwrap().to_string(), n.clone())).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// The same PI and TTS for every node from two reports.
fn same_answers(a: &Value, b: &Value) {
    let (a, b) = (by_node(a), by_node(b));
    assert_eq!(a.len(), b.len());
    for (id, x) in &a {
        let y = &b[id];
        assert!(close(x["pi"].as_f64().unwrap(), y["pi"].as_f64().unwrap()), "{id}: {x} vs {y}");
        match (x["tts_days"].as_f64(), y["tts_days"].as_f64()) {
            (Some(p), Some(q)) => assert!(close(p, q), "{id}: {x} vs {y}"),
            (p, q) => assert_eq!(p, q, "{id}"),
        }
    }
}

#[test]
fn the_demo_chain_is_ranked_exported_and_analysed_again_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let file = dir.path().join("automotive.json");
    let r = ok(&[
        "risk",
        "--db",
        &db,
        "--chain",
        "automotive",
        "--format",
        "json",
        "--export-network",
        file.to_str().unwrap(),
    ]);
    let nodes = r["nodes"].as_array().unwrap();
    assert!(nodes.len() > 50, "{}", nodes.len());
    for key in ["node", "enterprise", "link", "ttr_days", "tts_days", "pi", "rei"] {
        assert!(nodes.iter().all(|n| n.get(key).is_some()), "{key}");
    }
    // Ranked by PI; REI = PI / max PI.
    let max = r["max_pi"].as_f64().unwrap();
    assert!(max > 0.0);
    assert!(close(nodes[0]["rei"].as_f64().unwrap(), 1.0));
    for w in nodes.windows(2) {
        assert!(w[0]["pi"].as_f64().unwrap() >= w[1]["pi"].as_f64().unwrap());
    }
    for n in nodes {
        assert!(close(n["rei"].as_f64().unwrap(), n["pi"].as_f64().unwrap() / max));
        let flagged = n["tts_days"].as_f64().is_some_and(|t| t < n["ttr_days"].as_f64().unwrap());
        assert_eq!(n["flagged"].as_bool().unwrap(), flagged, "{n}");
    }
    // The exported file has the documented shape and gives the same answers, also by the whole programme
    // (a different method on the same numbers).
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    for key in ["id", "f", "d", "s", "c", "ttr", "product"] {
        assert!(exported["nodes"][0].get(key).is_some(), "{key}");
    }
    for key in ["supplier", "buyer", "input", "r"] {
        assert!(exported["edges"][0].get(key).is_some(), "{key}");
    }
    let again = ok(&["risk", "--network", file.to_str().unwrap(), "--format", "json"]);
    same_answers(&r, &again);
    let whole = ok(&["risk", "--network", file.to_str().unwrap(), "--whole-programme", "--format", "json"]);
    same_answers(&r, &whole);
}

#[test]
fn export_only_writes_the_network_and_solves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let file = dir.path().join("only.json");
    let out = chaindock(&[
        "risk",
        "--db",
        &db,
        "--chain",
        "automotive",
        "--format",
        "json",
        "--export-network",
        file.to_str().unwrap(),
        "--export-only",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "no report: {}", String::from_utf8_lossy(&out.stdout));
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(exported["nodes"].as_array().unwrap().len() > 50);
    assert!(!dir.path().join("only.json.partial").exists());
    // The file is the one the analysis uses: the same answers as from the database.
    let from_db = ok(&["risk", "--db", &db, "--chain", "automotive", "--format", "json"]);
    let from_file = ok(&["risk", "--network", file.to_str().unwrap(), "--format", "json"]);
    same_answers(&from_db, &from_file);
    // --export-only needs somewhere to write.
    let err = fails(&["risk", "--db", &db, "--chain", "automotive", "--export-only"]);
    assert!(err.contains("--export-network"), "{err}");
}

fn willems_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/willems").join(name)
}

#[test]
fn a_willems_chain_agrees_with_the_whole_programme_and_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let db = db.to_str().unwrap();
    let (stages, arcs) = (willems_data("stages.csv"), willems_data("arcs.csv"));
    for chain in ["01", "08", "21"] {
        ok(&[
            "import-willems",
            "--db",
            db,
            "--stages",
            stages.to_str().unwrap(),
            "--arcs",
            arcs.to_str().unwrap(),
            "--chain",
            chain,
            "--format",
            "json",
        ]);
        let file = dir.path().join(format!("{chain}.json"));
        let id = format!("willems-{chain}");
        let r =
            ok(&["risk", "--db", db, "--chain", &id, "--format", "json", "--export-network", file.to_str().unwrap()]);
        let whole = ok(&["risk", "--network", file.to_str().unwrap(), "--whole-programme", "--format", "json"]);
        same_answers(&r, &whole);
        // Every finished product lost on its own for its TTR loses d·TTR − s (its stock of two days'
        // demand is all that reaches the market): d·(TTR − 2) when TTR > 2.
        let net: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let rows = by_node(&r);
        for n in net["nodes"].as_array().unwrap().iter().filter(|n| n["product"].as_bool() == Some(true)) {
            let (d, s, ttr) = (n["d"].as_f64().unwrap(), n["s"].as_f64().unwrap(), n["ttr"].as_f64().unwrap());
            let row = &rows[n["id"].as_str().unwrap()];
            assert!(close(row["pi"].as_f64().unwrap(), (d * ttr - s).max(0.0)), "{row} vs d={d} s={s} ttr={ttr}");
            assert!(close(row["tts_days"].as_f64().unwrap(), s / d), "{row}");
        }
    }
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn bad_networks_name_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let node =
        |id: &str, ttr: f64, c: f64| json!({"id": id, "f": 1, "d": 1, "s": 0, "c": c, "ttr": ttr, "product": true});
    let negative = write(dir.path(), "neg.json", &json!({"nodes": [node("a", -3.0, 1.0)], "edges": []}));
    let e = fails(&["risk", "--network", &negative]);
    assert!(e.contains("node a") && e.contains("ttr"), "{e}");
    let capacity = write(dir.path(), "cap.json", &json!({"nodes": [node("a", 3.0, -1.0)], "edges": []}));
    let e = fails(&["risk", "--network", &capacity]);
    assert!(e.contains("node a") && e.contains('c'), "{e}");
    let cycle = write(
        dir.path(),
        "cycle.json",
        &json!({"nodes": [node("a", 1.0, 1.0), node("b", 1.0, 1.0)],
                "edges": [{"supplier": "a", "buyer": "b", "input": "x", "r": 1}, {"supplier": "b", "buyer": "a", "input": "y", "r": 1}]}),
    );
    let e = fails(&["risk", "--network", &cycle]);
    assert!(e.contains("cycle") && e.contains('a') && e.contains('b'), "{e}");
    let mut lonely = node("a", 1.0, 1.0);
    lonely["inputs"] = json!(["steel"]);
    let unsupplied = write(dir.path(), "unsupplied.json", &json!({"nodes": [lonely], "edges": []}));
    let e = fails(&["risk", "--network", &unsupplied]);
    assert!(e.contains("node a") && e.contains("steel"), "{e}");
    let e = fails(&["risk", "--network", dir.path().join("missing.json").to_str().unwrap()]);
    assert!(e.contains("cannot read"), "{e}");
}

#[test]
fn a_tangshan_lockdown_runs_down_the_chains() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let r = ok(&["simulate", "--db", &db, "--lockdown", "130200", "--days", "14", "--format", "json"]);
    let disrupted = r["disrupted"].as_array().unwrap();
    assert!(!disrupted.is_empty());
    assert!(disrupted.iter().all(|n| n["region"].as_u64().unwrap() / 100 == 1302), "all in Tangshan");
    assert_eq!(r["days"].as_f64(), Some(14.0));
    let total = r["lost"]["total"].as_f64().unwrap();
    assert!(total >= r["lost"]["baseline"].as_f64().unwrap());
    let by_product: f64 = r["lost"]["by_product"].as_array().unwrap().iter().map(|p| p["lost"].as_f64().unwrap()).sum();
    assert!((by_product - total).abs() <= 1e-6 * total.max(1.0), "{by_product} vs {total} (f = 1 in the demo)");
    // Tiers are breadth-first: every tier-t node has a supplier in tier t − 1 (or stopped, for tier 1).
    let tiers = r["tiers"].as_array().unwrap();
    assert!(!tiers.is_empty());
    for (i, t) in tiers.iter().enumerate() {
        assert_eq!(t["tier"].as_u64(), Some(i as u64 + 1));
    }
    // The same by name, and for one chain.
    let by_name = ok(&["simulate", "--db", &db, "--lockdown", "唐山", "--days", "14", "--format", "json"]);
    assert_eq!(by_name["disrupted"], r["disrupted"]);
    let one = ok(&[
        "simulate",
        "--db",
        &db,
        "--chain",
        "automotive",
        "--lockdown",
        "130200",
        "--days",
        "14",
        "--format",
        "json",
    ]);
    assert!(one["disrupted"].as_array().unwrap().iter().all(|n| n["chain"] == "automotive"));
    // Alternatives never sit in the locked-down city.
    for a in r["alternatives"].as_array().unwrap() {
        for s in a["suppliers"].as_array().unwrap() {
            assert_ne!(s["city"].as_u64().map(|c| c / 100), Some(1302), "{s}");
        }
    }
}

#[test]
fn no_loss_gives_the_same_tiers_without_the_programme() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let args =
        ["simulate", "--db", &db, "--chain", "automotive", "--lockdown", "130200", "--days", "14", "--format", "json"];
    let with = ok(&args);
    let without = ok(&[&args[..], &["--no-loss"]].concat());
    assert!(with["lost"]["total"].as_f64().is_some(), "{}", with["lost"]);
    assert!(without["lost"].is_null(), "{}", without["lost"]);
    assert!(!with["tiers"].as_array().unwrap().is_empty());
    for k in ["disrupted", "tiers", "alternatives"] {
        assert_eq!(with[k], without[k], "{k}");
    }
    // The exported network gives the same sites in the same tiers (its alternatives are the network's own,
    // not docking's), with the time split on standard error when asked.
    let file = dir.path().join("automotive.json");
    let f = file.to_str().unwrap();
    let out = chaindock(&["risk", "--db", &db, "--chain", "automotive", "--export-network", f, "--export-only"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = chaindock(&[
        "simulate",
        "--network",
        f,
        "--lockdown",
        "130200",
        "--days",
        "14",
        "--format",
        "json",
        "--no-loss",
        "--timings",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let from_file: Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timings: read") && err.contains("propagation") && err.contains("loss 0.000 s"), "{err}");
    assert!(from_file["lost"].is_null());
    let nodes = |r: &Value| -> Vec<(u64, String)> {
        let mut v: Vec<(u64, String)> =
            r["disrupted"].as_array().unwrap().iter().map(|n| (0, n["node"].as_str().unwrap().to_string())).collect();
        for t in r["tiers"].as_array().unwrap() {
            v.extend(
                t["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| (t["tier"].as_u64().unwrap(), n["node"].as_str().unwrap().to_string())),
            );
        }
        v.sort();
        v
    };
    assert_eq!(nodes(&from_file), nodes(&without));
    // The text output says the loss was skipped.
    let out = chaindock(&["simulate", "--network", f, "--lockdown", "130200", "--days", "14", "--no-loss"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("loss not computed (--no-loss)"), "{text}");
}

#[test]
fn bad_scenarios_say_which_argument() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let e = fails(&["simulate", "--db", &db, "--lockdown", "130200", "--days", "0"]);
    assert!(e.contains("days"), "{e}");
    let e = fails(&["simulate", "--db", &db, "--days", "3"]);
    assert!(e.contains("--lockdown") && e.contains("--stop"), "{e}");
    let e = fails(&["simulate", "--db", &db, "--lockdown", "火星", "--days", "3"]);
    assert!(e.contains("--lockdown") && e.contains("火星"), "{e}");
    let e = fails(&["simulate", "--db", &db, "--stop", "not-a-code", "--days", "3"]);
    assert!(e.contains("--stop"), "{e}");
    let e = fails(&["simulate", "--db", &db, "--cut", "no-such-link", "--days", "3"]);
    assert!(e.contains("--cut no-such-link"), "{e}");
    let e = fails(&["simulate", "--db", &db, "--lockdown", "130200", "--days", "3", "--start", "-1"]);
    assert!(e.contains("start"), "{e}");
}
