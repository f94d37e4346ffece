//! Risk exposure of a chain's nodes (the TTR/TTS programmes, ranked by REI), their stored parameters, and
//! disruption scenarios over the store's chains (issue 6).
//!
//! Who may do what: everybody logged in reads a chain's exposure and runs scenarios; demand, inventory and
//! capacity of a node are `null` for callers who may not see that enterprise's private fields (as the
//! registry hides capacities), and so is an alternative supplier's capacity. Only the department
//! (analysts and administrators) sets parameters.
//!
//! The programmes are CPU-bound: they run on tokio's blocking threads, and a chain's exposure is cached
//! (dropped on every write made through the server, a parameter edit among them).

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chaindock_engine::docking::city_name;
use chaindock_engine::exposure::{self, RiskReport, ScenarioReport};
use chaindock_model::{ChainId, CreditCode, LinkId, Region, RegionCode, RiskParameters, Role};
use chaindock_risk::{Disruption, ExposureOptions, LossProgramme, Window};
use chaindock_store::NewAudit;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Json;
use super::docking::{staff, today};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_risk)).routes(routes!(set_node_params)).routes(routes!(simulate))
}

/// One production site (an enterprise making a link) with its exposure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RiskNode {
    /// 1 = the highest risk exposure.
    pub rank: usize,
    /// `CREDITCODE:link`.
    pub node: String,
    pub enterprise: Option<String>,
    /// `enterprise name · link name`.
    pub name: Option<String>,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub unit: Option<String>,
    /// The enterprise's division code.
    pub region: Option<u32>,
    pub city_name: Option<String>,
    /// A finished product (its lost units count).
    pub product: bool,
    /// Time to recover, days.
    pub ttr_days: f64,
    /// Time to survive, days; `null`: the network never runs short without this node.
    pub tts_days: Option<f64>,
    /// Performance impact: units (weighted by `f`) lost while the node is out for its TTR.
    pub pi: f64,
    /// What is lost over the same days with nobody out.
    pub baseline: f64,
    /// Risk exposure index: PI over the chain's highest PI (0–1).
    pub rei: f64,
    /// TTS < TTR.
    pub flagged: bool,
    /// Whether the node can reach a finished product that loses (otherwise its PI is the baseline).
    pub relevant: bool,
    /// Profit (or weight) per unit of a finished product lost.
    pub f: f64,
    /// Demand per day; `null` when hidden from the caller.
    pub d: Option<f64>,
    /// Inventory on hand; `null` when hidden from the caller.
    pub s: Option<f64>,
    /// Capacity per day; `null` when hidden from the caller.
    pub c: Option<f64>,
    /// Parameters are stored for the node (set by hand or by an import); otherwise the documented defaults.
    pub stored: bool,
}

/// A supply edge of the network: `supplier` delivers `input` to `buyer`, `r` units per unit made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RiskEdge {
    pub supplier: String,
    pub buyer: String,
    pub input: String,
    pub r: f64,
}

/// A chain's risk exposure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RiskView {
    pub chain: String,
    pub chain_name: String,
    pub solver: String,
    /// How the programmes were solved.
    pub method: String,
    /// Wall time of the programmes.
    pub seconds: f64,
    pub max_pi: f64,
    /// The network's own time to survive (nobody out), days; `null`: never.
    pub base_tts_days: Option<f64>,
    /// Nodes whose TTS is shorter than their TTR.
    pub flagged: usize,
    /// Ranked by REI, highest first.
    pub nodes: Vec<RiskNode>,
    pub edges: Vec<RiskEdge>,
    pub warnings: Vec<String>,
    /// Whether the caller may edit node parameters (PUT /api/chains/{id}/risk/nodes/{node}).
    pub can_edit: bool,
}

fn parse_chain(id: &str) -> ApiResult<ChainId> {
    ChainId::parse(id).map_err(|e| ApiError::invalid("id", e.to_string()))
}

