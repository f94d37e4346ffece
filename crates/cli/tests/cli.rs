//! The command line as a user runs it: the real binary on a temporary database.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn chaindock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chaindock")).args(args).output().expect("run chaindock")
}

fn ok(args: &[&str]) -> String {
    let out = chaindock(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

struct Demo {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Demo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db");
        ok(&["init", "--demo", "--db", db.to_str().unwrap()]);
        Self { _dir: dir, db }
    }

    fn db(&self) -> &str {
        self.db.to_str().unwrap()
    }

    fn analyze(&self, chain: &str, scope: &str) -> Value {
        json(&["analyze", "--db", self.db(), chain, "--scope", scope, "--format", "json"])
    }
}

fn link_ids(v: &Value, list: &str) -> Vec<String> {
    v[list].as_array().unwrap().iter().map(|f| f["link"].as_str().unwrap().to_string()).collect()
}

#[test]
fn chains_are_listed() {
    let demo = Demo::new();
    let chains = json(&["chains", "--db", demo.db(), "--format", "json"]);
    let chains = chains.as_array().unwrap();
    assert!(chains.len() >= 9, "{chains:?}");
    for c in chains {
        assert!(c["id"].is_string() && c["name"].is_string());
        assert!(c["producers"].as_u64().unwrap() > 0, "{c}");
    }
    let text = ok(&["chains", "--db", demo.db()]);
    assert!(text.contains("汽车产业链"), "{text}");
}

#[test]
fn analysis_json_has_the_three_lists() {
    let demo = Demo::new();
    let a = demo.analyze("automotive", "hebei");
    for key in
        ["chain", "scope", "links", "breakpoints", "bottlenecks", "chokepoints", "key_enterprises", "gaps_to_fill"]
    {
        assert!(a.get(key).is_some(), "missing {key}");
    }
    assert_eq!(a["scope"]["key"], "hebei");
    assert!(!a["links"].as_array().unwrap().is_empty());
    assert!(!a["key_enterprises"].as_array().unwrap().is_empty());
}

#[test]
fn beijing_and_tianjin_close_gaps_hebei_has() {
    // The brief's story: links with no producer in Hebei that Beijing or Tianjin make.
    let demo = Demo::new();
    let chains = json(&["chains", "--db", demo.db(), "--format", "json"]);
    let mut closed = Vec::new();
    for c in chains.as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let hebei = link_ids(&demo.analyze(id, "hebei"), "breakpoints");
        let bth = link_ids(&demo.analyze(id, "bth"), "breakpoints");
        assert!(bth.iter().all(|l| hebei.contains(l)), "{id}: a wider scope cannot add breakpoints");
        if hebei.len() > bth.len() {
            closed.push(id.to_string());
        }
    }
    assert!(closed.len() >= 3, "only {closed:?} show breakpoints closed by the BTH scope");
}

#[test]
fn scopes_by_name_and_code_agree() {
    let demo = Demo::new();
    let mut by_name = demo.analyze("automotive", "唐山");
    let mut by_code = demo.analyze("automotive", "130200");
    by_name["scope"]["key"] = Value::Null;
    by_code["scope"]["key"] = Value::Null;
    assert_eq!(by_name, by_code);
}

