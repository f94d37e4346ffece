//! What the commands print for people: tables that line up in Chinese, and short explanations.

use std::time::Instant;

use chaindock_engine::analyze_chain;
use chaindock_engine::import::ImportReport;
use chaindock_graph::{AnalysisOptions, ChainAnalysis, LinkStatus, PreparedChain};
use chaindock_model::{Enterprise, Scope};
use chaindock_store::{ChainInfo, Page, Store};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, Table};

fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(headers.to_vec());
    t
}

fn num(x: f64) -> Cell {
    let s = if x >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") };
    Cell::new(s).set_alignment(CellAlignment::Right)
}

fn int(x: impl Into<u64>) -> Cell {
    Cell::new(x.into().to_string()).set_alignment(CellAlignment::Right)
}

fn status_cell(s: LinkStatus) -> Cell {
    let (text, color) = match s {
        LinkStatus::Breakpoint => ("断点 breakpoint", Color::Red),
        LinkStatus::Bottleneck => ("堵点 bottleneck", Color::Yellow),
        LinkStatus::Chokepoint => ("卡点 chokepoint", Color::Magenta),
        LinkStatus::Healthy => ("正常 healthy", Color::Green),
        LinkStatus::NotNeeded => ("未涉及 not needed", Color::Grey),
    };
    Cell::new(text).fg(color)
}

pub fn print_import_report(r: &ImportReport) {
    for f in &r.files {
        let tables: Vec<String> = f.tables.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!(
            "{} ({}): {}",
            f.file,
            f.format,
            if tables.is_empty() { "nothing read".into() } else { tables.join(", ") }
        );
    }
    for w in &r.warnings {
        println!("warning: {w}");
    }
    if !r.errors.is_empty() {
        let mut t = table(&["file", "row", "column", "value", "reason"]);
        for e in &r.errors {
            t.add_row(vec![
                Cell::new(&e.file),
                Cell::new(e.row.map(|x| x.to_string()).unwrap_or_default()),
                Cell::new(e.column.clone().unwrap_or_default()),
                Cell::new(e.value.clone().unwrap_or_default()),
                Cell::new(&e.reason),
            ]);
        }
        println!("{t}");
        println!("{} error(s): nothing was imported.", r.errors.len());
    } else if let Some(c) = &r.written {
        println!(
            "imported {} enterprises, {} chains, {} producers, {} supply relations",
            c.enterprises, c.chains, c.producers, c.supply
        );
    } else if r.dry_run {
        println!("dry run: no errors; nothing was written");
    }
}

pub fn print_chains(chains: &[ChainInfo]) {
    let mut t = table(&["id", "name", "links", "producers", "enterprises"]);
    for c in chains {
        t.add_row(vec![Cell::new(&c.id), Cell::new(&c.name), int(c.links), int(c.producers), int(c.enterprises)]);
    }
    println!("{t}");
}

pub fn print_enterprises(page: &Page<Enterprise>) {
    let mut t = table(&["credit code", "name", "region", "industry", "flags"]);
    for e in &page.items {
        let flags: Vec<&str> =
            [(e.leading, "龙头"), (e.specialised, "专精特新"), (e.above_scale, "规上"), (e.illustrative, "示意")]
                .iter()
                .filter(|(f, _)| *f)
                .map(|(_, s)| *s)
                .collect();
        t.add_row(vec![
            Cell::new(&e.credit_code),
            Cell::new(&e.name),
            Cell::new(&e.region.region().name),
            Cell::new(e.industry.as_ref().map(|i| format!("{} {}", i, i.class().name)).unwrap_or_default()),
            Cell::new(flags.join(" ")),
        ]);
    }
    println!("{t}");
    println!("{} of {} enterprises", page.items.len(), page.total);
}

pub fn print_analysis(a: &ChainAnalysis) {
    println!("{} ({}) — scope {} ({})", a.chain.name, a.chain.id, a.scope.name, a.scope.key);
    let mut t = table(&[
        "segment",
        "link",
        "status",
        "in/out",
        "capacity/day",
        "demand/day",
        "unit",
        "HHI",
        "leading producer",
    ]);
    for l in &a.links {
        t.add_row(vec![
            Cell::new(l.segment.label_zh()),
            Cell::new(format!("{}{}", l.name, if l.import_dependent { " ★" } else { "" })),
            status_cell(l.status),
            Cell::new(format!("{}/{}", l.producers_in_scope, l.producers_out_of_scope)),
            num(l.capacity_in_scope),
            num(l.demand_in_scope),
            Cell::new(&l.unit),
            Cell::new(l.hhi.map(|h| format!("{h:.2}")).unwrap_or_else(|| "–".into())),
            Cell::new(l.leading_producers.first().map(|p| p.name.clone()).unwrap_or_default()),
        ]);
    }
    println!("{t}");
    println!("★ import-dependent key technology · in/out: producers in and outside the scope\n");

    println!("断点 Breakpoints ({}):", a.breakpoints.len());
    for f in &a.breakpoints {
        println!("  · {} — {}", f.name, f.detail);
    }
    println!("堵点 Bottlenecks ({}):", a.bottlenecks.len());
    for f in &a.bottlenecks {
        println!("  · {} — {}", f.name, f.detail);
    }
    println!("\n1. 卡点 Chokepoints to tackle ({}):", a.chokepoints.len());
    for f in &a.chokepoints {
        println!("  · {} — {}", f.name, f.detail);
    }
    println!("2. 堵点招商 Gaps to fill by recruiting ({}):", a.gaps_to_fill.len());
    for g in &a.gaps_to_fill {
        let kind = if g.kind == LinkStatus::Breakpoint { "断点" } else { "堵点" };
        let short =
            if g.shortfall > 0.0 { format!(", short {:.1} {}/day", g.shortfall, g.unit) } else { String::new() };
        println!("  · {} [{kind}{short}]", g.name);
        if g.candidates.is_empty() {
            println!("      no producer outside the scope either: recruit from outside the region");
        }
        for c in &g.candidates {
            let flags = [(c.leading, " 龙头"), (c.specialised, " 专精特新")]
                .iter()
                .filter(|(f, _)| *f)
                .map(|(_, s)| *s)
                .collect::<String>();
            println!("      → {} ({}), {:.1} {}/day{flags}", c.name, c.region_name, c.capacity, g.unit);
        }
    }
    println!("3. 重点企业 Key enterprises ({} shown of {}):", a.key_enterprises.len(), a.key_enterprises_total);
    for k in &a.key_enterprises {
        println!("  · {} ({}) — {}", k.name, k.region_name, k.reasons.join("、"));
    }
}