/// Run `f` (CPU-bound, awaiting only the store) on a blocking thread.
async fn blocking<T, F, Fut>(f: F) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, chaindock_engine::EngineError>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f()))
        .await
        .map_err(|e| ApiError::internal(format!("the computation failed: {e}")))?
        .map_err(ApiError::from)
}

/// The exposure of chain `id` as staff see it (nothing hidden, `can_edit`).
async fn compute_view(state: &AppState, id: &ChainId) -> ApiResult<RiskView> {
    let chain = state.store().chain(id).await?;
    let stored: HashSet<String> = state
        .store()
        .risk_parameters(id)
        .await?
        .iter()
        .map(|p| chaindock_engine::risk::node_id(p.enterprise.as_str(), p.link.as_str()))
        .collect();
    let store = state.store_arc();
    let chain_id = id.clone();
    let (report, file): (RiskReport, _) = blocking(move || async move {
        exposure::analyse_chain(store.as_ref(), &chain_id, ExposureOptions::default()).await
    })
    .await?;
    let link = |l: &Option<String>| l.as_deref().and_then(|l| chain.links.iter().find(|x| x.id.as_str() == l));
    let nodes = report
        .nodes
        .into_iter()
        .map(|r| RiskNode {
            rank: r.rank,
            link_name: link(&r.link).map(|l| l.name.clone()),
            unit: link(&r.link).map(|l| l.unit.to_string()),
            city_name: r.region.and_then(|c| RegionCode::parse(&c.to_string()).ok()).map(|c| city_name(c.city())),
            stored: stored.contains(&r.node),
            node: r.node,
            enterprise: r.enterprise,
            name: r.name,
            link: r.link,
            region: r.region,
            product: r.product,
            ttr_days: r.ttr_days,
            tts_days: r.tts_days,
            pi: r.pi,
            baseline: r.baseline,
            rei: r.rei,
            flagged: r.flagged,
            relevant: r.relevant,
            f: r.f,
            d: Some(r.d),
            s: Some(r.s),
            c: Some(r.c),
        })
        .collect();
    let edges = file
        .edges
        .into_iter()
        .map(|e| RiskEdge { supplier: e.supplier, buyer: e.buyer, input: e.input, r: e.r })
        .collect();
    Ok(RiskView {
        chain: id.to_string(),
        chain_name: chain.name,
        solver: report.solver,
        method: report.method,
        seconds: report.seconds,
        max_pi: report.max_pi,
        base_tts_days: report.base_tts_days,
        flagged: report.flagged,
        nodes,
        edges,
        warnings: report.warnings,
        can_edit: true,
    })
}

fn sees(caller: &Caller, enterprise: Option<&str>) -> bool {
    enterprise.and_then(|c| CreditCode::parse(c).ok()).is_some_and(|c| caller.sees_private_of(&c))
}

/// The staff view as `caller` may see it.
fn redact(mut view: RiskView, caller: &Caller) -> RiskView {
    view.can_edit = staff(caller);
    for n in &mut view.nodes {
        if !sees(caller, n.enterprise.as_deref()) {
            (n.d, n.s, n.c) = (None, None, None);
        }
    }
    view
}