/// In-scope capacity per link, computed by SQL straight from the database file.
fn capacity_by_sql(db: &Path, chain: &str, lo: i64, hi: i64) -> HashMap<String, f64> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = conn
        .prepare(
            "SELECT l.link_id, SUM(p.capacity) FROM producer p JOIN enterprise e ON e.id = p.enterprise_id
             JOIN chain_link l ON l.id = p.link
             WHERE l.chain_id = ?1 AND e.region BETWEEN ?2 AND ?3 GROUP BY l.link_id",
        )
        .unwrap();
    st.query_map(rusqlite::params![chain, lo, hi], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn capacities_match_an_independent_sql_sum() {
    let demo = Demo::new();
    for (scope, lo, hi) in [("hebei", 130000, 139999), ("130200", 130200, 130299), ("beijing", 110000, 119999)] {
        for chain in ["automotive", "display-panels", "dairy-packaging"] {
            let a = demo.analyze(chain, scope);
            let sql = capacity_by_sql(&demo.db, chain, lo, hi);
            for l in a["links"].as_array().unwrap() {
                let got = l["capacity_in_scope"].as_f64().unwrap();
                let want = sql.get(l["id"].as_str().unwrap()).copied().unwrap_or(0.0);
                assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{chain} {scope} {}: {got} vs {want}", l["id"]);
            }
        }
    }
}

#[test]
fn bad_arguments_say_what_is_wrong() {
    let demo = Demo::new();
    let cases: &[(&[&str], &str)] = &[
        (&["analyze", "--db", demo.db(), "automotive", "--scope", "火星"], "unknown region"),
        (&["analyze", "--db", demo.db(), "automotive", "--scope", "桥西区"], "ambiguous"),
        (&["analyze", "--db", demo.db(), "no-such-chain", "--scope", "hebei"], "chain no-such-chain not found"),
        (&["analyze", "--db", demo.db(), "Bad Id", "--scope", "hebei"], "bad chain id"),
        (&["analyze", "--db", demo.db(), "automotive", "--hhi-threshold", "3"], "HHI threshold"),
        (&["chains", "--db", "/nonexistent/x.db"], "does not exist"),
        (&["gen", "--db", "/tmp/never.db", "--enterprises", "0"], "at least 1"),
    ];
    for (args, msg) in cases {
        let out = chaindock(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err:?} lacks {msg:?}");
    }
    // clap's own errors for a missing argument.
    let out = chaindock(&["analyze", "--db", demo.db()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CHAIN"));
}

#[test]
fn a_bad_import_reports_rows_and_changes_nothing() {
    let demo = Demo::new();
    let before = ok(&["chains", "--db", demo.db(), "--format", "json"]);
    let file = demo.db.with_file_name("bad.csv");
    std::fs::write(
        &file,
        "credit_code,name,region\n91130200MA0000001X,唐山好企业有限公司,130200\n91110108MA00000026,,110108\n",
    )
    .unwrap();
    let out = chaindock(&["import", "--db", demo.db(), file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["row"] == 2 && e["column"] == "credit_code"), "{errors:?}");
    assert!(errors.iter().any(|e| e["row"] == 3 && e["column"] == "name"), "{errors:?}");
    assert!(report["written"].is_null());
    assert_eq!(ok(&["chains", "--db", demo.db(), "--format", "json"]), before);
    let text = String::from_utf8(chaindock(&["import", "--db", demo.db(), file.to_str().unwrap()]).stdout).unwrap();
    assert!(text.contains("nothing was imported"), "{text}");
}

#[test]
fn demo_creates_once_and_shows_what_to_try() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let first = ok(&["demo", "--no-serve", "--db", db.to_str().unwrap()]);
    assert!(first.contains("Creating the demo database") && first.contains("Try ("), "{first}");
    let second = ok(&["demo", "--no-serve", "--db", db.to_str().unwrap()]);
    assert!(!second.contains("Creating"), "{second}");
}

#[test]
fn generated_registry_is_analysed_in_every_scope() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let db = db.to_str().unwrap();
    let out = ok(&["gen", "--db", db, "--enterprises", "3000", "--seed", "5"]);
    assert!(out.contains("generated 3000 enterprises"), "{out}");
    let all = json(&["analyze", "--db", db, "--all", "--format", "json"]);
    let results = all["results"].as_array().unwrap();
    let chains = json(&["chains", "--db", db, "--format", "json"]);
    assert_eq!(results.len(), chains.as_array().unwrap().len() * 15);
    let page = json(&["enterprises", "--db", db, "--region", "唐山", "--limit", "50", "--format", "json"]);
    assert!(page["total"].as_u64().unwrap() > 50);
    for e in page["items"].as_array().unwrap() {
        assert!(e["region"].as_str().unwrap().starts_with("1302"), "{e}");
    }
}

#[test]
fn sample_files_import_as_documented() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/samples");
    let s = |f: &str| samples.join(f).to_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let db = db.to_str().unwrap();
    ok(&["init", "--db", db]);
    let good: Vec<String> =
        ["links.csv", "bom.csv", "enterprises.csv", "producers.csv", "supply.csv"].iter().map(|f| s(f)).collect();
    let mut args = vec!["import", "--db", db];
    args.extend(good.iter().map(String::as_str));
    assert!(ok(&args).contains("imported 3 enterprises, 1 chains, 4 producers, 2 supply relations"));
    let bad = [s("links.csv"), s("bom.csv"), s("bad/enterprises.csv"), s("bad/producers.csv")];
    let mut args = vec!["import", "--db", db, "--format", "json"];
    args.extend(bad.iter().map(String::as_str));
    let out = chaindock(&args);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 8, "{report:#}");
    let a = json(&["analyze", "--db", db, "ice-snow", "--scope", "张家口", "--format", "json"]);
    assert_eq!(link_ids(&a, "chokepoints"), vec!["compressor"]);
    assert_eq!(link_ids(&a, "breakpoints"), vec!["steel-tube", "compressor"]);
}

