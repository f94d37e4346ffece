//! `chaindock risk` (per-node exposure) and `chaindock simulate` (disruption scenarios).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chaindock_engine::exposure::{self, RiskReport, ScenarioNetwork, ScenarioReport};
use chaindock_model::{ChainId, CreditCode, Region};
use chaindock_risk::{Disruption, ExposureOptions, LossProgramme, NetworkFile, Window};
use chaindock_store::Store;
use clap::Args;
use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use indicatif::ProgressBar;

use crate::Format;

/// Where the network comes from: a chain of a database, or a network file.
#[derive(Args)]
pub struct Source {
    /// The database (path or URL); with --chain.
    #[arg(long, required_unless_present = "network")]
    pub db: Option<String>,
    /// The chain to analyse (`chaindock chains` lists them).
    #[arg(long, conflicts_with = "network")]
    pub chain: Option<String>,
    /// A network file in the exported form ({"nodes":[…],"edges":[…]}) instead of a database.
    #[arg(long, conflicts_with = "db")]
    pub network: Option<PathBuf>,
}

#[derive(Args)]
pub struct RiskArgs {
    #[command(flatten)]
    pub source: Source,
    /// Write the network with all its parameters in the exported form, so that anyone can rebuild the
    /// programmes (written before the analysis starts).
    #[arg(long)]
    pub export_network: Option<PathBuf>,
    /// Stop after writing --export-network: no analysis.
    #[arg(long, requires = "export_network")]
    pub export_only: bool,
    /// Threads to solve on (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Solve every node on the whole programme (warm restarts), without the local bounds.
    #[arg(long)]
    pub whole_programme: bool,
    /// Rows shown in the text table.
    #[arg(long, default_value_t = 25)]
    pub limit: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Args)]
pub struct SimulateArgs {
    /// Without --chain, every chain of the database.
    #[command(flatten)]
    pub source: Source,
    /// Lock down a division (six-digit code or name: 130200, 唐山); repeatable.
    #[arg(long = "lockdown")]
    pub lockdown: Vec<String>,
    /// Stop an enterprise (credit code, or a node's enterprise in a network file); repeatable.
    #[arg(long = "stop")]
    pub stop: Vec<String>,
    /// Cut a link: every producer of it stops; repeatable.
    #[arg(long = "cut")]
    pub cut: Vec<String>,
    /// How long the disruption lasts, in days.
    #[arg(long, allow_negative_numbers = true)]
    pub days: f64,
    /// The day it starts (0 = today).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub start: f64,
    /// Rows shown per list in the text output.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Skip the loss programme (an LP over the whole network, slow on large ones): tiers, days and short
    /// inputs only, with `"lost": null`.
    #[arg(long)]
    pub no_loss: bool,
    /// Print where the time went (reading the input, building the network, propagating, the loss) to
    /// standard error.
    #[arg(long)]
    pub timings: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn read_network(path: &Path) -> anyhow::Result<NetworkFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a network file ({{\"nodes\":[…],\"edges\":[…]}})", path.display()))
}

/// Write `file` to `path` whole or not at all: into a temporary file beside it, then renamed over it.
fn write_network(path: &Path, file: &NetworkFile) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(file)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, json).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

