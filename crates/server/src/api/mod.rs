//! The API's handlers, by area. Each module declares its routes with their OpenAPI description.

mod admin;
mod chains;
mod docking;
mod import;
mod registry;
mod risk;
mod session;
mod views;

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;
use chaindock_model::Scope;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(session::routes())
        .merge(registry::routes())
        .merge(chains::routes())
        .merge(import::routes())
        .merge(admin::routes())
        .merge(docking::routes())
        .merge(risk::routes())
}

/// `axum::Json` whose rejections are the API's error shape (400 malformed, 422 wrong types, naming the
/// field).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `axum::extract::Query` with the API's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// The `scope` query parameter: `bth` when absent.
pub fn parse_scope(scope: Option<&str>) -> Result<Scope, ApiError> {
    match scope {
        None => Ok(Scope::bth()),
        Some(s) => Scope::parse(s).map_err(|e| {
            ApiError::invalid("scope", format!("{e}; use bth, hebei, beijing, tianjin or a division code or name"))
        }),
    }
}
