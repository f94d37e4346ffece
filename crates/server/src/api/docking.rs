//! Supply–demand docking: demands, offers, candidates, optimal plans, requests and deliveries.
//!
//! Who may do what: analysts and administrators everything; an enterprise user posts demands as buyer
//! and offers as supplier for its own enterprise, sees candidates and plans of its own demands only,
//! and answers and delivers the requests sent to it; experts read demands and requests.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chaindock_engine::docking::{self, Candidate, DockingOptions, DockingPlan};
use chaindock_model::{
    AllocationRequest, CreditCode, Delivery, Demand, DemandStatus, Offer, RegionCode, RequestStatus, Role,
};
use chaindock_store::{DemandQuery, NewAudit, RequestQuery};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Json, Query};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_demands, create_demand))
        .routes(routes!(get_demand))
        .routes(routes!(cancel_demand))
        .routes(routes!(candidates))
        .routes(routes!(plan))
        .routes(routes!(list_offers, create_offer))
        .routes(routes!(list_requests))
        .routes(routes!(respond))
        .routes(routes!(deliver))
        .routes(routes!(kpis))
}

/// Today as the docking and scenario handlers see it (UTC).
pub(super) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn audit(caller: &Caller, action: &str, target: String, detail: serde_json::Value) -> NewAudit {
    NewAudit { username: Some(caller.user.username.clone()), action: action.into(), target, detail }
}

/// The department: analysts and administrators.
pub(super) fn staff(caller: &Caller) -> bool {
    matches!(caller.role(), Role::Admin | Role::Analyst)
}

/// Staff, or the enterprise user acting for `code`.
fn staff_or(caller: &Caller, code: &CreditCode, what: &str) -> ApiResult<()> {
    if staff(caller) || (caller.role() == Role::Enterprise && caller.user.enterprise.as_ref() == Some(code)) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("{what} is for the department and for enterprise {code} itself")))
    }
}

fn region_list(field: &str, list: &[String]) -> ApiResult<Vec<RegionCode>> {
    list.iter()
        .map(|r| chaindock_engine::import::parse_region(r).map_err(|e| ApiError::invalid(field, e.to_string())))
        .collect()
}

fn parse_code(field: &str, s: &str) -> ApiResult<CreditCode> {
    CreditCode::parse(s).map_err(|e| ApiError::invalid(field, e.to_string()))
}

async fn all_chains(state: &AppState) -> ApiResult<Vec<chaindock_model::Chain>> {
    let mut out = Vec::new();
    for c in state.store().chains().await? {
        out.push(state.store().chain(&c.id).await?);
    }
    Ok(out)
}