/// What the caller sees depends only on whose private fields it sees (and staff see all and may edit).
fn viewer(caller: &Caller) -> String {
    if caller.sees_all_private() {
        "all".to_string()
    } else {
        caller.user.enterprise.as_ref().map_or_else(|| "public".to_string(), |c| format!("own:{c}"))
    }
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A chain's risk exposure: every production site with its time to recover (TTR) and to survive (TTS),
/// its performance impact (PI) and risk exposure index (REI), ranked; the supply edges; how it was solved.
/// Demand, inventory and capacity are `null` for enterprises whose private fields the caller may not see.
#[utoipa::path(get, path = "/api/chains/{id}/risk", tag = "risk", params(("id" = String, Path, description = "Chain id")),
    responses((status = 200, body = RiskView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn get_risk(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let id = parse_chain(&id)?;
    let full_key = format!("risk\u{0}{id}\u{0}all");
    let key = format!("risk\u{0}{id}\u{0}{}", viewer(&caller));
    if let Some(body) = state.cache().get(&key) {
        return Ok(json_body(body));
    }
    let generation = state.cache().generation();
    // The programmes run once per chain; other viewers' bodies are the staff body redacted.
    let full = match state.cache().get(&full_key) {
        Some(b) => serde_json::from_slice(&b).map_err(|e| ApiError::internal(e.to_string()))?,
        None => {
            let view = compute_view(&state, &id).await?;
            let b = Bytes::from(serde_json::to_vec(&view).map_err(|e| ApiError::internal(e.to_string()))?);
            state.cache().put(full_key.clone(), b, generation);
            view
        }
    };
    if key == full_key {
        // Staff: the body just stored (or about to be recomputed after a write in between).
        let b = Bytes::from(serde_json::to_vec(&full).map_err(|e| ApiError::internal(e.to_string()))?);
        return Ok(json_body(b));
    }
    let view = redact(full, &caller);
    let body = Bytes::from(serde_json::to_vec(&view).map_err(|e| ApiError::internal(e.to_string()))?);
    state.cache().put(key, body.clone(), generation);
    Ok(json_body(body))
}

/// A node's risk parameters; a parameter absent or `null` takes its documented default (so `{}` removes
/// what was stored).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskParamsInput {
    /// Profit (or weight) per unit of a finished product lost; ≥ 0.
    pub f: Option<f64>,
    /// Demand per day, in the link's unit (counts for finished products); ≥ 0.
    pub d: Option<f64>,
    /// Inventory on hand, in the link's unit; ≥ 0.
    pub s: Option<f64>,
    /// Time to recover, days; ≥ 0.
    pub ttr: Option<f64>,
    /// Whether the link is a finished product of this site.
    pub product: Option<bool>,
}

/// A node's stored risk parameters (`null`: the default).
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskParamsView {
    pub chain: String,
    pub node: String,
    pub enterprise: String,
    pub link: String,
    pub f: Option<f64>,
    pub d: Option<f64>,
    pub s: Option<f64>,
    pub ttr: Option<f64>,
    pub product: Option<bool>,
    /// Whether anything is stored now.
    pub stored: bool,
}

/// Set a node's risk parameters (analysts and administrators): the row replaces what was stored for the
/// node, with an audit entry; the chain's exposure is recomputed on the next read.
#[utoipa::path(put, path = "/api/chains/{id}/risk/nodes/{node}", tag = "risk", request_body = RiskParamsInput,
    params(("id" = String, Path, description = "Chain id"), ("node" = String, Path, description = "`CREDITCODE:link`"),
        ("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = RiskParamsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_node_params(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, node)): Path<(String, String)>,
    Json(input): Json<RiskParamsInput>,
) -> ApiResult<axum::Json<RiskParamsView>> {
    caller.require(&[Role::Admin, Role::Analyst], "setting risk parameters")?;
    let chain_id = parse_chain(&id)?;
    let chain = state.store().chain(&chain_id).await?;
    let unknown = || ApiError::not_found(format!("chain {chain_id} has no node {node:?} (write CREDITCODE:link)"));
    let (code, link) = node.split_once(':').ok_or_else(unknown)?;
    let code = CreditCode::parse(code).map_err(|_| unknown())?;
    let link = LinkId::parse(link).map_err(|_| unknown())?;
    if chain.link(&link).is_none() {
        return Err(unknown());
    }
    let rec = match state.store().enterprise_record(&code).await {
        Ok(r) => r,
        Err(chaindock_store::StoreError::NotFound { .. }) => return Err(unknown()),
        Err(e) => return Err(e.into()),
    };
    if !rec.links.iter().any(|l| l.chain == chain_id && l.link == link) {
        return Err(unknown());
    }
    for (field, value) in [("f", input.f), ("d", input.d), ("s", input.s), ("ttr", input.ttr)] {
        if let Some(v) = value
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(ApiError::invalid(field, format!("{field} is {v}; it must be a finite number ≥ 0")));
        }
    }
    let params = RiskParameters {
        f: input.f,
        d: input.d,
        s: input.s,
        ttr: input.ttr,
        product: input.product,
        ..RiskParameters::new(code.clone(), chain_id.clone(), link.clone())
    };
    let audit = NewAudit {
        username: Some(caller.user.username.clone()),
        action: "risk.set".into(),
        target: format!("chain:{chain_id}"),
        detail: serde_json::json!({ "node": node, "params": params }),
    };
    state.store().set_risk_parameters(std::slice::from_ref(&params), &audit).await?;
    state.changed();
    let stored =
        state.store().risk_parameters(&chain_id).await?.into_iter().find(|p| p.enterprise == code && p.link == link);
    let p = stored.as_ref().unwrap_or(&params);
    Ok(axum::Json(RiskParamsView {
        chain: chain_id.to_string(),
        node: chaindock_engine::risk::node_id(code.as_str(), link.as_str()),
        enterprise: code.to_string(),
        link: link.to_string(),
        f: p.f,
        d: p.d,
        s: p.s,
        ttr: p.ttr,
        product: p.product,
        stored: stored.is_some(),
    }))
}

/// A division by code (a number or a string) or by name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum DivisionKey {
    Code(u32),
    Name(String),
}

/// A disruption: divisions locked down, enterprises stopped, links cut, for `days` from day `start`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    /// One chain; every chain when absent.
    pub chain: Option<String>,
    /// Division codes or names (唐山市, 130200): every site in them stops.
    #[serde(default)]
    pub lockdown: Vec<DivisionKey>,
    /// Credit codes of enterprises that stop.
    #[serde(default)]
    pub stop: Vec<String>,
    /// Link ids: every producer of each stops.
    #[serde(default)]
    pub cut: Vec<String>,
    /// How long, > 0 (at most 3650).
    pub days: f64,
    /// The day it starts, ≥ 0 (0 = today, the default).
    pub start: Option<f64>,
    /// Whether to solve the loss programme (an LP over the whole network; the default, true). `false`
    /// gives the tiers, days and alternatives only, with `lost: null`: fast on large networks.
    pub loss: Option<bool>,
}

