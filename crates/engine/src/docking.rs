//! Supply–demand docking (供需对接): from a demand to ranked candidates and an optimal split.
//!
//! # Candidates
//!
//! A supplier is a candidate for a demand when it makes the demanded link (a producer of the chain), has
//! offered free capacity for it, or makes a *related* link: the same product in another chain (a link
//! with the same id or name and unit). (GB/T 4754 classes were tried as relatedness and are too coarse:
//! 3670 holds every car part.) Suppliers the demand excludes, suppliers in excluded regions (the demand's
//! and the plan's, e.g. a locked-down city) and the buyer itself are left out.
//!
//! # Free capacity by the due date
//!
//! An offer delivers evenly over its period after its lead time ([`Offer::ready_by`]). A producer that
//! has not offered anything is assumed to spare [`DockingOptions::spare_fraction`] of its daily capacity
//! from tomorrow on, shipped after [`DockingOptions::default_lead_days`]; such capacity is marked
//! `assumed`.
//!
//! # Cost per unit
//!
//! price + transport + lateness. The price is the supplier's offer price, else the median offer price of
//! the link, else unknown (0, and said so). Transport is the great-circle distance between the supplier's
//! division and the delivery division times a rate per unit-km ([`DockingOptions::transport_per_unit_km`],
//! by default 0.45 yuan per tonne-km for links measured in tonnes and 0.002 yuan per piece-km otherwise).
//! Lateness is zero: a supplier contributes only what it can deliver by the due date.
//!
//! # Score (0–100), every part shown
//!
//! | part | weight | value in 0..1 |
//! |---|---|---|
//! | product fit | 30 | 1 for the demanded link, 0.6 for a related link |
//! | free capacity | 25 | capacity by the due date / quantity, at most 1 |
//! | distance | 15 | 1 − distance / 600 km, at least 0 |
//! | lead time | 10 | 1 − lead time / days to the due date, at least 0 |
//! | delivery record | 10 | (delivered units + 1) / (requested units + 2): 0.5 without history |
//! | leading / 专精特新 | 10 | 0.6 if leading + 0.4 if specialised |
//!
//! # Allocation
//!
//! The demands, their candidates and capacities become an [`Instance`] of `chaindock-alloc` (the form
//! `--export-instance` writes): an arc per (demand, candidate) with the unit cost and
//! `max_quantity = min(⌊share cap × quantity⌋, capacity by the due date)`; per supplier and link a limit
//! for each due date among the demands for that link, over the demands due by then, equal to the
//! capacity by that date (nested, so the solver can use the linear relaxation). Unmet units cost
//! `(6 − priority) × (2 × the largest unit cost + 1)`, so a more urgent demand is always served first and
//! any supplier is better than none.
//!
//! # Sending, and the re-plan after a decline
//!
//! [`send_plan`] sends a plan as requests (a demand's pending requests are withdrawn and replaced) and
//! stores the plan's lockdown with each demand, so that it outlives the plan. When a supplier declines,
//! [`replan_after_decline`] plans the shortfall at once: the demand's quantity less its accepted and pending
//! requests, among the suppliers it has not asked yet, through the same instance and solver; the new requests
//! join the pending ones. A demand planned for a remainder keeps its share cap on its whole quantity
//! ([`DockingOptions::share_of`]): 30% of 11,000 is 3,300 for a new supplier whether 8,000 or nothing is
//! covered already.

use std::collections::{BTreeMap, HashMap};

use chaindock_alloc::{Instance, Plan};
use chaindock_model::{
    AllocationRequest, ChainId, ChainSnapshot, CreditCode, Demand, GeoPoint, LinkId, Offer, RegionCode, RequestStatus,
    Unit,
};
use chaindock_store::{DemandQuery, NewAudit, NewRequest, RequestQuery, Store, SupplierRecord};
use chrono::NaiveDate;
use serde::Serialize;

use crate::EngineError;

/// Assumptions and exclusions of a matching or a plan.
#[derive(Debug, Clone)]
pub struct DockingOptions {
    pub today: NaiveDate,
    /// Share of its daily capacity a producer without an offer is assumed to spare.
    pub spare_fraction: f64,
    pub default_lead_days: u32,
    /// Yuan per unit and km; `None`: 0.45 per tonne-km for tonnes, 0.002 per unit-km otherwise.
    pub transport_per_unit_km: Option<f64>,
    /// No supplier takes more than this share of a demand: of its whole quantity, also when only a
    /// remainder is planned (see [`DockingOptions::share_of`]).
    pub share_cap: f64,
    /// The quantity the share cap is taken of, by demand id, for demands planned for a remainder (what
    /// accepted or pending requests leave): their whole quantity, so that a re-plan lets a new supplier take
    /// up to `share_cap ×` the demand, not `×` the remainder. A demand not listed: the quantity planned.
    pub share_of: BTreeMap<i64, u64>,
    /// Divisions no supplier may lie in, besides each demand's own exclusions (a lockdown).
    pub excluded_regions: Vec<RegionCode>,
    /// Candidates kept per demand, best score first.
    pub max_candidates: usize,
}

impl DockingOptions {
    pub fn new(today: NaiveDate) -> Self {
        Self {
            today,
            spare_fraction: 0.2,
            default_lead_days: 2,
            transport_per_unit_km: None,
            share_cap: 0.3,
            share_of: BTreeMap::new(),
            excluded_regions: Vec::new(),
            max_candidates: 200,
        }
    }

    fn transport_rate(&self, unit: &Unit) -> f64 {
        self.transport_per_unit_km.unwrap_or(if unit.as_str() == "吨" { 0.45 } else { 0.002 })
    }