/// The chain link a product names, and its unit.
async fn resolve(state: &AppState, product: &str) -> ApiResult<(chaindock_model::ChainId, chaindock_model::ChainLink)> {
    let chains = all_chains(state).await?;
    let (chain, link) =
        docking::resolve_product(&chains, product).map_err(|e| ApiError::invalid("product", e.to_string()))?;
    let l = chains.iter().find(|c| c.id == chain).and_then(|c| c.link(&link)).cloned();
    Ok((chain, l.ok_or_else(|| ApiError::invalid("product", "the link vanished"))?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DemandFilter {
    /// open, planned, covered, delivered or cancelled.
    pub status: Option<String>,
    /// A buyer's credit code.
    pub buyer: Option<String>,
}

/// Demands, most urgent first.
#[utoipa::path(get, path = "/api/demands", tag = "docking", params(DemandFilter),
    responses((status = 200, body = Vec<Demand>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_demands(
    State(state): State<AppState>,
    _caller: Caller,
    Query(f): Query<DemandFilter>,
) -> ApiResult<axum::Json<Vec<Demand>>> {
    let status = f
        .status
        .as_deref()
        .map(DemandStatus::parse)
        .transpose()
        .map_err(|e| ApiError::invalid("status", e.to_string()))?;
    let buyer = f.buyer.as_deref().map(|b| parse_code("buyer", b)).transpose()?;
    Ok(axum::Json(state.store().demands(&DemandQuery { status, buyer, ids: None }).await?))
}

/// A demand as posted: the product in words or as chain/link, the quantity as people write it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandInput {
    pub buyer: String,
    /// `chain/link`, a link id or name, or words of a link's name.
    pub product: String,
    /// `11000`, `1.1万`, `1.1万件`, in the product's unit.
    pub quantity: String,
    /// YYYY-MM-DD, today or later.
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    /// A division code or name, or an address.
    pub deliver_to: String,
    /// 1 (most urgent) to 5; 3 when absent.
    pub priority: Option<u8>,
    #[serde(default)]
    pub excluded_regions: Vec<String>,
    #[serde(default)]
    pub excluded_suppliers: Vec<String>,
    #[serde(default)]
    pub certifications: Vec<String>,
    pub note: Option<String>,
}

/// Post a demand (the department, or an enterprise user for its own enterprise).
#[utoipa::path(post, path = "/api/demands", tag = "docking", request_body = DemandInput,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = Demand), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_demand(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<DemandInput>,
) -> ApiResult<(StatusCode, axum::Json<Demand>)> {
    let buyer = parse_code("buyer", &input.buyer)?;
    staff_or(&caller, &buyer, "posting a demand")?;
    let (chain, link) = resolve(&state, &input.product).await?;
    let quantity =
        docking::parse_quantity_in(&input.quantity, &link.unit).map_err(|m| ApiError::invalid("quantity", m))?;
    let today = today();
    if input.due < today {
        return Err(ApiError::invalid("due", format!("the due date {} is in the past (today is {today})", input.due)));
    }
    let delivery_region = chaindock_engine::import::parse_region(&input.deliver_to)
        .map_err(|e| ApiError::invalid("deliver_to", e.to_string()))?;
    let d = Demand {
        id: 0,
        buyer,
        chain,
        product: link.name.clone(),
        link: link.id.clone(),
        quantity,
        unit: link.unit.clone(),
        due: input.due,
        created: today,
        delivery_region,
        certifications: input.certifications.clone(),
        excluded_suppliers: input
            .excluded_suppliers
            .iter()
            .map(|c| parse_code("excluded_suppliers", c))
            .collect::<ApiResult<_>>()?,
        excluded_regions: region_list("excluded_regions", &input.excluded_regions)?,
        priority: input.priority.unwrap_or(3),
        status: DemandStatus::Open,
        note: input.note.clone().filter(|n| !n.trim().is_empty()),
    };
    if !(1..=5).contains(&d.priority) {
        return Err(ApiError::invalid(
            "priority",
            format!("priority {} is not between 1 (most urgent) and 5", d.priority),
        ));
    }
    d.validate().map_err(|e| ApiError::invalid("quantity", e.to_string()))?;
    let a = audit(
        &caller,
        "demand.create",
        format!("enterprise:{}", d.buyer),
        serde_json::json!({ "product": d.product, "quantity": d.quantity }),
    );
    let stored = state.store().create_demand(&d, &a).await?;
    Ok((StatusCode::CREATED, axum::Json(stored)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DemandDetail {
    pub demand: Demand,
    pub requests: Vec<AllocationRequest>,
}

/// A demand with its requests.
#[utoipa::path(get, path = "/api/demands/{id}", tag = "docking", params(("id" = i64, Path, description = "Demand id")),
    responses((status = 200, body = DemandDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_demand(
    State(state): State<AppState>,
    _caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<DemandDetail>> {
    let demand = state.store().demand(id).await?;
    let requests = state.store().requests(&RequestQuery { demand: Some(id), ..Default::default() }).await?;
    Ok(axum::Json(DemandDetail { demand, requests }))
}

/// Cancel a demand; pending requests are withdrawn.
#[utoipa::path(post, path = "/api/demands/{id}/cancel", tag = "docking",
    params(("id" = i64, Path, description = "Demand id"), ("X-CSRF-Token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = Demand), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_demand(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Demand>> {
    let d = state.store().demand(id).await?;
    staff_or(&caller, &d.buyer, "cancelling a demand")?;
    let a = audit(&caller, "demand.cancel", format!("demand:{id}"), serde_json::json!({}));
    Ok(axum::Json(state.store().cancel_demand(id, &a).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandidateParams {
    /// Leave out suppliers in these divisions (comma-separated codes or names), e.g. a locked-down city.
    pub exclude_regions: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    pub demand: Demand,
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<Candidate>,
    /// Enterprises the full-text index finds for the product's name that neither make the link nor
    /// offered it: worth a call, but with no known capacity they take no part in a plan.
    pub found_by_text: Vec<TextCandidate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TextCandidate {
    pub credit_code: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub city_name: String,
    /// Relevance from the index, comparable within this list only.
    pub score: f32,
}

fn split_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("").split([',', '，', ';']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

/// The ranked candidates of a demand with the parts of each score (the department and the buyer).
#[utoipa::path(get, path = "/api/demands/{id}/candidates", tag = "docking",
    params(("id" = i64, Path, description = "Demand id"), CandidateParams),
    responses((status = 200, body = CandidateList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn candidates(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(p): Query<CandidateParams>,
) -> ApiResult<axum::Json<CandidateList>> {
    let d = state.store().demand(id).await?;
    staff_or(&caller, &d.buyer, "a demand's candidates")?;
    let mut opts = DockingOptions::new(today());
    opts.excluded_regions = region_list("exclude_regions", &split_list(p.exclude_regions.as_deref()))?;
    let (demand, candidates) = docking::candidates_for(state.store(), id, &opts).await?;
    let q = chaindock_search::SearchQuery { text: demand.product.clone(), limit: 50, ..Default::default() };
    let hits = state.search().search(&q).map_err(|e| ApiError::internal(e.to_string()))?.hits;
    let mut found_by_text = Vec::new();
    for h in hits {
        let Ok(code) = CreditCode::parse(&h.credit_code) else { continue };
        if candidates.iter().any(|c| c.supplier == code) {
            continue;
        }
        let Ok(e) = state.store().enterprise(&code).await else { continue };
        if !demand.admits(&code, e.region) || opts.excluded_regions.iter().any(|r| r.contains(e.region)) {
            continue;
        }
        found_by_text.push(TextCandidate {
            credit_code: code,
            name: e.name,
            region: e.region,
            city_name: docking::city_name(e.region.city()),
            score: h.score,
        });
        if found_by_text.len() == 20 {
            break;
        }
    }
    Ok(axum::Json(CandidateList { demand, candidates, found_by_text }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Demand ids, solved together.
    pub demands: Vec<i64>,
    #[serde(default)]
    pub exclude_regions: Vec<String>,
    /// The most one supplier may take of a demand; 0.3 when absent.
    pub share_cap: Option<f64>,
    /// Send the plan to the suppliers as requests (replacing the demands' pending ones); `exclude_regions`
    /// are then stored with the demands, so that a re-plan after a decline keeps to them too.
    #[serde(default)]
    pub send: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanResponse {
    #[schema(value_type = Object)]
    pub plan: DockingPlan,
    /// The instance in the export form, so that anyone can re-solve it.
    #[schema(value_type = Object)]
    pub instance: chaindock_alloc::Instance,
    /// Requests sent (when `send`).
    pub sent: Vec<AllocationRequest>,
}

/// Split demands optimally among their candidates (the department).
#[utoipa::path(post, path = "/api/plan", tag = "docking", request_body = PlanRequest,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = PlanResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn plan(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PlanRequest>,
) -> ApiResult<axum::Json<PlanResponse>> {
    caller.require(&[Role::Admin, Role::Analyst], "planning")?;
    if req.demands.is_empty() {
        return Err(ApiError::invalid("demands", "name at least one demand"));
    }
    let share_cap = req.share_cap.unwrap_or(0.3);
    if !(share_cap > 0.0 && share_cap <= 1.0) {
        return Err(ApiError::invalid("share_cap", format!("the share cap must lie in (0, 1], not {share_cap}")));
    }
    let mut opts = DockingOptions::new(today());
    opts.share_cap = share_cap;
    opts.excluded_regions = region_list("exclude_regions", &req.exclude_regions)?;
    let (_, instance, plan) = docking::plan_demands(state.store(), &req.demands, &opts).await?;
    let sent = if req.send {
        docking::send_plan(state.store(), &plan, Some(&caller.user.username)).await?
    } else {
        Vec::new()
    };
    Ok(axum::Json(PlanResponse { plan, instance, sent }))
}

/// Offers of free capacity.
#[utoipa::path(get, path = "/api/offers", tag = "docking",
    responses((status = 200, body = Vec<Offer>), (status = 401, body = ErrorBody)))]
async fn list_offers(State(state): State<AppState>, _caller: Caller) -> ApiResult<axum::Json<Vec<Offer>>> {
    Ok(axum::Json(state.store().offers(None, None).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    pub supplier: String,
    pub product: String,
    pub quantity: String,
    #[schema(value_type = String, format = Date)]
    pub available_from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub available_until: NaiveDate,
    pub unit_price: f64,
    pub lead_time_days: u32,
}

/// Post free capacity (the department, or an enterprise user for its own enterprise).
#[utoipa::path(post, path = "/api/offers", tag = "docking", request_body = OfferInput,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 201, body = Offer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_offer(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<OfferInput>,
) -> ApiResult<(StatusCode, axum::Json<Offer>)> {
    let supplier = parse_code("supplier", &input.supplier)?;
    staff_or(&caller, &supplier, "posting an offer")?;
    let (chain, link) = resolve(&state, &input.product).await?;
    let o = Offer {
        id: 0,
        supplier,
        chain,
        link: link.id.clone(),
        quantity: docking::parse_quantity_in(&input.quantity, &link.unit)
            .map_err(|m| ApiError::invalid("quantity", m))?,
        unit: link.unit.clone(),
        available_from: input.available_from,
        available_until: input.available_until,
        unit_price: input.unit_price,
        lead_time_days: input.lead_time_days,
    };
    if !o.unit_price.is_finite() || o.unit_price < 0.0 {
        return Err(ApiError::invalid(
            "unit_price",
            format!("the unit price {} is not a non-negative amount", o.unit_price),
        ));
    }
    if o.available_until < o.available_from {
        return Err(ApiError::invalid(
            "available_until",
            format!("available until {} is before available from {}", o.available_until, o.available_from),
        ));
    }
    if o.lead_time_days > 365 {
        return Err(ApiError::invalid(
            "lead_time_days",
            format!("a lead time of {} days is more than a year", o.lead_time_days),
        ));
    }
    o.validate().map_err(|e| ApiError::invalid("quantity", e.to_string()))?;
    let a = audit(
        &caller,
        "offer.create",
        format!("enterprise:{}", o.supplier),
        serde_json::json!({ "link": o.link, "quantity": o.quantity }),
    );
    Ok((StatusCode::CREATED, axum::Json(state.store().create_offer(&o, &a).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    pub demand: Option<i64>,
    pub supplier: Option<String>,
}

/// Requests: all for the department and experts; for an enterprise user those sent to it and those
/// for its demands.
#[utoipa::path(get, path = "/api/requests", tag = "docking", params(RequestFilter),
    responses((status = 200, body = Vec<AllocationRequest>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_requests(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<RequestFilter>,
) -> ApiResult<axum::Json<Vec<AllocationRequest>>> {
    let supplier = f.supplier.as_deref().map(|s| parse_code("supplier", s)).transpose()?;
    let mut list = state.store().requests(&RequestQuery { demand: f.demand, supplier, status: None }).await?;
    if caller.role() == Role::Enterprise {
        let own = caller.user.enterprise.clone();
        let mine: Vec<i64> = match &own {
            Some(c) => state
                .store()
                .demands(&DemandQuery { buyer: Some(c.clone()), ..Default::default() })
                .await?
                .iter()
                .map(|d| d.id)
                .collect(),
            None => Vec::new(),
        };
        list.retain(|r| Some(&r.supplier) == own.as_ref() || mine.contains(&r.demand));
    }
    Ok(axum::Json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub accept: bool,
    /// Required to decline.
    pub reason: Option<String>,
    /// With a decline: re-plan the demand's shortfall at once among suppliers not asked yet (the default);
    /// `false` only declines. Ignored with an acceptance.
    pub replan: Option<bool>,
}

/// The answer as stored and, after a decline, the re-plan of the demand's shortfall.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerResponse {
    pub request: AllocationRequest,
    /// The re-plan in full (the shortfall, the suppliers left out, the plan with what stays unmet and why,
    /// the instance, the requests sent), for the department and the demand's buyer; `null` after an
    /// acceptance, with `replan: false`, when the re-plan failed, or for a caller who may not see the
    /// demand's plans (the declining supplier: see `replan_summary`).
    #[schema(value_type = Option<Object>)]
    pub replan: Option<docking::Replan>,
    /// Why the re-plan failed; the decline stands.
    pub replan_error: Option<String>,
    /// What the re-plan did, in numbers anyone who may answer the request may see.
    pub replan_summary: Option<ReplanSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplanSummary {
    pub demand: i64,
    /// The demand's quantity less its accepted and pending requests when the re-plan began.
    pub shortfall: u64,
    /// Units sent as new requests.
    pub allocated: u64,
    /// Requests sent, one per supplier.
    pub requests: usize,
    /// Units no supplier not asked yet can take.
    pub unmet: u64,
    pub unmet_reason: Option<String>,
}

impl ReplanSummary {
    fn of(p: &docking::Replan) -> Self {
        let outcome = p.plan.demands.first();
        Self {
            demand: p.demand,
            shortfall: p.shortfall,
            allocated: p.sent.iter().map(|r| r.quantity).sum(),
            requests: p.sent.len(),
            unmet: outcome.map_or(0, |o| o.unmet),
            unmet_reason: outcome.and_then(|o| o.unmet_reason.clone()),
        }
    }
}

async fn request_by_id(state: &AppState, id: i64) -> ApiResult<AllocationRequest> {
    state
        .store()
        .requests(&RequestQuery::default())
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found(format!("request {id} not found")))
}

/// The supplier accepts or declines a request (its enterprise user, or the department for it). A decline
/// re-plans the demand's shortfall at once (its quantity less its accepted and pending requests) among
/// suppliers it has not asked yet, within the share cap of 30% of the whole demand and the demand's
/// excluded regions, and sends the new requests beside the pending ones; `"replan": false` only declines.
/// A failed re-plan leaves the decline standing and says why in `replan_error`.
#[utoipa::path(post, path = "/api/requests/{id}/answer", tag = "docking", request_body = Answer,
    params(("id" = i64, Path, description = "Request id"), ("X-CSRF-Token" = String, Header, description = "CSRF token")),
    responses((status = 200, body = AnswerResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(a): Json<Answer>,
) -> ApiResult<axum::Json<AnswerResponse>> {
    let r = request_by_id(&state, id).await?;
    staff_or(&caller, &r.supplier, "answering a request")?;
    let action = if a.accept { "request.accept" } else { "request.decline" };
    let au = audit(&caller, action, format!("request:{id}"), serde_json::json!({ "reason": a.reason }));
    let reason = a.reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if !a.accept && reason.is_none() {
        return Err(ApiError::invalid("reason", "say why the request is declined"));
    }
    let request = state.store().respond_request(id, a.accept, reason, &au).await?;
    let mut out = AnswerResponse { request, replan: None, replan_error: None, replan_summary: None };
    if a.accept || a.replan == Some(false) {
        return Ok(axum::Json(out));
    }
    let opts = DockingOptions::new(today());
    match docking::replan_after_decline(state.store(), out.request.demand, &opts, Some(&caller.user.username)).await {
        Ok(p) => {
            out.replan_summary = Some(ReplanSummary::of(&p));
            let buyer = state.store().demand(p.demand).await?.buyer;
            if staff_or(&caller, &buyer, "a demand's plans").is_ok() {
                out.replan = Some(p);
            }
        }
        Err(e) => out.replan_error = Some(e.to_string()),
    }
    Ok(axum::Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    pub quantity: u64,
    /// Today when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub delivered_on: Option<NaiveDate>,
}

/// Record units delivered against an accepted request (the department, the supplier or the buyer).
#[utoipa::path(post, path = "/api/requests/{id}/deliveries", tag = "docking", request_body = DeliveryInput,
    params(("id" = i64, Path, description = "Request id"), ("X-CSRF-Token" = String, Header, description = "CSRF token")),
    responses((status = 201, body = Delivery), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn deliver(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<DeliveryInput>,
) -> ApiResult<(StatusCode, axum::Json<Delivery>)> {
    let r = request_by_id(&state, id).await?;
    let buyer = state.store().demand(r.demand).await?.buyer;
    if staff_or(&caller, &r.supplier, "recording a delivery").is_err() {
        staff_or(&caller, &buyer, "recording a delivery")?;
    }
    let on = input.delivered_on.unwrap_or_else(today);
    let a = audit(&caller, "delivery", format!("request:{id}"), serde_json::json!({ "quantity": input.quantity }));
    Ok((StatusCode::CREATED, axum::Json(state.store().record_delivery(id, input.quantity, on, &a).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DockingKpis {
    pub demands: usize,
    pub open: usize,
    /// Covered or delivered.
    pub fully_met: usize,
    pub delivered: usize,
    /// Distinct suppliers with an accepted request.
    pub enterprises_engaged: usize,
    pub requests_pending: usize,
    pub requests_declined: usize,
    /// Units delivered, summed over demands (each in its own unit).
    pub units_delivered: u64,
    /// Mean days from posting to full cover, over fully met demands (the day of the last acceptance).
    pub mean_days_to_cover: Option<f64>,
}

/// Docking KPIs for the dashboard.
#[utoipa::path(get, path = "/api/docking/kpis", tag = "docking",
    responses((status = 200, body = DockingKpis), (status = 401, body = ErrorBody)))]
async fn kpis(State(state): State<AppState>, _caller: Caller) -> ApiResult<axum::Json<DockingKpis>> {
    let demands = state.store().demands(&DemandQuery::default()).await?;
    let requests = state.store().requests(&RequestQuery::default()).await?;
    let met: Vec<&Demand> =
        demands.iter().filter(|d| matches!(d.status, DemandStatus::Covered | DemandStatus::Delivered)).collect();
    let days: Vec<f64> = met
        .iter()
        .filter_map(|d| {
            let last = requests
                .iter()
                .filter(|r| r.demand == d.id && r.status == RequestStatus::Accepted)
                .filter_map(|r| r.responded_at.as_deref())
                .filter_map(|t| t.get(..10)?.parse::<NaiveDate>().ok())
                .max()?;
            Some((last - d.created).num_days() as f64)
        })
        .collect();
    let engaged: std::collections::HashSet<&CreditCode> =
        requests.iter().filter(|r| r.status == RequestStatus::Accepted).map(|r| &r.supplier).collect();
    Ok(axum::Json(DockingKpis {
        demands: demands.len(),
        open: demands.iter().filter(|d| d.status == DemandStatus::Open).count(),
        fully_met: met.len(),
        delivered: demands.iter().filter(|d| d.status == DemandStatus::Delivered).count(),
        enterprises_engaged: engaged.len(),
        requests_pending: requests.iter().filter(|r| r.status == RequestStatus::Pending).count(),
        requests_declined: requests.iter().filter(|r| r.status == RequestStatus::Declined).count(),
        units_delivered: requests.iter().map(|r| r.delivered).sum(),
        mean_days_to_cover: (!days.is_empty()).then(|| days.iter().sum::<f64>() / days.len() as f64),
    }))
}
