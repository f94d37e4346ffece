//! Risk exposure of a chain's nodes and disruption scenarios, as reports (issue 6, parts 2 and 3).
//!
//! [`analyse_network`] runs the time-to-recover / time-to-survive programmes of `chaindock-risk` on a
//! network file and ranks the nodes by REI; [`analyse_chain`] does it for a chain of the store (its network
//! from [`crate::risk`]). [`simulate_networks`] runs a disruption over one or more networks: the sites it
//! stops, the tiers downstream with the day each node runs out, the loss by product and by enterprise,
//! and for every input that runs short the alternative suppliers outside the disruption —
//! [`simulate_store`] ranks them as supply–demand docking ranks candidates for a demand
//! ([`crate::docking::match_demand`]): the shortfall becomes a demand of the buyer for the input link,
//! due when the disruption ends, with the locked-down divisions and stopped enterprises excluded.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chaindock_model::{ChainId, ChainSnapshot, CreditCode, Demand, DemandStatus, LinkId, RegionCode};
use chaindock_risk::{Disruption, ExposureOptions, LossProgramme, Network, NetworkFile, Window};
use chaindock_store::Store;
use chrono::NaiveDate;
use serde::Serialize;

use crate::EngineError;
use crate::docking::{DockingOptions, MatchData, city_name, match_demand};

/// One node of the exposure report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRow {
    /// 1 = the highest PI.
    pub rank: usize,
    pub node: String,
    pub enterprise: Option<String>,
    pub name: Option<String>,
    pub link: Option<String>,
    pub region: Option<u32>,
    pub product: bool,
    pub ttr_days: f64,
    /// `None`: the network never runs short without the node.
    pub tts_days: Option<f64>,
    pub pi: f64,
    pub baseline: f64,
    pub rei: f64,
    /// TTS < TTR.
    pub flagged: bool,
    /// Whether the node can reach a finished product that loses (otherwise its PI is the baseline).
    pub relevant: bool,
    pub f: f64,
    pub d: f64,
    pub s: f64,
    pub c: f64,
}

/// The exposure report of one network, nodes ranked by PI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskReport {
    pub chain: Option<String>,
    pub solver: String,
    pub method: String,
    /// Wall time of the programmes.
    pub seconds: f64,
    pub max_pi: f64,
    /// The network's own time to survive (nobody out); `None`: never.
    pub base_tts_days: Option<f64>,
    pub node_count: usize,
    pub relevant: usize,
    pub flagged: usize,
    pub solves: usize,
    pub reoptimisations: usize,
    pub nodes: Vec<RiskRow>,
    pub warnings: Vec<String>,
}

fn invalid(e: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid(e.to_string())
}