/// The longest disruption simulated.
const MAX_DAYS: f64 = 3650.0;

/// A site in a scenario.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioNode {
    pub chain: Option<String>,
    /// `CREDITCODE:link`.
    pub node: String,
    pub enterprise: Option<String>,
    /// `enterprise name · link name`.
    pub name: Option<String>,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub region: Option<u32>,
    /// The city's name.
    pub city: Option<String>,
    /// The day it runs out; `null`: never before the disruption ends.
    pub runs_out_day: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioTier {
    /// 1 = supplied directly by a disrupted site.
    pub tier: u32,
    /// How many of its nodes run out before the disruption ends.
    pub run_out: usize,
    pub nodes: Vec<ScenarioNode>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LostProduct {
    pub chain: Option<String>,
    pub link: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    /// Units lost with the disruption.
    pub lost: f64,
    /// What its sites are asked for over the same days.
    pub demand: f64,
    /// Units lost over the same days with nobody out.
    pub baseline: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LostEnterprise {
    pub enterprise: Option<String>,
    pub name: Option<String>,
    pub city: Option<String>,
    pub lost: f64,
    /// Names of the products it loses.
    pub products: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioLosses {
    pub by_product: Vec<LostProduct>,
    pub by_enterprise: Vec<LostEnterprise>,
    /// Σ f·lost with the disruption.
    pub total: f64,
    /// The same with nobody out.
    pub baseline: f64,
    /// total − baseline: what the disruption causes.
    pub caused: f64,
}

/// A supplier that could stand in.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlternativeSupplier {
    pub enterprise: String,
    pub name: String,
    /// Its city's code.
    pub city: Option<u32>,
    pub city_name: Option<String>,
    /// The docking score (0–100).
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    /// Units it can deliver by the end of the disruption; absent when the caller may not see its capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_by_due: Option<f64>,
}

/// An input that runs short at a buyer, with who could stand in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alternative {
    pub chain: Option<String>,
    /// The input link.
    pub input: String,
    pub input_name: Option<String>,
    pub unit: Option<String>,
    /// The buyer enterprise's credit code (or its node id when it has none).
    pub buyer: String,
    pub buyer_node: String,
    pub buyer_name: Option<String>,
    pub buyer_city: Option<String>,
    /// The first day it runs short.
    pub short_day: Option<f64>,
    /// Units missing from then to the end of the disruption.
    pub quantity: Option<f64>,
    pub suppliers: Vec<AlternativeSupplier>,
}

/// What a disruption does: the sites it stops (tier 0), the tiers downstream with the day each runs out,
/// the losses by product and by enterprise, and the alternatives for inputs that run short.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioResult {
    pub days: f64,
    pub start: f64,
    pub end: f64,
    /// Tier 0: the sites the disruption stops.
    pub disrupted: Vec<ScenarioNode>,
    /// Tiers 1 and beyond.
    pub tiers: Vec<ScenarioTier>,
    /// `null` when the request asked for no loss (`"loss": false`).
    pub lost: Option<ScenarioLosses>,
    pub alternatives: Vec<Alternative>,
    pub warnings: Vec<String>,
    /// Wall time of the simulation.
    pub seconds: f64,
}

