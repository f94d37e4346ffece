//! The registry: regions, scopes, the dashboard, enterprises (list, page, create, edit).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chaindock_model::{CreditCode, Enterprise, GeoPoint, IndustryCode, Region, RegionCode, RegionLevel, Role, Scope};
use chaindock_store::{EnterpriseQuery, NewAudit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::views::{EnterpriseSummary, EnterpriseView, LngLat, RegionRef, RegionView, ScopeView};
use super::{Json, Query, parse_scope};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(scopes))
        .routes(routes!(regions))
        .routes(routes!(dashboard))
        .routes(routes!(list_enterprises, create_enterprise))
        .routes(routes!(get_enterprise, update_enterprise))
}

/// English names of the scopes' divisions (pinyin, as the cities write them).
fn name_en(code: RegionCode) -> &'static str {
    match code.as_u32() {
        110000 => "Beijing",
        120000 => "Tianjin",
        130000 => "Hebei",
        130100 => "Shijiazhuang",
        130200 => "Tangshan",
        130300 => "Qinhuangdao",
        130400 => "Handan",
        130500 => "Xingtai",
        130600 => "Baoding",
        130700 => "Zhangjiakou",
        130800 => "Chengde",
        130900 => "Cangzhou",
        131000 => "Langfang",
        131100 => "Hengshui",
        _ => "",
    }
}

/// The standard scopes an analysis can take.
#[utoipa::path(get, path = "/api/scopes", tag = "registry",
    responses((status = 200, body = Vec<ScopeView>), (status = 401, body = ErrorBody)))]
async fn scopes(_caller: Caller) -> axum::Json<Vec<ScopeView>> {
    axum::Json(Scope::standard().iter().map(scope_view).collect())
}

fn scope_view(s: &Scope) -> ScopeView {
    let en = match (s.key.as_str(), s.divisions.as_slice()) {
        ("bth", _) => "Beijing–Tianjin–Hebei".to_string(),
        (_, [one]) if !name_en(*one).is_empty() => name_en(*one).to_string(),
        _ => s.name.clone(),
    };
    ScopeView { key: s.key.clone(), name: s.name.clone(), name_en: en }
}

/// Every division of Beijing, Tianjin and Hebei (GB/T 2260), with coordinates.
#[utoipa::path(get, path = "/api/regions", tag = "registry",
    responses((status = 200, body = Vec<RegionView>), (status = 401, body = ErrorBody)))]
