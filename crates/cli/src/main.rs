//! `chaindock`: the command line of the platform.

mod archive;
mod backend;
mod dedupe;
mod docking;
mod output;
mod risk;
mod serve;
mod text;
mod willems;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use chaindock_engine::generate::{GenConfig, Generator};
use chaindock_engine::import::{SourceFile, import_files};
use chaindock_engine::{analyze_chain, embedded};
use chaindock_graph::AnalysisOptions;
use chaindock_model::{ChainId, Region, RegionCode, Scope};
use chaindock_store::{EnterpriseQuery, Store};

use crate::backend::{open_existing, open_store, search_dir};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

const DEFAULT_DB: &str = "chaindock.db";

/// chaindock — industrial-chain docking (产业链对接) for Beijing, Tianjin and Hebei.
#[derive(Parser)]
#[command(name = "chaindock", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Create a database (with --demo: load the demo data set into it).
    Init {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// Load the demo chains and enterprises.
        #[arg(long)]
        demo: bool,
    },
    /// Run the product on its demo database (created at ./chaindock.db with the demo data and accounts
    /// when absent) and serve the web UI.
    Demo {
        #[arg(long, env = "CHAINDOCK_DB", default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Prepare the database and accounts, print what is there, and exit without serving.
        #[arg(long)]
        no_serve: bool,
        /// Keep the search index in this directory (default: beside an SQLite file, in memory for PostgreSQL).
        #[arg(long, env = backend::SEARCH_DIR_ENV)]
        search_dir: Option<PathBuf>,
    },
    /// Serve the HTTP API and the web UI.
    Serve {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// Address and port; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Serve the UI from this directory (a `npm run build` output) instead of the embedded copy.
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// Mark the session cookie Secure (when served behind HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        /// Keep the search index in this directory (default: beside an SQLite file, in memory for PostgreSQL).
        #[arg(long, env = backend::SEARCH_DIR_ENV)]
        search_dir: Option<PathBuf>,
    },
    /// Demands (需求): post, list, cancel.
    Demand {
        #[command(subcommand)]
        command: docking::DemandCommand,
    },
    /// Offers of free capacity (供给): post, list.
    Offer {
        #[command(subcommand)]
        command: docking::OfferCommand,
    },
    /// The capable suppliers of a demand, ranked, with the parts of each score.
    Match {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The demand id (see `chaindock demand list`).
        demand: i64,
        /// Leave out suppliers in this division (a locked-down city); repeatable.
        #[arg(long = "exclude-region")]
        exclude_regions: Vec<String>,
        /// Rows shown in the text table.
        #[arg(long, default_value_t = 30)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Split demands optimally among their candidates (minimum price + transport, unmet quantity
    /// penalised by priority), respecting free capacity by each due date, the share cap and exclusions.
    Allocate {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// Demand ids, solved together when they compete for the same capacity.
        #[arg(required = true)]
        demands: Vec<i64>,
        /// Leave out suppliers in this division (a locked-down city); repeatable.
        #[arg(long = "exclude-region")]
        exclude_regions: Vec<String>,
        /// The most one supplier may take of a demand.
        #[arg(long, default_value_t = 0.3)]
        share_cap: f64,
        /// Write the instance (demands, arcs, limits) as JSON so that anyone can re-solve it.
        #[arg(long)]
        export_instance: Option<PathBuf>,
        /// Send the plan to the suppliers as requests (replacing pending ones); the excluded regions are
        /// stored with the demands, so that a re-plan after a decline keeps to them too.
        #[arg(long)]
        send: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Requests sent by plans: list, accept, decline, record deliveries.
    Request {
        #[command(subcommand)]
        command: docking::RequestCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: serve::UserCommand,
    },
    /// Import enterprises, chains, producers and supply relations from CSV, XLSX or JSON files, all in one
    /// transaction: one bad row and nothing is written (see data/README.md for the formats).
    Import {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check the files and print the report without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Import Willems' (2008) 38 real-world supply chains (and the example chain 00) as chains `willems-NN`:
    /// every stage a link and a node of one illustrative enterprise, every arc a BOM edge of quantity 1, with
    /// demand, stock, capacity and time to recover from the files (mapping in data/README.md). One
    /// transaction: one bad row and nothing is written.
    ImportWillems {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The stage table (data/willems/stages.csv).
        #[arg(long)]
        stages: PathBuf,
        /// The arc table (data/willems/arcs.csv).
        #[arg(long)]
        arcs: PathBuf,
        /// Only this chain (its number: 7 or 07).
        #[arg(long)]
        chain: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Write the whole database (every table but sessions: ids, versions, password hashes, audit times) to
    /// an archive file, JSON Lines with a versioned header; `chaindock restore` reads it into an empty
    /// database of either backend.
    Export {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The archive to write (replaced only once the export is complete).
        file: PathBuf,
    },
    /// Restore an archive written by `chaindock export` into an EMPTY database (a new SQLite file or an
    /// empty PostgreSQL database), in one transaction: a bad line or a truncated file and nothing is written.
    Restore {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        file: PathBuf,
    },
    /// List the chains.
    Chains {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// A chain's panorama in a scope and its three lists: chokepoints (卡点), gaps to fill (堵点招商) and
    /// key enterprises (重点企业); with --all, every chain in every standard scope.
    Analyze {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The chain id (see `chaindock chains`).
        #[arg(required_unless_present = "all")]
        chain: Option<String>,
        /// hebei, bth (Beijing + Tianjin + Hebei), beijing, tianjin, or a division code or name (130200, 唐山).
        #[arg(long, default_value = "hebei")]
        scope: String,
        /// A link whose in-scope HHI reaches this is a bottleneck.
        #[arg(long, default_value_t = 0.5)]
        hhi_threshold: f64,
        /// Every chain in 京津冀, Beijing, Tianjin, Hebei and each Hebei city: a summary table.
        #[arg(long, conflicts_with = "chain")]
        all: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List enterprises of the registry.
    Enterprises {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// A division code or name (唐山, 130200).
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        chain: Option<String>,
        /// Part of the name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u64,
        #[arg(long, default_value_t = 0)]
        offset: u64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Find duplicate enterprises (same credit code, or similar names in one city), list them, write the
    /// review queue, and merge what is decided.
    Dedupe {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// Score at or above which a pair merges without review.
        #[arg(long, default_value_t = 0.95)]
        merge: f64,
        /// Score at or above which a pair goes to the review queue.
        #[arg(long, default_value_t = 0.7)]
        review: f64,
        /// Write the pairs to review as CSV, with an empty decision column to fill in.
        #[arg(long)]
        review_out: Option<PathBuf>,
        /// Merge the pairs of a reviewed queue file whose decision is `merge`.
        #[arg(long, conflicts_with_all = ["review_out", "apply_auto"])]
        apply: Option<PathBuf>,
        /// Merge the pairs found above the merge threshold.
        #[arg(long)]
        apply_auto: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// What the product makes of a string: normalize, quantity, place, company, mojibake; and `clean`,
    /// which normalises a column of a CSV file.
    Text {
        #[command(subcommand)]
        command: text::TextCommand,
        #[arg(long, value_enum, default_value = "text", global = true)]
        format: Format,
    },
    /// One enterprise in full: its record, aliases, and the enterprises merged into it (where each alias
    /// came from).
    Enterprise {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        /// The unified social credit code.
        code: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Risk exposure of every node of a chain (or of a network file): the time-to-recover and
    /// time-to-survive programmes, PI, TTS, REI, ranked; nodes with TTS < TTR flagged.
    Risk(risk::RiskArgs),
    /// A disruption scenario: divisions locked down, enterprises stopped, links cut, for N days — the
    /// tiers downstream, the day each site runs out, lost output, alternative suppliers.
    Simulate(risk::SimulateArgs),
    /// Generate a large registry with the demo's structure (seeded, deterministic), for benchmarks.
    Gen {
        #[arg(long, env = "CHAINDOCK_DB")]
        db: String,
        #[arg(long)]
        enterprises: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Mean supply relations per enterprise.
        #[arg(long, default_value_t = 10.0)]
        supply_per_enterprise: f64,
    },
}

fn parse_chain(s: &str) -> anyhow::Result<ChainId> {
    ChainId::parse(s).with_context(|| format!("bad chain id {s:?}; `chaindock chains` lists them"))
}

async fn load_demo(store: &dyn Store) -> anyhow::Result<()> {
    let report = embedded::load_demo(store).await.context("loading the demo data")?;
    if !report.ok() {
        output::print_import_report(&report);
        bail!("the embedded demo data did not import");
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { db, demo } => {
            let store = open_store(&db).await?;
            if demo {
                load_demo(&*store).await?;
                embedded::load_demo_docking(&*store, docking::today()?).await?;
            }
            let stats = store.stats().await?;
            println!(
                "{db}: {} enterprises, {} chains, {} producers, {} supply relations",
                stats.enterprises, stats.chains, stats.producers, stats.supply
            );
        }
        Command::Demo { db, listen, no_serve, search_dir: search_dir_opt } => {
            let fresh = backend::is_new_file(&db);
            let store = open_store(&db).await?;
            if fresh || store.stats().await?.chains == 0 {
                println!("Creating the demo database {db} …");
                load_demo(&*store).await?;
            }
            serve::ensure_demo_accounts(&*store).await?;
            embedded::load_demo_docking(&*store, docking::today()?).await?;
            output::print_overview(&*store, &db).await?;
            serve::print_demo_accounts();
            if !no_serve {
                serve::serve(store, &listen, None, false, search_dir(&db, search_dir_opt)).await?;
            }
        }
        Command::Serve { db, listen, web_dir, secure_cookies, search_dir: search_dir_opt } => {
            let store = open_existing(&db).await?;
            serve::serve(store, &listen, web_dir, secure_cookies, search_dir(&db, search_dir_opt)).await?;
        }
        Command::Demand { command } => {
            let store = open_existing(command.db()).await?;
            docking::demand(&*store, command).await?;
        }
        Command::Offer { command } => {
            let store = open_existing(command.db()).await?;
            docking::offer(&*store, command).await?;
        }
        Command::Request { command } => {
            let store = open_existing(command.db()).await?;
            docking::request(&*store, command).await?;
        }
        Command::Match { db, demand, exclude_regions, limit, format } => {
            let store = open_existing(&db).await?;
            docking::matches(&*store, demand, &exclude_regions, limit, format).await?;
        }
        Command::Allocate { db, demands, exclude_regions, share_cap, export_instance, send, format } => {
            let store = open_existing(&db).await?;
            let args = docking::AllocateArgs { demands, exclude_regions, share_cap, export_instance, send, format };
            docking::allocate(&*store, args).await?;
        }
        Command::User { command } => {
            let db = match &command {
                serve::UserCommand::Add { db, .. } | serve::UserCommand::List { db } => db.clone(),
            };
            let store = open_existing(&db).await?;
            serve::user(&*store, command).await?;
        }
        Command::Import { db, files, dry_run, format } => {
            let store = open_store(&db).await?;
            let mut sources = Vec::new();
            for f in &files {
                let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
                if archive::is_archive(&bytes) {
                    bail!(
                        "{} is a chaindock archive of a whole database, not an import file; restore it into an empty \
                         database with `chaindock restore --db <new database> {}`",
                        f.display(),
                        f.display()
                    );
                }
                sources.push(SourceFile { name: f.display().to_string(), bytes });
            }
            let report = import_files(&*store, &sources, dry_run).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text => output::print_import_report(&report),
            }
            if !report.ok() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Export { db, file } => {
            let store = open_existing(&db).await?;
            archive::export(&*store, &db, &file).await?;
        }
        Command::Restore { db, file } => {
            let store = open_store(&db).await?;
            archive::restore(&*store, &db, &file).await?;
        }
        Command::ImportWillems { db, stages, arcs, chain, format } => {
            let store = open_store(&db).await?;
            return willems::import(&*store, &db, &stages, &arcs, chain.as_deref(), format).await;
        }
        Command::Risk(args) => {
            let store = match &args.source.db {
                Some(db) if args.source.network.is_none() => Some(open_existing(db).await?),
                _ => None,
            };
            return risk::risk(store.as_deref(), args).await;
        }
        Command::Simulate(args) => {
            let store = match &args.source.db {
                Some(db) if args.source.network.is_none() => Some(open_existing(db).await?),
                _ => None,
            };
            return risk::simulate(store.as_deref(), args).await;
        }
        Command::Chains { db, format } => {
            let store = open_existing(&db).await?;
            let chains = store.chains().await?;
            match format {
                Format::Json => {
                    let list: Vec<_> = chains
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "id": c.id, "name": c.name, "links": c.links,
                                "producers": c.producers, "enterprises": c.enterprises,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
                Format::Text => output::print_chains(&chains),
            }
        }
        Command::Analyze { db, chain, scope, hhi_threshold, all, format } => {
            let store = open_existing(&db).await?;
            let options = AnalysisOptions { hhi_threshold, ..Default::default() };
            if all {
                output::analyze_all(&*store, &options, format == Format::Json).await?;
            } else {
                let chain = parse_chain(chain.as_deref().unwrap_or_default())?;
                let scope = Scope::parse(&scope).with_context(|| format!("bad --scope {scope:?}"))?;
                let analysis = analyze_chain(&*store, &chain, &scope, &options).await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&analysis)?),
                    Format::Text => output::print_analysis(&analysis),
                }
            }
        }
        Command::Enterprises { db, region, chain, name, limit, offset, format } => {
            let store = open_existing(&db).await?;
            let region = match region {
                Some(r) => Some(Region::lookup(&r).with_context(|| format!("bad --region {r:?}"))?.code),
                None => None::<RegionCode>,
            };
            let chain = chain.as_deref().map(parse_chain).transpose()?;
            let q = EnterpriseQuery { region, chain, name_contains: name, offset, limit, ..Default::default() };
            let page = store.enterprises(&q).await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({"total": page.total, "items": page.items}))?
                ),
                Format::Text => output::print_enterprises(&page),
            }
        }
        Command::Dedupe { db, merge, review, review_out, apply, apply_auto, format } => {
            let store = open_existing(&db).await?;
            let args = dedupe::DedupeArgs {
                thresholds: chaindock_text::resolve::Thresholds { merge, review },
                review_out: review_out.as_deref(),
                apply: apply.as_deref(),
                apply_auto,
                json: format == Format::Json,
            };
            dedupe::run(&*store, args).await?;
        }
        Command::Text { command, format } => {
            if !text::run(command, format == Format::Json)? {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Enterprise { db, code, format } => {
            let store = open_existing(&db).await?;
            let code =
                chaindock_model::CreditCode::parse(&code).with_context(|| format!("bad credit code {code:?}"))?;
            let e = store.enterprise(&code).await?;
            let merges = store.merges(&code).await?;
            let merged: Vec<_> = merges
                .iter()
                .map(|m| {
                    serde_json::json!({"credit_code": m.removed_code, "name": m.removed_name,
                        "aliases": m.removed_aliases, "reason": m.reason, "merged_at": m.merged_at})
                })
                .collect();
            match format {
                Format::Json => {
                    let mut v = serde_json::to_value(&e)?;
                    v["merged_from"] = serde_json::json!(merged);
                    println!("{}", serde_json::to_string_pretty(&v)?);
                }
                Format::Text => {
                    let r = e.region.region();
                    println!("{} ({})", e.name, e.credit_code);
                    println!("  region:   {} {}", r.code, r.name);
                    if let Some(i) = &e.industry {
                        println!("  industry: {} {}", i, i.class().name);
                    }
                    let flags = [
                        (e.above_scale, "规上"),
                        (e.leading, "龙头"),
                        (e.specialised, "专精特新"),
                        (e.illustrative, "示意"),
                    ];
                    let flags: Vec<&str> = flags.iter().filter(|(f, _)| *f).map(|(_, s)| *s).collect();
                    println!("  flags:    {}", flags.join(" "));
                    println!("  aliases:  {}", if e.aliases.is_empty() { "–".into() } else { e.aliases.join("; ") });
                    for m in &merges {
                        println!(
                            "  merged:   {} ({}) with aliases [{}] on {} — {}",
                            m.removed_name,
                            m.removed_code,
                            m.removed_aliases.join("; "),
                            m.merged_at,
                            m.reason
                        );
                    }
                }
            }
        }
        Command::Gen { db, enterprises, seed, supply_per_enterprise } => {
            if enterprises == 0 {
                bail!("--enterprises must be at least 1");
            }
            if !(0.0..=1000.0).contains(&supply_per_enterprise) {
                bail!("--supply-per-enterprise must lie between 0 and 1000");
            }
            let store = open_store(&db).await?;
            let started = Instant::now();
            let config = GenConfig { enterprises, supply_per_enterprise, seed, ..Default::default() };
            let generator = Generator::new(embedded::chain_templates()?, config)?;
            let bar = ProgressBar::new(generator.chunk_count() as u64);
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} chunks · {msg}")
                    .context("progress template")?,
            );
            let mut rows = [0u64; 3];
            for k in 0..generator.chunk_count() {
                let chunk = generator.chunk(k);
                let counts = store.import(&chunk).await.with_context(|| format!("writing chunk {k}"))?;
                rows[0] += counts.enterprises;
                rows[1] += counts.producers;
                rows[2] += counts.supply;
                bar.set_message(format!("{} enterprises, {} producers, {} supply", rows[0], rows[1], rows[2]));
                bar.inc(1);
            }
            bar.finish();
            println!(
                "generated {} enterprises, {} producers, {} supply relations into {db} in {:.1} s",
                rows[0],
                rows[1],
                rows[2],
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