    /// The most one supplier may take of `d`: ⌊share cap × the demand's whole quantity⌋.
    pub fn cap(&self, d: &Demand) -> u64 {
        let base = self.share_of.get(&d.id).copied().unwrap_or(d.quantity);
        (self.share_cap * base as f64).floor() as u64
    }
}

/// How a candidate was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// It makes or offers the demanded link.
    Link,
    /// It makes the same product in another chain.
    Related,
}

/// The parts of a score, each in 0..1, and the weighted total in 0..100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreParts {
    pub product_fit: f64,
    pub free_capacity: f64,
    pub distance: f64,
    pub lead_time: f64,
    pub delivery_record: f64,
    pub flags: f64,
    pub total: f64,
}

const WEIGHTS: [f64; 6] = [30.0, 25.0, 15.0, 10.0, 10.0, 10.0];

/// One capable supplier for a demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub supplier: CreditCode,
    pub name: String,
    pub region: RegionCode,
    pub city: RegionCode,
    pub city_name: String,
    pub fit: Fit,
    /// The chain and link it makes (the demanded one, or the related one).
    pub chain: ChainId,
    pub link: LinkId,
    /// Units it can deliver by the due date.
    pub capacity_by_due: u64,
    /// True when no offer backs the capacity (a producer's assumed spare capacity).
    pub assumed: bool,
    pub unit_price: Option<f64>,
    pub lead_time_days: u32,
    pub distance_km: f64,
    pub transport_per_unit: f64,
    /// Price (0 when unknown) + transport.
    pub unit_cost: f64,
    pub leading: bool,
    pub specialised: bool,
    pub score: ScoreParts,
    /// Its capacity by each date, for the allocation's limits.
    #[serde(skip)]
    capacity_fn: CapacityFn,
}

#[derive(Debug, Clone, PartialEq)]
enum CapacityFn {
    Offers(Vec<Offer>),
    Assumed { per_day: f64, lead: u32 },
}

impl CapacityFn {
    fn by(&self, day: NaiveDate, today: NaiveDate) -> u64 {
        match self {
            CapacityFn::Offers(offers) => offers.iter().map(|o| o.ready_by(day)).sum(),
            CapacityFn::Assumed { per_day, lead } => {
                let days = (day - today).num_days() - i64::from(*lead);
                if days <= 0 { 0 } else { (per_day * days as f64).floor() as u64 }
            }
        }
    }
}

/// What matching needs besides the demand: the demanded chain's snapshot and those of chains with
/// related links, the offers of those links, and suppliers' records.
pub struct MatchData<'a> {
    pub snapshots: &'a [ChainSnapshot],
    pub offers: &'a [Offer],
    pub records: &'a HashMap<CreditCode, SupplierRecord>,
}

/// A city's name as people say it: 北京市 rather than the table's 北京市市辖区.
pub fn city_name(city: RegionCode) -> String {
    let p = city.province();
    if p == RegionCode::BEIJING || p == RegionCode::TIANJIN {
        p.region().name.clone()
    } else {
        city.region().name.clone()
    }
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 { xs[n / 2] } else { (xs[n / 2 - 1] + xs[n / 2]) / 2.0 })
}

