//! The application under test and clients logged in as each demo role, on either backend: every test is
//! written once with [`api_test!`] and runs on a fresh SQLite file and on a fresh PostgreSQL schema.

use std::sync::{Arc, OnceLock};

use chaindock_model::{CreditCode, Role};
use chaindock_server::Config;
use chaindock_store::{NewUser, Store};
use chaindock_store_postgres::testing::{SchemaGuard, fresh_store};
use chaindock_store_sqlite::SqliteStore;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const GWM: &str = "91130606120551720G";
pub const BOE: &str = "91110105634657709B";

/// user, role, enterprise, password.
pub const ACCOUNTS: &[(&str, Role, Option<&str>)] = &[
    ("admin", Role::Admin, None),
    ("analyst", Role::Analyst, None),
    ("expert", Role::Expert, None),
    ("gwm", Role::Enterprise, Some(GWM)),
    ("boe", Role::Enterprise, Some(BOE)),
];

pub fn password(user: &str) -> String {
    format!("pw-{user}-secret")
}

/// argon2 is slow on purpose; hash each test password once per process.
fn hash(user: &str) -> String {
    static HASHES: OnceLock<std::collections::HashMap<String, String>> = OnceLock::new();
    HASHES
        .get_or_init(|| {
            ACCOUNTS
                .iter()
                .map(|(u, ..)| (u.to_string(), chaindock_server::hash_password(&password(u)).unwrap()))
                .collect()
        })
        .get(user)
        .cloned()
        .unwrap()
}

/// The store an [`App`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated, empty store of `backend`, with what keeps it alive (a temporary directory or a
/// test schema, dropped with it).
pub async fn fresh(backend: Backend) -> (Arc<dyn Store>, Keep) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
            (Arc::new(store), Keep::Dir(dir))
        }
        Backend::Postgres => {
            let (store, guard) = fresh_store().await;
            (Arc::new(store), Keep::Schema(Box::new(guard)))
        }
    }
}

/// What a fresh store lives in.
pub enum Keep {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema(#[allow(dead_code)] Box<SchemaGuard>),
    /// Another [`App`] keeps the store.
    Shared,
}

/// One API test, run on each backend: `api_test! { async fn name(backend) { … } }` makes the module
/// `name` with the tests `sqlite` and `postgres`, the body seeing `backend` as the [`Backend`] to start.
#[macro_export]
macro_rules! api_test {
    (async fn $name:ident($backend:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::app::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::app::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::app::Backend::Postgres).await
            }
        }
    };
}

pub struct App {
    pub base: String,
    pub store: Arc<dyn Store>,
    _keep: Keep,
}

/// A client with its own cookie jar and, once logged in, the session's CSRF token.
pub struct Session {
    pub client: Client,
    pub csrf: String,
    base: String,
}

impl Session {
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    /// A state-changing request carrying the CSRF token.
    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf)
    }

    pub fn put(&self, path: &str) -> RequestBuilder {
        self.client.put(format!("{}{path}", self.base)).header("X-CSRF-Token", &self.csrf)
    }
}

impl App {
    pub async fn start(backend: Backend) -> App {
        Self::start_with(backend, Config::default()).await
    }

    pub async fn start_with(backend: Backend, config: Config) -> App {
        let (store, keep) = fresh(backend).await;
        Self::start_on(store, keep, config).await
    }

    /// A second server on the store of `first`, through a store (a connection pool) of its own, as a
    /// second `chaindock serve` process would open it: PostgreSQL only.
    pub async fn second(first: &App) -> App {
        let Keep::Schema(guard) = &first._keep else { panic!("a second server needs a PostgreSQL store") };
        let store = chaindock_store_postgres::PgStore::connect_with(guard.options(), 4).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = chaindock_server::router(Arc::new(store), Config::default()).await.unwrap();
        tokio::spawn(chaindock_server::serve(listener, router));
        App { base: format!("http://{addr}"), store: first.store.clone(), _keep: Keep::Shared }
    }

    async fn start_on(store: Arc<dyn Store>, keep: Keep, config: Config) -> App {
        let report = chaindock_engine::embedded::load_demo(store.as_ref()).await.unwrap();
        assert!(report.ok(), "{:?}", report.errors);
        for (user, role, enterprise) in ACCOUNTS {
            store
                .create_user(&NewUser {
                    username: user.to_string(),
                    role: *role,
                    enterprise: enterprise.map(|c| CreditCode::parse(c).unwrap()),
                    password_hash: hash(user),
                })
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = chaindock_server::router(store.clone(), config).await.unwrap();
        tokio::spawn(chaindock_server::serve(listener, router));
        App { base: format!("http://{addr}"), store, _keep: keep }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client with no session.
    pub fn anon(&self) -> Client {
        Client::builder().cookie_store(true).build().unwrap()
    }

    pub fn anon_session(&self) -> Session {
        Session { client: self.anon(), csrf: String::new(), base: self.base.clone() }
    }

    pub async fn login(&self, user: &str) -> Session {
        let client = self.anon();
        let r = client
            .post(self.url("/api/login"))
            .json(&serde_json::json!({ "username": user, "password": password(user) }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login as {user}");
        let me: Value = r.json().await.unwrap();
        Session { client, csrf: me["csrf_token"].as_str().unwrap().to_string(), base: self.base.clone() }
    }
}

/// Status and JSON body; a body that is not JSON is an error of the test.
pub async fn json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    let v = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, v)
}

/// Every error has the one shape.
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert!(body.get("field").is_some(), "{body}");
}
