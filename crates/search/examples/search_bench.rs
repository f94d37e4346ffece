//! The chaindock side of `benchmarks/search`: index a generated registry and time queries.
//!
//! ```sh
//! cargo run --release -p chaindock-search --example search_bench -- \
//!     --db registry.db --index out/index [--rebuild] [--export-docs docs.tsv] \
//!     [--queries queries.json --out results.json --runs 5]
//! ```
//!
//! Reads the enterprises and what they make from the registry's SQLite file (`enterprise`, `producer`,
//! `chain_link`, `chain`), builds the index in `--index` when it is new (or with `--rebuild`), and writes
//! `--export-docs`: the texts exactly as indexed, one enterprise a line, for the peers. With `--queries`
//! (a JSON array of `{"id", "text"}`) it runs every query once to warm up, then `--runs` times, and writes
//! per query the canonical text of each term (what the peers are given), each run's latency in µs, the total and the
//! top ten credit codes. Enterprises without coordinates (the generator gives none) are placed at their
//! county's seat, as the server will do.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use chaindock_model::RegionCode;
use chaindock_search::{EnterpriseDoc, LinkDoc, SearchIndex, SearchQuery, canonical};

struct Args {
    db: PathBuf,
    index: PathBuf,
    rebuild: bool,
    export_docs: Option<PathBuf>,
    queries: Option<PathBuf>,
    out: Option<PathBuf>,
    runs: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        db: PathBuf::new(),
        index: PathBuf::new(),
        rebuild: false,
        export_docs: None,
        queries: None,
        out: None,
        runs: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => a.db = value()?.into(),
            "--index" => a.index = value()?.into(),
            "--rebuild" => a.rebuild = true,
            "--export-docs" => a.export_docs = Some(value()?.into()),
            "--queries" => a.queries = Some(value()?.into()),
            "--out" => a.out = Some(value()?.into()),
            "--runs" => a.runs = value()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if a.db.as_os_str().is_empty() || a.index.as_os_str().is_empty() {
        bail!(
            "usage: search_bench --db FILE --index DIR [--rebuild] [--export-docs FILE] [--queries FILE --out FILE --runs N]"
        );
    }
    Ok(a)
}

fn load(db: &PathBuf) -> anyhow::Result<Vec<EnterpriseDoc>> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db.display()))?;
    let mut links: HashMap<i64, Vec<LinkDoc>> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT p.enterprise_id, l.chain_id, l.link_id, l.name, c.name
         FROM producer p JOIN chain_link l ON l.id = p.link JOIN chain c ON c.id = l.chain_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        links.entry(r.get(0)?).or_default().push(LinkDoc {
            chain: r.get(1)?,
            link: r.get(2)?,
            link_name: r.get(3)?,
            chain_name: Some(r.get(4)?),
        });
    }
    let has_description =
        conn.prepare("SELECT 1 FROM pragma_table_info('enterprise') WHERE name = 'description'")?.exists([])?;
    let description = if has_description { "description" } else { "NULL" };
    let mut stmt = conn.prepare(&format!(
        "SELECT id, credit_code, name, aliases, region, lng, lat, industry, leading, specialised, {description}
         FROM enterprise ORDER BY id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut docs = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let region: u32 = r.get(4)?;
        let code = RegionCode::parse(&region.to_string()).ok();
        let aliases: String = r.get(3)?;
        let (mut lng, mut lat): (Option<f64>, Option<f64>) = (r.get(5)?, r.get(6)?);
        if lng.is_none() || lat.is_none() {
            let seat = code.map(|c| c.region().location);
            lng = seat.map(|p| p.lng);
            lat = seat.map(|p| p.lat);
        }
        docs.push(EnterpriseDoc {
            credit_code: r.get(1)?,
            name: r.get(2)?,
            aliases: serde_json::from_str(&aliases).unwrap_or_default(),
            description: r.get(10)?,
            region,
            city: code.map_or(region / 100 * 100, |c| c.city().as_u32()),
            province: code.map_or(region / 10_000 * 10_000, |c| c.province().as_u32()),
            industry: r.get(7)?,
            leading: r.get::<_, i64>(8)? != 0,
            specialised: r.get::<_, i64>(9)? != 0,
            lng,
            lat,
            links: links.remove(&id).unwrap_or_default(),
        });
    }
    Ok(docs)
}

