//! Users and the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use chaindock_model::{CreditCode, Role};
use chaindock_store::{AuditEntry, NewAudit, NewUser, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Query};
use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user)).routes(routes!(audit))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: Role,
    pub enterprise: Option<CreditCode>,
    pub created_at: String,
}

impl UserView {
    fn of(u: &User) -> Self {
        Self {
            username: u.username.clone(),
            role: u.role,
            enterprise: u.enterprise.clone(),
            created_at: u.created_at.clone(),
        }
    }
}

/// All accounts (administrators).
#[utoipa::path(get, path = "/api/users", tag = "admin",
    responses((status = 200, body = Vec<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<UserView>>> {
    caller.require(&[Role::Admin], "the user list")?;
    Ok(axum::Json(state.store().users().await?.iter().map(UserView::of).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub username: String,
    /// 8 to 128 characters.
    pub password: String,
    pub role: Role,
    /// Required for (and only for) the `enterprise` role.
    pub enterprise: Option<String>,
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = NewUserRequest,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    caller.require(&[Role::Admin], "creating users")?;
    let username = req.username.trim().to_string();
    if username.is_empty() || username.chars().count() > 64 || username.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid("username", "the user name must be 1 to 64 characters without spaces"));
    }
    auth::check_password_rules(&req.password).map_err(|m| ApiError::invalid("password", m))?;
    let enterprise = match req.enterprise.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => Some(CreditCode::parse(c).map_err(|e| ApiError::invalid("enterprise", e.to_string()))?),
        None => None,
    };
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let user = state
        .store()
        .create_user(&NewUser { username, role: req.role, enterprise, password_hash: hash })
        .await
        .map_err(|e| ApiError::from(e).with_field("username"))?;
    state
        .store()
        .append_audit(&NewAudit {
            username: Some(caller.user.username.clone()),
            action: "user.create".into(),
            target: format!("user:{}", user.username),
            detail: serde_json::json!({ "role": user.role, "enterprise": user.enterprise }),
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::of(&user))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// At most 1,000; 100 when absent.
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub username: Option<String>,
    pub action: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Who changed what, newest first (administrators and analysts).
#[utoipa::path(get, path = "/api/audit", tag = "admin", params(AuditParams),
    responses((status = 200, body = Vec<AuditView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<AuditParams>,
) -> ApiResult<axum::Json<Vec<AuditView>>> {
    caller.require(&[Role::Admin, Role::Analyst], "the audit log")?;
    let limit = p.limit.unwrap_or(100);
    if limit > 1000 {
        return Err(ApiError::invalid("limit", format!("limit is at most 1000, not {limit}")));
    }
    let entries: Vec<AuditEntry> = state.store().audit(limit).await?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at,
                username: e.username,
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
    ))
}