/// Every chain in every standard scope: counts per cell, and how long it took.
pub async fn analyze_all(store: &dyn Store, options: &AnalysisOptions, json: bool) -> anyhow::Result<()> {
    let scopes = Scope::standard();
    let chains = store.chains().await?;
    let started = Instant::now();
    let (mut load, mut analyse) = (0.0, 0.0);
    let mut rows = Vec::new();
    for c in &chains {
        let t0 = Instant::now();
        let snap = store.chain_snapshot(&c.id).await?;
        load += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let prepared = PreparedChain::new(&snap)?;
        for s in &scopes {
            let a = prepared.analyze(s, options)?;
            rows.push((
                c.id.to_string(),
                c.name.clone(),
                s.key.clone(),
                s.name.clone(),
                a.breakpoints.len(),
                a.bottlenecks.len(),
                a.chokepoints.len(),
                a.key_enterprises_total,
            ));
        }
        analyse += t1.elapsed().as_secs_f64();
    }
    let total = started.elapsed().as_secs_f64();
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| serde_json::json!({"chain": r.0, "scope": r.2, "breakpoints": r.4, "bottlenecks": r.5, "chokepoints": r.6, "key_enterprises": r.7}))
            .collect();
        println!(
            "{}",
            serde_json::json!({"results": list, "seconds": {"load": load, "analysis": analyse, "total": total}})
        );
    } else {
        let mut t = table(&["chain", "scope", "断点", "堵点", "卡点", "重点企业"]);
        for r in &rows {
            t.add_row(vec![
                Cell::new(&r.1),
                Cell::new(&r.3),
                num(r.4 as f64),
                num(r.5 as f64),
                num(r.6 as f64),
                num(r.7 as f64),
            ]);
        }
        println!("{t}");
        println!(
            "{} chains × {} scopes in {total:.3} s (reading snapshots {load:.3} s, analysis {analyse:.3} s)",
            chains.len(),
            scopes.len()
        );
    }
    Ok(())
}

/// What is in the database and what to try next.
pub async fn print_overview(store: &dyn Store, db: &str) -> anyhow::Result<()> {
    let stats = store.stats().await?;
    println!(
        "chaindock — {db}: {} enterprises, {} chains, {} producers, {} supply relations",
        stats.enterprises, stats.chains, stats.producers, stats.supply
    );
    for (p, n) in &stats.enterprises_by_province {
        println!("  {}: {n} enterprises", p.region().name);
    }
    let chains = store.chains().await?;
    print_chains(&chains);
    if let Some(c) = chains.first() {
        let options = AnalysisOptions::default();
        let hebei = analyze_chain(store, &c.id, &Scope::hebei(), &options).await?;
        let bth = analyze_chain(store, &c.id, &Scope::bth(), &options).await?;
        println!(
            "{}: {} breakpoint(s) and {} bottleneck(s) in Hebei; {} and {} across 京津冀.",
            c.name,
            hebei.breakpoints.len(),
            hebei.bottlenecks.len(),
            bth.breakpoints.len(),
            bth.bottlenecks.len()
        );
    }
    let first = chains.first().map(|c| c.id.to_string()).unwrap_or_else(|| "automotive".into());
    match std::env::current_exe() {
        Ok(exe) => println!("\nTry (chaindock is {}):", exe.display()),
        Err(_) => println!("\nTry:"),
    }
    println!("  chaindock analyze --db {db} {first} --scope hebei     # the panorama in Hebei");
    println!("  chaindock analyze --db {db} {first} --scope bth       # … and across Beijing–Tianjin–Hebei");
    println!("  chaindock analyze --db {db} {first} --scope 唐山");
    println!("  chaindock analyze --db {db} --all                     # every chain in every scope");
    println!("  chaindock enterprises --db {db} --region 廊坊");
    println!("  chaindock import --db {db} data/samples/enterprises.csv --dry-run");
    Ok(())
}