/// The candidates for `demand`, best first, with their scores' parts.
pub fn match_demand(demand: &Demand, data: &MatchData, opts: &DockingOptions) -> Result<Vec<Candidate>, EngineError> {
    let own = data
        .snapshots
        .iter()
        .find(|s| s.chain.id == demand.chain)
        .ok_or_else(|| EngineError::Invalid(format!("chain {} is not loaded", demand.chain)))?;
    let link = own
        .chain
        .link(&demand.link)
        .ok_or_else(|| EngineError::Invalid(format!("link {} is not a link of chain {}", demand.link, demand.chain)))?;
    let destination = demand.delivery_region.region().location;
    let days_to_due = (demand.due - opts.today).num_days().max(0) as f64;
    let rate = opts.transport_rate(&demand.unit);
    let excluded = |code: &CreditCode, region: RegionCode| {
        !demand.admits(code, region) || opts.excluded_regions.iter().any(|r| r.contains(region))
    };

    // (supplier, chain, link) → what is known of it.
    struct Found {
        name: String,
        region: RegionCode,
        leading: bool,
        specialised: bool,
        fit: Fit,
        chain: ChainId,
        link: LinkId,
        per_day: f64,
        offers: Vec<Offer>,
    }
    let mut found: BTreeMap<CreditCode, Found> = BTreeMap::new();
    for snap in data.snapshots {
        for (li, l) in snap.chain.links.iter().enumerate() {
            let fit = if snap.chain.id == demand.chain && l.id == demand.link {
                Fit::Link
            } else if l.unit == demand.unit && (l.id == demand.link || l.name == link.name) {
                Fit::Related
            } else {
                continue;
            };
            for p in snap.producers.iter().filter(|p| p.link as usize == li) {
                let e = &snap.enterprises[p.enterprise as usize];
                if excluded(&e.credit_code, e.region) {
                    continue;
                }
                let entry = found.entry(e.credit_code.clone()).or_insert_with(|| Found {
                    name: e.name.clone(),
                    region: e.region,
                    leading: e.leading,
                    specialised: e.specialised,
                    fit,
                    chain: snap.chain.id.clone(),
                    link: l.id.clone(),
                    per_day: 0.0,
                    offers: Vec::new(),
                });
                // The demanded link wins over a related one.
                if fit == Fit::Link && entry.fit == Fit::Related {
                    entry.fit = Fit::Link;
                    entry.chain = snap.chain.id.clone();
                    entry.link = l.id.clone();
                    entry.per_day = 0.0;
                }
                if entry.fit == fit && entry.link == l.id && entry.chain == snap.chain.id {
                    entry.per_day += p.capacity;
                }
            }
        }
    }
    // Offers for the demanded link (offers for related links are not used: the supplier offered a
    // different product).
    let link_offers: Vec<&Offer> =
        data.offers.iter().filter(|o| o.chain == demand.chain && o.link == demand.link).collect();
    let median_price = median(link_offers.iter().map(|o| o.unit_price).collect());
    let briefs: HashMap<&CreditCode, _> =
        data.snapshots.iter().flat_map(|s| s.enterprises.iter().map(|e| (&e.credit_code, e))).collect();
    for o in &link_offers {
        let Some(e) = briefs.get(&o.supplier) else { continue };
        if excluded(&o.supplier, e.region) {
            continue;
        }
        let entry = found.entry(o.supplier.clone()).or_insert_with(|| Found {
            name: e.name.clone(),
            region: e.region,
            leading: e.leading,
            specialised: e.specialised,
            fit: Fit::Link,
            chain: demand.chain.clone(),
            link: demand.link.clone(),
            per_day: 0.0,
            offers: Vec::new(),
        });
        entry.fit = Fit::Link;
        entry.chain = demand.chain.clone();
        entry.link = demand.link.clone();
        entry.offers.push((*o).clone());
    }

    let mut out = Vec::new();
    for (code, f) in found {
        let (capacity_fn, assumed) = if f.offers.is_empty() {
            (CapacityFn::Assumed { per_day: f.per_day * opts.spare_fraction, lead: opts.default_lead_days }, true)
        } else {
            (CapacityFn::Offers(f.offers.clone()), false)
        };
        let capacity_by_due = capacity_fn.by(demand.due, opts.today);
        if capacity_by_due == 0 {
            continue;
        }
        let own_price = median(f.offers.iter().map(|o| o.unit_price).collect());
        let unit_price = own_price.or(median_price);
        let lead_time_days = f.offers.iter().map(|o| o.lead_time_days).min().unwrap_or(opts.default_lead_days);
        let origin: GeoPoint = f.region.region().location;
        let distance_km = origin.distance_km(destination);
        let transport_per_unit = distance_km * rate;
        let record = data.records.get(&code);
        let record_score = record.map_or(0.5, |r| (r.delivered_units as f64 + 1.0) / (r.requested_units as f64 + 2.0));
        let parts = [
            if f.fit == Fit::Link { 1.0 } else { 0.6 },
            (capacity_by_due as f64 / demand.quantity as f64).min(1.0),
            (1.0 - distance_km / 600.0).max(0.0),
            if days_to_due > 0.0 { (1.0 - f64::from(lead_time_days) / days_to_due).max(0.0) } else { 0.0 },
            record_score.clamp(0.0, 1.0),
            if f.leading { 0.6 } else { 0.0 } + if f.specialised { 0.4 } else { 0.0 },
        ];
        let total = parts.iter().zip(WEIGHTS).map(|(p, w)| p * w).sum::<f64>();
        let city = f.region.city();
        let city_name = city_name(city);
        out.push(Candidate {
            supplier: code,
            name: f.name,
            region: f.region,
            city,
            city_name,
            fit: f.fit,
            chain: f.chain,
            link: f.link,
            capacity_by_due,
            assumed,
            unit_price,
            lead_time_days,
            distance_km,
            transport_per_unit,
            unit_cost: unit_price.unwrap_or(0.0) + transport_per_unit,
            leading: f.leading,
            specialised: f.specialised,
            score: ScoreParts {
                product_fit: parts[0],
                free_capacity: parts[1],
                distance: parts[2],
                lead_time: parts[3],
                delivery_record: parts[4],
                flags: parts[5],
                total,
            },
            capacity_fn,
        });
    }
    out.sort_by(|a, b| b.score.total.total_cmp(&a.score.total).then_with(|| a.supplier.cmp(&b.supplier)));
    out.truncate(opts.max_candidates);
    Ok(out)
}

/// The allocation instance of `demands` with their candidates (same order), and the candidates by
/// (demand id, supplier) for reading the plan back.
pub fn build_instance(demands: &[Demand], candidates: &[Vec<Candidate>], opts: &DockingOptions) -> Instance {
    use chaindock_alloc::{Arc as AllocArc, Demand as AllocDemand, Limit};
    let max_cost = candidates.iter().flatten().map(|c| c.unit_cost).fold(0.0, f64::max);
    let base = 2.0 * max_cost + 1.0;
    let mut instance = Instance { demands: Vec::new(), arcs: Vec::new(), limits: Vec::new() };
    // (supplier, chain, link) → (its capacity function, its demands with their due dates)
    // (supplier, chain, link) → its capacity and the demands (with due dates) it may serve.
    type Uses = (CapacityFn, Vec<(NaiveDate, String)>);
    let mut shared: BTreeMap<(String, String, String), Uses> = BTreeMap::new();
    for (d, cands) in demands.iter().zip(candidates) {
        let id = d.id.to_string();
        instance.demands.push(AllocDemand {
            id: id.clone(),
            quantity: d.quantity,
            unmet_penalty: f64::from(6 - d.priority.clamp(1, 5)) * base,
        });
        let cap = opts.cap(d);
        for c in cands {
            let max_quantity = cap.min(c.capacity_by_due);
            if max_quantity == 0 {
                continue;
            }
            instance.arcs.push(AllocArc {
                demand: id.clone(),
                supplier: c.supplier.to_string(),
                unit_cost: c.unit_cost,
                max_quantity,
            });
            shared
                .entry((c.supplier.to_string(), c.chain.to_string(), c.link.to_string()))
                .or_insert_with(|| (c.capacity_fn.clone(), Vec::new()))
                .1
                .push((d.due, id.clone()));
        }
    }
    for ((supplier, ..), (capacity, mut uses)) in shared {
        uses.sort();
        let mut dates: Vec<NaiveDate> = uses.iter().map(|(due, _)| *due).collect();
        dates.dedup();
        for t in dates {
            let listed: Vec<String> = uses.iter().filter(|(due, _)| *due <= t).map(|(_, id)| id.clone()).collect();
            instance.limits.push(Limit {
                supplier: supplier.clone(),
                demands: listed,
                limit: capacity.by(t, opts.today),
            });
        }
    }
    instance
}

