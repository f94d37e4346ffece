//! The HTTP API end to end: each test starts the real application on port 0 over a fresh store holding
//! the demo data and the demo accounts, and talks to it over HTTP; every test runs twice, on SQLite and
//! on PostgreSQL (a schema of its own on the test database, see `chaindock_store_postgres::testing`).

#[macro_use]
mod app;
mod authz;
mod docking;
mod enterprises;
mod imports;
mod risk;
mod session;
mod several;

use app::App;

api_test! {
    async fn unknown_api_paths_are_json_404_and_other_paths_load_the_ui(backend) {
        let app = App::start(backend).await;
        let r = app.anon().get(app.url("/api/nothing-here")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        let page = app.anon().get(app.url("/registry/whatever")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(page.text().await.unwrap().contains("<div id=\"app\""));
    }
}

api_test! {
    async fn the_openapi_document_describes_every_endpoint(backend) {
        let app = App::start(backend).await;
        let doc: serde_json::Value =
            app.anon().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/health",
            "/api/login",
            "/api/logout",
            "/api/me",
            "/api/scopes",
            "/api/regions",
            "/api/dashboard",
            "/api/enterprises",
            "/api/enterprises/{credit_code}",
            "/api/chains",
            "/api/chains/{id}",
            "/api/chains/{id}/analysis",
            "/api/import",
            "/api/users",
            "/api/audit",
            "/api/demands",
            "/api/demands/{id}/candidates",
            "/api/plan",
            "/api/offers",
            "/api/requests",
            "/api/requests/{id}/answer",
            "/api/docking/kpis",
            "/api/chains/{id}/risk",
            "/api/chains/{id}/risk/nodes/{node}",
            "/api/simulate",
        ] {
            assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
        }
        // Every schema a response refers to is defined.
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for name in text.split("#/components/schemas/").skip(1).map(|s| s.split('"').next().unwrap()) {
            assert!(schemas.contains_key(name), "schema {name} is referenced but not defined");
        }
        assert!(schemas.contains_key("ChainAnalysis") && schemas.contains_key("ErrorBody"));
        // A decline's answer carries its re-plan.
        let answer = doc["paths"]["/api/requests/{id}/answer"]["post"]["responses"]["200"].to_string();
        assert!(answer.contains("#/components/schemas/AnswerResponse"), "{answer}");
        assert!(schemas["Answer"]["properties"].get("replan").is_some(), "{}", schemas["Answer"]);
        for field in ["request", "replan", "replan_error", "replan_summary"] {
            assert!(schemas["AnswerResponse"]["properties"].get(field).is_some(), "{field}: {}", schemas["AnswerResponse"]);
        }
        let docs = app.anon().get(app.url("/api/docs/")).send().await.unwrap();
        assert_eq!(docs.status(), 200);
        assert!(docs.text().await.unwrap().to_lowercase().contains("swagger"));
    }
}
