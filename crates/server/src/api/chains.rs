//! Chains and their panorama analysis.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chaindock_graph::ChainAnalysis;
use chaindock_model::{Chain, ChainId, CreditCode};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::registry::ScopeParam;
use super::{Query, parse_scope};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_chains)).routes(routes!(get_chain)).routes(routes!(analysis))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainListItem {
    pub id: ChainId,
    pub name: String,
    pub links: u64,
    pub producers: u64,
    pub enterprises: u64,
}

/// The chains with their sizes.
#[utoipa::path(get, path = "/api/chains", tag = "chains",
    responses((status = 200, body = Vec<ChainListItem>), (status = 401, body = ErrorBody)))]
async fn list_chains(State(state): State<AppState>, _caller: Caller) -> ApiResult<axum::Json<Vec<ChainListItem>>> {
    let chains = state.store().chains().await?;
    Ok(axum::Json(
        chains
            .into_iter()
            .map(|c| ChainListItem {
                id: c.id,
                name: c.name,
                links: c.links,
                producers: c.producers,
                enterprises: c.enterprises,
            })
            .collect(),
    ))
}

fn parse_chain(id: &str) -> ApiResult<ChainId> {
    ChainId::parse(id).map_err(|e| ApiError::invalid("id", e.to_string()))
}

/// A chain's links, segments and bill of materials.
#[utoipa::path(get, path = "/api/chains/{id}", tag = "chains", params(("id" = String, Path, description = "Chain id")),
    responses((status = 200, body = Chain), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_chain(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Chain>> {
    Ok(axum::Json(state.store().chain(&parse_chain(&id)?).await?))
}

/// Blank the per-enterprise capacities and shares of enterprises whose private fields `caller` may not
/// see. Totals per link and per region stay: they are the department's published figures.
fn redact(analysis: &ChainAnalysis, caller: &Caller) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(analysis)?;
    let hidden = |entry: &Value| {
        entry
            .get("credit_code")
            .and_then(Value::as_str)
            .and_then(|c| CreditCode::parse(c).ok())
            .is_none_or(|c| !caller.sees_private_of(&c))
    };
    let blank = |entry: &mut Value, fields: &[&str]| {
        if hidden(entry) {
            for f in fields {
                if let Some(x) = entry.get_mut(*f) {
                    *x = Value::Null;
                }
            }
        }
    };
    let each = |v: &mut Value, list: &str, f: &mut dyn FnMut(&mut Value)| {
        if let Some(items) = v.get_mut(list).and_then(Value::as_array_mut) {
            items.iter_mut().for_each(f);
        }
    };
    each(&mut v, "links", &mut |link| {
        each(link, "leading_producers", &mut |p| blank(p, &["capacity", "share"]));
    });
    each(&mut v, "gaps_to_fill", &mut |gap| each(gap, "candidates", &mut |c| blank(c, &["capacity"])));
    each(&mut v, "key_enterprises", &mut |k| blank(k, &["max_share"]));
    Ok(v)
}

/// The panorama of a chain in a scope: every link's status, capacity against demand, producers by region
/// and supply sources; breakpoints, bottlenecks, chokepoints, gaps to fill and key enterprises.
/// Per-enterprise capacities are `null` for enterprises whose private fields the caller may not see.
#[utoipa::path(get, path = "/api/chains/{id}/analysis", tag = "chains",
    params(("id" = String, Path, description = "Chain id"), ScopeParam),
    responses((status = 200, body = ChainAnalysis), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn analysis(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<ScopeParam>,
) -> ApiResult<Response> {
    let id = parse_chain(&id)?;
    let scope = parse_scope(p.scope.as_deref())?;
    // What the caller sees depends only on whose private fields it sees.
    let viewer = if caller.sees_all_private() {
        "all".to_string()
    } else {
        caller.user.enterprise.as_ref().map_or_else(|| "public".to_string(), |c| format!("own:{c}"))
    };
    let key = format!("analysis\u{0}{id}\u{0}{}\u{0}{viewer}", scope.key);
    if let Some(body) = state.cache().get(&key) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let generation = state.cache().generation();
    let a = chaindock_engine::analyze_chain(state.store(), &id, &scope, &Default::default()).await?;
    let bytes = if caller.sees_all_private() {
        serde_json::to_vec(&a)
    } else {
        redact(&a, &caller).and_then(|v| serde_json::to_vec(&v))
    }
    .map_err(|e| ApiError::internal(e.to_string()))?;
    let body = Bytes::from(bytes);
    state.cache().put(key, body.clone(), generation);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