/// One supplier's part of a plan, with its cost parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanLine {
    pub demand: i64,
    pub supplier: CreditCode,
    pub name: String,
    pub city: RegionCode,
    pub city_name: String,
    pub quantity: u64,
    pub unit_price: Option<f64>,
    pub transport_per_unit: f64,
    pub distance_km: f64,
    pub unit_cost: f64,
    pub cost: f64,
    pub assumed_capacity: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandOutcome {
    pub id: i64,
    pub product: String,
    pub quantity: u64,
    pub unit: Unit,
    pub allocated: u64,
    pub unmet: u64,
    /// Why some of it stays unmet.
    pub unmet_reason: Option<String>,
    pub candidates: usize,
}

/// A plan as the department reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DockingPlan {
    pub demands: Vec<DemandOutcome>,
    pub lines: Vec<PlanLine>,
    pub enterprises: usize,
    pub cities: usize,
    /// The instance's objective: Σ unit cost × quantity + Σ unmet penalty × unmet.
    pub objective: f64,
    pub proven_optimal: bool,
    pub method: chaindock_alloc::Method,
    pub share_cap: f64,
    pub excluded_regions: Vec<RegionCode>,
}

fn unmet_reason(d: &Demand, cands: &[Candidate], unmet: u64, opts: &DockingOptions) -> Option<String> {
    if unmet == 0 {
        return None;
    }
    if cands.is_empty() {
        return Some(
            "no capable supplier outside the excluded suppliers and regions can deliver by the due date".into(),
        );
    }
    let cap = opts.cap(d);
    let by_share: u64 = cands.iter().map(|c| c.capacity_by_due.min(cap)).sum();
    let free: u64 = cands.iter().map(|c| c.capacity_by_due).sum();
    Some(if free < d.quantity {
        format!("the {} candidates can deliver {} by {}, {} short", cands.len(), free, d.due, d.quantity - free)
    } else if by_share < d.quantity {
        format!(
            "the share cap of {:.0}% lets each supplier take at most {cap}; the {} candidates reach {by_share}",
            opts.share_cap * 100.0,
            cands.len()
        )
    } else {
        "other demands due earlier or more urgent took the shared capacity".into()
    })
}

/// Read an optimal allocation back in the department's terms.
pub fn explain(demands: &[Demand], candidates: &[Vec<Candidate>], plan: &Plan, opts: &DockingOptions) -> DockingPlan {
    let by_key: HashMap<(String, String), &Candidate> = demands
        .iter()
        .zip(candidates)
        .flat_map(|(d, cs)| cs.iter().map(move |c| ((d.id.to_string(), c.supplier.to_string()), c)))
        .collect();
    let mut lines = Vec::new();
    for a in &plan.allocations {
        let c = by_key[&(a.demand.clone(), a.supplier.clone())];
        lines.push(PlanLine {
            demand: a.demand.parse().unwrap_or(0),
            supplier: c.supplier.clone(),
            name: c.name.clone(),
            city: c.city,
            city_name: c.city_name.clone(),
            quantity: a.quantity,
            unit_price: c.unit_price,
            transport_per_unit: c.transport_per_unit,
            distance_km: c.distance_km,
            unit_cost: c.unit_cost,
            cost: c.unit_cost * a.quantity as f64,
            assumed_capacity: c.assumed,
        });
    }
    let unmet: HashMap<&str, u64> = plan.unmet.iter().map(|u| (u.demand.as_str(), u.quantity)).collect();
    let outcomes = demands
        .iter()
        .zip(candidates)
        .map(|(d, cs)| {
            let u = unmet.get(d.id.to_string().as_str()).copied().unwrap_or(0);
            DemandOutcome {
                id: d.id,
                product: d.product.clone(),
                quantity: d.quantity,
                unit: d.unit.clone(),
                allocated: d.quantity - u,
                unmet: u,
                unmet_reason: unmet_reason(d, cs, u, opts),
                candidates: cs.len(),
            }
        })
        .collect();
    let enterprises: std::collections::HashSet<&CreditCode> = lines.iter().map(|l| &l.supplier).collect();
    let cities: std::collections::HashSet<RegionCode> = lines.iter().map(|l| l.city).collect();
    DockingPlan {
        demands: outcomes,
        enterprises: enterprises.len(),
        cities: cities.len(),
        lines,
        objective: plan.objective,
        proven_optimal: plan.proven_optimal,
        method: plan.method,
        share_cap: opts.share_cap,
        excluded_regions: opts.excluded_regions.clone(),
    }
}

