//! Logging in and out, cookies, CSRF and the login rate limit.

use crate::app::{App, assert_error, json, password};

api_test! {
    async fn login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(backend) {
        let app = App::start(backend).await;
        let c = app.anon();
        let r = c
            .post(app.url("/api/login"))
            .json(&serde_json::json!({ "username": "gwm", "password": password("gwm") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("chaindock_session="), "{cookie}");
        for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        let me: serde_json::Value = r.json().await.unwrap();
        assert_eq!(me["role"], "enterprise");
        assert_eq!(me["enterprise"]["credit_code"], crate::app::GWM);
        assert_eq!(me["enterprise"]["name"], "长城汽车股份有限公司");
        let csrf = me["csrf_token"].as_str().unwrap().to_string();

        let (s, again) = json(c.get(app.url("/api/me")).send().await.unwrap()).await;
        assert_eq!((s, &again["username"]), (200, &serde_json::json!("gwm")));

        // Logging out needs the CSRF token too.
        let (s, b) = json(c.post(app.url("/api/logout")).send().await.unwrap()).await;
        assert_error(s, &b, 403, "csrf");
        let r = c.post(app.url("/api/logout")).header("X-CSRF-Token", &csrf).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let (s, b) = json(c.get(app.url("/api/me")).send().await.unwrap()).await;
        assert_error(s, &b, 401, "unauthorized");
    }
}

api_test! {
    async fn wrong_passwords_and_unknown_users_get_the_same_answer(backend) {
        let app = App::start(backend).await;
        for (user, pw) in [("analyst", "wrong-password"), ("nobody", "whatever-it-is")] {
            let (s, b) = json(
                app.anon()
                    .post(app.url("/api/login"))
                    .json(&serde_json::json!({ "username": user, "password": pw }))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_error(s, &b, 401, "unauthorized");
            assert_eq!(b["message"], "wrong user name or password");
        }
        // A forged cookie is no session.
        let r = app
            .anon()
            .get(app.url("/api/me"))
            .header("Cookie", "chaindock_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .send()
            .await
            .unwrap();
        let (s, b) = json(r).await;
        assert_error(s, &b, 401, "unauthorized");
    }
}

api_test! {
    async fn logins_are_rate_limited_after_five_failures(backend) {
        let app = App::start(backend).await;
        let attempt = |pw: String| {
            let c = app.anon();
            let url = app.url("/api/login");
            async move {
                json(c.post(url).json(&serde_json::json!({ "username": "expert", "password": pw })).send().await.unwrap())
                    .await
            }
        };
        for _ in 0..5 {
            let (s, _) = attempt("not-the-password".into()).await;
            assert_eq!(s, 401);
        }
        let r = app
            .anon()
            .post(app.url("/api/login"))
            .json(&serde_json::json!({ "username": "expert", "password": password("expert") }))
            .send()
            .await
            .unwrap();
        // Even the right password waits: the limit is on attempts, not on guesses that fail.
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let (s, b) = json(r).await;
        assert_error(s, &b, 429, "rate_limited");
    }
}

api_test! {
    async fn malformed_login_bodies_are_400_or_422_naming_the_field(backend) {
        let app = App::start(backend).await;
        let c = app.anon();
        let (s, b) = json(
            c.post(app.url("/api/login"))
                .header("content-type", "application/json")
                .body("{\"username\": ")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(s, &b, 400, "bad_request");
        let (s, b) =
            json(c.post(app.url("/api/login")).json(&serde_json::json!({ "username": "x" })).send().await.unwrap()).await;
        assert_error(s, &b, 422, "invalid");
        assert_eq!(b["field"], "password");
        let (s, b) = json(
            c.post(app.url("/api/login"))
                .json(&serde_json::json!({ "username": 7, "password": "x" }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(s, &b, 422, "invalid");
        assert_eq!(b["field"], "username");
    }
}
