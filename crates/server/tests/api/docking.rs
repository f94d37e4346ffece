//! Docking over HTTP: posting demands with bad input, candidates, a plan sent as requests, a supplier's
//! answer, deliveries and the KPIs; who may do which.

use serde_json::{Value, json};

use crate::app::{App, BOE, Backend, assert_error, json};

async fn with_story(backend: Backend) -> App {
    let app = App::start(backend).await;
    let today = chrono::Utc::now().date_naive();
    chaindock_engine::embedded::load_demo_docking(app.store.as_ref(), today).await.unwrap();
    app
}

fn due(days: u64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(days)).to_string()
}

api_test! {
    async fn demands_are_validated_field_by_field(backend) {
        let app = with_story(backend).await;
        let s = app.login("analyst").await;
        let base = json!({ "buyer": "911101145869397430", "product": "冲焊总成件", "quantity": "1.1万件",
            "due": due(10), "deliver_to": "北京市昌平区", "priority": 1 });
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let yesterday = (chrono::Utc::now().date_naive() - chrono::Days::new(1)).to_string();
        for (body, field) in [
            (with("quantity", json!("很多")), "quantity"),
            (with("quantity", json!("5吨")), "quantity"),
            (with("due", json!(yesterday)), "due"),
            (with("buyer", json!("91130200MA0000001X")), "buyer"),
            (with("product", json!("火箭")), "product"),
            (with("deliver_to", json!("火星")), "deliver_to"),
            (with("priority", json!(9)), "priority"),
        ] {
            let (st, b) = json(s.post("/api/demands").json(&body).send().await.unwrap()).await;
            assert_eq!(st, 422, "{body}: {b}");
            assert_eq!(b["field"], field, "{body}: {b}");
        }
        let before = app.store.demands(&Default::default()).await.unwrap().len();
        let (st, d) = json(s.post("/api/demands").json(&base).send().await.unwrap()).await;
        assert_eq!(st, 201, "{d}");
        assert_eq!(d["quantity"], 11_000);
        assert_eq!(app.store.demands(&Default::default()).await.unwrap().len(), before + 1);
        // An enterprise user posts for itself only.
        let boe = app.login("boe").await;
        let (st, b) = json(boe.post("/api/demands").json(&base).send().await.unwrap()).await;
        assert_error(st, &b, 403, "forbidden");
        let own = json!({ "buyer": BOE, "product": "display-panels/epe-foam", "quantity": "10万", "due": due(9), "deliver_to": "110105" });
        let (st, b) = json(boe.post("/api/demands").json(&own).send().await.unwrap()).await;
        assert_eq!(st, 201, "{b}");
        // Offers name their wrong field too.
        let offer = json!({ "supplier": BOE, "product": "display-panels/epe-foam", "quantity": "1000",
            "available_from": due(0), "available_until": due(5), "unit_price": 1.0, "lead_time_days": 1 });
        let with_offer = |k: &str, v: Value| {
            let mut b = offer.clone();
            b[k] = v;
            b
        };
        for (body, field) in [
            (with_offer("unit_price", json!(-1.0)), "unit_price"),
            (
                {
                    let mut b = with_offer("available_from", json!(due(6)));
                    b["available_until"] = json!(due(2));
                    b
                },
                "available_until",
            ),
            (with_offer("lead_time_days", json!(400)), "lead_time_days"),
            (with_offer("quantity", json!("一些")), "quantity"),
        ] {
            let (st, b) = json(boe.post("/api/offers").json(&body).send().await.unwrap()).await;
            assert_eq!((st, b["field"].as_str()), (422, Some(field)), "{body}: {b}");
        }
        let (st, b) = json(boe.post("/api/offers").json(&offer).send().await.unwrap()).await;
        assert_eq!(st, 201, "{b}");
    }
}

