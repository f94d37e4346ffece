//! Risk exposure and disruption scenarios over HTTP: a chain's nodes ranked by REI with private fields
//! hidden by role, parameters set by the department and seen on the next read, a Tangshan lockdown;
//! bad input named by field.

use serde_json::{Value, json};

use crate::app::{App, GWM, assert_error, json};

fn nodes(view: &Value) -> &Vec<Value> {
    view["nodes"].as_array().unwrap()
}

api_test! {
    async fn a_chains_nodes_are_ranked_by_rei_with_private_fields_by_role(backend) {
        let app = App::start(backend).await;
        let analyst = app.login("analyst").await;
        let (st, v) = json(analyst.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["chain"], "automotive");
        assert!(v["chain_name"].as_str().is_some_and(|n| !n.is_empty()), "{}", v["chain_name"]);
        assert!(v["solver"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(v["can_edit"], true);
        let ns = nodes(&v);
        assert!(ns.len() > 5, "{} nodes", ns.len());
        assert_eq!(ns[0]["rank"], 1);
        assert!((ns[0]["rei"].as_f64().unwrap() - 1.0).abs() < 1e-9, "{}", ns[0]);
        let mut last = f64::INFINITY;
        for (i, n) in ns.iter().enumerate() {
            assert_eq!(n["rank"], i + 1, "{n}");
            let (pi, rei) = (n["pi"].as_f64().unwrap(), n["rei"].as_f64().unwrap());
            assert!(pi >= 0.0 && (0.0..=1.0 + 1e-9).contains(&rei), "{n}");
            assert!(rei <= last + 1e-9, "not ranked by REI at {n}");
            last = rei;
            assert!(n["node"].as_str().unwrap().contains(':'), "{n}");
            assert!(n["d"].is_number() && n["s"].is_number() && n["c"].is_number(), "staff see everything: {n}");
            assert_eq!(n["stored"], false, "the demo stores no parameters: {n}");
            assert!(n["link_name"].is_string() && n["unit"].is_string() && n["city_name"].is_string(), "{n}");
        }
        assert!(!v["edges"].as_array().unwrap().is_empty());
        let e = &v["edges"][0];
        assert!(e["supplier"].is_string() && e["buyer"].is_string() && e["input"].is_string() && e["r"].is_number());

        // An expert sees the ranking but no enterprise's demand, inventory or capacity, and may not edit.
        let expert = app.login("expert").await;
        let (st, x) = json(expert.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(st, 200, "{x}");
        assert_eq!(x["can_edit"], false);
        assert_eq!(nodes(&x).len(), ns.len());
        for (a, b) in nodes(&x).iter().zip(ns) {
            assert_eq!((&a["node"], &a["pi"], &a["ttr_days"]), (&b["node"], &b["pi"], &b["ttr_days"]));
            assert!(a["c"].is_null() && a["d"].is_null() && a["s"].is_null(), "hidden from an expert: {a}");
        }
        // An enterprise user sees its own sites' capacities only.
        let gwm = app.login("gwm").await;
        let (st, g) = json(gwm.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(st, 200, "{g}");
        assert!(nodes(&g).iter().any(|n| n["enterprise"] == GWM), "GWM makes something of the automotive chain");
        for n in nodes(&g) {
            assert_eq!(n["c"].is_number(), n["enterprise"] == GWM, "{n}");
        }

        let (st, b) = json(analyst.get("/api/chains/no-such-chain/risk").send().await.unwrap()).await;
        assert_error(st, &b, 404, "not_found");
        let (st, b) = json(app.anon().get(app.url("/api/chains/automotive/risk")).send().await.unwrap()).await;
        assert_error(st, &b, 401, "unauthorized");
    }
}

api_test! {
    async fn the_department_sets_a_nodes_parameters_and_the_next_read_shows_them(backend) {
        let app = App::start(backend).await;
        let analyst = app.login("analyst").await;
        let (_, v) = json(analyst.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        let node = nodes(&v).last().unwrap()["node"].as_str().unwrap().to_string();
        let path = format!("/api/chains/automotive/risk/nodes/{node}");
        let (st, p) = json(analyst.put(&path).json(&json!({ "ttr": 42.5, "s": 10 })).send().await.unwrap()).await;
        assert_eq!(st, 200, "{p}");
        assert_eq!((p["ttr"].as_f64(), p["stored"].as_bool()), (Some(42.5), Some(true)), "{p}");

        let (st, v) = json(analyst.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(st, 200, "{v}");
        let n = nodes(&v).iter().find(|n| n["node"] == node).unwrap();
        assert_eq!(n["ttr_days"].as_f64(), Some(42.5), "{n}");
        assert_eq!(n["s"].as_f64(), Some(10.0), "{n}");
        assert_eq!(n["stored"], true, "{n}");
        assert_eq!(nodes(&v).iter().filter(|n| n["stored"] == true).count(), 1);
        // The expert's cached view is dropped too.
        let expert = app.login("expert").await;
        let (_, x) = json(expert.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(nodes(&x).iter().find(|n| n["node"] == node).unwrap()["ttr_days"].as_f64(), Some(42.5));
        let audit = app.store.audit(5).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "risk.set" && a.username.as_deref() == Some("analyst")), "{audit:?}");

        // Bad numbers are named; nothing is written.
        for (body, field) in [
            (json!({ "ttr": -1 }), "ttr"),
            (json!({ "f": -0.5 }), "f"),
            (json!({ "d": -3, "ttr": 1 }), "d"),
            (json!({ "s": "many" }), "s"),
        ] {
            let (st, b) = json(analyst.put(&path).json(&body).send().await.unwrap()).await;
            assert_error(st, &b, 422, "invalid");
            assert_eq!(b["field"], field, "{body}: {b}");
        }
        let (_, v) = json(analyst.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert_eq!(nodes(&v).iter().find(|n| n["node"] == node).unwrap()["ttr_days"].as_f64(), Some(42.5));

        // {} goes back to the defaults.
        let (st, p) = json(analyst.put(&path).json(&json!({})).send().await.unwrap()).await;
        assert_eq!((st, &p["stored"]), (200, &json!(false)), "{p}");
        let (_, v) = json(analyst.get("/api/chains/automotive/risk").send().await.unwrap()).await;
        assert!(nodes(&v).iter().all(|n| n["stored"] == false));

        // Unknown chains and nodes; other roles; no CSRF token.
        for p in [
            "/api/chains/no-such-chain/risk/nodes/x:y".to_string(),
            "/api/chains/automotive/risk/nodes/nonsense".to_string(),
            format!("/api/chains/automotive/risk/nodes/{GWM}:no-such-link"),
            "/api/chains/automotive/risk/nodes/91110000000000000X:vehicle".to_string(),
        ] {
            let (st, b) = json(analyst.put(&p).json(&json!({ "ttr": 1 })).send().await.unwrap()).await;
            assert_error(st, &b, 404, "not_found");
        }
        for who in ["expert", "gwm"] {
            let s = app.login(who).await;
            let (st, b) = json(s.put(&path).json(&json!({ "ttr": 1 })).send().await.unwrap()).await;
            assert_error(st, &b, 403, "forbidden");
        }
        let r = analyst.client.put(app.url(&path)).json(&json!({ "ttr": 1 })).send().await.unwrap();
        let (st, b) = json(r).await;
        assert_error(st, &b, 403, "csrf");
    }
}

api_test! {
    async fn a_tangshan_lockdown_stops_tangshan_sites_and_bad_scenarios_name_the_field(backend) {
        let app = App::start(backend).await;
        let expert = app.login("expert").await;
        let body = json!({ "chain": "automotive", "lockdown": ["130200"], "stop": [], "cut": [], "days": 14 });
        let (st, r) = json(expert.post("/api/simulate").json(&body).send().await.unwrap()).await;
        assert_eq!(st, 200, "{r}");
        assert_eq!((r["days"].as_f64(), r["start"].as_f64(), r["end"].as_f64()), (Some(14.0), Some(0.0), Some(14.0)));
        let disrupted = r["disrupted"].as_array().unwrap();
        assert!(!disrupted.is_empty(), "the demo has automotive sites in Tangshan: {r}");
        for n in disrupted {
            let region = n["region"].as_u64().unwrap();
            assert_eq!(region / 100, 1302, "{n}");
            assert_eq!(n["city"], "唐山市", "{n}");
            assert_eq!(n["chain"], "automotive", "{n}");
        }
        let lost = &r["lost"];
        assert!(lost["total"].as_f64().unwrap() >= 0.0 && lost["caused"].as_f64().unwrap() >= 0.0, "{lost}");
        assert!(lost["by_product"].is_array() && lost["by_enterprise"].is_array());
        assert!(r["tiers"].is_array() && r["alternatives"].is_array() && r["warnings"].is_array());
        for t in r["tiers"].as_array().unwrap() {
            assert!(t["tier"].as_u64().unwrap() >= 1, "{t}");
        }
        // The same by name, a number for the code, over every chain.
        let by_name = json!({ "lockdown": ["唐山市"], "days": 14 });
        let (st, all) = json(expert.post("/api/simulate").json(&by_name).send().await.unwrap()).await;
        assert_eq!(st, 200, "{all}");
        assert!(all["disrupted"].as_array().unwrap().len() >= disrupted.len());
        let (st, n) = json(
            expert
                .post("/api/simulate")
                .json(&json!({ "chain": "automotive", "lockdown": [130200], "days": 14 }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((st, n["disrupted"].as_array().map(Vec::len)), (200, Some(disrupted.len())), "{n}");
        // Without the loss programme: the same sites, tiers, days and alternatives, and `lost` null; an
        // explicit `"loss": true` is the default.
        let mut no_loss = body.clone();
        no_loss["loss"] = json!(false);
        let (st, q) = json(expert.post("/api/simulate").json(&no_loss).send().await.unwrap()).await;
        assert_eq!(st, 200, "{q}");
        assert!(q["lost"].is_null(), "{}", q["lost"]);
        assert!(!r["tiers"].as_array().unwrap().is_empty(), "Tangshan's automotive sites have buyers: {r}");
        for k in ["disrupted", "tiers", "alternatives"] {
            assert_eq!(q[k], r[k], "{k}");
        }
        no_loss["loss"] = json!(true);
        let (st, y) = json(expert.post("/api/simulate").json(&no_loss).send().await.unwrap()).await;
        assert_eq!((st, &y["lost"]), (200, &r["lost"]));

        let with = |k: &str, v: Value| {
            let mut b = body.clone();
            b[k] = v;
            b
        };
        for (bad, field) in [
            (with("days", json!(0)), "days"),
            (with("days", json!(-3)), "days"),
            (with("start", json!(-1)), "start"),
            (with("lockdown", json!(["火星"])), "lockdown"),
            (with("lockdown", json!([])), "lockdown"),
            (
                {
                    let mut b = with("lockdown", json!([]));
                    b["stop"] = json!(["not-a-code"]);
                    b
                },
                "stop",
            ),
            (
                {
                    let mut b = with("lockdown", json!([]));
                    b["cut"] = json!(["no-such-link"]);
                    b
                },
                "cut",
            ),
            (with("chain", json!("no-such-chain")), "chain"),
        ] {
            let (st, b) = json(expert.post("/api/simulate").json(&bad).send().await.unwrap()).await;
            assert_error(st, &b, 422, "invalid");
            assert_eq!(b["field"], field, "{bad}: {b}");
        }
        // Stopping one enterprise works too.
        let (st, g) = json(
            expert
                .post("/api/simulate")
                .json(&json!({ "chain": "automotive", "stop": [GWM], "days": 7 }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{g}");
        assert!(g["disrupted"].as_array().unwrap().iter().all(|n| n["enterprise"] == GWM), "{g}");
        // No CSRF token, no simulation.
        let r = expert.client.post(app.url("/api/simulate")).json(&body).send().await.unwrap();
        let (st, b) = json(r).await;
        assert_error(st, &b, 403, "csrf");
    }
}
