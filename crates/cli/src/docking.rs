//! `chaindock demand|offer|match|allocate|request`: supply–demand docking on the command line.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chaindock_engine::docking::{self, DockingOptions};
use chaindock_model::{CreditCode, Demand, DemandStatus, Offer, RegionCode, Unit};
use chaindock_store::{DemandQuery, NewAudit, RequestQuery, Store};
use chrono::NaiveDate;
use clap::Subcommand;
use comfy_table::Table;

use crate::Format;

/// Today, or `CHAINDOCK_TODAY` (YYYY-MM-DD) when set, so that demos and tests are reproducible.
pub fn today() -> anyhow::Result<NaiveDate> {
    match std::env::var("CHAINDOCK_TODAY") {
        Ok(s) => s.parse().with_context(|| format!("CHAINDOCK_TODAY={s:?} is not a date (YYYY-MM-DD)")),
        Err(_) => Ok(chrono::Local::now().date_naive()),
    }
}

/// The name the command line's audit entries carry.
const CLI_ACTOR: &str = "cli";

fn audit(action: &str, target: String, detail: serde_json::Value) -> NewAudit {
    NewAudit { username: Some(CLI_ACTOR.into()), action: action.into(), target, detail }
}

/// A date as `2026-12-10` or `+10` (days from today).
pub fn parse_date(s: &str, today: NaiveDate) -> anyhow::Result<NaiveDate> {
    if let Some(n) = s.trim().strip_prefix('+') {
        let days: u64 = n.parse().with_context(|| format!("{s:?}: after + comes a number of days"))?;
        return Ok(today + chrono::Days::new(days));
    }
    s.trim().parse().with_context(|| format!("{s:?} is not a date: write YYYY-MM-DD or +DAYS"))
}

/// A whole quantity as people write it, in `link_unit`.
pub fn parse_whole_quantity(s: &str, link_unit: &Unit) -> anyhow::Result<u64> {
    docking::parse_quantity_in(s, link_unit).map_err(anyhow::Error::msg)
}

fn parse_regions(list: &[String]) -> anyhow::Result<Vec<RegionCode>> {
    list.iter()
        .map(|r| chaindock_engine::import::parse_region(r).with_context(|| format!("--exclude-region {r}")))
        .collect()
}

