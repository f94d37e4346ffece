//! Log in, log out, who am I.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chaindock_model::{CreditCode, Role};
use chaindock_store::{NewAudit, Session, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Json;
use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(login)).routes(routes!(logout)).routes(routes!(me))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: answers without touching the database.
#[utoipa::path(get, path = "/api/health", tag = "session", responses((status = 200, body = Health)))]
async fn health() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseBinding {
    pub credit_code: CreditCode,
    pub name: String,
}

/// The logged-in user and the CSRF token to send with state-changing requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub role: Role,
    pub enterprise: Option<EnterpriseBinding>,
    pub csrf_token: String,
}

async fn me_of(state: &AppState, user: &User, session: &Session) -> ApiResult<Me> {
    let enterprise = match &user.enterprise {
        Some(code) => {
            let e = state.store().enterprise(code).await?;
            Some(EnterpriseBinding { credit_code: e.credit_code, name: e.name })
        }
        None => None,
    };
    Ok(Me { username: user.username.clone(), role: user.role, enterprise, csrf_token: session.csrf_token.clone() })
}

/// Log in with a user name and password; sets the session cookie.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = LoginRequest,
    responses(
        (status = 200, body = Me, description = "Logged in; the `chaindock_session` cookie is set"),
        (status = 401, body = ErrorBody, description = "Wrong user name or password"),
        (status = 429, body = ErrorBody, description = "Too many failed logins"),
    ))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let keys = [format!("user:{}", req.username.trim()), format!("ip:{}", addr.ip())];
    state.0.limiter.lock().expect("limiter lock").check(&keys, Instant::now()).map_err(ApiError::rate_limited)?;

    let user = state.store().user_by_name(req.username.trim()).await?;
    // Verify against a dummy hash when the user is unknown, so that timing does not tell which names exist.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash.unwrap_or_else(dummy_hash)))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let Some(user) = user.filter(|_| ok) else {
        state.0.limiter.lock().expect("limiter lock").record_failure(&keys, Instant::now());
        return Err(ApiError::unauthorized("wrong user name or password"));
    };
    state.0.limiter.lock().expect("limiter lock").clear(&keys[0]);

    let token = auth::random_token()?;
    let now = auth::now_unix();
    let session = Session {
        token_hash: auth::token_hash(&token),
        user_id: user.id,
        csrf_token: auth::random_token()?,
        created_at: now,
        expires_at: now + state.config().session_ttl.as_secs() as i64,
    };
    state.store().create_session(&session).await?;
    state
        .store()
        .append_audit(&NewAudit {
            username: Some(user.username.clone()),
            action: "login".into(),
            target: format!("user:{}", user.username),
            detail: serde_json::json!({ "address": addr.ip().to_string() }),
        })
        .await?;
    let me = me_of(&state, &user, &session).await?;
    let cookie = auth::session_cookie(Some(&token), state.config().session_ttl, state.config().secure_cookies);
    let mut resp = axum::Json(me).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie is ASCII"));
    Ok(resp)
}

/// An argon2id hash of a random password nobody knows, verified against when the user name is unknown.
fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        auth::random_token().and_then(|t| auth::hash_password(&t)).unwrap_or_else(|_| "unusable".into())
    })
    .clone()
}

/// End the session.
#[utoipa::path(post, path = "/api/logout", tag = "session",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<(StatusCode, HeaderMap)> {
    state.store().delete_session(&caller.session.token_hash).await?;
    state.sessions().remove(&caller.session.token_hash);
    let mut headers = HeaderMap::new();
    let cookie = auth::session_cookie(None, state.config().session_ttl, state.config().secure_cookies);
    headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie is ASCII"));
    Ok((StatusCode::NO_CONTENT, headers))
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Me>> {
    Ok(axum::Json(me_of(&state, &caller.user, &caller.session).await?))
}
