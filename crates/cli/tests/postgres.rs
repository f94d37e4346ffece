//! The command line on PostgreSQL: the real binary with `--db postgres://…`, each test in a fresh schema
//! of the test database (`TEST_DATABASE_URL` or the local server's `test` database), named in the URL by
//! `?options=-csearch_path%3D<schema>`. A test fails, saying why, when PostgreSQL cannot be reached.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use chaindock_store_postgres::testing::{SchemaGuard, fresh_schema, test_database_url};
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

/// A fresh schema and the URL that works in it.
struct PgDb {
    pub url: String,
    _guard: SchemaGuard,
}

impl PgDb {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let guard = rt.block_on(fresh_schema()).unwrap_or_else(|why| panic!("{why}"));
        let base = test_database_url();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{}", guard.schema());
        Self { url, _guard: guard }
    }
}

fn total(db: &str) -> u64 {
    json(&["enterprises", "--db", db, "--limit", "1", "--format", "json"])["total"].as_u64().unwrap()
}

#[test]
fn the_demo_on_postgres_analyses_as_on_sqlite() {
    let pg = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let lite = dir.path().join("d.db");
    let lite = lite.to_str().unwrap();
    ok(&["init", "--demo", "--db", lite]);
    let out = ok(&["init", "--demo", "--db", &pg.url]);
    assert!(out.contains("enterprises") && out.contains("9 chains"), "{out}");
    assert_eq!(
        json(&["chains", "--db", &pg.url, "--format", "json"]),
        json(&["chains", "--db", lite, "--format", "json"])
    );
    for (chain, scope) in [("automotive", "hebei"), ("automotive", "bth"), ("display-panels", "廊坊")] {
        let a = |db: &str| json(&["analyze", "--db", db, chain, "--scope", scope, "--format", "json"]);
        assert_eq!(a(&pg.url), a(lite), "{chain} in {scope}");
    }
    assert_eq!(total(&pg.url), total(lite));
    // The same enterprises (the order of enterprises in one district is each backend's own).
    let by = |db: &str| {
        let v = json(&["enterprises", "--db", db, "--region", "唐山", "--limit", "500", "--format", "json"]);
        let mut items = v["items"].as_array().unwrap().clone();
        items.sort_by_key(|e| e["credit_code"].as_str().unwrap().to_string());
        (v["total"].clone(), items)
    };
    let (n, items) = by(&pg.url);
    assert!(n.as_u64().unwrap() > 10, "{n}");
    assert_eq!((n, items), by(lite));
    // The docking commands read the same demands.
    let d = |db: &str| ok(&["demand", "list", "--db", db]);
    assert_eq!(d(&pg.url), d(lite));
}

