//! Two servers on one PostgreSQL database, each with its own store (connection pool), caches and search
//! index, as two `chaindock serve` processes behind a load balancer: a write through one is seen through
//! the other — in reads, in cached analyses, risk views and dashboards, in search results, in sessions — and two
//! edits of one enterprise from the same version end in one 200 and one 409.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::app::{App, Backend, GWM, Session, assert_error, json};
use crate::authz::input_of;

/// Poll `get` until `ok` holds of its body, for at most five seconds (the change feed's bound here).
async fn eventually(what: &str, s: &Session, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (st, body) = json(s.get(path).send().await.unwrap()).await;
        assert_eq!(st, 200, "{path}: {body}");
        if ok(&body) {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{what}: still not seen after 5 s: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_through_one_server_reach_the_others_caches_search_and_sessions() {
    let a = App::start(Backend::Postgres).await;
    let b = App::second(&a).await;
    let on_a = a.login("analyst").await;
    let on_b = b.login("analyst").await;

    // B caches the dashboard and an analysis.
    let (_, dash) = json(on_b.get("/api/dashboard?scope=hebei").send().await.unwrap()).await;
    let (_, analysis) = json(on_b.get("/api/chains/automotive/analysis?scope=hebei").send().await.unwrap()).await;
    let (_, again) = json(on_b.get("/api/dashboard?scope=hebei").send().await.unwrap()).await;
    assert_eq!(dash, again);

    // A new enterprise through A, making nothing yet: B's dashboard counts it and B's search finds it.
    let code = crate::authz::code(7001);
    let (st, body) = json(
        on_a.post("/api/enterprises")
            .json(&json!({ "credit_code": code, "name": "唐山共享测试钢管有限公司", "region": "130203" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 201, "{body}");
    let before = dash.clone();
    eventually("B's cached dashboard", &on_b, "/api/dashboard?scope=hebei", |d| *d != before).await;
    eventually("B's search index", &on_b, "/api/enterprises?q=共享测试钢管", |q| {
        q["items"].as_array().unwrap().iter().any(|e| e["credit_code"] == code)
    })
    .await;

    // An import through A that adds a producer to the automotive chain changes B's cached analysis.
    let csv = format!("credit_code,chain,link,capacity_per_day,unit\n{code},automotive,steel-sheet,123456,吨\n");
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("producers.csv"));
    let r = on_a.post("/api/import?commit=true").multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let old = analysis.clone();
    eventually("B's cached analysis", &on_b, "/api/chains/automotive/analysis?scope=hebei", |x| *x != old).await;

    // Both servers read GWM at one version; A saves first, B's save of the stale copy is a 409.
    let (_, view_a) = json(on_a.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
    let (_, view_b) = json(on_b.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
    assert_eq!(view_a["version"], view_b["version"]);
    let mut edit_a = input_of(&view_a);
    edit_a["description"] = json!("A 的修改");
    let mut edit_b = input_of(&view_b);
    edit_b["description"] = json!("B 的修改");
    let (st, saved) = json(on_a.put(&format!("/api/enterprises/{GWM}")).json(&edit_a).send().await.unwrap()).await;
    assert_eq!(st, 200, "{saved}");
    let (st, refused) = json(on_b.put(&format!("/api/enterprises/{GWM}")).json(&edit_b).send().await.unwrap()).await;
    assert_error(st, &refused, 409, "conflict");
    let (_, now) = json(on_b.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
    assert_eq!(now["description"], "A 的修改");
    assert_eq!(now["version"], saved["version"]);

    // A risk parameter set through A changes B's cached risk view of the chain.
    let (st, view) = json(on_b.get("/api/chains/automotive/risk").send().await.unwrap()).await;
    assert_eq!(st, 200, "{view}");
    let node = view["nodes"].as_array().unwrap().last().unwrap()["node"].as_str().unwrap().to_string();
    let (_, cached) = json(on_b.get("/api/chains/automotive/risk").send().await.unwrap()).await;
    assert_eq!(cached, view, "B serves its cached view");
    let path = format!("/api/chains/automotive/risk/nodes/{node}");
    let (st, set) = json(on_a.put(&path).json(&json!({ "ttr": 77.5 })).send().await.unwrap()).await;
    assert_eq!(st, 200, "{set}");
    eventually("B's cached risk view", &on_b, "/api/chains/automotive/risk", |v| {
        v["nodes"].as_array().unwrap().iter().any(|n| n["node"] == node.as_str() && n["ttr_days"] == 77.5)
    })
    .await;

    // A session is shared, and ending it through A ends it on B (B had it cached from the requests above).
    let (st, _) = json(on_b.get("/api/me").send().await.unwrap()).await;
    assert_eq!(st, 200);
    let cookie_jar_client = on_b.client.clone();
    let r = cookie_jar_client.post(a.url("/api/logout")).header("X-CSRF-Token", &on_b.csrf).send().await.unwrap();
    assert!(r.status().is_success(), "logout through A: {}", r.status());
    let started = Instant::now();
    loop {
        let st = on_b.get("/api/me").send().await.unwrap().status().as_u16();
        if st == 401 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "B still accepts the ended session ({st})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