/// Everything matching needs for `demands`, read from the store: the snapshots of every chain with a
/// demanded or related link, all offers, suppliers' records.
pub async fn load_match_data(
    store: &dyn Store,
) -> Result<(Vec<ChainSnapshot>, Vec<Offer>, HashMap<CreditCode, SupplierRecord>), EngineError> {
    let mut snapshots = Vec::new();
    for c in store.chains().await? {
        snapshots.push(store.chain_snapshot(&c.id).await?);
    }
    let offers = store.offers(None, None).await?;
    let records = store.supplier_records().await?;
    Ok((snapshots, offers, records))
}

/// The candidates of one stored demand.
pub async fn candidates_for(
    store: &dyn Store,
    id: i64,
    opts: &DockingOptions,
) -> Result<(Demand, Vec<Candidate>), EngineError> {
    let demand = store.demand(id).await?;
    let (snapshots, offers, records) = load_match_data(store).await?;
    let data = MatchData { snapshots: &snapshots, offers: &offers, records: &records };
    let c = match_demand(&demand, &data, opts)?;
    Ok((demand, c))
}

/// Plan stored demands together: candidates, instance, optimal split, explanation. A demand with
/// accepted requests is planned for what they leave, its share cap still taken of its whole quantity
/// ([`DockingOptions::share_of`]); suppliers that declined or accepted it are not asked again. Its pending
/// requests are planned over: [`send_plan`] withdraws them.
pub async fn plan_demands(
    store: &dyn Store,
    ids: &[i64],
    opts: &DockingOptions,
) -> Result<(Vec<Demand>, Instance, DockingPlan), EngineError> {
    let mut demands = store.demands(&DemandQuery { ids: Some(ids.to_vec()), ..Default::default() }).await?;
    for id in ids {
        if !demands.iter().any(|d| d.id == *id) {
            return Err(chaindock_store::StoreError::NotFound { what: "demand", key: id.to_string() }.into());
        }
    }
    let mut opts = opts.clone();
    for d in &mut demands {
        plannable(d)?;
        let requests = store.requests(&RequestQuery { demand: Some(d.id), ..Default::default() }).await?;
        let accepted: u64 = requests.iter().filter(|r| r.status == RequestStatus::Accepted).map(|r| r.quantity).sum();
        if accepted > 0 {
            opts.share_of.insert(d.id, d.quantity);
        }
        d.quantity = d.quantity.saturating_sub(accepted);
        leave_out(d, &requests, &[RequestStatus::Declined, RequestStatus::Accepted]);
    }
    demands.retain(|d| d.quantity > 0);
    let (instance, plan) = solve_demands(store, &demands, &opts).await?;
    Ok((demands, instance, plan))
}

/// `Invalid` when `d` is cancelled or delivered: there is nothing to plan.
fn plannable(d: &Demand) -> Result<(), EngineError> {
    if matches!(d.status, chaindock_model::DemandStatus::Cancelled | chaindock_model::DemandStatus::Delivered) {
        return Err(EngineError::Invalid(format!(
            "demand {} is {}; there is nothing to plan",
            d.id,
            d.status.as_str()
        )));
    }
    Ok(())
}

/// Add the suppliers of `d`'s requests in one of `statuses` to its excluded suppliers (for this plan only).
fn leave_out(d: &mut Demand, requests: &[chaindock_model::AllocationRequest], statuses: &[RequestStatus]) {
    for r in requests.iter().filter(|r| r.demand == d.id && statuses.contains(&r.status)) {
        if !d.excluded_suppliers.contains(&r.supplier) {
            d.excluded_suppliers.push(r.supplier.clone());
        }
    }
}

/// Candidates, instance, optimal split and explanation of `demands` as they are given.
async fn solve_demands(
    store: &dyn Store,
    demands: &[Demand],
    opts: &DockingOptions,
) -> Result<(Instance, DockingPlan), EngineError> {
    let (snapshots, offers, records) = load_match_data(store).await?;
    let data = MatchData { snapshots: &snapshots, offers: &offers, records: &records };
    let mut candidates = Vec::new();
    for d in demands {
        candidates.push(match_demand(d, &data, opts)?);
    }
    let instance = build_instance(demands, &candidates, opts);
    let plan = chaindock_alloc::solve(&instance).map_err(|e| EngineError::Invalid(e.to_string()))?;
    let explained = explain(demands, &candidates, &plan, opts);
    Ok((instance, explained))
}

fn audit(actor: Option<&str>, action: &str, target: String, detail: serde_json::Value) -> NewAudit {
    NewAudit { username: actor.map(str::to_string), action: action.into(), target, detail }
}

/// A plan's parts for one demand, as requests to send.
fn parts_of(plan: &DockingPlan, demand: i64) -> Vec<NewRequest> {
    plan.lines
        .iter()
        .filter(|l| l.demand == demand)
        .map(|l| NewRequest { supplier: l.supplier.clone(), quantity: l.quantity, unit_cost: l.unit_cost })
        .collect()
}

/// Send a plan made by [`plan_demands`] as requests, demand by demand ([`Store::send_requests`]: each
/// demand's pending requests are withdrawn and replaced), audited as `actor` (`None`: the system). The
/// plan's lockdown ([`DockingPlan::excluded_regions`]) is then stored with each demand
/// ([`Store::exclude_regions`]), so that a re-plan after a decline keeps to it too. It is stored after
/// the requests, so that a refused send leaves the demand as it was. What the API and the command line
/// both call.
pub async fn send_plan(
    store: &dyn Store,
    plan: &DockingPlan,
    actor: Option<&str>,
) -> Result<Vec<AllocationRequest>, EngineError> {
    let mut sent = Vec::new();
    for d in &plan.demands {
        let parts = parts_of(plan, d.id);
        let a = audit(actor, "requests.send", format!("demand:{}", d.id), serde_json::json!({ "parts": parts.len() }));
        sent.extend(store.send_requests(d.id, &parts, &a).await?);
        if !plan.excluded_regions.is_empty() {
            let regions: Vec<String> = plan.excluded_regions.iter().map(ToString::to_string).collect();
            let a =
                audit(actor, "demand.lockdown", format!("demand:{}", d.id), serde_json::json!({ "regions": regions }));
            store.exclude_regions(d.id, &plan.excluded_regions, &a).await?;
        }
    }
    Ok(sent)
}