async fn regions(_caller: Caller) -> axum::Json<Vec<RegionView>> {
    axum::Json(Region::all().iter().map(RegionView::of).collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    pub enterprises: u64,
    pub chains: u64,
    pub producers: u64,
    pub supply: u64,
    /// Over all chains, in the scope.
    pub breakpoints: u64,
    pub bottlenecks: u64,
    pub chokepoints: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionCount {
    pub code: RegionCode,
    pub name: String,
    pub enterprises: u64,
}

/// One unit of the map: a Hebei city, or a district of Beijing or Tianjin.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapUnit {
    pub code: RegionCode,
    pub name: String,
    pub province: RegionCode,
    pub lng: f64,
    pub lat: f64,
    pub enterprises: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainCounts {
    pub id: String,
    pub name: String,
    pub links: u64,
    pub enterprises: u64,
    pub breakpoints: u64,
    pub bottlenecks: u64,
    pub chokepoints: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MapPoint {
    pub credit_code: CreditCode,
    pub name: String,
    pub lng: f64,
    pub lat: f64,
    pub city: RegionCode,
    pub leading: bool,
    pub specialised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub scope: ScopeView,
    pub totals: Totals,
    pub by_province: Vec<RegionCount>,
    pub by_city: Vec<MapUnit>,
    pub chains: Vec<ChainCounts>,
    /// At most [`MAX_POINTS`] enterprises.
    pub points: Vec<MapPoint>,
}

const MAX_POINTS: u64 = 5000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeParam {
    /// `bth` (default), `hebei`, `beijing`, `tianjin`, or a division code or name.
    pub scope: Option<String>,
}

/// The map units: Hebei's cities and the districts of the two municipalities.
fn map_units() -> Vec<&'static Region> {
    Region::all()
        .iter()
        .filter(|r| match r.code.province() {
            p if p == RegionCode::HEBEI => r.level == RegionLevel::City,
            _ => r.level == RegionLevel::County,
        })
        .collect()
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// KPIs, enterprises per province and per map unit, per-chain findings in the scope, and points for the
/// map.
#[utoipa::path(get, path = "/api/dashboard", tag = "registry", params(ScopeParam),
    responses((status = 200, body = Dashboard), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn dashboard(State(state): State<AppState>, _caller: Caller, Query(p): Query<ScopeParam>) -> ApiResult<Response> {
    let scope = parse_scope(p.scope.as_deref())?;
    let key = format!("dashboard\u{0}{}", scope.key);
    if let Some(body) = state.cache().get(&key) {
        return Ok(json_response(body));
    }
    let generation = state.cache().generation();
    let store = state.store();
    let stats = store.stats().await?;
    let mut chains = Vec::new();
    let (mut bp, mut bn, mut cp) = (0, 0, 0);
    for c in store.chains().await? {
        let a = chaindock_engine::analyze_chain(store, &c.id, &scope, &Default::default()).await?;
        let counts = (a.breakpoints.len() as u64, a.bottlenecks.len() as u64, a.chokepoints.len() as u64);
        bp += counts.0;
        bn += counts.1;
        cp += counts.2;
        chains.push(ChainCounts {
            id: c.id.to_string(),
            name: c.name,
            links: c.links,
            enterprises: c.enterprises,
            breakpoints: counts.0,
            bottlenecks: counts.1,
            chokepoints: counts.2,
        });
    }
    let mut by_city = Vec::new();
    for r in map_units() {
        let q = EnterpriseQuery { region: Some(r.code), limit: 0, ..Default::default() };
        let n = store.enterprises(&q).await?.total;
        by_city.push(MapUnit {
            code: r.code,
            name: r.name.clone(),
            province: r.code.province(),
            lng: r.location.lng,
            lat: r.location.lat,
            enterprises: n,
        });
    }
    // Leading and specialised enterprises first, then the rest, up to the bound.
    let mut points = BTreeMap::new();
    for filter in [Some(true), None] {
        let q = EnterpriseQuery { leading: filter, limit: MAX_POINTS, ..Default::default() };
        for e in store.enterprises(&q).await?.items {
            if points.len() as u64 >= MAX_POINTS {
                break;
            }
            let GeoPoint { lng, lat } = e.location();
            points.entry(e.credit_code.clone()).or_insert(MapPoint {
                credit_code: e.credit_code,
                name: e.name,
                lng,
                lat,
                city: e.region.city(),
                leading: e.leading,
                specialised: e.specialised,
            });
        }
    }
    let d = Dashboard {
        scope: scope_view(&scope),
        totals: Totals {
            enterprises: stats.enterprises,
            chains: stats.chains,
            producers: stats.producers,
            supply: stats.supply,
            breakpoints: bp,
            bottlenecks: bn,
            chokepoints: cp,
        },
        by_province: stats
            .enterprises_by_province
            .iter()
            .map(|(code, n)| RegionCount { code: *code, name: RegionRef::of(*code).name, enterprises: *n })
            .collect(),
        by_city,
        chains,
        points: points.into_values().collect(),
    };
    let body = Bytes::from(serde_json::to_vec(&d).map_err(|e| ApiError::internal(e.to_string()))?);
    state.cache().put(key, body.clone(), generation);
    Ok(json_response(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseFilter {
    /// Part of the name or an alias.
    pub q: Option<String>,
    /// A division code: a city includes its counties.
    pub region: Option<String>,
    /// A chain id: enterprises that make one of its links.
    pub chain: Option<String>,
    /// A GB/T 4754 code; a division (2 digits) matches its classes.
    pub industry: Option<String>,
    pub leading: Option<bool>,
    pub specialised: Option<bool>,
    /// `lng,lat,km`: only enterprises within that distance (full-text index).
    pub near: Option<String>,
    pub offset: Option<u64>,
    /// At most 500; 50 when absent.
    pub limit: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterprisePage {
    pub items: Vec<EnterpriseSummary>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

const MAX_LIMIT: u64 = 500;

/// Search and filter the registry.
#[utoipa::path(get, path = "/api/enterprises", tag = "registry", params(EnterpriseFilter),
    responses((status = 200, body = EnterprisePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_enterprises(
    State(state): State<AppState>,
    _caller: Caller,
    Query(f): Query<EnterpriseFilter>,
) -> ApiResult<axum::Json<EnterprisePage>> {
    let limit = f.limit.unwrap_or(50);
    if limit > MAX_LIMIT {
        return Err(ApiError::invalid("limit", format!("limit is at most {MAX_LIMIT}, not {limit}")));
    }
    let region = match f.region.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => {
            Some(chaindock_engine::import::parse_region(r).map_err(|e| ApiError::invalid("region", e.to_string()))?)
        }
        None => None,
    };
    let chain = match f.chain.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => Some(chaindock_model::ChainId::parse(c).map_err(|e| ApiError::invalid("chain", e.to_string()))?),
        None => None,
    };
    let industry = match f.industry.as_deref().filter(|s| !s.is_empty()) {
        Some(i) => Some(IndustryCode::parse(i).map_err(|e| ApiError::invalid("industry", e.to_string()))?),
        None => None,
    };
    let text = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let near = match f.near.as_deref().filter(|s| !s.is_empty()) {
        Some(n) => Some(parse_near(n)?),
        None => None,
    };
    let offset = f.offset.unwrap_or(0);
    // Words or a distance go to the full-text index (ranked by relevance); plain filters to the store.
    if (text.is_some() || near.is_some()) && industry.is_none() {
        let q = chaindock_search::SearchQuery {
            text: text.unwrap_or("").to_string(),
            region: region.map(|r| r.as_u32()),
            chain: chain.map(|c| c.to_string()),
            link: None,
            leading: f.leading,
            specialised: f.specialised,
            near,
            offset: offset as usize,
            limit: limit as usize,
        };
        let found = state.search().search(&q).map_err(|e| match e {
            chaindock_search::SearchError::Invalid(m) => ApiError::invalid("q", m),
            other => ApiError::internal(other.to_string()),
        })?;
        let mut items = Vec::with_capacity(found.hits.len());
        for h in &found.hits {
            // An index a moment behind the store may name an enterprise merged away since: skip it.
            if let Ok(code) = CreditCode::parse(&h.credit_code)
                && let Ok(e) = state.store().enterprise(&code).await
            {
                items.push(EnterpriseSummary::of(&e));
            }
        }
        return Ok(axum::Json(EnterprisePage { items, total: found.total as u64, offset, limit }));
    }
    let q = EnterpriseQuery {
        region,
        chain,
        industry,
        name_contains: text.map(chaindock_text::normalize),
        leading: f.leading,
        specialised: f.specialised,
        offset,
        limit,
    };
    let page = state.store().enterprises(&q).await?;
    Ok(axum::Json(EnterprisePage {
        items: page.items.iter().map(EnterpriseSummary::of).collect(),
        total: page.total,
        offset: q.offset,
        limit,
    }))
}

/// `lng,lat,km`.
fn parse_near(s: &str) -> ApiResult<(f64, f64, f64)> {
    let parts: Vec<f64> = s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
        ApiError::invalid("near", format!("{s:?}: write longitude,latitude,radius in km, e.g. 116.4,39.9,50"))
    })?;
    match parts.as_slice() {
        [lng, lat, km] if (-180.0..=180.0).contains(lng) && (-90.0..=90.0).contains(lat) && *km > 0.0 => {
            Ok((*lng, *lat, *km))
        }
        _ => Err(ApiError::invalid("near", format!("{s:?}: write longitude,latitude,radius in km (radius > 0)"))),
    }
}

fn parse_code(code: &str) -> ApiResult<CreditCode> {
    CreditCode::parse(code).map_err(|e| ApiError::invalid("credit_code", e.to_string()))
}

/// An enterprise's page; private fields only for the enterprise itself, analysts and administrators.
#[utoipa::path(get, path = "/api/enterprises/{credit_code}", tag = "registry",
    params(("credit_code" = String, Path, description = "Unified social credit code")),
    responses((status = 200, body = EnterpriseView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn get_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<EnterpriseView>> {
    let rec = state.store().enterprise_record(&parse_code(&code)?).await?;
    Ok(axum::Json(EnterpriseView::of(&rec, &caller)))
}

/// A new or edited enterprise. Text is normalised as on import (Traditional to Simplified, widths,
/// punctuation).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseInput {
    /// Required to create; must be absent or equal to the path's code to edit.
    pub credit_code: Option<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A division code or name (唐山市, 开平区).
    pub region: String,
    pub industry: Option<String>,
    pub location: Option<LngLat>,
    #[serde(default)]
    pub above_scale: bool,
    #[serde(default)]
    pub leading: bool,
    #[serde(default)]
    pub specialised: bool,
    pub description: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
    /// Required to edit: the `version` read.
    pub version: Option<i64>,
}

fn clean_text(field: &str, v: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    let Some(v) = v.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if v.chars().count() > max {
        return Err(ApiError::invalid(field, format!("{field} is longer than {max} characters")));
    }
    Ok(Some(chaindock_text::normalize(v)))
}

/// Validate `input` into an enterprise with `code`.
fn enterprise_from(code: CreditCode, input: &EnterpriseInput) -> ApiResult<Enterprise> {
    let name =
        clean_text("name", Some(&input.name), 200)?.ok_or_else(|| ApiError::invalid("name", "the name is empty"))?;
    let mut aliases = Vec::new();
    for a in &input.aliases {
        if let Some(a) = clean_text("aliases", Some(a), 200)?
            && a != name
            && !aliases.contains(&a)
        {
            aliases.push(a);
        }
    }
    let region = chaindock_engine::import::parse_region(&input.region)
        .map_err(|e| ApiError::invalid("region", e.to_string()))?;
    let industry = match input.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(i) => Some(IndustryCode::parse(i).map_err(|e| ApiError::invalid("industry", e.to_string()))?),
        None => None,
    };
    let location = match input.location {
        Some(LngLat { lng, lat }) => {
            // The three provinces lie within about 113–120° E and 36–43° N.
            if !(112.0..=121.0).contains(&lng) || !(35.0..=43.5).contains(&lat) {
                return Err(ApiError::invalid(
                    "location",
                    format!("({lng}, {lat}) is not in Beijing, Tianjin or Hebei (longitude 112–121, latitude 35–43.5)"),
                ));
            }
            Some(GeoPoint { lng, lat })
        }
        None => None,
    };
    let contact_phone = clean_text("contact_phone", input.contact_phone.as_deref(), 32)?;
    if let Some(p) = &contact_phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if digits < 5 || !p.chars().all(|c| c.is_ascii_digit() || " -+()转".contains(c)) {
            return Err(ApiError::invalid(
                "contact_phone",
                format!("{p:?} is not a telephone number (digits, spaces, - + ( ) only)"),
            ));
        }
    }
    Ok(Enterprise {
        credit_code: code,
        name,
        aliases,
        region,
        location,
        industry,
        above_scale: input.above_scale,
        leading: input.leading,
        specialised: input.specialised,
        illustrative: false,
        description: clean_text("description", input.description.as_deref(), 2000)?,
        contact_person: clean_text("contact_person", input.contact_person.as_deref(), 50)?,
        contact_phone,
    })
}

/// What changed between two versions of an enterprise, field by field, for the audit log.
fn changes(old: Option<&Enterprise>, new: &Enterprise) -> serde_json::Value {
    let new_v = serde_json::to_value(new).unwrap_or_default();
    let old_v = old.map(|o| serde_json::to_value(o).unwrap_or_default()).unwrap_or_default();
    let mut out = serde_json::Map::new();
    if let Some(fields) = new_v.as_object() {
        for (k, v) in fields {
            let before = old_v.get(k).cloned().unwrap_or(serde_json::Value::Null);
            if &before != v {
                out.insert(k.clone(), serde_json::json!([before, v]));
            }
        }
    }
    serde_json::Value::Object(out)
}

/// Register an enterprise (analysts and administrators).
#[utoipa::path(post, path = "/api/enterprises", tag = "registry", request_body = EnterpriseInput,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = EnterpriseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<EnterpriseInput>,
) -> ApiResult<(StatusCode, axum::Json<EnterpriseView>)> {
    caller.require(&[Role::Admin, Role::Analyst], "registering an enterprise")?;
    let code =
        input.credit_code.as_deref().ok_or_else(|| ApiError::invalid("credit_code", "the credit code is required"))?;
    if input.version.is_some() {
        return Err(ApiError::invalid("version", "a new enterprise has no version"));
    }
    let e = enterprise_from(parse_code(code)?, &input)?;
    let audit = NewAudit {
        username: Some(caller.user.username.clone()),
        action: "enterprise.create".into(),
        target: format!("enterprise:{}", e.credit_code),
        detail: changes(None, &e),
    };
    let rec = state.store().create_enterprise(&e, &audit).await?;
    state.changed();
    chaindock_engine::search::reindex(state.store(), state.search(), &rec.enterprise.credit_code).await?;
    Ok((StatusCode::CREATED, axum::Json(EnterpriseView::of(&rec, &caller))))
}

/// Fields an enterprise user may not change on its own record: official designations and identity.
const OFFICIAL_FIELDS: &[&str] = &["name", "region", "above_scale", "leading", "specialised"];

/// Edit an enterprise: analysts and administrators any, an enterprise user its own (except the official
/// designations: name, region, 规上, 龙头, 专精特新).
#[utoipa::path(put, path = "/api/enterprises/{credit_code}", tag = "registry", request_body = EnterpriseInput,
    params(("credit_code" = String, Path, description = "Unified social credit code"),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = EnterpriseView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Changed by someone else since `version`"),
        (status = 422, body = ErrorBody)))]
async fn update_enterprise(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(input): Json<EnterpriseInput>,
) -> ApiResult<axum::Json<EnterpriseView>> {
    let code = parse_code(&code)?;
    if !caller.sees_private_of(&code) {
        return Err(ApiError::forbidden(format!(
            "you ({}, {}) may edit only your own enterprise",
            caller.user.username,
            caller.user.role.as_str()
        )));
    }
    if input.credit_code.as_deref().is_some_and(|c| c.trim() != code.as_str()) {
        return Err(ApiError::invalid("credit_code", "the credit code cannot be changed"));
    }
    let version = input.version.ok_or_else(|| ApiError::invalid("version", "send the version you read"))?;
    let current = state.store().enterprise_record(&code).await?;
    let mut e = enterprise_from(code.clone(), &input)?;
    e.illustrative = current.enterprise.illustrative;
    let diff = changes(Some(&current.enterprise), &e);
    if caller.role() == Role::Enterprise
        && let Some(f) = OFFICIAL_FIELDS.iter().find(|f| diff.get(**f).is_some())
    {
        return Err(ApiError::forbidden(format!("{f} is an official designation; ask the department to change it"))
            .with_field(*f));
    }
    let audit = NewAudit {
        username: Some(caller.user.username.clone()),
        action: "enterprise.update".into(),
        target: format!("enterprise:{code}"),
        detail: diff,
    };
    let rec = state.store().update_enterprise(&e, version, &audit).await?;
    state.changed();
    chaindock_engine::search::reindex(state.store(), state.search(), &code).await?;
    Ok(axum::Json(EnterpriseView::of(&rec, &caller)))
}