#[test]
fn a_bad_import_on_postgres_changes_nothing_and_bad_urls_are_named() {
    let pg = PgDb::new();
    ok(&["init", "--demo", "--db", &pg.url]);
    let before = ok(&["chains", "--db", &pg.url, "--format", "json"]);
    let n = total(&pg.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "credit_code,name,region\n91130200MA0000001X,唐山好企业有限公司,130200\n91110108MA00000026,,110108\n",
    )
    .unwrap();
    let out = chaindock(&["import", "--db", &pg.url, file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ok(&["chains", "--db", &pg.url, "--format", "json"]), before);
    assert_eq!(total(&pg.url), n);
    // A server nobody listens on, and a URL of no known kind, are refused with the value named.
    for (db, says) in [
        ("postgres://postgres@127.0.0.1:1/test", "127.0.0.1:1"),
        ("mysql://localhost/x", "mysql://localhost/x"),
        ("postgres://u:secret@127.0.0.1:1/test", "u:***@"),
    ] {
        let out = chaindock(&["chains", "--db", db]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{db}: {err}");
        assert!(err.contains(says), "{db}: {err}");
        assert!(!err.contains("secret"), "the password leaked: {err}");
    }
}

/// A `chaindock serve` process on `db`, killed when dropped.
struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    fn start(db: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chaindock"))
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().expect("the server printed nothing").unwrap();
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("the address").to_string();
        // Keep reading what it prints so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, base: url.trim_end_matches('/').to_string() }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_on_postgres_answers_with_its_data_and_search() {
    let pg = PgDb::new();
    ok(&["init", "--demo", "--db", &pg.url]);
    let added = Command::new(env!("CARGO_BIN_EXE_chaindock"))
        .args(["user", "add", "--db", &pg.url, "tester", "--role", "expert"])
        .env("CHAINDOCK_PASSWORD", "a-long-test-password")
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let server = Server::start(&pg.url);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let health = c.get(format!("{}/api/health", server.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let login = c
            .post(format!("{}/api/login", server.base))
            .json(&serde_json::json!({"username": "tester", "password": "a-long-test-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "the account added by the CLI logs in");
        let chains: Value = c.get(format!("{}/api/chains", server.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(chains.as_array().map(Vec::len), Some(9), "{chains}");
        // The in-memory index was built from PostgreSQL at start.
        let q: Value =
            c.get(format!("{}/api/enterprises?q=BOE", server.base)).send().await.unwrap().json().await.unwrap();
        assert!(q["items"].as_array().unwrap().iter().any(|e| e["credit_code"] == "91110105634657709B"), "{q}");
    });
}

#[test]
fn a_killed_import_on_postgres_leaves_nothing_behind() {
    let pg = PgDb::new();
    ok(&["init", "--demo", "--db", &pg.url]);
    let before = total(&pg.url);
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("credit_code,name,region\n");
    for i in 0..300_000u32 {
        let code = chaindock_model::CreditCode::from_body(&format!("91130200{i:09}")).unwrap();
        csv.push_str(&format!("{code},唐山批量测试{i}有限公司,130200\n"));
    }
    let file = dir.path().join("enterprises.csv");
    std::fs::write(&file, csv).unwrap();
    // The import's connections carry a name of their own, so that this test finds them among others.
    let name = format!("kill_{}", std::process::id());
    let import_url = format!("{}&application_name={name}", pg.url);
    let mut child = Command::new(env!("CARGO_BIN_EXE_chaindock"))
        .args(["import", "--db", &import_url, file.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once its COPY has put rows into the temporary table, i.e. in the middle of the write: the
    // import's transaction is open when the temporary table has a size.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let killed = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&test_database_url()).await.unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the import finished ({status}) before it could be killed");
            }
            // A transaction of the import that has written something holds a transaction id.
            let writing: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL",
            )
            .bind(&name)
            .fetch_one(&mut c)
            .await
            .unwrap();
            if writing > 0 {
                child.kill().unwrap(); // SIGKILL
                break child.wait().unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    assert!(!killed.success());
    assert_eq!(total(&pg.url), before, "a killed import left rows behind");
    // And the database takes the same import whole afterwards.
    ok(&["import", "--db", &pg.url, file.to_str().unwrap()]);
    assert_eq!(total(&pg.url), before + 300_000);
}

fn user_add(db: &str, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_chaindock"))
        .args(["user", "add", "--db", db])
        .args(args)
        .env("CHAINDOCK_PASSWORD", "a-long-test-password")
        .output()
        .unwrap();
    assert!(out.status.success(), "user add {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn failing(args: &[&str]) -> String {
    let out = chaindock(args);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The rows per table an archive's header counts.
fn counts(archive: &[u8]) -> std::collections::HashMap<String, u64> {
    let first = archive.split(|&b| b == b'\n').next().unwrap();
    let header: Value = serde_json::from_slice(first).unwrap();
    header["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["table"].as_str().unwrap().to_string(), t["rows"].as_u64().unwrap()))
        .collect()
}

#[test]
fn a_whole_database_moves_from_sqlite_to_postgres_and_back_byte_for_byte() {
    let pg = PgDb::new();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let lite = path("a.db");
    // The demo, accounts (one speaking for an enterprise), a Willems chain with its risk parameters, and a
    // demand's plan sent, answered (one decline, the rest accepted) and a delivery recorded.
    ok(&["init", "--demo", "--db", &lite]);
    user_add(&lite, &["li", "--role", "analyst"]);
    user_add(&lite, &["gwm", "--role", "enterprise", "--enterprise", "91130606120551720G"]);
    let willems = |f: &str| format!("{}/../../data/willems/{f}", env!("CARGO_MANIFEST_DIR"));
    ok(&[
        "import-willems",
        "--db",
        &lite,
        "--stages",
        &willems("stages.csv"),
        "--arcs",
        &willems("arcs.csv"),
        "--chain",
        "8",
    ]);
    ok(&["allocate", "--db", &lite, "2", "--send", "--format", "json"]);
    let requests = json(&["request", "list", "--db", &lite, "--demand", "2", "--format", "json"]);
    let requests = requests.as_array().unwrap();
    assert!(requests.len() >= 2, "{requests:?}");
    ok(&["request", "decline", "--db", &lite, &requests[0]["id"].to_string(), "--reason", "设备检修"]);
    ok(&["request", "accept", "--db", &lite, &requests[1]["id"].to_string()]);
    ok(&["request", "deliver", "--db", &lite, &requests[1]["id"].to_string(), "--quantity", "1"]);
    // The decline re-planned its shortfall, so demand 2 may now have more requests than were first sent.
    let requests = json(&["request", "list", "--db", &lite, "--demand", "2", "--format", "json"]);
    let requests = requests.as_array().unwrap();

    let (a, b, c) = (path("a.jsonl"), path("b.jsonl"), path("c.jsonl"));
    let out = ok(&["export", "--db", &lite, &a]);
    assert!(out.contains("exported") && out.contains("risk_param"), "{out}");
    ok(&["restore", "--db", &pg.url, &a]);
    ok(&["export", "--db", &pg.url, &b]);
    let back = path("c.db");
    ok(&["restore", "--db", &back, &b]);
    ok(&["export", "--db", &back, &c]);
    let (a_bytes, b_bytes, c_bytes) =
        (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), std::fs::read(&c).unwrap());
    assert!(a_bytes == b_bytes, "the PostgreSQL archive differs from the SQLite one");
    assert!(a_bytes == c_bytes, "the archive of the database moved back differs");

    // The archive holds what was added, counted as the stores count it.
    let n = counts(&a_bytes);
    let stages = std::fs::read_to_string(willems("stages.csv")).unwrap();
    let chain8 = stages.lines().filter(|l| l.starts_with("8,") || l.starts_with("08,")).count() as u64;
    assert!(chain8 > 0 && n["risk_param"] == chain8, "{} risk rows for {chain8} stages of chain 8", n["risk_param"]);
    assert!(n["app_user"] >= 2 && n["delivery"] == 1 && n["allocation_request"] == requests.len() as u64, "{n:?}");
    assert_eq!(n["enterprise"], total(&back));
    // Both moved databases answer as the original.
    for args in [
        vec!["chains", "--format", "json"],
        vec!["request", "list", "--demand", "2", "--format", "json"],
        vec!["demand", "list", "--format", "json"],
        vec!["analyze", "automotive", "--format", "json"],
        vec!["risk", "--chain", "willems-08", "--format", "json"],
    ] {
        let run = |db: &str| {
            let mut full = vec![args[0]];
            if args[0] == "request" || args[0] == "demand" {
                full.push(args[1]);
                full.extend(["--db", db]);
                full.extend(&args[2..]);
            } else {
                full.extend(["--db", db]);
                full.extend(&args[1..]);
            }
            let mut v = json(&full);
            // How long the solver took is no part of the answer.
            if let Some(o) = v.as_object_mut() {
                o.remove("seconds");
            }
            v
        };
        assert_eq!(run(&pg.url), run(&lite), "{args:?} on PostgreSQL");
        assert_eq!(run(&back), run(&lite), "{args:?} on the SQLite copy");
    }
    // The accounts log in with their passwords: the hashes moved.
    let users = ok(&["user", "list", "--db", &pg.url]);
    assert!(users.contains("gwm") && users.contains("li"), "{users}");

    // Refusals: a database that is not empty; a truncated archive, which leaves a new database empty; an
    // archive given to `import`.
    let e = failing(&["restore", "--db", &pg.url, &a]);
    assert!(e.contains("not empty"), "{e}");
    let cut = path("cut.jsonl");
    std::fs::write(&cut, &a_bytes[..a_bytes.len() - 200]).unwrap();
    let fresh = path("fresh.db");
    let e = failing(&["restore", "--db", &fresh, &cut]);
    assert!(e.contains("line") || e.contains("truncated"), "{e}");
    assert_eq!(total(&fresh), 0, "a refused restore writes nothing");
    let e = failing(&["import", "--db", &fresh, &a]);
    assert!(e.contains("chaindock restore"), "{e}");
}