/// The re-plan of a demand's shortfall after a supplier declined, as [`replan_after_decline`] made and
/// sent it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replan {
    pub demand: i64,
    /// The demand's quantity less its accepted and pending requests, when the re-plan began.
    pub shortfall: u64,
    /// Suppliers left out because the demand asked them already (declined, accepted or still pending).
    pub asked: Vec<CreditCode>,
    /// The shortfall's optimal split among the others: its lines are the new requests, and
    /// `demands[0].unmet` with its reason what no one can take.
    pub plan: DockingPlan,
    /// The instance in the export form, so that anyone can re-solve it and check `plan.objective`.
    pub instance: Instance,
    /// The requests sent, pending beside the demand's other pending requests.
    pub sent: Vec<AllocationRequest>,
}

/// Re-plan demand `id`'s shortfall at once, as after a supplier declined its request: the demand's
/// quantity less its accepted and pending requests is split optimally (the same instance and solver as
/// [`plan_demands`]) among suppliers the demand has not asked yet (whoever declined, accepted or is still
/// pending is left out; a supplier whose request a re-plan withdrew may be asked again), each new part within
/// `opts.share_cap ×` the demand's whole quantity and the demand's excluded regions (with the lockdown a plan
/// was sent under, [`send_plan`]) and `opts.excluded_regions`. The parts are added beside the pending
/// requests ([`Store::add_requests`], which refuses them should another answer or plan for the demand
/// have come in between); what no one can take stays unmet, with the reason. Audited as `actor`.
pub async fn replan_after_decline(
    store: &dyn Store,
    id: i64,
    opts: &DockingOptions,
    actor: Option<&str>,
) -> Result<Replan, EngineError> {
    let mut d = store.demand(id).await?;
    plannable(&d)?;
    let requests = store.requests(&RequestQuery { demand: Some(id), ..Default::default() }).await?;
    let taken: u64 = requests
        .iter()
        .filter(|r| matches!(r.status, RequestStatus::Accepted | RequestStatus::Pending))
        .map(|r| r.quantity)
        .sum();
    let shortfall = d.quantity.saturating_sub(taken);
    let before = d.excluded_suppliers.len();
    leave_out(&mut d, &requests, &[RequestStatus::Declined, RequestStatus::Accepted, RequestStatus::Pending]);
    let asked = d.excluded_suppliers[before..].to_vec();
    let mut opts = opts.clone();
    opts.share_of.insert(id, d.quantity);
    d.quantity = shortfall;
    let (instance, plan) = solve_demands(store, std::slice::from_ref(&d), &opts).await?;
    let parts = parts_of(&plan, id);
    let unmet = plan.demands.first().map_or(0, |o| o.unmet);
    let a = audit(
        actor,
        "requests.replan",
        format!("demand:{id}"),
        serde_json::json!({ "shortfall": shortfall, "parts": parts.len(), "unmet": unmet }),
    );
    let sent = store.add_requests(id, &parts, &a).await?;
    Ok(Replan { demand: id, shortfall, asked, plan, instance, sent })
}

/// A whole quantity as people write it (`11000`, `1.1万`, `1.1万件`) in the link's unit. A link measured
/// in 万个 takes `500万个` as 500 (万个) and `500` as 500 too.
pub fn parse_quantity_in(s: &str, link_unit: &Unit) -> Result<u64, String> {
    let q = chaindock_text::quantity::parse_quantity(s).map_err(|e| format!("quantity {s:?}: {e}"))?;
    let mut value = q.value;
    if !q.unit.is_empty() && q.unit != link_unit.as_str() {
        // 500万个 for a link in 万个: the parser read 万 as a multiplier.
        if link_unit.as_str().strip_prefix('万') == Some(q.unit.as_str()) {
            value /= 10_000.0;
        } else {
            return Err(format!("quantity {s:?} is in {}, but the product is measured in {link_unit}", q.unit));
        }
    }
    if value < 1.0 || value.fract() != 0.0 || value > 1e15 {
        return Err(format!("quantity {s:?} must be a whole number of {link_unit}, at least 1"));
    }
    Ok(value as u64)
}