fn spinner(quiet: bool, msg: String) -> ProgressBar {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_message(msg);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn days(x: Option<f64>) -> String {
    x.map_or("never".to_string(), |d| format!("{d:.1}"))
}

pub async fn risk(store: Option<&dyn Store>, args: RiskArgs) -> anyhow::Result<ExitCode> {
    let options = ExposureOptions { threads: args.threads, whole_only: args.whole_programme };
    let quiet = args.format == Format::Json;
    // The network first (from the file, or built from the chain), written out before any solving so
    // that a long or interrupted analysis still leaves the file behind.
    let (file, chain, warnings) = match (&args.source.network, store) {
        (Some(path), _) => (read_network(path)?, None, Vec::new()),
        (None, Some(store)) => {
            let Some(chain) = &args.source.chain else {
                bail!("give --chain CHAIN (see `chaindock chains`) or --network FILE")
            };
            let chain = ChainId::parse(chain).with_context(|| format!("bad --chain {chain:?}"))?;
            let cn = chaindock_engine::risk::chain_network(store, &chain)
                .await
                .with_context(|| format!("chain {chain} cannot be analysed"))?;
            let warnings = cn.warnings();
            (cn.network, Some(chain), warnings)
        }
        (None, None) => bail!("give --db PATH --chain CHAIN or --network FILE"),
    };
    if let Some(path) = &args.export_network {
        write_network(path, &file)?;
        if !quiet {
            eprintln!("network written to {} ({} nodes, {} edges)", path.display(), file.nodes.len(), file.edges.len());
        }
    }
    if args.export_only {
        return Ok(ExitCode::SUCCESS);
    }
    let what = match &chain {
        Some(c) => format!("solving the programmes of chain {c}"),
        None => format!("solving the programmes of {} nodes", file.nodes.len()),
    };
    let bar = spinner(quiet, what);
    let analysed = exposure::analyse_network(file, options);
    bar.finish_and_clear();
    let (mut report, _) = match &chain {
        Some(c) => analysed.with_context(|| format!("chain {c} cannot be analysed"))?,
        None => analysed.context("the network cannot be analysed")?,
    };
    if let Some(c) = &chain {
        report.chain = Some(c.to_string());
        report.warnings = warnings;
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print_risk(&report, args.limit),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_risk(r: &RiskReport, limit: usize) {
    println!(
        "{}: {} nodes ({} can reach a loss), {} flagged (TTS < TTR); max PI {:.1}; {:.2} s",
        r.chain.as_deref().unwrap_or("network"),
        r.node_count,
        r.relevant,
        r.flagged,
        r.max_pi,
        r.seconds
    );
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(vec![
        "#",
        "node",
        "link",
        "TTR d",
        "TTS d",
        "PI (lost)",
        "baseline",
        "REI",
        "TTS<TTR",
    ]);
    for n in r.nodes.iter().take(limit) {
        t.add_row(vec![
            n.rank.to_string(),
            n.name.clone().unwrap_or_else(|| n.node.clone()),
            n.link.clone().unwrap_or_default(),
            format!("{:.1}", n.ttr_days),
            days(n.tts_days),
            format!("{:.1}", n.pi),
            format!("{:.1}", n.baseline),
            format!("{:.3}", n.rei),
            if n.flagged { "⚠".to_string() } else { String::new() },
        ]);
    }
    println!("{t}");
    if r.nodes.len() > limit {
        println!("… {} more nodes (--limit, or --format json for all)", r.nodes.len() - limit);
    }
    for w in &r.warnings {
        println!("note: {w}");
    }
}

/// The disruption the flags name, checked: at least one thing stopped, every division known.
fn disruption(args: &SimulateArgs) -> anyhow::Result<Disruption> {
    if args.lockdown.is_empty() && args.stop.is_empty() && args.cut.is_empty() {
        bail!("say what is disrupted: --lockdown DIVISION, --stop ENTERPRISE or --cut LINK (each repeatable)");
    }
    let mut regions = Vec::new();
    for l in &args.lockdown {
        let r = Region::lookup(l)
            .with_context(|| format!("--lockdown {l:?}: not a division of Beijing, Tianjin or Hebei"))?;
        regions.push(r.code.as_u32());
    }
    if args.source.network.is_none() {
        for s in &args.stop {
            CreditCode::parse(s).with_context(|| format!("--stop {s:?}: not a credit code"))?;
        }
    }
    Ok(Disruption { regions, enterprises: args.stop.clone(), links: args.cut.clone() })
}

/// Every enterprise and link named must be in some network (a typo should not give an empty scenario).
fn check_named(networks: &[ScenarioNetwork], d: &Disruption) -> anyhow::Result<()> {
    let nodes = || networks.iter().flat_map(|n| n.file.nodes.iter());
    for e in &d.enterprises {
        if !nodes().any(|n| n.enterprise.as_deref() == Some(e.as_str())) {
            bail!("--stop {e}: no node of the networks belongs to this enterprise");
        }
    }
    for l in &d.links {
        if !nodes().any(|n| n.link.as_deref() == Some(l.as_str())) {
            bail!("--cut {l}: no node of the networks makes this link");
        }
    }
    Ok(())
}

pub async fn simulate(store: Option<&dyn Store>, args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let d = disruption(&args)?;
    let window = Window::new(args.start, args.days).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let loss = if args.no_loss { LossProgramme::Skip } else { LossProgramme::Solve };
    let started = std::time::Instant::now();
    let report = match (&args.source.network, store) {
        (Some(path), _) => {
            let file = read_network(path)?;
            let networks = vec![ScenarioNetwork { chain: None, file, links: Default::default() }];
            check_named(&networks, &d)?;
            let read = started.elapsed().as_secs_f64();
            let report = exposure::simulate_networks(networks, &d, window, loss)?;
            if args.timings {
                eprintln!("timings: read {read:.3} s");
            }
            report
        }
        (None, Some(store)) => {
            let chain = match &args.source.chain {
                Some(c) => Some(ChainId::parse(c).with_context(|| format!("bad --chain {c:?}"))?),
                None => None,
            };
            let networks = exposure::scenario_networks(store, chain.as_ref()).await?;
            check_named(&networks, &d)?;
            exposure::simulate_store(store, chain.as_ref(), &d, window, loss, crate::docking::today()?).await?
        }
        (None, None) => bail!("give --db PATH [--chain CHAIN] or --network FILE"),
    };
    let written = std::time::Instant::now();
    match args.format {
        Format::Json => {
            // One buffered write: a report of a large network has millions of lines.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
            out.flush()?;
        }
        Format::Text => print_scenario(&report, args.limit),
    }
    if args.timings {
        let s = &report.steps;
        eprintln!(
            "timings: network {:.3} s, propagation {:.3} s, loss {:.3} s, simulation {:.3} s, output {:.3} s, total {:.3} s",
            s.network,
            s.propagation,
            s.loss,
            report.seconds,
            written.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_scenario(r: &ScenarioReport, limit: usize) {
    let lost = match &r.lost {
        Some(l) => format!(
            "lost {:.1} units ({:.1} caused by the disruption, {:.1} lost anyway)",
            l.total, l.caused, l.baseline
        ),
        None => "loss not computed (--no-loss)".to_string(),
    };
    println!(
        "Disruption from day {:.1} for {:.1} days: {} sites stopped, {} downstream in {} tiers; {lost}",
        r.start,
        r.days,
        r.disrupted.len(),
        r.tiers.iter().map(|t| t.nodes.len()).sum::<usize>(),
        r.tiers.len(),
    );
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(vec!["tier", "sites", "run out", "first to run out (day)"]);
    t.add_row(vec!["0 (stopped)".to_string(), r.disrupted.len().to_string(), String::new(), first(&r.disrupted)]);
    for tier in &r.tiers {
        t.add_row(vec![
            tier.tier.to_string(),
            tier.nodes.len().to_string(),
            tier.run_out.to_string(),
            first(&tier.nodes),
        ]);
    }
    println!("{t}");
    if let Some(lost) = r.lost.as_ref().filter(|l| l.by_product.iter().any(|p| p.lost > 0.0)) {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED).set_header(vec!["chain", "product", "lost", "asked for", "lost anyway"]);
        for p in lost.by_product.iter().filter(|p| p.lost > 0.0).take(limit) {
            t.add_row(vec![
                p.chain.clone().unwrap_or_default(),
                p.name.clone().unwrap_or_default(),
                format!("{:.1} {}", p.lost, p.unit.clone().unwrap_or_default()),
                format!("{:.1}", p.demand),
                format!("{:.1}", p.baseline),
            ]);
        }
        println!("{t}");
    }
    if !r.alternatives.is_empty() {
        let mut t = Table::new();
        t.load_style(UTF8_FULL_CONDENSED).set_header(vec![
            "buyer",
            "input",
            "short from day",
            "missing",
            "stand-ins (score)",
        ]);
        for a in r.alternatives.iter().take(limit) {
            let who: Vec<String> = a.suppliers.iter().take(3).map(|s| format!("{} ({:.0})", s.name, s.score)).collect();
            t.add_row(vec![
                a.buyer_name.clone().unwrap_or_else(|| a.buyer.clone()),
                a.input_name.clone().unwrap_or_else(|| a.input.clone()),
                days(a.short_day),
                a.quantity.map(|q| format!("{q:.1}")).unwrap_or_default(),
                if who.is_empty() { "none outside the disruption".to_string() } else { who.join(", ") },
            ]);
        }
        println!("{t}");
        if r.alternatives.len() > limit {
            println!("… {} more short inputs (--format json for all)", r.alternatives.len() - limit);
        }
    }
    for w in &r.warnings {
        println!("note: {w}");
    }
}

fn first(nodes: &[exposure::ScenarioNode]) -> String {
    nodes
        .iter()
        .filter_map(|n| n.runs_out_day.map(|d| (d, n)))
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(d, n)| format!("{} ({d:.1})", n.name.clone().unwrap_or_else(|| n.node.clone())))
        .unwrap_or_default()
}
