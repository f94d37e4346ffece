//! The registry: listing and filters, private fields, creating and editing with validation and
//! optimistic versions, the audit log, and the analysis with its cache.

use serde_json::{Value, json};

use crate::app::{App, BOE, GWM, assert_error, json};
use crate::authz::{code, input_of};

/// The demo enterprises file, read independently of the importer: (credit code, region code).
fn demo_rows() -> Vec<(String, String, bool)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/demo/enterprises.csv");
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (c, reg, lead) = (col("credit_code"), col("region"), col("leading"));
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (row[c].to_string(), row[reg].to_string(), &row[lead] == "1")
        })
        .collect()
}

api_test! {
    async fn the_list_filters_by_region_and_flags_and_pages(backend) {
        let app = App::start(backend).await;
        let s = app.login("expert").await;
        let rows = demo_rows();
        let tangshan_leading = rows.iter().filter(|(_, r, l)| r.starts_with("1302") && *l).count() as u64;
        assert!(tangshan_leading > 0);
        let (st, page) = json(s.get("/api/enterprises?region=130200&leading=true&limit=500").send().await.unwrap()).await;
        assert_eq!(st, 200);
        assert_eq!(page["total"], tangshan_leading);
        for e in page["items"].as_array().unwrap() {
            assert_eq!(e["region"]["city"]["code"], "130200", "{e}");
            assert_eq!(e["leading"], true);
            assert!(e.get("private").is_none(), "lists carry no private fields");
        }
        // A region by name resolves as on import.
        let (_, by_name) = json(s.get("/api/enterprises?region=唐山&leading=true&limit=500").send().await.unwrap()).await;
        assert_eq!(by_name["total"], tangshan_leading);
        // Pages tile the whole list.
        let total = rows.len() as u64;
        let mut seen = std::collections::HashSet::new();
        for offset in (0..total).step_by(100) {
            let (_, p) = json(s.get(&format!("/api/enterprises?offset={offset}&limit=100")).send().await.unwrap()).await;
            assert_eq!(p["total"], total);
            for e in p["items"].as_array().unwrap() {
                assert!(seen.insert(e["credit_code"].as_str().unwrap().to_string()), "{e} twice");
            }
        }
        assert_eq!(seen.len() as u64, total);
        // Search by an alias.
        let (_, q) = json(s.get("/api/enterprises?q=BOE").send().await.unwrap()).await;
        assert!(q["items"].as_array().unwrap().iter().any(|e| e["credit_code"] == BOE), "{q}");
        // Bad filters name the parameter.
        for (url, field, status) in [
            ("/api/enterprises?limit=501", "limit", 422),
            ("/api/enterprises?limit=ten", "limit", 400),
            ("/api/enterprises?region=火星", "region", 422),
            ("/api/enterprises?industry=9999", "industry", 422),
            ("/api/enterprises?leading=perhaps", "leading", 400),
        ] {
            let (st, b) = json(s.get(url).send().await.unwrap()).await;
            assert_eq!(st, status, "{url}: {b}");
            assert_eq!(b["field"], field, "{url}: {b}");
        }
    }
}