/// The link a product names: `chain/link`, a link id, a link's name, or text that a single link's name
/// contains or is contained in (normalised: 沖焊總成件 finds 冲焊总成件). Several matches are an error
/// that lists them, so that the user can pick.
pub fn resolve_product(chains: &[chaindock_model::Chain], text: &str) -> Result<(ChainId, LinkId), EngineError> {
    let t = chaindock_text::normalize(text);
    if t.is_empty() {
        return Err(EngineError::Invalid("the product is empty".into()));
    }
    if let Some((c, l)) = t.split_once('/') {
        let chain = chains.iter().find(|ch| ch.id.as_str() == c.trim());
        return match chain.and_then(|ch| ch.links.iter().find(|x| x.id.as_str() == l.trim()).map(|x| (ch, x))) {
            Some((ch, x)) => Ok((ch.id.clone(), x.id.clone())),
            None => {
                Err(EngineError::Invalid(format!("no link {t:?}; `chaindock chains` and the chain pages list them")))
            }
        };
    }
    let all = || chains.iter().flat_map(|c| c.links.iter().map(move |l| (c, l)));
    type Tier<'t> = Box<dyn Fn(&chaindock_model::ChainLink) -> bool + 't>;
    let tiers: [Tier; 3] = [
        Box::new(|l| l.id.as_str() == t || chaindock_text::normalize(&l.name) == t),
        Box::new(|l| chaindock_text::normalize(&l.name).contains(&t)),
        // Text around a link's name (汽车座椅套 → 汽车座椅), when the name is most of it: 火箭发动机 is not 发动机.
        Box::new(|l| {
            let n = chaindock_text::normalize(&l.name);
            let (nc, tc) = (n.chars().count(), t.chars().count());
            nc >= 2 && t.contains(&n) && 3 * nc >= 2 * tc
        }),
    ];
    for tier in tiers {
        let hits: Vec<_> = all().filter(|(_, l)| tier(l)).collect();
        // One product in several chains (冲压件 in automotive and automotive-steel) resolves to the first
        // chain that has it only when every hit is the same link id.
        match hits.as_slice() {
            [] => continue,
            [(c, l), rest @ ..] if rest.iter().all(|(_, x)| x.id == l.id) => return Ok((c.id.clone(), l.id.clone())),
            many => {
                let list: Vec<String> = many.iter().map(|(c, l)| format!("{}/{} ({})", c.id, l.id, l.name)).collect();
                return Err(EngineError::Invalid(format!(
                    "{text:?} may be any of: {}; give chain/link",
                    list.join(", ")
                )));
            }
        }
    }
    Err(EngineError::Invalid(format!("no chain link is named like {text:?}; give chain/link")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chaindock_model::{DemandStatus, EnterpriseBrief, ProducerRow};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn code(n: u32) -> CreditCode {
        CreditCode::from_body(&format!("91130200MA{n:07}")).unwrap()
    }

    fn chain() -> chaindock_model::Chain {
        serde_json::from_str(
            r#"{"id":"auto","name":"汽车","links":[
                {"id":"welded","name":"冲焊总成件","segment":"midstream","unit":"件","industry":"3670"},
                {"id":"vehicle","name":"整车","segment":"downstream","unit":"辆"}],
               "bom":[{"input":"welded","output":"vehicle","quantity":300}]}"#,
        )
        .unwrap()
    }

    /// Four suppliers in four cities (Tangshan, Baoding, Langfang, Handan) making `welded`, 500 a day each.
    fn snapshot() -> ChainSnapshot {
        let regions = ["130203", "130606", "131002", "130404"];
        ChainSnapshot {
            chain: chain(),
            enterprises: regions
                .iter()
                .enumerate()
                .map(|(i, r)| EnterpriseBrief {
                    credit_code: code(i as u32 + 1),
                    name: format!("供应商{i}"),
                    region: RegionCode::parse(r).unwrap(),
                    leading: i == 0,
                    specialised: i == 1,
                })
                .collect(),
            producers: (0..4).map(|i| ProducerRow { enterprise: i, link: 0, capacity: 500.0 }).collect(),
            supply: Vec::new(),
        }
    }

    fn demand(quantity: u64) -> Demand {
        Demand {
            id: 1,
            buyer: code(99),
            chain: ChainId::parse("auto").unwrap(),
            link: LinkId::parse("welded").unwrap(),
            product: "冲焊总成件".into(),
            quantity,
            unit: Unit::parse("件").unwrap(),
            due: day("2026-12-11"),
            created: day("2026-12-01"),
            delivery_region: RegionCode::parse("110105").unwrap(),
            certifications: vec![],
            excluded_suppliers: vec![],
            excluded_regions: vec![],
            priority: 1,
            status: DemandStatus::Open,
            note: None,
        }
    }

    #[test]
    fn candidates_respect_exclusions_and_assumed_capacity() {
        let snaps = [snapshot()];
        let records = HashMap::new();
        let data = MatchData { snapshots: &snaps, offers: &[], records: &records };
        let mut opts = DockingOptions::new(day("2026-12-01"));
        let c = match_demand(&demand(11_000), &data, &opts).unwrap();
        assert_eq!(c.len(), 4);
        // 20% of 500 a day for 10 − 2 days: 800 each.
        assert!(c.iter().all(|x| x.capacity_by_due == 800 && x.assumed), "{c:?}");
        opts.excluded_regions = vec![RegionCode::parse("130200").unwrap()];
        let mut d = demand(11_000);
        d.excluded_suppliers = vec![code(2)];
        let c = match_demand(&d, &data, &opts).unwrap();
        let names: Vec<&str> = c.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names.len(), 2, "Tangshan locked down, supplier 2 excluded: {names:?}");
        for x in &c {
            let sum = x.score.product_fit * 30.0
                + x.score.free_capacity * 25.0
                + x.score.distance * 15.0
                + x.score.lead_time * 10.0
                + x.score.delivery_record * 10.0
                + x.score.flags * 10.0;
            assert!((sum - x.score.total).abs() < 1e-9);
        }
    }

    #[test]
    fn the_share_cap_spreads_a_demand_and_the_plan_is_the_min_cost_flows() {
        let snaps = [snapshot()];
        let records = HashMap::new();
        let offers: Vec<Offer> = (1..=4)
            .map(|i| Offer {
                id: i64::from(i),
                supplier: code(i),
                chain: ChainId::parse("auto").unwrap(),
                link: LinkId::parse("welded").unwrap(),
                quantity: 5000,
                unit: Unit::parse("件").unwrap(),
                available_from: day("2026-12-01"),
                available_until: day("2026-12-05"),
                unit_price: 10.0 + f64::from(i),
                lead_time_days: 1,
            })
            .collect();
        let data = MatchData { snapshots: &snaps, offers: &offers, records: &records };
        let opts = DockingOptions::new(day("2026-12-01"));
        let d = demand(11_000);
        let c = match_demand(&d, &data, &opts).unwrap();
        let instance = build_instance(std::slice::from_ref(&d), std::slice::from_ref(&c), &opts);
        instance.validate().unwrap();
        let plan = chaindock_alloc::solve(&instance).unwrap();
        let flow = chaindock_alloc::solve_min_cost_flow(&instance).unwrap();
        assert!((plan.objective - flow.objective).abs() < 1e-6 * flow.objective.max(1.0));
        let explained = explain(std::slice::from_ref(&d), std::slice::from_ref(&c), &plan, &opts);
        assert_eq!(explained.demands[0].unmet, 0);
        // 30% of 11,000 = 3,300 at most each: at least four suppliers.
        assert!(explained.lines.iter().all(|l| l.quantity <= 3300));
        assert_eq!(explained.enterprises, 4);
        assert_eq!(explained.lines.iter().map(|l| l.quantity).sum::<u64>(), 11_000);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the lockdown, exclusions, share cap and quantity: no line comes from an excluded
        /// supplier or region, none exceeds the share cap or the supplier's capacity by the due date, every
        /// demand balances, and the objective equals the min-cost flow's on the same instance.
        #[test]
        fn plans_never_break_exclusions_caps_or_capacity(
            quantity in 1u64..20_000,
            cap_pct in 5u32..=100,
            lock in proptest::option::of(0usize..4),
            excluded in proptest::option::of(1u32..=4),
            due_days in 0u64..15,
        ) {
            let regions = ["130203", "130606", "131002", "130404"];
            let snaps = [snapshot()];
            let records = HashMap::new();
            let data = MatchData { snapshots: &snaps, offers: &[], records: &records };
            let mut opts = DockingOptions::new(day("2026-12-01"));
            opts.share_cap = f64::from(cap_pct) / 100.0;
            opts.excluded_regions = lock.map(|i| RegionCode::parse(regions[i]).unwrap()).into_iter().collect();
            let mut d = demand(quantity);
            d.due = day("2026-12-01") + chrono::Days::new(due_days);
            d.excluded_suppliers = excluded.map(code).into_iter().collect();
            let c = match_demand(&d, &data, &opts).unwrap();
            let instance = build_instance(std::slice::from_ref(&d), std::slice::from_ref(&c), &opts);
            let plan = chaindock_alloc::solve(&instance).unwrap();
            let flow = chaindock_alloc::solve_min_cost_flow(&instance).unwrap();
            proptest::prop_assert!((plan.objective - flow.objective).abs() <= 1e-6 * flow.objective.max(1.0));
            let e = explain(std::slice::from_ref(&d), std::slice::from_ref(&c), &plan, &opts);
            let cap = (opts.share_cap * quantity as f64).floor() as u64;
            for l in &e.lines {
                proptest::prop_assert!(l.quantity <= cap);
                proptest::prop_assert!(!opts.excluded_regions.iter().any(|r| r.contains(l.city)));
                proptest::prop_assert!(!d.excluded_suppliers.contains(&l.supplier));
                let cand = c.iter().find(|x| x.supplier == l.supplier).unwrap();
                proptest::prop_assert!(l.quantity <= cand.capacity_by_due);
            }
            let total: u64 = e.lines.iter().map(|l| l.quantity).sum();
            proptest::prop_assert_eq!(total + e.demands[0].unmet, quantity);
            if e.demands[0].unmet > 0 {
                proptest::prop_assert!(e.demands[0].unmet_reason.is_some());
            }
        }
    }

    #[test]
    fn quantities_are_read_in_the_links_unit() {
        let jian = Unit::parse("件").unwrap();
        let wan = Unit::parse("万个").unwrap();
        assert_eq!(parse_quantity_in("1.1万件", &jian), Ok(11_000));
        assert_eq!(parse_quantity_in("11000", &jian), Ok(11_000));
        assert_eq!(parse_quantity_in("500万个", &wan), Ok(500));
        assert_eq!(parse_quantity_in("500", &wan), Ok(500));
        assert!(parse_quantity_in("5吨", &jian).unwrap_err().contains("measured in 件"));
        assert!(parse_quantity_in("2.5件", &jian).unwrap_err().contains("whole"));
        assert!(parse_quantity_in("很多", &jian).is_err());
        assert!(parse_quantity_in("0", &jian).is_err());
    }

    #[test]
    fn products_resolve_by_id_name_or_part_of_a_name() {
        let chains = [chain()];
        let id = |t: &str| resolve_product(&chains, t).map(|(c, l)| format!("{c}/{l}"));
        assert_eq!(id("auto/welded").unwrap(), "auto/welded");
        assert_eq!(id("冲焊总成件").unwrap(), "auto/welded");
        assert_eq!(id("沖焊總成件").unwrap(), "auto/welded");
        assert_eq!(id("冲焊").unwrap(), "auto/welded");
        assert!(id("火箭").unwrap_err().to_string().contains("no chain link"));
        assert!(id("冲焊总成件新品").is_ok(), "5 of 7 characters");
        assert!(id("大型冲焊总成件外协").is_err(), "5 of 9 is too little");
        assert!(id("auto/nothing").is_err());
    }
}