/// Validate `file` (errors name the node) and analyse every node. Returns the report and the indexed
/// network.
pub fn analyse_network(file: NetworkFile, options: ExposureOptions) -> Result<(RiskReport, Network), EngineError> {
    let net = Network::new(file).map_err(invalid)?;
    let started = Instant::now();
    let e = chaindock_risk::exposure(&net, options).map_err(invalid)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut rows: Vec<RiskRow> = e
        .nodes
        .iter()
        .map(|x| {
            let spec = &net.nodes[x.node].spec;
            RiskRow {
                rank: 0,
                node: spec.id.clone(),
                enterprise: spec.enterprise.clone(),
                name: spec.name.clone(),
                link: spec.link.clone(),
                region: spec.region,
                product: spec.product,
                ttr_days: x.ttr,
                tts_days: x.tts,
                pi: x.pi,
                baseline: x.baseline,
                rei: x.rei,
                flagged: x.flagged,
                relevant: x.relevant,
                f: spec.f,
                d: spec.d,
                s: spec.s,
                c: spec.c,
            }
        })
        .collect();
    // Highest PI first; ties: flagged first, then the shorter TTS, then node order (a stable sort).
    rows.sort_by(|a, b| {
        b.pi.total_cmp(&a.pi)
            .then(b.flagged.cmp(&a.flagged))
            .then(a.tts_days.unwrap_or(f64::INFINITY).total_cmp(&b.tts_days.unwrap_or(f64::INFINITY)))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    let report = RiskReport {
        chain: None,
        solver: chaindock_risk::impact::SOLVER.to_string(),
        method: format!(
            "{} of {} relevant nodes settled by local bounds (PI {}, TTS {}; the node's downstream region relaxed, its solution extended to the whole network ({} answers) or bounded by a restriction; normal plan: {}), the rest on the whole programme with warm restarts; {} solves, {} re-optimisations",
            e.settled_locally,
            e.relevant,
            e.pi_settled_locally,
            e.tts_settled_locally,
            e.extended,
            e.plan.unwrap_or("none"),
            e.solves,
            e.reoptimisations
        ),
        seconds,
        max_pi: e.max_pi,
        base_tts_days: e.base_tts,
        node_count: net.len(),
        relevant: e.relevant,
        flagged: rows.iter().filter(|r| r.flagged).count(),
        solves: e.solves,
        reoptimisations: e.reoptimisations,
        nodes: rows,
        warnings: Vec::new(),
    };
    Ok((report, net))
}

/// [`analyse_network`] on a chain of the store, with the network's warnings (inputs supplied from outside
/// the modelled region, rows skipped). Returns the exported network too.
pub async fn analyse_chain(
    store: &dyn Store,
    chain: &ChainId,
    options: ExposureOptions,
) -> Result<(RiskReport, NetworkFile), EngineError> {
    let cn = crate::risk::chain_network(store, chain).await?;
    let file = cn.network.clone();
    let (mut report, _) = analyse_network(cn.network.clone(), options)?;
    report.chain = Some(chain.to_string());
    report.warnings = cn.warnings();
    Ok((report, file))
}

/// A network to simulate on, with what the registry knows of its links.
pub struct ScenarioNetwork {
    pub chain: Option<String>,
    pub file: NetworkFile,
    /// Link id → (name, unit), when the network comes from a chain.
    pub links: HashMap<String, (String, String)>,
}

/// A node in a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioNode {
    pub chain: Option<String>,
    pub node: String,
    pub enterprise: Option<String>,
    pub name: Option<String>,
    pub link: Option<String>,
    pub link_name: Option<String>,
    pub region: Option<u32>,
    pub city: Option<String>,
    /// `None`: never runs out before the disruption ends.
    pub runs_out_day: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tier {
    pub tier: u32,
    /// How many of its nodes run out before the disruption ends.
    pub run_out: usize,
    pub nodes: Vec<ScenarioNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostProduct {
    pub chain: Option<String>,
    pub link: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    /// Lost units with the disruption.
    pub lost: f64,
    /// What its sites are asked for over the same days.
    pub demand: f64,
    /// Lost units over the same days with nobody out.
    pub baseline: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostEnterprise {
    pub enterprise: Option<String>,
    pub name: Option<String>,
    pub city: Option<String>,
    pub lost: f64,
    pub products: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Losses {
    pub by_product: Vec<LostProduct>,
    pub by_enterprise: Vec<LostEnterprise>,
    /// Σ f·lost with the disruption, over every network.
    pub total: f64,
    /// The same with nobody out.
    pub baseline: f64,
    /// total − baseline: what the disruption causes.
    pub caused: f64,
}

/// A supplier that could stand in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlternativeSupplier {
    pub enterprise: String,
    pub name: String,
    pub city: Option<u32>,
    pub city_name: Option<String>,
    /// The docking score (0–100), or for a network without a registry the supplier's spare capacity
    /// share (0–100).
    pub score: f64,
    pub distance_km: Option<f64>,
    /// Units it can deliver by the end of the disruption.
    pub capacity_by_due: Option<f64>,
}

/// An input of a node that runs short, with who could stand in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub chain: Option<String>,
    pub input: String,
    pub input_name: Option<String>,
    pub unit: Option<String>,
    /// The buying node's enterprise (or the node id when it has none).
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

/// A disruption's report over one or more networks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioReport {
    pub days: f64,
    pub start: f64,
    pub end: f64,
    pub disrupted: Vec<ScenarioNode>,
    /// Tiers 1 and beyond (tier 0 is `disrupted`).
    pub tiers: Vec<Tier>,
    /// `None` when the loss programme was skipped ([`LossProgramme::Skip`]).
    pub lost: Option<Losses>,
    pub alternatives: Vec<Alternative>,
    pub warnings: Vec<String>,
    /// Wall time of the whole simulation (what `steps` splits).
    pub seconds: f64,
    pub steps: ScenarioSteps,
}

/// Where a simulation's time goes, in seconds, summed over the networks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScenarioSteps {
    /// Validating and indexing the network files ([`Network::new`]).
    pub network: f64,
    /// Finding the disrupted nodes and propagating ([`chaindock_risk::scenario::propagate`]): tiers, days.
    pub propagation: f64,
    /// The loss programme (0 when skipped).
    pub loss: f64,
}

fn city_of(region: Option<u32>) -> Option<String> {
    region.and_then(|r| RegionCode::parse(&r.to_string()).ok()).map(|r| city_name(r.city()))
}

/// Alternatives the network itself knows for an input: its other suppliers outside the disruption, with
/// spare capacity, ranked by spare capacity (as a share of the largest, 0–100).
fn network_alternatives(
    net: &Network,
    input: &chaindock_risk::Input,
    stopped: &[bool],
    spare: &[f64],
    days: f64,
) -> Vec<AlternativeSupplier> {
    let mut v: Vec<(usize, f64)> = input
        .suppliers
        .iter()
        .filter(|s| !stopped[s.supplier] && spare[s.supplier] > 0.0)
        .map(|s| (s.supplier, spare[s.supplier]))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top = v.first().map_or(1.0, |x| x.1);
    v.into_iter()
        .map(|(i, sp)| {
            let spec = &net.nodes[i].spec;
            AlternativeSupplier {
                enterprise: spec.enterprise.clone().unwrap_or_else(|| spec.id.clone()),
                name: spec.name.clone().unwrap_or_else(|| spec.id.clone()),
                city: spec.region.map(|r| r / 100 * 100),
                city_name: city_of(spec.region),
                score: 100.0 * sp / top,
                distance_km: None,
                capacity_by_due: Some(sp * days),
            }
        })
        .collect()
}

/// Add one network's loss to the report's losses by product (link) and by enterprise.
fn add_losses(
    losses: &mut Losses,
    by_enterprise: &mut BTreeMap<String, LostEnterprise>,
    sn: &ScenarioNetwork,
    net: &Network,
    loss: &chaindock_risk::Loss,
) {
    let link_name = |l: &Option<String>| l.as_ref().and_then(|l| sn.links.get(l)).map(|x| x.0.clone());
    let mut by_link: BTreeMap<String, LostProduct> = BTreeMap::new();
    for j in 0..net.len() {
        let (lost, demand, base) = (loss.lost[j], loss.demand[j], loss.baseline_lost[j]);
        if demand <= 0.0 && lost <= 0.0 {
            continue;
        }
        let spec = &net.nodes[j].spec;
        let key = spec.link.clone().unwrap_or_else(|| spec.id.clone());
        let e = by_link.entry(key.clone()).or_insert_with(|| LostProduct {
            chain: sn.chain.clone(),
            link: spec.link.clone(),
            name: link_name(&spec.link).or_else(|| Some(key.clone())),
            unit: spec.link.as_ref().and_then(|l| sn.links.get(l)).map(|x| x.1.clone()),
            lost: 0.0,
            demand: 0.0,
            baseline: 0.0,
        });
        e.lost += lost;
        e.demand += demand;
        e.baseline += base;
        if lost > 0.0 {
            let who = spec.enterprise.clone().unwrap_or_else(|| spec.id.clone());
            let name = spec.name.as_ref().map(|n| n.split(" · ").next().unwrap_or(n).to_string());
            let le = by_enterprise.entry(who.clone()).or_insert_with(|| LostEnterprise {
                enterprise: Some(who),
                name,
                city: city_of(spec.region),
                lost: 0.0,
                products: Vec::new(),
            });
            le.lost += lost;
            let product = link_name(&spec.link).unwrap_or(key);
            if !le.products.contains(&product) {
                le.products.push(product);
            }
        }
    }
    losses.by_product.extend(by_link.into_values());
    losses.total += loss.total;
    losses.baseline += loss.baseline;
}

/// Run `disruption` over `window` on every network (each a chain): tiers, days, losses (unless `loss` is
/// [`LossProgramme::Skip`]), and the alternatives the networks know. Networks the disruption does not touch
/// are skipped.
pub fn simulate_networks(
    networks: Vec<ScenarioNetwork>,
    disruption: &Disruption,
    window: Window,
    loss: LossProgramme,
) -> Result<ScenarioReport, EngineError> {
    let started = Instant::now();
    let mut report = ScenarioReport {
        days: window.days,
        start: window.start,
        end: window.end(),
        disrupted: Vec::new(),
        tiers: Vec::new(),
        lost: None,
        alternatives: Vec::new(),
        warnings: Vec::new(),
        seconds: 0.0,
        steps: ScenarioSteps::default(),
    };
    let mut lost = Losses { by_product: Vec::new(), by_enterprise: Vec::new(), total: 0.0, baseline: 0.0, caused: 0.0 };
    let mut tiers: BTreeMap<u32, Tier> = BTreeMap::new();
    let mut by_enterprise: BTreeMap<String, LostEnterprise> = BTreeMap::new();
    let mut touched = 0;
    for mut sn in networks {
        let step = Instant::now();
        // Taken, not cloned: a large network's file is millions of strings.
        let net = Network::new(std::mem::take(&mut sn.file)).map_err(|e| match &sn.chain {
            Some(c) => EngineError::Invalid(format!("chain {c}: {e}")),
            None => invalid(e),
        })?;
        report.steps.network += step.elapsed().as_secs_f64();
        // The same steps as `chaindock_risk::simulate`, timed apart.
        let step = Instant::now();
        let disrupted = disruption.nodes(&net);
        let propagation = chaindock_risk::scenario::propagate(&net, &disrupted, window);
        report.steps.propagation += step.elapsed().as_secs_f64();
        let step = Instant::now();
        let net_loss = match loss {
            LossProgramme::Solve => Some(chaindock_risk::loss(&net, &disrupted, window.days).map_err(invalid)?),
            LossProgramme::Skip => None,
        };
        report.steps.loss += step.elapsed().as_secs_f64();
        let sc = chaindock_risk::Scenario { disrupted, propagation, loss: net_loss };
        if sc.disrupted.is_empty() {
            continue;
        }
        touched += 1;
        let p = &sc.propagation;
        let link_name = |l: &Option<String>| l.as_ref().and_then(|l| sn.links.get(l)).map(|x| x.0.clone());
        let row = |j: usize| {
            let spec = &net.nodes[j].spec;
            ScenarioNode {
                chain: sn.chain.clone(),
                node: spec.id.clone(),
                enterprise: spec.enterprise.clone(),
                name: spec.name.clone(),
                link: spec.link.clone(),
                link_name: link_name(&spec.link),
                region: spec.region,
                city: city_of(spec.region),
                runs_out_day: p.runs_out[j],
            }
        };
        for &d in &sc.disrupted {
            report.disrupted.push(row(d));
        }
        for (j, t) in p.tier.iter().enumerate() {
            if let Some(t) = *t
                && t > 0
            {
                let tier = tiers.entry(t).or_insert_with(|| Tier { tier: t, run_out: 0, nodes: Vec::new() });
                if p.runs_out[j].is_some() {
                    tier.run_out += 1;
                }
                tier.nodes.push(row(j));
            }
        }
        if let Some(l) = &sc.loss {
            add_losses(&mut lost, &mut by_enterprise, &sn, &net, l);
        }
        // Inputs that run short, with the network's own alternatives.
        let theta = &p.throughput;
        let spare: Vec<f64> = (0..net.len()).map(|i| (net.nodes[i].spec.c - theta[i]).max(0.0)).collect();
        let mut stopped = vec![false; net.len()];
        for &d in &sc.disrupted {
            stopped[d] = true;
        }
        for hit in p.hit.iter().filter(|h| h.short_day.is_some()) {
            let buyer = &net.nodes[hit.buyer];
            let input = &buyer.inputs[hit.input];
            let short = hit.short_day.unwrap_or(window.end());
            let r = input.suppliers.iter().map(|s| s.r).fold(0.0, f64::max);
            let quantity = theta[hit.buyer] * r * (window.end() - short).max(0.0);
            report.alternatives.push(Alternative {
                chain: sn.chain.clone(),
                input: input.name.clone(),
                input_name: sn.links.get(&input.name).map(|x| x.0.clone()),
                unit: sn.links.get(&input.name).map(|x| x.1.clone()),
                buyer: buyer.spec.enterprise.clone().unwrap_or_else(|| buyer.spec.id.clone()),
                buyer_node: buyer.spec.id.clone(),
                buyer_name: buyer.spec.name.clone(),
                buyer_city: city_of(buyer.spec.region),
                short_day: hit.short_day,
                quantity: Some(quantity),
                suppliers: network_alternatives(&net, input, &stopped, &spare, window.days),
            });
        }
    }
    report.tiers = tiers.into_values().collect();
    if loss == LossProgramme::Solve {
        let mut ents: Vec<LostEnterprise> = by_enterprise.into_values().collect();
        ents.sort_by(|a, b| b.lost.total_cmp(&a.lost));
        lost.by_enterprise = ents;
        lost.by_product.sort_by(|a, b| b.lost.total_cmp(&a.lost));
        lost.caused = (lost.total - lost.baseline).max(0.0);
        report.lost = Some(lost);
    }
    if touched == 0 {
        report.warnings.push("the disruption stops no node of the networks analysed".to_string());
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The networks of `chain` (or of every chain) with their link names.
pub async fn scenario_networks(
    store: &dyn Store,
    chain: Option<&ChainId>,
) -> Result<Vec<ScenarioNetwork>, EngineError> {
    let ids: Vec<ChainId> = match chain {
        Some(c) => vec![c.clone()],
        None => store.chains().await?.into_iter().map(|c| c.id).collect(),
    };
    let mut out = Vec::new();
    for id in ids {
        let snap = store.chain_snapshot(&id).await?;
        let params = store.risk_parameters(&id).await?;
        let cn = crate::risk::build_network(&snap, &params);
        let links = snap.chain.links.iter().map(|l| (l.id.to_string(), (l.name.clone(), l.unit.to_string()))).collect();
        out.push(ScenarioNetwork { chain: Some(id.to_string()), file: cn.network, links });
    }
    Ok(out)
}

/// How many stand-ins are listed per input.
pub const ALTERNATIVES_PER_INPUT: usize = 5;

/// [`simulate_networks`] over the store's chains (one, or all), with each short input's alternatives
/// ranked by docking: the shortfall as a demand of the buyer for the input link, due at the disruption's
/// end, delivered to the buyer's division, with the locked-down divisions and stopped enterprises
/// excluded (suppliers of cut links are not excluded: a cut link is the buyer's problem, not theirs).
pub async fn simulate_store(
    store: &dyn Store,
    chain: Option<&ChainId>,
    disruption: &Disruption,
    window: Window,
    loss: LossProgramme,
    today: NaiveDate,
) -> Result<ScenarioReport, EngineError> {
    let networks = scenario_networks(store, chain).await?;
    let mut report = simulate_networks(networks, disruption, window, loss)?;
    if report.alternatives.is_empty() {
        return Ok(report);
    }
    let (snapshots, offers, records) = crate::docking::load_match_data(store).await?;
    let data = MatchData { snapshots: &snapshots, offers: &offers, records: &records };
    let mut opts = DockingOptions::new(today);
    opts.excluded_regions = disruption.regions.iter().filter_map(|r| RegionCode::parse(&r.to_string()).ok()).collect();
    let stopped: Vec<CreditCode> = disruption.enterprises.iter().filter_map(|e| CreditCode::parse(e).ok()).collect();
    let due = today + chrono::Days::new(window.end().ceil().max(1.0) as u64);
    for alt in &mut report.alternatives {
        let Some(demand) = shortfall_demand(alt, &snapshots, &stopped, due, today) else { continue };
        match match_demand(&demand, &data, &opts) {
            Ok(cands) => {
                alt.suppliers = cands
                    .into_iter()
                    .filter(|c| !stopped.contains(&c.supplier))
                    .take(ALTERNATIVES_PER_INPUT)
                    .map(|c| AlternativeSupplier {
                        enterprise: c.supplier.to_string(),
                        name: c.name,
                        city: Some(c.city.as_u32()),
                        city_name: Some(c.city_name),
                        score: c.score.total,
                        distance_km: Some(c.distance_km),
                        capacity_by_due: Some(c.capacity_by_due as f64),
                    })
                    .collect();
            }
            Err(e) => report.warnings.push(format!("alternatives for {} of {}: {e}", alt.input, alt.buyer)),
        }
    }
    Ok(report)
}

/// The shortfall of an input as a demand docking can match (None when the buyer is not a registered
/// enterprise or the chain is unknown).
fn shortfall_demand(
    alt: &Alternative,
    snapshots: &[ChainSnapshot],
    stopped: &[CreditCode],
    due: NaiveDate,
    today: NaiveDate,
) -> Option<Demand> {
    let chain = ChainId::parse(alt.chain.as_deref()?).ok()?;
    let snap = snapshots.iter().find(|s| s.chain.id == chain)?;
    let link = snap.chain.links.iter().find(|l| l.id.as_str() == alt.input)?;
    let buyer = CreditCode::parse(&alt.buyer).ok()?;
    let region = snap.enterprises.iter().find(|e| e.credit_code == buyer)?.region;
    Some(Demand {
        id: 0,
        buyer,
        chain,
        link: LinkId::parse(alt.input.as_str()).ok()?,
        product: link.name.clone(),
        quantity: alt.quantity.unwrap_or(1.0).ceil().max(1.0) as u64,
        unit: link.unit.clone(),
        due,
        created: today,
        delivery_region: region,
        certifications: Vec::new(),
        excluded_suppliers: stopped.to_vec(),
        excluded_regions: Vec::new(),
        priority: 1,
        status: DemandStatus::Open,
        note: Some("shortfall of a disruption scenario".to_string()),
    })
}
