//! The authorisation matrix: each role × each endpoint, allowed or refused as specified.

use chaindock_model::CreditCode;
use serde_json::{Value, json};

use crate::app::{App, BOE, GWM, Session};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Admin,
    Analyst,
    Expert,
    Gwm,
    Boe,
}

const ALL: [Who; 6] = [Who::Anonymous, Who::Admin, Who::Analyst, Who::Expert, Who::Gwm, Who::Boe];

/// A fresh valid credit code per (role, purpose), so that creations do not collide.
pub fn code(n: u32) -> String {
    let body = format!("91130200MA{n:07}");
    CreditCode::from_body(&body).unwrap().as_str().to_string()
}

/// The editable form of an enterprise page, as the UI sends it back.
pub fn input_of(view: &Value) -> Value {
    json!({
        "name": view["name"],
        "aliases": view["aliases"],
        "region": view["region"]["code"],
        "industry": view["industry"]["code"],
        "location": view["location"],
        "above_scale": view["above_scale"],
        "leading": view["leading"],
        "specialised": view["specialised"],
        "description": view["description"],
        "contact_person": view["private"]["contact_person"],
        "contact_phone": view["private"]["contact_phone"],
        "version": view["version"],
    })
}

async fn call(app: &App, s: &Session, who: Who, endpoint: &str, n: u32) -> u16 {
    let r = match endpoint {
        "POST /api/enterprises" => s
            .post("/api/enterprises")
            .json(&json!({ "credit_code": code(n), "name": format!("矩阵测试企业{n}"), "region": "130203" })),
        "PUT /api/enterprises/{gwm}" => {
            // Read as an analyst (any caller may read the public part) to get the current version.
            let view: Value = app.store_view(GWM).await;
            let mut body = input_of(&view);
            body["description"] = json!(format!("edited by {who:?}"));
            s.put(&format!("/api/enterprises/{GWM}")).json(&body)
        }
        "POST /api/import" => {
            let csv = format!("credit_code,name,region\n{},矩阵导入企业{n},130203\n", code(n));
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("e.csv"));
            s.post("/api/import").multipart(form)
        }
        "POST /api/users" => s
            .post("/api/users")
            .json(&json!({ "username": format!("new{n}"), "password": "a-long-password", "role": "expert" })),
        get => s.get(get.strip_prefix("GET ").unwrap()),
    };
    r.send().await.unwrap().status().as_u16()
}

impl App {
    /// An enterprise page as an analyst sees it (read straight after login).
    pub async fn store_view(&self, code: &str) -> Value {
        let s = self.login("analyst").await;
        s.get(&format!("/api/enterprises/{code}")).send().await.unwrap().json().await.unwrap()
    }
}

fn expected(who: Who, endpoint: &str) -> u16 {
    use Who::*;
    if who == Anonymous {
        return 401;
    }
    let staff = matches!(who, Admin | Analyst);
    match endpoint {
        "GET /api/audit" => {
            if staff {
                200
            } else {
                403
            }
        }
        "GET /api/users" => {
            if who == Admin {
                200
            } else {
                403
            }
        }
        "POST /api/enterprises" => {
            if staff {
                201
            } else {
                403
            }
        }
        "PUT /api/enterprises/{gwm}" => {
            if staff || who == Gwm {
                200
            } else {
                403
            }
        }
        "POST /api/import" => {
            if staff {
                200
            } else {
                403
            }
        }
        "POST /api/users" => {
            if who == Admin {
                201
            } else {
                403
            }
        }
        _ => 200,
    }
}

api_test! {
    async fn each_role_reaches_exactly_what_it_may(backend) {
        let app = App::start(backend).await;
        let endpoints = [
            "GET /api/me",
            "GET /api/scopes",
            "GET /api/regions",
            "GET /api/dashboard?scope=hebei",
            "GET /api/enterprises?limit=5",
            "GET /api/enterprises/91130606120551720G",
            "GET /api/chains",
            "GET /api/chains/automotive",
            "GET /api/chains/automotive/analysis?scope=bth",
            "GET /api/audit",
            "GET /api/users",
            "POST /api/enterprises",
            "PUT /api/enterprises/{gwm}",
            "POST /api/import",
            "POST /api/users",
        ];
        let mut wrong = Vec::new();
        let mut n = 0;
        for who in ALL {
            let s = match who {
                Who::Anonymous => app.anon_session(),
                Who::Admin => app.login("admin").await,
                Who::Analyst => app.login("analyst").await,
                Who::Expert => app.login("expert").await,
                Who::Gwm => app.login("gwm").await,
                Who::Boe => app.login("boe").await,
            };
            for e in endpoints {
                n += 1;
                let got = call(&app, &s, who, e, n).await;
                let want = expected(who, e);
                if got != want {
                    wrong.push(format!("{who:?} {e}: got {got}, want {want}"));
                }
            }
        }
        assert!(wrong.is_empty(), "authorisation matrix mismatches:\n{}", wrong.join("\n"));
        // BOE is not GWM's: its edit above was refused, so only the three allowed edits are in the log.
        let audit: Value =
            app.login("admin").await.get("/api/audit?limit=1000").send().await.unwrap().json().await.unwrap();
        let edits = audit.as_array().unwrap().iter().filter(|e| e["action"] == "enterprise.update").count();
        assert_eq!(edits, 3, "{audit}");
        let _ = BOE;
    }
}