api_test! {
    async fn private_fields_are_for_the_enterprise_itself_and_the_department(backend) {
        let app = App::start(backend).await;
        // Give both enterprises contacts.
        let analyst = app.login("analyst").await;
        for c in [GWM, BOE] {
            let view: Value = analyst.get(&format!("/api/enterprises/{c}")).send().await.unwrap().json().await.unwrap();
            let mut body = input_of(&view);
            body["contact_person"] = json!("张工");
            body["contact_phone"] = json!("0312-1234567");
            let (st, b) = json(analyst.put(&format!("/api/enterprises/{c}")).json(&body).send().await.unwrap()).await;
            assert_eq!(st, 200, "{b}");
        }
        let gwm = app.login("gwm").await;
        let expert = app.login("expert").await;
        let (_, own) = json(gwm.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
        assert_eq!(own["private"]["contact_phone"], "0312-1234567");
        assert!(!own["private"]["capacities"].as_array().unwrap().is_empty(), "{own}");
        assert_eq!(own["can_edit"], true);
        let (_, other) = json(gwm.get(&format!("/api/enterprises/{BOE}")).send().await.unwrap()).await;
        assert!(other["private"].is_null(), "{other}");
        assert_eq!(other["can_edit"], false);
        assert!(!other["links"].as_array().unwrap().is_empty(), "which links it makes is public");
        let (_, seen_by_expert) = json(expert.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
        assert!(seen_by_expert["private"].is_null());
        let (_, seen_by_analyst) = json(analyst.get(&format!("/api/enterprises/{BOE}")).send().await.unwrap()).await;
        assert_eq!(seen_by_analyst["private"]["contact_person"], "张工");
        // The raw text of no response to GWM names BOE's phone.
        let text = gwm.get(&format!("/api/enterprises/{BOE}")).send().await.unwrap().text().await.unwrap();
        assert!(!text.contains("1234567"), "{text}");

        // In an analysis, per-enterprise capacities of others are blank for the enterprise user, its own are not.
        let (_, full) = json(analyst.get("/api/chains/automotive/analysis?scope=bth").send().await.unwrap()).await;
        let (_, redacted) = json(gwm.get("/api/chains/automotive/analysis?scope=bth").send().await.unwrap()).await;
        let producers = |a: &Value| -> Vec<(String, Value)> {
            a["links"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|l| l["leading_producers"].as_array().unwrap().clone())
                .map(|p| (p["credit_code"].as_str().unwrap().to_string(), p["capacity"].clone()))
                .collect()
        };
        let (f, r) = (producers(&full), producers(&redacted));
        assert_eq!(f.len(), r.len());
        assert!(f.iter().any(|(c, _)| c == GWM), "GWM leads some automotive link");
        for ((c, fc), (_, rc)) in f.iter().zip(&r) {
            assert!(fc.is_number());
            if c == GWM { assert_eq!(fc, rc) } else { assert!(rc.is_null(), "{c} capacity shown to gwm") }
        }
        // Link totals are the same for both.
        for (a, b) in full["links"].as_array().unwrap().iter().zip(redacted["links"].as_array().unwrap()) {
            assert_eq!(a["capacity_in_scope"], b["capacity_in_scope"]);
            assert_eq!(a["status"], b["status"]);
        }
    }
}

api_test! {
    async fn creating_validates_every_field_and_refuses_duplicates(backend) {
        let app = App::start(backend).await;
        let s = app.login("analyst").await;
        let before = app.store.stats().await.unwrap().enterprises;
        let good = json!({ "credit_code": code(1), "name": "唐山測試機械有限公司", "region": "唐山市路南区",
            "industry": "3670", "aliases": ["测试机械"], "contact_phone": "0315-2222333" });
        let cases = [
            (json!({ "credit_code": "91130200MA00000000", "name": "x", "region": "130203" }), 422, "credit_code"),
            (json!({ "credit_code": code(2), "name": "  ", "region": "130203" }), 422, "name"),
            (json!({ "credit_code": code(2), "name": "某公司", "region": "火星" }), 422, "region"),
            (json!({ "credit_code": code(2), "name": "某公司", "region": "130203", "industry": "99x" }), 422, "industry"),
            (
                json!({ "credit_code": code(2), "name": "某公司", "region": "130203", "location": {"lng": 2.0, "lat": 48.0} }),
                422,
                "location",
            ),
            (
                json!({ "credit_code": code(2), "name": "某公司", "region": "130203", "contact_phone": "call me" }),
                422,
                "contact_phone",
            ),
            (json!({ "credit_code": code(2), "name": "某公司", "region": "130203", "leading": "yes" }), 422, "leading"),
            (json!({ "credit_code": code(2), "name": "某公司", "region": "130203", "colour": "red" }), 422, "colour"),
            (json!({ "name": "某公司", "region": "130203" }), 422, "credit_code"),
        ];
        for (body, status, field) in cases {
            let (st, b) = json(s.post("/api/enterprises").json(&body).send().await.unwrap()).await;
            assert_error(st, &b, status, "invalid");
            assert_eq!(b["field"], field, "{body}: {b}");
        }
        let (st, b) = json(
            s.post("/api/enterprises").header("content-type", "application/json").body("{\"name\":").send().await.unwrap(),
        )
        .await;
        assert_error(st, &b, 400, "bad_request");
        assert_eq!(app.store.stats().await.unwrap().enterprises, before, "nothing was written");

        let (st, created) = json(s.post("/api/enterprises").json(&good).send().await.unwrap()).await;
        assert_eq!(st, 201, "{created}");
        assert_eq!(created["name"], "唐山测试机械有限公司", "normalised to Simplified");
        assert_eq!(created["region"]["code"], "130202");
        assert_eq!(created["version"], 1);
        let (st, b) = json(s.post("/api/enterprises").json(&good).send().await.unwrap()).await;
        assert_error(st, &b, 409, "conflict");
        assert_eq!(app.store.stats().await.unwrap().enterprises, before + 1);
        let (_, audit) = json(s.get("/api/audit?limit=5").send().await.unwrap()).await;
        let last = &audit[0];
        assert_eq!((last["action"].as_str(), last["username"].as_str()), (Some("enterprise.create"), Some("analyst")));
        assert_eq!(last["target"], format!("enterprise:{}", code(1)));
        // Without the CSRF header nothing is created.
        let (st, b) = json(
            s.client
                .post(app.url("/api/enterprises"))
                .json(&json!({ "credit_code": code(3), "name": "某公司", "region": "130203" }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(st, &b, 403, "csrf");
        let (st, b) = json(
            s.client
                .post(app.url("/api/enterprises"))
                .header("X-CSRF-Token", "forged")
                .json(&json!({ "credit_code": code(3), "name": "某公司", "region": "130203" }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(st, &b, 403, "csrf");
        assert_eq!(app.store.stats().await.unwrap().enterprises, before + 1);
    }
}

api_test! {
    async fn edits_are_versioned_and_enterprise_users_keep_off_official_fields(backend) {
        let app = App::start(backend).await;
        let gwm = app.login("gwm").await;
        let analyst = app.login("analyst").await;
        let (_, view) = json(gwm.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
        let v0 = view["version"].as_i64().unwrap();
        let mut body = input_of(&view);
        body["description"] = json!("整车、零部件");
        let (st, after) = json(gwm.put(&format!("/api/enterprises/{GWM}")).json(&body).send().await.unwrap()).await;
        assert_eq!(st, 200, "{after}");
        assert_eq!(after["version"], v0 + 1);
        assert_eq!(after["description"], "整车、零部件");
        // The analyst still holds v0: a stale edit is refused and changes nothing.
        let mut stale = body.clone();
        stale["description"] = json!("stale");
        let (st, b) = json(analyst.put(&format!("/api/enterprises/{GWM}")).json(&stale).send().await.unwrap()).await;
        assert_error(st, &b, 409, "conflict");
        let (_, now) = json(gwm.get(&format!("/api/enterprises/{GWM}")).send().await.unwrap()).await;
        assert_eq!(now["description"], "整车、零部件");
        // Official designations are the department's.
        let mut flags = input_of(&now);
        flags["leading"] = json!(false);
        let (st, b) = json(gwm.put(&format!("/api/enterprises/{GWM}")).json(&flags).send().await.unwrap()).await;
        assert_error(st, &b, 403, "forbidden");
        assert_eq!(b["field"], "leading");
        let (st, b) = json(analyst.put(&format!("/api/enterprises/{GWM}")).json(&flags).send().await.unwrap()).await;
        assert_eq!(st, 200, "{b}");
        assert_eq!(b["leading"], false);
        // Not its own: refused whatever the body.
        let (_, boe) = json(analyst.get(&format!("/api/enterprises/{BOE}")).send().await.unwrap()).await;
        let (st, b) = json(gwm.put(&format!("/api/enterprises/{BOE}")).json(&input_of(&boe)).send().await.unwrap()).await;
        assert_error(st, &b, 403, "forbidden");
        // Unknown and malformed codes.
        let (st, b) = json(analyst.get(&format!("/api/enterprises/{}", code(99))).send().await.unwrap()).await;
        assert_error(st, &b, 404, "not_found");
        let (st, b) = json(analyst.get("/api/enterprises/123").send().await.unwrap()).await;
        assert_error(st, &b, 422, "invalid");
        // The audit log says who changed what.
        let (_, audit) = json(analyst.get("/api/audit").send().await.unwrap()).await;
        let updates: Vec<&Value> =
            audit.as_array().unwrap().iter().filter(|e| e["action"] == "enterprise.update").collect();
        assert_eq!(updates.len(), 2, "{audit}");
        assert_eq!(updates[0]["username"], "analyst");
        assert_eq!(updates[0]["detail"]["leading"], json!([true, false]));
        assert_eq!(updates[1]["username"], "gwm");
        assert_eq!(updates[1]["detail"]["description"][1], "整车、零部件");
    }
}

api_test! {
    async fn the_analysis_is_the_engines_and_its_cache_follows_writes(backend) {
        let app = App::start(backend).await;
        let s = app.login("analyst").await;
        let (st, api) = json(s.get("/api/chains/automotive/analysis?scope=hebei").send().await.unwrap()).await;
        assert_eq!(st, 200);
        let id = chaindock_model::ChainId::parse("automotive").unwrap();
        let direct =
            chaindock_engine::analyze_chain(app.store.as_ref(), &id, &chaindock_model::Scope::hebei(), &Default::default())
                .await
                .unwrap();
        // Both through the same JSON text and parser, so that float formatting cannot differ.
        let direct: Value = serde_json::from_str(&serde_json::to_string(&direct).unwrap()).unwrap();
        assert_eq!(api, direct);
        for (url, status, field) in [
            ("/api/chains/no-such-chain/analysis", 404, Value::Null),
            ("/api/chains/automotive/analysis?scope=火星", 422, json!("scope")),
            ("/api/chains/Bad_Id/analysis", 422, json!("id")),
        ] {
            let (st, b) = json(s.get(url).send().await.unwrap()).await;
            assert_eq!(st, status, "{url}: {b}");
            assert_eq!(b["field"], field, "{url}");
        }
        // A new producer of a breakpoint link in Hebei, imported through the API, shows at once.
        let breakpoint = api["breakpoints"].as_array().unwrap().first().cloned();
        let Some(bp) = breakpoint else { panic!("the demo automotive chain has a breakpoint in Hebei: {api}") };
        let link = bp["link"].as_str().unwrap();
        let unit = bp["unit"].as_str().unwrap();
        let csv = format!("credit_code,name,region\n{},新建配套企业,130203\n", code(7));
        let producers =
            format!("credit_code,chain,link,capacity_per_day,unit\n{},automotive,{link},1000000,{unit}\n", code(7));
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("enterprises.csv"))
            .part("file", reqwest::multipart::Part::bytes(producers.into_bytes()).file_name("producers.csv"));
        let (st, report) = json(s.post("/api/import?commit=true").multipart(form).send().await.unwrap()).await;
        assert_eq!(st, 200, "{report}");
        let (_, again) = json(s.get("/api/chains/automotive/analysis?scope=hebei").send().await.unwrap()).await;
        let status = again["links"].as_array().unwrap().iter().find(|l| l["id"] == link).unwrap()["status"].clone();
        assert_ne!(status, "breakpoint", "the cached analysis was not dropped after the import");
    }
}

api_test! {
    async fn the_search_box_ranks_names_finds_products_and_follows_writes(backend) {
        let app = App::start(backend).await;
        let s = app.login("analyst").await;
        let first = |v: &Value| v["items"][0]["credit_code"].as_str().unwrap_or("").to_string();
        let (_, r) = json(s.get("/api/enterprises?q=长城汽车").send().await.unwrap()).await;
        assert_eq!(first(&r), GWM, "{r}");
        let (_, r) = json(s.get("/api/enterprises?q=長城汽車").send().await.unwrap()).await;
        assert_eq!(first(&r), GWM, "Traditional characters: {r}");
        // A product finds its producers: every hit of 油封 in Hebei makes oil seals or is named for them.
        let (_, r) = json(s.get("/api/enterprises?q=油封&region=130000&limit=100").send().await.unwrap()).await;
        let items = r["items"].as_array().unwrap();
        assert!(items.len() >= 4, "{r}");
        assert!(items.iter().all(|e| e["region"]["province"]["code"] == "130000"));
        // Near Baoding (115.46, 38.87) within 30 km: every hit is within 30 km of it.
        let (st, r) = json(s.get("/api/enterprises?near=115.46,38.87,30&limit=200").send().await.unwrap()).await;
        assert_eq!(st, 200, "{r}");
        for e in r["items"].as_array().unwrap() {
            let (lng, lat) = (e["location"]["lng"].as_f64().unwrap(), e["location"]["lat"].as_f64().unwrap());
            let d = chaindock_search::haversine_km(115.46, 38.87, lng, lat);
            assert!(d <= 30.0 + 1e-6, "{e} is {d} km away");
        }
        let (st, b) = json(s.get("/api/enterprises?near=here").send().await.unwrap()).await;
        assert_error(st, &b, 422, "invalid");
        assert_eq!(b["field"], "near");
        // A new enterprise is searchable at once, by a word of its name.
        let body = json!({ "credit_code": code(21), "name": "雄安星河精密冲压有限公司", "region": "130638" });
        assert_eq!(json(s.post("/api/enterprises").json(&body).send().await.unwrap()).await.0, 201);
        let (_, r) = json(s.get("/api/enterprises?q=星河精密").send().await.unwrap()).await;
        assert_eq!(first(&r), code(21), "{r}");
    }
}
