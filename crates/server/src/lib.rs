//! chaindock's HTTP server: the JSON API over the engine, accounts and sessions, and the web UI.
//!
//! [`router`] builds the whole application for a store; [`serve`] runs it on a listener until Ctrl-C.
//! The API is declared with utoipa, so the OpenAPI document at `/api/openapi.json` (explorer at
//! `/api/docs`) is generated from the handlers and types themselves. The UI is a Vite build embedded
//! at compile time (`build.rs`), or read from a directory given in [`Config::web_dir`].
//!
//! Layering: handlers validate and authorise, then call the engine or the store; nothing here knows
//! SQL. Analyses are cached per (chain, scope, viewer) and the cache is dropped on every write made
//! through this server, and, when the store has a change feed ([`Store::change_feed`], PostgreSQL), on
//! every write another server commits: the feed's task also forgets cached sessions and rebuilds the
//! search index after registry writes.

mod api;
pub mod auth;
mod cache;
pub mod error;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use chaindock_store::Store;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{hash_password, verify_password};

/// How the server runs; [`Config::default`] is what `chaindock serve` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Serve the UI from this directory instead of the embedded build (for UI development).
    pub web_dir: Option<PathBuf>,
    /// Largest accepted upload (all files of one import together).
    pub max_upload_bytes: usize,
    /// Largest accepted JSON body.
    pub max_json_bytes: usize,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    pub session_ttl: Duration,
    /// Failed logins allowed per user name and per client address within `login_window`.
    pub login_failures: usize,
    pub login_window: Duration,
    /// Where the full-text index lives; in memory when `None` (rebuilt from the store at every start).
    pub search_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            web_dir: None,
            max_upload_bytes: 20 * 1024 * 1024,
            max_json_bytes: 256 * 1024,
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            login_failures: 5,
            login_window: Duration::from_secs(60),
            search_dir: None,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Arc<dyn Store>,
    config: Config,
    limiter: Mutex<auth::LoginLimiter>,
    sessions: auth::SessionCache,
    cache: cache::Cache,
    search: chaindock_search::SearchIndex,
}

impl AppState {
    /// The state for `store`: opens the search index (rebuilding it from the store when it is new or out
    /// of step).
    pub async fn new(store: Arc<dyn Store>, config: Config) -> Result<Self, chaindock_engine::EngineError> {
        let limiter = Mutex::new(auth::LoginLimiter::new(config.login_failures, config.login_window));
        let index_error =
            |e: chaindock_search::SearchError| chaindock_engine::EngineError::Invalid(format!("search index: {e}"));
        let (search, fresh) = match &config.search_dir {
            Some(dir) => chaindock_search::SearchIndex::open_or_create(dir).map_err(index_error)?,
            None => (chaindock_search::SearchIndex::in_memory().map_err(index_error)?, true),
        };
        // Listen before building the index, so that no write committed meanwhile goes unheard. With a
        // feed, other processes write too and an index on disk may have missed edits: it is rebuilt.
        let feed = store.change_feed().await?;
        if feed.is_some() || chaindock_engine::search::out_of_step(store.as_ref(), &search, fresh).await? {
            chaindock_engine::search::rebuild(store.as_ref(), &search).await?;
        }
        let state = Self(Arc::new(Inner {
            store,
            config,
            limiter,
            sessions: auth::SessionCache::default(),
            cache: cache::Cache::default(),
            search,
        }));
        if let Some(feed) = feed {
            tokio::spawn(follow(Arc::downgrade(&state.0), feed));
        }
        Ok(state)
    }

    pub(crate) fn search(&self) -> &chaindock_search::SearchIndex {
        &self.0.search
    }

    fn sessions(&self) -> &auth::SessionCache {
        &self.0.sessions
    }

    pub fn store(&self) -> &dyn Store {
        self.0.store.as_ref()
    }

    /// The store as a handle that can move to a blocking thread.
    fn store_arc(&self) -> Arc<dyn Store> {
        self.0.store.clone()
    }

    fn config(&self) -> &Config {
        &self.0.config
    }

    fn cache(&self) -> &cache::Cache {
        &self.0.cache
    }

    /// Call after every write: cached analyses and dashboards are dropped.
    fn changed(&self) {
        self.0.cache.clear();
    }
}

/// Apply the writes `feed` reports to the state until the state is gone: drop cached bodies, forget
/// cached sessions, rebuild the search index after registry writes. The bound on how stale another
/// server's view is: the time PostgreSQL takes to deliver a notification plus one rebuild.
async fn follow(state: std::sync::Weak<Inner>, mut feed: Box<dyn chaindock_store::ChangeFeed>) {
    use chaindock_store::Changed;
    loop {
        let next = feed.next().await;
        let Some(inner) = state.upgrade() else { return };
        let (registry, data, sessions) = match next {
            Ok(Some(Changed::Registry)) => (true, true, false),
            Ok(Some(Changed::Data)) => (false, true, false),
            Ok(Some(Changed::Sessions)) => (false, false, true),
            Ok(Some(Changed::Audit)) => continue,
            // Writes may have been missed: everything may have changed.
            Ok(None) => (true, true, true),
            Err(e) => {
                tracing::error!(error = %e, "the change feed failed; retrying in a second");
                inner.cache.clear();
                inner.sessions.clear();
                drop(inner);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if data {
            inner.cache.clear();
        }
        if sessions {
            inner.sessions.clear();
        }
        if registry && let Err(e) = chaindock_engine::search::rebuild(inner.store.as_ref(), &inner.search).await {
            tracing::error!(error = %e, "cannot rebuild the search index after another server's write");
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chaindock API",
        description = "产业链对接平台 — the registry, chains and their analysis, imports, accounts. \
            Log in with POST /api/login; state-changing requests carry the X-CSRF-Token header from /api/me. \
            Errors are always { code, message, field }.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "session", description = "Log in and out"),
        (name = "registry", description = "Enterprises, regions and the dashboard"),
        (name = "chains", description = "Chains and their panorama analysis"),
        (name = "import", description = "File imports with a row report"),
        (name = "admin", description = "Users and the audit log"),
        (name = "docking", description = "Demands, offers, candidates, optimal plans, requests and deliveries"),
        (name = "risk", description = "Risk exposure of a chain's nodes, their parameters, disruption scenarios")
    )
)]
struct ApiDoc;

/// The API's routes with their OpenAPI description.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(api::routes())
}

/// The OpenAPI document, as `/api/openapi.json` serves it.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// The whole application for `store`.
pub async fn router(store: Arc<dyn Store>, config: Config) -> Result<Router, chaindock_engine::EngineError> {
    let state = AppState::new(store, config).await?;
    let (api, doc) = api_router().split_for_parts();
    let web = web::router(state.config().web_dir.clone());
    Ok(Router::new()
        .merge(api.layer(axum::extract::DefaultBodyLimit::max(state.config().max_json_bytes)).with_state(state.clone()))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", doc))
        .merge(web)
        .layer(tower_http::trace::TraceLayer::new_for_http()))
}

/// Serve `app` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
