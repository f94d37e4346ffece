//! Imports over HTTP: report first, commit all or nothing, size limits, malformed forms.

use chaindock_server::Config;
use reqwest::multipart::{Form, Part};

use crate::app::{App, assert_error, json};
use crate::authz::code;

fn form(name: &str, text: &str) -> Form {
    Form::new().part("file", Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()))
}

api_test! {
    async fn a_bad_row_is_reported_and_nothing_is_written(backend) {
        let app = App::start(backend).await;
        let s = app.login("analyst").await;
        let before = app.store.stats().await.unwrap();
        let csv = format!("credit_code,name,region\n{},好企业,130203\n91130200MA00000000,坏企业,130203\n", code(11));
        let (st, report) = json(s.post("/api/import").multipart(form("e.csv", &csv)).send().await.unwrap()).await;
        assert_eq!(st, 200, "a dry run answers with its report");
        assert_eq!(report["dry_run"], true);
        let errors = report["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{report}");
        assert_eq!((errors[0]["row"].as_u64(), errors[0]["column"].as_str()), (Some(3), Some("credit_code")));
        let (st, refused) =
            json(s.post("/api/import?commit=true").multipart(form("e.csv", &csv)).send().await.unwrap()).await;
        assert_error(st, &refused, 422, "invalid");
        assert_eq!(refused["report"]["errors"][0]["row"], 3);
        assert_eq!(app.store.stats().await.unwrap(), before, "nothing was written");

        let good = format!("credit_code,name,region\n{},好企业,130203\n", code(11));
        let (st, dry) = json(s.post("/api/import").multipart(form("e.csv", &good)).send().await.unwrap()).await;
        assert_eq!((st, dry["written"].is_null()), (200, true));
        assert_eq!(app.store.stats().await.unwrap(), before, "a dry run writes nothing");
        let (st, done) =
            json(s.post("/api/import?commit=true").multipart(form("e.csv", &good)).send().await.unwrap()).await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(done["written"]["enterprises"], 1);
        assert_eq!(app.store.stats().await.unwrap().enterprises, before.enterprises + 1);
        let (_, audit) = json(s.get("/api/audit?limit=1").send().await.unwrap()).await;
        assert_eq!((audit[0]["action"].as_str(), audit[0]["target"].as_str()), (Some("import"), Some("e.csv")));
    }
}

api_test! {
    async fn oversize_and_malformed_uploads_are_refused(backend) {
        let config = Config { max_upload_bytes: 4096, ..Config::default() };
        let app = App::start_with(backend, config).await;
        let s = app.login("admin").await;
        let before = app.store.stats().await.unwrap();
        let mut big = String::from("credit_code,name,region\n");
        for i in 0..200 {
            big.push_str(&format!("{},企业{i},130203\n", code(1000 + i)));
        }
        let (st, b) = json(s.post("/api/import?commit=true").multipart(form("big.csv", &big)).send().await.unwrap()).await;
        assert_error(st, &b, 413, "too_large");
        let (st, b) = json(s.post("/api/import").multipart(Form::new()).send().await.unwrap()).await;
        assert_error(st, &b, 400, "bad_request");
        let (st, b) = json(s.post("/api/import").multipart(Form::new().text("note", "hello")).send().await.unwrap()).await;
        assert_error(st, &b, 400, "bad_request");
        assert_eq!(b["field"], "note");
        let (st, b) = json(s.post("/api/import").body("plain text").send().await.unwrap()).await;
        assert!(st == 400 || st == 415, "{st} {b}");
        assert_eq!(b["code"], "bad_request");
        let (st, b) = json(s.post("/api/import?commit=maybe").multipart(form("e.csv", "x")).send().await.unwrap()).await;
        assert_error(st, &b, 400, "bad_request");
        // An unknown format is a row-report error, not a crash.
        let (st, r) = json(s.post("/api/import").multipart(form("e.pdf", "%PDF-1.4")).send().await.unwrap()).await;
        assert_eq!(st, 200);
        assert!(!r["errors"].as_array().unwrap().is_empty(), "{r}");
        assert_eq!(app.store.stats().await.unwrap(), before);
    }
}

api_test! {
    async fn administrators_create_users_who_can_then_log_in(backend) {
        let app = App::start(backend).await;
        let admin = app.login("admin").await;
        let body = serde_json::json!({ "username": "zhang", "password": "long-enough-pw", "role": "enterprise", "enterprise": crate::app::BOE });
        let (st, u) = json(admin.post("/api/users").json(&body).send().await.unwrap()).await;
        assert_eq!(st, 201, "{u}");
        let (st, b) = json(admin.post("/api/users").json(&body).send().await.unwrap()).await;
        assert_error(st, &b, 409, "conflict");
        for (bad, field) in [
            (serde_json::json!({ "username": "li", "password": "short", "role": "expert" }), "password"),
            (serde_json::json!({ "username": "li", "password": "long-enough-pw", "role": "king" }), "role"),
            (serde_json::json!({ "username": "li si", "password": "long-enough-pw", "role": "expert" }), "username"),
            (serde_json::json!({ "username": "li", "password": "long-enough-pw", "role": "enterprise" }), "username"),
        ] {
            let (st, b) = json(admin.post("/api/users").json(&bad).send().await.unwrap()).await;
            assert_error(st, &b, 422, "invalid");
            assert_eq!(b["field"], field, "{bad}: {b}");
        }
        let r = app
            .anon()
            .post(app.url("/api/login"))
            .json(&serde_json::json!({ "username": "zhang", "password": "long-enough-pw" }))
            .send()
            .await
            .unwrap();
        let (st, me) = json(r).await;
        assert_eq!((st, me["enterprise"]["credit_code"].as_str()), (200, Some(crate::app::BOE)));
    }
}