#[derive(Subcommand)]
pub enum DemandCommand {
    /// Post a demand: who needs what, how much, by when, where.
    Add {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The buyer's unified social credit code.
        #[arg(long)]
        buyer: String,
        /// The product: chain/link, a link id or name, or words of a link's name (冲焊总成件).
        #[arg(long)]
        product: String,
        /// As written: 11000, 1.1万, 1.1万件 (in the product's unit).
        #[arg(long)]
        quantity: String,
        /// YYYY-MM-DD or +DAYS.
        #[arg(long)]
        due: String,
        /// A division code or name, or an address (北京市顺义区).
        #[arg(long)]
        deliver_to: String,
        #[arg(long, default_value_t = 3)]
        priority: u8,
        #[arg(long = "exclude-region")]
        exclude_regions: Vec<String>,
        #[arg(long = "exclude-supplier")]
        exclude_suppliers: Vec<String>,
        #[arg(long = "cert")]
        certifications: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List demands (most urgent first).
    List {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// open, planned, covered, delivered or cancelled.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Cancel a demand (pending requests are withdrawn).
    Cancel {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum OfferCommand {
    /// Post free capacity for a product over a period.
    Add {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(long)]
        supplier: String,
        #[arg(long)]
        product: String,
        #[arg(long)]
        quantity: String,
        /// First day of production (YYYY-MM-DD or +DAYS); today when absent.
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        until: String,
        /// Yuan per unit.
        #[arg(long)]
        price: f64,
        #[arg(long, default_value_t = 2)]
        lead_days: u32,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    List {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand)]
pub enum RequestCommand {
    /// The requests plans have sent.
    List {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(long)]
        demand: Option<i64>,
        #[arg(long)]
        supplier: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The supplier accepts a request.
    Accept {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        id: i64,
    },
    /// The supplier declines a request, saying why; the demand's shortfall is re-planned at once among
    /// suppliers not asked yet, and sent as new requests beside the pending ones.
    Decline {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        id: i64,
        #[arg(long)]
        reason: String,
        /// Only decline; leave the shortfall for `chaindock allocate`.
        #[arg(long)]
        no_replan: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Record units delivered against an accepted request.
    Deliver {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        id: i64,
        #[arg(long)]
        quantity: u64,
        /// YYYY-MM-DD or +DAYS; today when absent.
        #[arg(long)]
        on: Option<String>,
    },
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

pub async fn demand(store: &dyn Store, cmd: DemandCommand) -> anyhow::Result<()> {
    match cmd {
        DemandCommand::Add {
            buyer,
            product,
            quantity,
            due,
            deliver_to,
            priority,
            exclude_regions,
            exclude_suppliers,
            certifications,
            note,
            format,
            ..
        } => {
            let today = today()?;
            let buyer = CreditCode::parse(&buyer).context("--buyer must be a unified social credit code")?;
            let chains = all_chains(store).await?;
            let (chain, link) = docking::resolve_product(&chains, &product).context("--product")?;
            let unit = chains.iter().find(|c| c.id == chain).and_then(|c| c.link(&link)).map(|l| l.unit.clone());
            let unit = unit.context("the product's link vanished")?;
            let quantity = parse_whole_quantity(&quantity, &unit).context("--quantity")?;
            let due = parse_date(&due, today).context("--due")?;
            if due < today {
                bail!("--due {due} is in the past (today is {today})");
            }
            let delivery_region = chaindock_engine::import::parse_region(&deliver_to).context("--deliver-to")?;
            let excluded_suppliers = exclude_suppliers
                .iter()
                .map(|c| CreditCode::parse(c).with_context(|| format!("--exclude-supplier {c}")))
                .collect::<anyhow::Result<_>>()?;
            let d = Demand {
                id: 0,
                buyer,
                product: chains
                    .iter()
                    .find(|c| c.id == chain)
                    .and_then(|c| c.link(&link))
                    .map(|l| l.name.clone())
                    .unwrap_or(product),
                chain,
                link,
                quantity,
                unit,
                due,
                created: today,
                delivery_region,
                certifications,
                excluded_suppliers,
                excluded_regions: parse_regions(&exclude_regions)?,
                priority,
                status: DemandStatus::Open,
                note,
            };
            d.validate()?;
            let stored =
                store.create_demand(&d, &audit("demand.create", "demand".into(), serde_json::json!({}))).await?;
            match format {
                Format::Json => print_json(&stored)?,
                Format::Text => println!(
                    "demand {}: {} {}{} for {} by {}, delivered to {}",
                    stored.id,
                    stored.product,
                    stored.quantity,
                    stored.unit,
                    stored.buyer,
                    stored.due,
                    stored.delivery_region.region().name
                ),
            }
        }
        DemandCommand::List { status, format, .. } => {
            let status = status.as_deref().map(DemandStatus::parse).transpose()?;
            let list = store.demands(&DemandQuery { status, ..Default::default() }).await?;
            match format {
                Format::Json => print_json(&list)?,
                Format::Text => {
                    let mut t = Table::new();
                    t.set_header(["id", "status", "priority", "product", "quantity", "due", "buyer", "to"]);
                    for d in &list {
                        t.add_row([
                            d.id.to_string(),
                            d.status.as_str().to_string(),
                            d.priority.to_string(),
                            d.product.clone(),
                            format!("{}{}", d.quantity, d.unit),
                            d.due.to_string(),
                            d.buyer.to_string(),
                            d.delivery_region.region().name.clone(),
                        ]);
                    }
                    println!("{t}");
                }
            }
        }
        DemandCommand::Cancel { id, .. } => {
            let d =
                store.cancel_demand(id, &audit("demand.cancel", format!("demand:{id}"), serde_json::json!({}))).await?;
            println!("demand {} is {}", d.id, d.status.as_str());
        }
    }
    Ok(())
}

async fn all_chains(store: &dyn Store) -> anyhow::Result<Vec<chaindock_model::Chain>> {
    let mut out = Vec::new();
    for c in store.chains().await? {
        out.push(store.chain(&c.id).await?);
    }
    Ok(out)
}

pub async fn offer(store: &dyn Store, cmd: OfferCommand) -> anyhow::Result<()> {
    match cmd {
        OfferCommand::Add { supplier, product, quantity, from, until, price, lead_days, format, .. } => {
            let today = today()?;
            let supplier = CreditCode::parse(&supplier).context("--supplier must be a unified social credit code")?;
            let chains = all_chains(store).await?;
            let (chain, link) = docking::resolve_product(&chains, &product).context("--product")?;
            let unit = chains.iter().find(|c| c.id == chain).and_then(|c| c.link(&link)).map(|l| l.unit.clone());
            let unit = unit.context("the product's link vanished")?;
            let o = Offer {
                id: 0,
                supplier,
                chain,
                link,
                quantity: parse_whole_quantity(&quantity, &unit).context("--quantity")?,
                unit,
                available_from: from
                    .as_deref()
                    .map(|f| parse_date(f, today))
                    .transpose()
                    .context("--from")?
                    .unwrap_or(today),
                available_until: parse_date(&until, today).context("--until")?,
                unit_price: price,
                lead_time_days: lead_days,
            };
            o.validate()?;
            let stored = store.create_offer(&o, &audit("offer.create", "offer".into(), serde_json::json!({}))).await?;
            match format {
                Format::Json => print_json(&stored)?,
                Format::Text => println!(
                    "offer {}: {} {}{} of {}/{} from {} to {} at {} yuan, lead {} days",
                    stored.id,
                    stored.supplier,
                    stored.quantity,
                    stored.unit,
                    stored.chain,
                    stored.link,
                    stored.available_from,
                    stored.available_until,
                    stored.unit_price,
                    stored.lead_time_days
                ),
            }
        }
        OfferCommand::List { format, .. } => {
            let list = store.offers(None, None).await?;
            match format {
                Format::Json => print_json(&list)?,
                Format::Text => {
                    let mut t = Table::new();
                    t.set_header(["id", "supplier", "product", "quantity", "from", "until", "price", "lead"]);
                    for o in &list {
                        t.add_row([
                            o.id.to_string(),
                            o.supplier.to_string(),
                            format!("{}/{}", o.chain, o.link),
                            format!("{}{}", o.quantity, o.unit),
                            o.available_from.to_string(),
                            o.available_until.to_string(),
                            format!("{:.2}", o.unit_price),
                            format!("{} d", o.lead_time_days),
                        ]);
                    }
                    println!("{t}");
                }
            }
        }
    }
    Ok(())
}

pub async fn matches(
    store: &dyn Store,
    id: i64,
    exclude: &[String],
    limit: usize,
    format: Format,
) -> anyhow::Result<()> {
    let mut opts = DockingOptions::new(today()?);
    opts.excluded_regions = parse_regions(exclude)?;
    let (demand, candidates) = docking::candidates_for(store, id, &opts).await?;
    match format {
        Format::Json => print_json(&serde_json::json!({ "demand": demand, "candidates": candidates }))?,
        Format::Text => {
            println!(
                "demand {}: {} {}{} by {} to {} — {} candidates",
                demand.id,
                demand.product,
                demand.quantity,
                demand.unit,
                demand.due,
                demand.delivery_region.region().name,
                candidates.len()
            );
            let mut t = Table::new();
            t.set_header(["score", "supplier", "city", "fit", "by due", "price", "km", "lead", "record", "flags"]);
            for c in candidates.iter().take(limit) {
                t.add_row([
                    format!("{:.1}", c.score.total),
                    c.name.clone(),
                    c.city_name.clone(),
                    format!("{:?}", c.fit).to_lowercase(),
                    format!("{}{}", c.capacity_by_due, if c.assumed { "*" } else { "" }),
                    c.unit_price.map_or("?".into(), |p| format!("{p:.2}")),
                    format!("{:.0}", c.distance_km),
                    format!("{} d", c.lead_time_days),
                    format!("{:.2}", c.score.delivery_record),
                    format!("{}{}", if c.leading { "龙头 " } else { "" }, if c.specialised { "专精特新" } else { "" }),
                ]);
            }
            println!("{t}");
            println!(
                "* assumed spare capacity (no offer); score = 30 fit + 25 capacity + 15 distance + 10 lead + 10 record + 10 flags"
            );
        }
    }
    Ok(())
}

pub struct AllocateArgs {
    pub demands: Vec<i64>,
    pub exclude_regions: Vec<String>,
    pub share_cap: f64,
    pub export_instance: Option<PathBuf>,
    pub send: bool,
    pub format: Format,
}

pub async fn allocate(store: &dyn Store, a: AllocateArgs) -> anyhow::Result<()> {
    if !(a.share_cap > 0.0 && a.share_cap <= 1.0) {
        bail!("--share-cap {} must lie in (0, 1]", a.share_cap);
    }
    let mut opts = DockingOptions::new(today()?);
    opts.excluded_regions = parse_regions(&a.exclude_regions)?;
    opts.share_cap = a.share_cap;
    let (_, instance, plan) = docking::plan_demands(store, &a.demands, &opts).await?;
    if let Some(path) = &a.export_instance {
        std::fs::write(path, serde_json::to_vec_pretty(&instance)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if a.send {
        docking::send_plan(store, &plan, Some(CLI_ACTOR)).await?;
    }
    match a.format {
        Format::Json => print_json(&plan)?,
        Format::Text => {
            let mut t = Table::new();
            t.set_header(["demand", "supplier", "city", "quantity", "price", "transport", "km", "cost"]);
            for l in &plan.lines {
                t.add_row([
                    l.demand.to_string(),
                    format!("{}{}", l.name, if l.assumed_capacity { " *" } else { "" }),
                    l.city_name.clone(),
                    l.quantity.to_string(),
                    l.unit_price.map_or("?".into(), |p| format!("{p:.2}")),
                    format!("{:.3}", l.transport_per_unit),
                    format!("{:.0}", l.distance_km),
                    format!("{:.0}", l.cost),
                ]);
            }
            println!("{t}");
            for d in &plan.demands {
                println!(
                    "demand {} ({}): {} of {}{} allocated{}",
                    d.id,
                    d.product,
                    d.allocated,
                    d.quantity,
                    d.unit,
                    d.unmet_reason.as_deref().map(|r| format!("; {} unmet: {r}", d.unmet)).unwrap_or_default()
                );
            }
            println!(
                "{} enterprises in {} cities; objective {:.2}{}{}",
                plan.enterprises,
                plan.cities,
                plan.objective,
                if plan.proven_optimal { " (proven optimal)" } else { "" },
                if a.send { "; requests sent" } else { "" }
            );
        }
    }
    Ok(())
}

pub async fn request(store: &dyn Store, cmd: RequestCommand) -> anyhow::Result<()> {
    match cmd {
        RequestCommand::List { demand, supplier, format, .. } => {
            let supplier = supplier.as_deref().map(CreditCode::parse).transpose().context("--supplier")?;
            let list = store.requests(&RequestQuery { demand, supplier, status: None }).await?;
            match format {
                Format::Json => print_json(&list)?,
                Format::Text => {
                    let mut t = Table::new();
                    t.set_header(["id", "demand", "supplier", "quantity", "status", "delivered", "reason"]);
                    for r in &list {
                        t.add_row([
                            r.id.to_string(),
                            r.demand.to_string(),
                            r.supplier.to_string(),
                            r.quantity.to_string(),
                            r.status.as_str().to_string(),
                            r.delivered.to_string(),
                            r.reason.clone().unwrap_or_default(),
                        ]);
                    }
                    println!("{t}");
                }
            }
        }
        RequestCommand::Accept { id, .. } => {
            let r = store
                .respond_request(
                    id,
                    true,
                    None,
                    &audit("request.accept", format!("request:{id}"), serde_json::json!({})),
                )
                .await?;
            println!("request {} {}", r.id, r.status.as_str());
        }
        RequestCommand::Decline { id, reason, no_replan, format, .. } => {
            let r = store
                .respond_request(
                    id,
                    false,
                    Some(&reason),
                    &audit("request.decline", format!("request:{id}"), serde_json::json!({ "reason": reason })),
                )
                .await?;
            let replan = if no_replan {
                None
            } else {
                let opts = DockingOptions::new(today()?);
                Some(docking::replan_after_decline(store, r.demand, &opts, Some(CLI_ACTOR)).await)
            };
            let (replan, error) = match replan {
                Some(Ok(p)) => (Some(p), None),
                Some(Err(e)) => (None, Some(e)),
                None => (None, None),
            };
            match format {
                Format::Json => print_json(&serde_json::json!({
                    "request": r,
                    "replan": replan,
                    "replan_error": error.as_ref().map(ToString::to_string),
                }))?,
                Format::Text => {
                    println!("request {} {} ({})", r.id, r.status.as_str(), reason.trim());
                    match &replan {
                        Some(p) => print_replan(p),
                        None if error.is_none() => {
                            println!("re-plan the shortfall with `chaindock allocate {}`", r.demand)
                        }
                        None => {}
                    }
                }
            }
            if let Some(e) = error {
                bail!("request {id} is declined, but its demand {}'s shortfall was not re-planned: {e}", r.demand);
            }
        }
        RequestCommand::Deliver { id, quantity, on, .. } => {
            let today = today()?;
            let on = on.as_deref().map(|d| parse_date(d, today)).transpose()?.unwrap_or(today);
            let d = store
                .record_delivery(
                    id,
                    quantity,
                    on,
                    &audit("delivery", format!("request:{id}"), serde_json::json!({ "quantity": quantity })),
                )
                .await?;
            println!("delivery {}: {} against request {} on {}", d.id, d.quantity, d.request, d.delivered_on);
        }
    }
    Ok(())
}

/// A re-plan as the text output shows it: the shortfall, the new requests, what stays unmet.
fn print_replan(p: &docking::Replan) {
    let unit = p.plan.demands.first().map(|d| d.unit.to_string()).unwrap_or_default();
    println!(
        "demand {}: shortfall {}{unit} re-planned among suppliers not asked before ({} asked already)",
        p.demand,
        p.shortfall,
        p.asked.len()
    );
    if !p.sent.is_empty() {
        let mut t = Table::new();
        t.set_header(["request", "supplier", "city", "quantity", "unit cost"]);
        for (r, l) in p.sent.iter().zip(&p.plan.lines) {
            t.add_row([
                r.id.to_string(),
                format!("{}{}", l.name, if l.assumed_capacity { " *" } else { "" }),
                l.city_name.clone(),
                r.quantity.to_string(),
                format!("{:.2}", r.unit_cost),
            ]);
        }
        println!("{t}");
    }
    if let Some(d) = p.plan.demands.first() {
        println!(
            "{} new requests for {} of {}{unit}{}",
            p.sent.len(),
            d.allocated,
            d.quantity,
            d.unmet_reason.as_deref().map(|r| format!("; {} unmet: {r}", d.unmet)).unwrap_or_default()
        );
    }
}

impl DemandCommand {
    pub fn db(&self) -> &str {
        match self {
            Self::Add { db, .. } | Self::List { db, .. } | Self::Cancel { db, .. } => db,
        }
    }
}

impl OfferCommand {
    pub fn db(&self) -> &str {
        match self {
            Self::Add { db, .. } | Self::List { db, .. } => db,
        }
    }
}

impl RequestCommand {
    pub fn db(&self) -> &str {
        match self {
            Self::List { db, .. } | Self::Accept { db, .. } | Self::Decline { db, .. } | Self::Deliver { db, .. } => db,
        }
    }
}