api_test! {
    async fn a_plan_becomes_requests_that_suppliers_answer_and_deliver(backend) {
        let app = with_story(backend).await;
        let analyst = app.login("analyst").await;
        let (st, c) = json(analyst.get("/api/demands/1/candidates").send().await.unwrap()).await;
        assert_eq!(st, 200, "{c}");
        let cands = c["candidates"].as_array().unwrap();
        assert!(cands.len() >= 4);
        assert!(cands.iter().all(|x| !x["region"].as_str().unwrap().starts_with("1302")), "Tangshan is locked down");
        // Text finds what the link does not: a workshop named for the product that makes no chain link, but
        // not one in locked-down Tangshan; none of them is a candidate already.
        for (n, name, region) in [(31, "保定市冲焊总成件加工厂", "130606"), (32, "唐山冲焊总成件加工厂", "130203")]
        {
            let body = json!({ "credit_code": crate::authz::code(n), "name": name, "region": region });
            assert_eq!(json(analyst.post("/api/enterprises").json(&body).send().await.unwrap()).await.0, 201);
        }
        let (_, c) = json(analyst.get("/api/demands/1/candidates").send().await.unwrap()).await;
        let text: Vec<&str> = c["found_by_text"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(text.contains(&"保定市冲焊总成件加工厂"), "{text:?}");
        assert!(!text.contains(&"唐山冲焊总成件加工厂"), "{text:?}");
        let cands = c["candidates"].as_array().unwrap();
        for t in c["found_by_text"].as_array().unwrap() {
            assert!(!cands.iter().any(|x| x["supplier"] == t["credit_code"]), "{t}");
            assert!(!t["region"].as_str().unwrap().starts_with("1302"), "{t}");
        }
        for w in cands.windows(2) {
            assert!(w[0]["score"]["total"].as_f64() >= w[1]["score"]["total"].as_f64(), "ranked");
        }
        let expert = app.login("expert").await;
        let (st, b) = json(expert.post("/api/plan").json(&json!({ "demands": [1] })).send().await.unwrap()).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) =
            json(analyst.post("/api/plan").json(&json!({ "demands": [1], "share_cap": 1.5 })).send().await.unwrap()).await;
        assert_error(st, &b, 422, "invalid");
        assert_eq!(b["field"], "share_cap");
        let (st, b) = json(analyst.post("/api/plan").json(&json!({ "demands": [999] })).send().await.unwrap()).await;
        assert_error(st, &b, 404, "not_found");

        let (st, p) =
            json(analyst.post("/api/plan").json(&json!({ "demands": [1], "send": true })).send().await.unwrap()).await;
        assert_eq!(st, 200, "{p}");
        // The objective is the export form's: recompute it from the instance and the lines.
        let inst = &p["instance"];
        let mut objective = 0.0;
        for l in p["plan"]["lines"].as_array().unwrap() {
            let arc = inst["arcs"].as_array().unwrap().iter().find(|a| a["supplier"] == l["supplier"]).unwrap();
            assert!(l["quantity"].as_u64() <= arc["max_quantity"].as_u64());
            objective += arc["unit_cost"].as_f64().unwrap() * l["quantity"].as_f64().unwrap();
        }
        objective +=
            inst["demands"][0]["unmet_penalty"].as_f64().unwrap() * p["plan"]["demands"][0]["unmet"].as_f64().unwrap();
        assert!((objective - p["plan"]["objective"].as_f64().unwrap()).abs() < 1e-6 * objective);
        let sent = p["sent"].as_array().unwrap();
        assert_eq!(sent.len(), p["plan"]["lines"].as_array().unwrap().len());

        // An account for the first supplier answers its request; another enterprise may not.
        let supplier = sent[0]["supplier"].as_str().unwrap();
        let admin = app.login("admin").await;
        let (st, _) = json(
            admin
                .post("/api/users")
                .json(
                    &json!({ "username": "s1", "password": "supplier-pass", "role": "enterprise", "enterprise": supplier }),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(st, 201);
        let c = app.anon();
        let (_, me) = json(
            c.post(app.url("/api/login"))
                .json(&json!({ "username": "s1", "password": "supplier-pass" }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let csrf = me["csrf_token"].as_str().unwrap().to_string();
        let id = sent[0]["id"].as_i64().unwrap();
        let gwm = app.login("gwm").await;
        if supplier != crate::app::GWM {
            let (st, b) = json(
                gwm.post(&format!("/api/requests/{id}/answer")).json(&json!({ "accept": true })).send().await.unwrap(),
            )
            .await;
            assert_error(st, &b, 403, "forbidden");
        }
        let answer =
            |body: Value| c.post(app.url(&format!("/api/requests/{id}/answer"))).header("X-CSRF-Token", &csrf).json(&body);
        let (st, b) = json(answer(json!({ "accept": false })).send().await.unwrap()).await;
        assert_error(st, &b, 422, "invalid");
        assert_eq!(b["field"], "reason");
        let (st, r) = json(answer(json!({ "accept": true })).send().await.unwrap()).await;
        assert_eq!((st, r["request"]["status"].as_str()), (200, Some("accepted")), "{r}");
        assert!(r["replan"].is_null() && r["replan_summary"].is_null() && r["replan_error"].is_null(), "{r}");
        let r = &r["request"];
        let (st, b) = json(answer(json!({ "accept": true })).send().await.unwrap()).await;
        assert_error(st, &b, 409, "conflict");
        // The supplier sees its request; an unrelated enterprise sees none of demand 1's.
        let (_, mine) = json(c.get(app.url("/api/requests")).send().await.unwrap()).await;
        assert!(mine.as_array().unwrap().iter().all(|r| r["supplier"] == supplier));
        let (_, theirs) = json(gwm.get("/api/requests?demand=1").send().await.unwrap()).await;
        assert!(theirs.as_array().unwrap().iter().all(|r| r["supplier"] == crate::app::GWM), "{theirs}");
        // Deliveries: not more than was accepted.
        let q = r["quantity"].as_u64().unwrap();
        let deliver = |n: u64| {
            c.post(app.url(&format!("/api/requests/{id}/deliveries")))
                .header("X-CSRF-Token", &csrf)
                .json(&json!({ "quantity": n }))
        };
        let (st, b) = json(deliver(q + 1).send().await.unwrap()).await;
        assert_error(st, &b, 422, "invalid");
        let (st, _) = json(deliver(q).send().await.unwrap()).await;
        assert_eq!(st, 201);
        let (_, k) = json(analyst.get("/api/docking/kpis").send().await.unwrap()).await;
        assert_eq!(k["units_delivered"], q);
        assert_eq!(k["enterprises_engaged"], 1);
        assert_eq!(k["requests_pending"], sent.len() as u64 - 1);
        let (_, detail) = json(analyst.get("/api/demands/1").send().await.unwrap()).await;
        assert_eq!(detail["demand"]["status"], "planned");
    }
}

/// The suppliers of `requests` (JSON), as strings.
fn suppliers(requests: &[Value]) -> Vec<String> {
    requests.iter().map(|r| r["supplier"].as_str().unwrap().to_string()).collect()
}

api_test! {
    async fn a_decline_replans_the_shortfall_at_once_among_suppliers_not_asked_before(backend) {
        let app = with_story(backend).await;
        let analyst = app.login("analyst").await;
        // Demand 1 (11,000, Tangshan excluded) sent with Beijing and Tianjin locked down too.
        let body = json!({ "demands": [1], "send": true, "exclude_regions": ["110000", "天津市"] });
        let (st, p) = json(analyst.post("/api/plan").json(&body).send().await.unwrap()).await;
        assert_eq!(st, 200, "{p}");
        let sent = p["sent"].as_array().unwrap().clone();
        assert!(sent.len() >= 3, "{p}");
        let (_, detail) = json(analyst.get("/api/demands/1").send().await.unwrap()).await;
        let quantity = detail["demand"]["quantity"].as_u64().unwrap();
        assert_eq!(quantity, 11_000);
        assert_eq!(detail["demand"]["excluded_regions"], json!(["130200", "110000", "120000"]), "the lockdown is kept");
        let cap = (0.3 * quantity as f64).floor() as u64;
        let asked = suppliers(&sent);

        // "replan": false only declines.
        let answer = |id: &Value, body: Value| analyst.post(&format!("/api/requests/{id}/answer")).json(&body);
        let (st, b) =
            json(answer(&sent[0]["id"], json!({ "accept": false, "reason": "满产", "replan": false })).send().await.unwrap()).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!((b["request"]["status"].as_str(), b["request"]["reason"].as_str()), (Some("declined"), Some("满产")));
        assert!(b["replan"].is_null() && b["replan_summary"].is_null() && b["replan_error"].is_null(), "{b}");
        let (_, listed) = json(analyst.get("/api/requests?demand=1").send().await.unwrap()).await;
        assert_eq!(listed.as_array().unwrap().len(), sent.len(), "no new request");

        // The second decline re-plans: the shortfall is the quantity less the other pending requests (the
        // first decline's units included).
        let others = &sent[2..];
        let pending: u64 = others.iter().map(|r| r["quantity"].as_u64().unwrap()).sum();
        let (st, b) = json(answer(&sent[1]["id"], json!({ "accept": false, "reason": "设备检修" })).send().await.unwrap()).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(b["request"]["status"], "declined");
        assert!(b["replan_error"].is_null(), "{b}");
        let replan = &b["replan"];
        let shortfall = quantity - pending;
        assert_eq!(replan["shortfall"], shortfall, "{replan}");
        let mut left_out: Vec<String> =
            replan["asked"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
        left_out.sort();
        let mut expected = asked.clone();
        expected.sort();
        assert_eq!(left_out, expected, "every supplier asked is left out");
        let new = replan["sent"].as_array().unwrap();
        assert!(!new.is_empty(), "someone not asked before takes part of the shortfall: {replan}");
        for r in new {
            assert_eq!(r["status"], "pending");
            assert!(!asked.contains(&r["supplier"].as_str().unwrap().to_string()), "asked before: {r}");
            assert!(r["quantity"].as_u64().unwrap() <= cap, "more than 30% of the whole demand: {r}");
            let code = chaindock_model::CreditCode::parse(r["supplier"].as_str().unwrap()).unwrap();
            let region = app.store.enterprise(&code).await.unwrap().region.to_string();
            assert!(!["11", "12", "1302"].iter().any(|p| region.starts_with(p)), "{r} lies in locked-down {region}");
        }
        let outcome = &replan["plan"]["demands"][0];
        let taken: u64 = new.iter().map(|r| r["quantity"].as_u64().unwrap()).sum();
        let unmet = outcome["unmet"].as_u64().unwrap();
        assert_eq!(taken + unmet, shortfall, "{outcome}");
        if unmet > 0 {
            assert!(outcome["unmet_reason"].as_str().is_some_and(|r| !r.is_empty()), "{outcome}");
        }
        assert_eq!(
            b["replan_summary"],
            json!({ "demand": 1, "shortfall": shortfall, "allocated": taken, "requests": new.len(), "unmet": unmet,
                "unmet_reason": outcome["unmet_reason"] })
        );

        // Optimal: the instance holds only suppliers not asked, each capped at 30% of 11,000, and an
        // independent solver (successive shortest paths) finds the same objective.
        let instance: chaindock_alloc::Instance = serde_json::from_value(replan["instance"].clone()).unwrap();
        assert_eq!(instance.demands[0].quantity, shortfall);
        assert!(instance.arcs.iter().all(|a| a.max_quantity <= cap && !asked.contains(&a.supplier)), "{instance:?}");
        let flow = chaindock_alloc::solve_min_cost_flow(&instance).unwrap();
        let objective = replan["plan"]["objective"].as_f64().unwrap();
        assert!((flow.objective - objective).abs() <= 1e-6 * objective.max(1.0), "flow {} vs {objective}", flow.objective);

        // The other requests are untouched: same ids, same quantities, still pending.
        let (_, listed) = json(analyst.get("/api/requests?demand=1").send().await.unwrap()).await;
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), sent.len() + new.len());
        for r in others {
            let now = listed.iter().find(|x| x["id"] == r["id"]).unwrap();
            assert_eq!((now["status"].as_str(), &now["quantity"]), (Some("pending"), &r["quantity"]), "{now}");
        }
        let log = app.store.audit(20).await.unwrap();
        assert!(log.iter().any(|a| a.action == "requests.replan" && a.target == "demand:1"), "{log:?}");
    }
}

api_test! {
    async fn a_supplier_that_declines_sees_what_the_replan_did_but_not_the_plan(backend) {
        let app = with_story(backend).await;
        let analyst = app.login("analyst").await;
        let (st, p) = json(analyst.post("/api/plan").json(&json!({ "demands": [2], "send": true })).send().await.unwrap()).await;
        assert_eq!(st, 200, "{p}");
        let r = &p["sent"][0];
        let supplier = r["supplier"].as_str().unwrap();
        let admin = app.login("admin").await;
        let user = json!({ "username": "s2", "password": crate::app::password("s2"), "role": "enterprise", "enterprise": supplier });
        assert_eq!(json(admin.post("/api/users").json(&user).send().await.unwrap()).await.0, 201);
        let s = app.login("s2").await;
        let (st, b) = json(
            s.post(&format!("/api/requests/{}/answer", r["id"])).json(&json!({ "accept": false, "reason": "停产" })).send().await.unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{b}");
        assert!(b["replan"].is_null(), "a supplier sees no one else's plan: {b}");
        let summary = &b["replan_summary"];
        assert_eq!(summary["shortfall"], r["quantity"], "{b}");
        assert_eq!(
            summary["allocated"].as_u64().unwrap() + summary["unmet"].as_u64().unwrap(),
            r["quantity"].as_u64().unwrap()
        );
        let (_, listed) = json(analyst.get("/api/requests?demand=2").send().await.unwrap()).await;
        let sent_after = listed.as_array().unwrap().len() - p["sent"].as_array().unwrap().len();
        assert_eq!(summary["requests"].as_u64().unwrap() as usize, sent_after);
    }
}