#[test]
fn a_killed_import_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let dbs = db.to_str().unwrap();
    ok(&["init", "--demo", "--db", dbs]);
    let before = json(&["enterprises", "--db", dbs, "--limit", "1", "--format", "json"])["total"].as_u64().unwrap();
    // A file large enough that its write takes a while.
    let mut csv = String::from("credit_code,name,region\n");
    for i in 0..300_000u32 {
        let code = chaindock_model::CreditCode::from_body(&format!("91130200{i:09}")).unwrap();
        csv.push_str(&format!("{code},唐山批量测试{i}有限公司,130200\n"));
    }
    let file = dir.path().join("enterprises.csv");
    std::fs::write(&file, csv).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaindock"))
        .args(["import", "--db", dbs, file.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the write transaction has put pages into the WAL, i.e. in the middle of the write.
    let wal = dir.path().join("k.db-wal");
    let killed = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the import finished ({status}) before it could be killed");
        }
        if std::fs::metadata(&wal).map(|m| m.len() > 4 << 20).unwrap_or(false) {
            child.kill().unwrap(); // SIGKILL
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(!killed.success());
    let after = json(&["enterprises", "--db", dbs, "--limit", "1", "--format", "json"])["total"].as_u64().unwrap();
    assert_eq!(after, before, "a killed import left rows behind");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn text_tools_answer_in_json() {
    let n = json(&["text", "normalize", "精準(zhǔn)扶貧", "--format", "json"]);
    assert_eq!((n["input"].as_str(), n["output"].as_str()), (Some("精準(zhǔn)扶貧"), Some("精准扶贫")));
    let q = json(&["text", "quantity", "逾万吨", "--format", "json"]);
    assert_eq!(
        (q["value"].as_f64(), q["unit"].as_str(), q["qualifier"].as_str()),
        (Some(10000.0), Some("吨"), Some("more_than"))
    );
    let p = json(&["text", "place", "桥西区", "--format", "json"]);
    let codes: Vec<&str> = p["candidates"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["130104", "130703"]);
    let c = json(&["text", "company", "長城汽車股份有限公司保定分公司", "--format", "json"]);
    assert_eq!((c["core"].as_str(), c["branch"].as_str()), (Some("长城汽车"), Some("保定分公司")));
    let m = json(&["text", "mojibake", "鍖椾含姹借溅", "--format", "json"]);
    assert_eq!(m["garbled"], true);
    assert!(!m["spans"].as_array().unwrap().is_empty());
    let clean = json(&["text", "mojibake", "北京汽车集团有限公司", "--format", "json"]);
    assert_eq!(clean["garbled"], false);
    // A quantity that is no quantity fails with a message and exit code 1.
    let out = chaindock(&["text", "quantity", "万件"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("error"));
}

#[test]
fn text_clean_writes_a_normalised_copy() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("names.csv");
    let (gbk, _, _) = encoding_rs::GBK.encode("id,name\n1,北京汽車集團有限公司\n2,唐山华冶冲压件有限公司\n");
    std::fs::write(&file, gbk).unwrap();
    let report = json(&["text", "clean", "--column", "name", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(report["encoding"], "GBK");
    assert_eq!(report["changes"].as_array().unwrap().len(), 1);
    let out = std::fs::read_to_string(dir.path().join("names.clean.csv")).unwrap();
    assert_eq!(out, "id,name\n1,北京汽车集团有限公司\n2,唐山华冶冲压件有限公司\n");
    let out = chaindock(&["text", "clean", "--column", "7", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("columns 1 to 2"));
}

#[test]
fn dedupe_finds_reviews_and_merges() {
    let demo = Demo::new();
    let db = demo.db();
    // Two duplicates of demo enterprises: one in Traditional characters (automatic merge), one abbreviated
    // (review), and a branch office that must stay apart.
    let e = json(&["enterprises", "--db", db, "--name", "长城汽车", "--format", "json"]);
    let gw = &e["items"][0];
    let region = gw["region"].as_str().unwrap().to_string();
    let name = gw["name"].as_str().unwrap().to_string();
    let code = |i: u32| chaindock_model::CreditCode::from_body(&format!("91{region}{i:09}")).unwrap().to_string();
    let trad = chaindock_text::normalize(&name).replace("汽车", "汽車").replace("长", "長");
    let csv = format!(
        "credit_code,name,region\n{},{trad},{region}\n{},{name}天津分公司,{region}\n",
        code(900_000_001),
        code(900_000_002)
    );
    let file = demo.db.with_file_name("dups.csv");
    std::fs::write(&file, csv).unwrap();
    ok(&["import", "--db", db, file.to_str().unwrap()]);
    let found = json(&["dedupe", "--db", db, "--format", "json"]);
    let pairs = found.as_array().unwrap();
    let involving =
        |c: &str| pairs.iter().filter(|p| p["keep"]["credit_code"] == c || p["remove"]["credit_code"] == c).count();
    assert!(
        pairs.iter().any(|p| p["decision"] == "merge" && p["remove"]["credit_code"] == code(900_000_001)),
        "{found:#}"
    );
    assert_eq!(involving(&code(900_000_002)), 0, "a branch is never its parent: {found:#}");
    let before = json(&["enterprises", "--db", db, "--limit", "1", "--format", "json"])["total"].as_u64().unwrap();
    ok(&["dedupe", "--db", db, "--apply-auto"]);
    let after = json(&["enterprises", "--db", db, "--limit", "1", "--format", "json"])["total"].as_u64().unwrap();
    assert!(after < before);
    let kept = json(&["enterprises", "--db", db, "--name", &name, "--format", "json"]);
    let aliases = kept["items"][0]["aliases"].as_array().unwrap();
    assert!(aliases.iter().any(|a| a.as_str().unwrap().contains("汽車")), "{kept:#}");
    let kept_code = kept["items"][0]["credit_code"].as_str().unwrap().to_string();
    let detail = json(&["enterprise", "--db", db, &kept_code, "--format", "json"]);
    let merged = detail["merged_from"].as_array().unwrap();
    assert_eq!(merged.len(), 1, "{detail:#}");
    assert_eq!(merged[0]["credit_code"], code(900_000_001));
    assert!(ok(&["enterprise", "--db", db, &kept_code]).contains("merged:"));
    // A reviewed queue file applies only the pairs marked merge.
    let queue = demo.db.with_file_name("queue.csv");
    std::fs::write(&queue, "keep_code,keep_name,remove_code,remove_name,score,reason,decision\n").unwrap();
    assert!(ok(&["dedupe", "--db", db, "--apply", queue.to_str().unwrap()]).contains("merged 0"));
}