fn scenario_node(n: exposure::ScenarioNode) -> ScenarioNode {
    ScenarioNode {
        chain: n.chain,
        node: n.node,
        enterprise: n.enterprise,
        name: n.name,
        link: n.link,
        link_name: n.link_name,
        region: n.region,
        city: n.city,
        runs_out_day: n.runs_out_day,
    }
}

impl ScenarioResult {
    /// The engine's report with the capacities `caller` may not see left out.
    fn of(r: ScenarioReport, caller: &Caller) -> Self {
        Self {
            days: r.days,
            start: r.start,
            end: r.end,
            disrupted: r.disrupted.into_iter().map(scenario_node).collect(),
            tiers: r
                .tiers
                .into_iter()
                .map(|t| ScenarioTier {
                    tier: t.tier,
                    run_out: t.run_out,
                    nodes: t.nodes.into_iter().map(scenario_node).collect(),
                })
                .collect(),
            lost: r.lost.map(|lost| ScenarioLosses {
                by_product: lost
                    .by_product
                    .into_iter()
                    .map(|p| LostProduct {
                        chain: p.chain,
                        link: p.link,
                        name: p.name,
                        unit: p.unit,
                        lost: p.lost,
                        demand: p.demand,
                        baseline: p.baseline,
                    })
                    .collect(),
                by_enterprise: lost
                    .by_enterprise
                    .into_iter()
                    .map(|e| LostEnterprise {
                        enterprise: e.enterprise,
                        name: e.name,
                        city: e.city,
                        lost: e.lost,
                        products: e.products,
                    })
                    .collect(),
                total: lost.total,
                baseline: lost.baseline,
                caused: lost.caused,
            }),
            alternatives: r
                .alternatives
                .into_iter()
                .map(|a| Alternative {
                    chain: a.chain,
                    input: a.input,
                    input_name: a.input_name,
                    unit: a.unit,
                    buyer: a.buyer,
                    buyer_node: a.buyer_node,
                    buyer_name: a.buyer_name,
                    buyer_city: a.buyer_city,
                    short_day: a.short_day,
                    quantity: a.quantity,
                    suppliers: a
                        .suppliers
                        .into_iter()
                        .map(|s| AlternativeSupplier {
                            capacity_by_due: s.capacity_by_due.filter(|_| sees(caller, Some(&s.enterprise))),
                            enterprise: s.enterprise,
                            name: s.name,
                            city: s.city,
                            city_name: s.city_name,
                            score: s.score,
                            distance_km: s.distance_km,
                        })
                        .collect(),
                })
                .collect(),
            warnings: r.warnings,
            seconds: r.seconds,
        }
    }
}