fn dir_size(dir: &PathBuf) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()?.metadata().ok()).filter(|m| m.is_file()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// A line of the peers' document file: fields separated by tabs, lists by `|` (neither occurs in the texts).
fn tsv_line(d: &EnterpriseDoc) -> String {
    let t = d.indexed_texts();
    let clean = |s: &str| s.replace(['\t', '\n', '|'], " ");
    let list = |v: &[String]| v.iter().map(|s| clean(s)).collect::<Vec<_>>().join("|");
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
        d.credit_code,
        d.leading as u8,
        clean(&t.name),
        list(&t.aliases),
        list(&t.links),
        clean(t.description.as_deref().unwrap_or("")),
        list(&t.context)
    )
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let mut report = serde_json::Map::new();
    let (index, fresh) = SearchIndex::open_or_create(&a.index)?;
    let need_docs = fresh || a.rebuild || a.export_docs.is_some();
    if need_docs {
        let started = Instant::now();
        let docs = load(&a.db)?;
        let load_s = started.elapsed().as_secs_f64();
        eprintln!("read {} enterprises from {} in {load_s:.1} s", docs.len(), a.db.display());
        report.insert("load_seconds".into(), load_s.into());
        if let Some(path) = &a.export_docs {
            let mut w = BufWriter::new(std::fs::File::create(path)?);
            for d in &docs {
                w.write_all(tsv_line(d).as_bytes())?;
            }
            w.flush()?;
        }
        if fresh || a.rebuild {
            let started = Instant::now();
            let n = index.replace_all(docs)?;
            let build_s = started.elapsed().as_secs_f64();
            eprintln!("indexed {n} enterprises in {build_s:.1} s");
            report.insert("index_seconds".into(), build_s.into());
        }
    }
    report.insert("docs".into(), index.doc_count().into());
    report.insert("index_bytes".into(), dir_size(&a.index).into());

    if let (Some(qpath), Some(out)) = (&a.queries, &a.out) {
        let queries: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(qpath)?)?;
        let make = |q: &serde_json::Value| SearchQuery {
            text: q["text"].as_str().unwrap_or_default().to_string(),
            limit: 10,
            ..Default::default()
        };
        for q in &queries {
            index.search(&make(q))?;
        }
        let mut latencies: Vec<Vec<f64>> = vec![Vec::with_capacity(a.runs); queries.len()];
        let mut results = Vec::with_capacity(queries.len());
        for run in 0..a.runs {
            for (i, q) in queries.iter().enumerate() {
                let sq = make(q);
                let started = Instant::now();
                let r = index.search(&sq)?;
                latencies[i].push(started.elapsed().as_secs_f64() * 1e6);
                if run == 0 {
                    results.push((r.total, r.hits.into_iter().map(|h| h.credit_code).collect::<Vec<_>>()));
                }
            }
        }
        let per_query: Vec<serde_json::Value> = queries
            .iter()
            .zip(latencies)
            .zip(results)
            .map(|((q, lat), (total, hits))| {
                serde_json::json!({
                    "id": q["id"],
                    // Per whitespace-separated term, so that the peers keep the user's spacing (normalising
                    // the whole text joins Han characters across a space).
                    "canonical": q["text"].as_str().unwrap_or_default().split_whitespace().map(canonical).collect::<Vec<_>>().join(" "),
                    "latency_us": lat,
                    "total": total,
                    "hits": hits,
                })
            })
            .collect();
        report.insert("queries".into(), per_query.into());
        std::fs::write(out, serde_json::to_string(&serde_json::Value::Object(report))?)?;
    } else {
        println!("{}", serde_json::to_string_pretty(&serde_json::Value::Object(report))?);
    }
    Ok(())
}
