//! Supply–demand docking from the command line: the demo's demands, plans checked against an
//! independent solution of the exported instance, bad input, the request workflow and the re-plan of a
//! declined request.

use std::process::{Command, Output};

use serde_json::Value;

const TODAY: &str = "2026-12-01";

fn chaindock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chaindock")).env("CHAINDOCK_TODAY", TODAY).args(args).output().expect("run")
}

fn ok(args: &[&str]) -> String {
    let out = chaindock(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

fn fails(args: &[&str]) -> String {
    let out = chaindock(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db").to_str().unwrap().to_string();
    ok(&["init", "--demo", "--db", &db]);
    (dir, db)
}

#[test]
fn the_demo_has_the_briefs_demands_and_lists_them() {
    let (_dir, db) = demo();
    let list = json(&["demand", "list", "--db", &db, "--format", "json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 7);
    for d in list {
        assert!(d["id"].as_i64().is_some() && d["status"] == "open", "{d}");
    }
    let welded = list.iter().find(|d| d["link"] == "welded-assemblies").unwrap();
    assert_eq!(welded["quantity"], 11_000, "1.1万件");
    assert_eq!(welded["excluded_regions"], serde_json::json!(["130200"]));
}

/// Σ unit_cost·x + Σ penalty·unmet of a plan on an instance, and every constraint of the instance.
fn check_against_instance(instance: &Value, plan: &Value) -> f64 {
    let arcs = instance["arcs"].as_array().unwrap();
    let mut x: std::collections::HashMap<(String, String), u64> = Default::default();
    for l in plan["lines"].as_array().unwrap() {
        x.insert(
            (l["demand"].to_string(), l["supplier"].as_str().unwrap().to_string()),
            l["quantity"].as_u64().unwrap(),
        );
    }
    let mut objective = 0.0;
    for a in arcs {
        let k = (a["demand"].as_str().unwrap().to_string(), a["supplier"].as_str().unwrap().to_string());
        let q = x.get(&k).copied().unwrap_or(0);
        assert!(q <= a["max_quantity"].as_u64().unwrap(), "{a} carries {q}");
        objective += a["unit_cost"].as_f64().unwrap() * q as f64;
    }
    assert_eq!(
        x.len(),
        x.keys()
            .filter(|k| arcs.iter().any(|a| a["demand"].as_str() == Some(&k.0) && a["supplier"].as_str() == Some(&k.1)))
            .count(),
        "every line is an arc"
    );
    for d in instance["demands"].as_array().unwrap() {
        let id = d["id"].as_str().unwrap();
        let carried: u64 = x.iter().filter(|(k, _)| k.0 == id).map(|(_, q)| q).sum();
        let outcome = plan["demands"].as_array().unwrap().iter().find(|o| o["id"].as_i64() == id.parse().ok()).unwrap();
        let unmet = outcome["unmet"].as_u64().unwrap();
        assert_eq!(carried + unmet, d["quantity"].as_u64().unwrap(), "demand {id} balance");
        objective += d["unmet_penalty"].as_f64().unwrap() * unmet as f64;
    }
    for l in instance["limits"].as_array().unwrap() {
        let s = l["supplier"].as_str().unwrap();
        let ds: Vec<&str> = l["demands"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        let used: u64 = x.iter().filter(|(k, _)| k.1 == s && ds.contains(&k.0.as_str())).map(|(_, q)| q).sum();
        assert!(used <= l["limit"].as_u64().unwrap(), "limit {l} exceeded: {used}");
    }
    objective
}

#[test]
fn a_plan_is_optimal_on_its_exported_instance_and_respects_the_lockdown_and_share_cap() {
    let (dir, db) = demo();
    let path = dir.path().join("instance.json");
    let plan = json(&["allocate", "--db", &db, "1", "--export-instance", path.to_str().unwrap(), "--format", "json"]);
    let instance: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let objective = check_against_instance(&instance, &plan);
    assert!((objective - plan["objective"].as_f64().unwrap()).abs() <= 1e-6 * objective.max(1.0));
    assert_eq!(plan["demands"][0]["unmet"], 0);
    for l in plan["lines"].as_array().unwrap() {
        assert!(l["quantity"].as_u64().unwrap() <= 3300, "30% of 11,000: {l}");
        assert!(!l["city"].as_str().unwrap().starts_with("1302"), "Tangshan is locked down: {l}");
    }
    assert!(plan["enterprises"].as_u64().unwrap() >= 4 && plan["cities"].as_u64().unwrap() >= 2, "{plan}");
    // An independent solution: one demand with a limit per supplier is a min-cost flow.
    let inst: chaindock_alloc::Instance = serde_json::from_value(instance).unwrap();
    let flow = chaindock_alloc::solve_min_cost_flow(&inst).unwrap();
    assert!((flow.objective - objective).abs() <= 1e-6 * objective, "flow {} vs plan {objective}", flow.objective);
}

#[test]
fn competing_demands_are_solved_together_within_their_shared_capacity() {
    let (dir, db) = demo();
    let path = dir.path().join("all.json");
    let plan = json(&[
        "allocate",
        "--db",
        &db,
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "--export-instance",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let instance: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let objective = check_against_instance(&instance, &plan);
    assert!((objective - plan["objective"].as_f64().unwrap()).abs() <= 1e-6 * objective.max(1.0));
    assert_eq!(plan["proven_optimal"], true);
    let short: Vec<&Value> =
        plan["demands"].as_array().unwrap().iter().filter(|d| d["unmet"].as_u64() > Some(0)).collect();
    for d in &short {
        assert!(d["unmet_reason"].as_str().is_some_and(|r| !r.is_empty()), "{d}");
    }
    assert!(
        plan["enterprises"].as_u64().unwrap() >= 20,
        "the story spreads over many enterprises: {}",
        plan["enterprises"]
    );
}

#[test]
fn bad_demands_are_refused_with_the_reason() {
    let (_dir, db) = demo();
    let base = [
        "demand",
        "add",
        "--db",
        &db,
        "--buyer",
        "911101145869397430",
        "--product",
        "冲焊总成件",
        "--deliver-to",
        "北京市昌平区",
    ];
    fn join<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
        [a, b].concat()
    }
    let with = |extra: &[&'static str]| join(&base, extra);
    let e = fails(&with(&["--quantity", "很多", "--due", "+5"]));
    assert!(e.contains("quantity"), "{e}");
    let e = fails(&with(&["--quantity", "5吨", "--due", "+5"]));
    assert!(e.contains("measured in 件"), "{e}");
    let e = fails(&with(&["--quantity", "100", "--due", "2026-11-01"]));
    assert!(e.contains("in the past"), "{e}");
    let e = fails(&[
        "demand",
        "add",
        "--db",
        &db,
        "--buyer",
        "91130200MA0000000A",
        "--product",
        "冲焊总成件",
        "--deliver-to",
        "北京",
        "--quantity",
        "100",
        "--due",
        "+5",
    ]);
    assert!(e.contains("credit") || e.contains("buyer"), "{e}");
    let e = fails(&[
        "demand",
        "add",
        "--db",
        &db,
        "--buyer",
        "911101145869397430",
        "--product",
        "火箭发动机",
        "--deliver-to",
        "北京",
        "--quantity",
        "100",
        "--due",
        "+5",
    ]);
    assert!(e.contains("no chain link"), "{e}");
    assert_eq!(
        json(&["demand", "list", "--db", &db, "--format", "json"]).as_array().unwrap().len(),
        7,
        "nothing added"
    );
    let added = json(
        &[&with(&["--quantity", "1.2万件", "--due", "+6", "--priority", "2"])[..], &["--format", "json"]].concat(),
    );
    assert_eq!(added["quantity"], 12_000);
    assert_eq!(added["due"], "2026-12-07");
}

#[test]
fn a_demand_due_today_cannot_be_met_and_says_why() {
    let (_dir, db) = demo();
    let d = json(&[
        "demand",
        "add",
        "--db",
        &db,
        "--buyer",
        "911101145869397430",
        "--product",
        "油封",
        "--deliver-to",
        "北京",
        "--quantity",
        "500",
        "--due",
        "+0",
        "--format",
        "json",
    ]);
    let id = d["id"].to_string();
    let plan = json(&["allocate", "--db", &db, &id, "--format", "json"]);
    assert_eq!(plan["demands"][0]["unmet"], 500);
    assert!(plan["demands"][0]["unmet_reason"].as_str().unwrap().contains("no capable supplier"), "{plan}");
    assert_eq!(plan["lines"].as_array().unwrap().len(), 0);
}

#[test]
fn requests_are_answered_declines_are_replanned_and_deliveries_close_the_demand() {
    let (_dir, db) = demo();
    let first = json(&["allocate", "--db", &db, "2", "--send", "--format", "json"]);
    let requests = json(&["request", "list", "--db", &db, "--demand", "2", "--format", "json"]);
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), first["lines"].as_array().unwrap().len());
    assert!(requests.iter().all(|r| r["status"] == "pending"));
    let status = |db: &str| -> String {
        let list = json(&["demand", "list", "--db", db, "--format", "json"]);
        list.as_array().unwrap().iter().find(|d| d["id"] == 2).unwrap()["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status(&db), "planned");
    // The first supplier declines; the rest accept.
    let decliner = requests[0]["supplier"].as_str().unwrap().to_string();
    let e = fails(&["request", "decline", "--db", &db, &requests[0]["id"].to_string(), "--reason", ""]);
    assert!(e.contains("reason"), "{e}");
    let out =
        ok(&["request", "decline", "--db", &db, &requests[0]["id"].to_string(), "--reason", "设备检修", "--no-replan"]);
    assert!(out.contains("chaindock allocate 2"), "{out}");
    for r in &requests[1..] {
        ok(&["request", "accept", "--db", &db, &r["id"].to_string()]);
    }
    let e = fails(&["request", "accept", "--db", &db, &requests[1]["id"].to_string()]);
    assert!(e.contains("already"), "{e}");
    // Re-plan the shortfall: only what the acceptances leave, never the supplier that declined.
    let accepted: u64 = requests[1..].iter().map(|r| r["quantity"].as_u64().unwrap()).sum();
    let replan = json(&["allocate", "--db", &db, "2", "--send", "--format", "json"]);
    assert_eq!(replan["demands"][0]["quantity"], 4200 - accepted);
    assert!(replan["lines"].as_array().unwrap().iter().all(|l| l["supplier"] != decliner.as_str()), "{replan}");
    let pending: Vec<Value> = json(&["request", "list", "--db", &db, "--demand", "2", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "pending")
        .cloned()
        .collect();
    for r in &pending {
        ok(&["request", "accept", "--db", &db, &r["id"].to_string()]);
    }
    if replan["demands"][0]["unmet"] == 0 {
        assert_eq!(status(&db), "covered");
    }
    // Deliver everything accepted.
    for r in json(&["request", "list", "--db", &db, "--demand", "2", "--format", "json"]).as_array().unwrap() {
        if r["status"] == "accepted" {
            let q = r["quantity"].to_string();
            let e = fails(&[
                "request",
                "deliver",
                "--db",
                &db,
                &r["id"].to_string(),
                "--quantity",
                &(r["quantity"].as_u64().unwrap() + 1).to_string(),
            ]);
            assert!(e.contains("quantity") || e.contains("more"), "{e}");
            ok(&["request", "deliver", "--db", &db, &r["id"].to_string(), "--quantity", &q]);
        }
    }
    if replan["demands"][0]["unmet"] == 0 {
        assert_eq!(status(&db), "delivered");
    }
}

#[test]
fn a_declined_request_is_replanned_at_once_among_suppliers_not_asked_before() {
    let (_dir, db) = demo();
    let out = ok(&["allocate", "--db", &db, "1", "--send", "--exclude-region", "北京", "--exclude-region", "120000"]);
    assert!(out.contains("requests sent"), "{out}");
    let list = json(&["demand", "list", "--db", &db, "--format", "json"]);
    let demand = list.as_array().unwrap().iter().find(|d| d["id"] == 1).unwrap().clone();
    assert_eq!(demand["excluded_regions"], serde_json::json!(["130200", "110000", "120000"]), "the lockdown is kept");
    let requests = json(&["request", "list", "--db", &db, "--demand", "1", "--format", "json"]);
    let requests = requests.as_array().unwrap().clone();
    assert!(requests.len() >= 3);
    let asked: Vec<&str> = requests.iter().map(|r| r["supplier"].as_str().unwrap()).collect();
    ok(&["request", "accept", "--db", &db, &requests[0]["id"].to_string()]);

    let out = json(&[
        "request",
        "decline",
        "--db",
        &db,
        &requests[1]["id"].to_string(),
        "--reason",
        "设备检修",
        "--format",
        "json",
    ]);
    assert_eq!(out["request"]["status"], "declined");
    assert!(out["replan_error"].is_null(), "{out}");
    let replan = &out["replan"];
    let others: u64 = requests[2..].iter().map(|r| r["quantity"].as_u64().unwrap()).sum();
    let shortfall = 11_000 - requests[0]["quantity"].as_u64().unwrap() - others;
    assert_eq!(replan["shortfall"], shortfall);
    let new = replan["sent"].as_array().unwrap();
    assert!(!new.is_empty(), "{replan}");
    for (r, l) in new.iter().zip(replan["plan"]["lines"].as_array().unwrap()) {
        assert!(!asked.contains(&r["supplier"].as_str().unwrap()), "asked before: {r}");
        assert!(r["quantity"].as_u64().unwrap() <= 3300, "30% of 11,000: {r}");
        assert_eq!((&r["supplier"], &r["quantity"]), (&l["supplier"], &l["quantity"]));
        let city = l["city"].as_str().unwrap();
        assert!(!["11", "12", "1302"].iter().any(|p| city.starts_with(p)), "locked down: {l}");
    }
    let taken: u64 = new.iter().map(|r| r["quantity"].as_u64().unwrap()).sum();
    assert_eq!(taken + replan["plan"]["demands"][0]["unmet"].as_u64().unwrap(), shortfall);
    // Optimal on its own instance: the objective recomputed from the instance, and an independent solver's.
    let objective = check_against_instance(&replan["instance"], &replan["plan"]);
    assert!((objective - replan["plan"]["objective"].as_f64().unwrap()).abs() <= 1e-6 * objective.max(1.0));
    let inst: chaindock_alloc::Instance = serde_json::from_value(replan["instance"].clone()).unwrap();
    assert!(inst.arcs.iter().all(|a| a.max_quantity <= 3300 && !asked.contains(&a.supplier.as_str())));
    let flow = chaindock_alloc::solve_network_simplex(&inst).unwrap();
    assert!((flow.objective - objective).abs() <= 1e-6 * objective, "simplex {} vs plan {objective}", flow.objective);

    // The others are as they were; the new ones pending beside them.
    let now = json(&["request", "list", "--db", &db, "--demand", "1", "--format", "json"]);
    let now = now.as_array().unwrap();
    assert_eq!(now.len(), requests.len() + new.len());
    assert_eq!(now[2..requests.len()], requests[2..]);
    assert!(now[requests.len()..].iter().all(|r| r["status"] == "pending"));

    // The text output names the shortfall; --no-replan sends nothing.
    let out = ok(&["request", "decline", "--db", &db, &requests[2]["id"].to_string(), "--reason", "缺料"]);
    assert!(out.contains("shortfall") && out.contains("not asked before"), "{out}");
    let before = json(&["request", "list", "--db", &db, "--demand", "1", "--format", "json"]).as_array().unwrap().len();
    let id = json(&["request", "list", "--db", &db, "--demand", "1", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "pending")
        .unwrap()["id"]
        .to_string();
    let out = json(&["request", "decline", "--db", &db, &id, "--reason", "不做", "--no-replan", "--format", "json"]);
    assert!(out["replan"].is_null() && out["replan_error"].is_null(), "{out}");
    let after = json(&["request", "list", "--db", &db, "--demand", "1", "--format", "json"]).as_array().unwrap().len();
    assert_eq!(after, before);
}