/// The disruption a request names, checked field by field.
async fn disruption(state: &AppState, req: &SimulateRequest, chain: Option<&ChainId>) -> ApiResult<Disruption> {
    if req.lockdown.is_empty() && req.stop.is_empty() && req.cut.is_empty() {
        return Err(ApiError::invalid(
            "lockdown",
            "nothing is disrupted: name divisions to lock down, enterprises to stop or links to cut",
        ));
    }
    let mut regions = Vec::new();
    for key in &req.lockdown {
        let text = match key {
            DivisionKey::Code(c) => c.to_string(),
            DivisionKey::Name(s) => s.trim().to_string(),
        };
        let r = Region::lookup(&text).map_err(|e| {
            ApiError::invalid("lockdown", format!("{text:?}: {e}; name a division of Beijing, Tianjin or Hebei"))
        })?;
        regions.push(r.code.as_u32());
    }
    let mut enterprises = Vec::new();
    for s in &req.stop {
        let code = CreditCode::parse(s.trim())
            .map_err(|e| ApiError::invalid("stop", format!("{s:?} is not a credit code: {e}")))?;
        match state.store().enterprise(&code).await {
            Ok(_) => enterprises.push(code.to_string()),
            Err(chaindock_store::StoreError::NotFound { .. }) => {
                return Err(ApiError::invalid("stop", format!("no enterprise {code} is registered")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let chains = match chain {
        Some(c) => vec![state.store().chain(c).await?],
        None => {
            let mut v = Vec::new();
            for c in state.store().chains().await? {
                v.push(state.store().chain(&c.id).await?);
            }
            v
        }
    };
    let mut links = Vec::new();
    for l in &req.cut {
        let l = l.trim();
        if !chains.iter().any(|c| c.links.iter().any(|x| x.id.as_str() == l)) {
            return Err(ApiError::invalid("cut", format!("{l:?} is not a link of the chains simulated")));
        }
        links.push(l.to_string());
    }
    Ok(Disruption { regions, enterprises, links })
}

/// Simulate a disruption over one chain or all: which sites stop, how it spreads downstream tier by tier
/// and when each site runs out, what is lost by product and by enterprise, and for every input that runs
/// short the suppliers outside the disruption that could stand in, ranked as docking ranks them.
#[utoipa::path(post, path = "/api/simulate", tag = "risk", request_body = SimulateRequest,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 200, body = ScenarioResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn simulate(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<SimulateRequest>,
) -> ApiResult<axum::Json<ScenarioResult>> {
    let chain = match req.chain.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            let id = ChainId::parse(c).map_err(|e| ApiError::invalid("chain", e.to_string()))?;
            match state.store().chain(&id).await {
                Ok(_) => Some(id),
                Err(chaindock_store::StoreError::NotFound { .. }) => {
                    return Err(ApiError::invalid("chain", format!("no chain {id}")));
                }
                Err(e) => return Err(e.into()),
            }
        }
        None => None,
    };
    let d = disruption(&state, &req, chain.as_ref()).await?;
    if !(req.days.is_finite() && req.days > 0.0 && req.days <= MAX_DAYS) {
        return Err(ApiError::invalid(
            "days",
            format!("days is {}; it must be more than 0 and at most {MAX_DAYS}", req.days),
        ));
    }
    let start = req.start.unwrap_or(0.0);
    if !(start.is_finite() && start >= 0.0) {
        return Err(ApiError::invalid("start", format!("start is {start}; it must be a day ≥ 0")));
    }
    let window = Window::new(start, req.days).map_err(|e| ApiError::invalid("days", e.to_string()))?;
    let loss = if req.loss.unwrap_or(true) { LossProgramme::Solve } else { LossProgramme::Skip };
    let store = state.store_arc();
    let today = today();
    let report = blocking(move || async move {
        exposure::simulate_store(store.as_ref(), chain.as_ref(), &d, window, loss, today).await
    })
    .await?;
    Ok(axum::Json(ScenarioResult::of(report, &caller)))
}
