//! `chaindock dedupe`: duplicate enterprises found, reviewed and merged.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use chaindock_model::{CreditCode, Enterprise};
use chaindock_store::{EnterpriseQuery, Store};
use chaindock_text::resolve::{Candidate, Decision, Record, Thresholds, find_duplicates};
use comfy_table::Cell;
use serde_json::json;

/// Every enterprise of the registry, in id order (older records first), in one query: paging by offset
/// would rescan the table for every page.
async fn all_enterprises(store: &dyn Store) -> anyhow::Result<Vec<Enterprise>> {
    let q = EnterpriseQuery { limit: i64::MAX as u64, ..Default::default() };
    Ok(store.enterprises(&q).await?.items)
}

/// Follow earlier merges so that a pair whose member is gone applies to what it was merged into.
fn representative(merged: &HashMap<CreditCode, CreditCode>, mut c: CreditCode) -> CreditCode {
    while let Some(next) = merged.get(&c) {
        c = next.clone();
    }
    c
}

fn is_yes(s: &str) -> bool {
    matches!(s.trim().to_lowercase().as_str(), "merge" | "yes" | "y" | "1" | "是" | "合并")
}

pub struct DedupeArgs<'a> {
    pub thresholds: Thresholds,
    pub review_out: Option<&'a Path>,
    pub apply: Option<&'a Path>,
    pub apply_auto: bool,
    pub json: bool,
}

pub async fn run(store: &dyn Store, args: DedupeArgs<'_>) -> anyhow::Result<()> {
    if !(0.0 < args.thresholds.review && args.thresholds.review <= args.thresholds.merge) {
        bail!("thresholds must satisfy 0 < --review ≤ --merge");
    }
    if let Some(file) = args.apply {
        return apply_reviewed(store, file).await;
    }
    let enterprises = all_enterprises(store).await?;
    let records: Vec<Record> = enterprises
        .iter()
        .map(|e| Record { name: e.name.clone(), region: Some(e.region), credit_code: Some(e.credit_code.to_string()) })
        .collect();
    let found = find_duplicates(&records, args.thresholds);
    let describe = |c: &Candidate| {
        let (k, r) = (&enterprises[c.a], &enterprises[c.b]);
        json!({"decision": c.decision, "score": c.score, "reason": c.reason,
            "keep": {"credit_code": k.credit_code, "name": k.name, "region": k.region.region().name},
            "remove": {"credit_code": r.credit_code, "name": r.name, "region": r.region.region().name}})
    };
    if args.json {
        // One pair at a time: a large registry can have hundreds of thousands of pairs.
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        writeln!(out, "[")?;
        for (i, c) in found.iter().enumerate() {
            let sep = if i + 1 < found.len() { "," } else { "" };
            writeln!(out, "{}{sep}", describe(c))?;
        }
        writeln!(out, "]")?;
        out.flush()?;
    } else {
        let mut t = comfy_table::Table::new();
        t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED).set_header(vec![
            "decision",
            "score",
            "keep",
            "merge into it",
            "why",
        ]);
        for c in &found {
            let (k, r) = (&enterprises[c.a], &enterprises[c.b]);
            t.add_row(vec![
                Cell::new(if c.decision == Decision::Merge { "合并 merge" } else { "复核 review" }),
                Cell::new(format!("{:.2}", c.score)),
                Cell::new(format!("{}\n{} {}", k.name, k.credit_code, k.region.region().name)),
                Cell::new(format!("{}\n{} {}", r.name, r.credit_code, r.region.region().name)),
                Cell::new(&c.reason),
            ]);
        }
        let merges = found.iter().filter(|c| c.decision == Decision::Merge).count();
        println!("{t}");
        println!(
            "{} enterprises: {merges} automatic merge(s), {} pair(s) to review (thresholds: merge ≥ {}, review ≥ {})",
            enterprises.len(),
            found.len() - merges,
            args.thresholds.merge,
            args.thresholds.review
        );
    }
    if let Some(path) = args.review_out {
        let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(["keep_code", "keep_name", "remove_code", "remove_name", "score", "reason", "decision"])?;
        for c in found.iter().filter(|c| c.decision == Decision::Review) {
            let (k, r) = (&enterprises[c.a], &enterprises[c.b]);
            w.write_record([
                k.credit_code.as_str(),
                &k.name,
                r.credit_code.as_str(),
                &r.name,
                &format!("{:.3}", c.score),
                &c.reason,
                "",
            ])?;
        }
        w.flush()?;
        println!(
            "review queue written to {}: put `merge` in the decision column of the pairs to merge, then run `chaindock dedupe --apply {}`",
            path.display(),
            path.display()
        );
    }
    if args.apply_auto {
        let mut merged: HashMap<CreditCode, CreditCode> = HashMap::new();
        let mut n = 0;
        for c in found.iter().filter(|c| c.decision == Decision::Merge) {
            let keep = representative(&merged, enterprises[c.a].credit_code.clone());
            let remove = representative(&merged, enterprises[c.b].credit_code.clone());
            if keep == remove {
                continue;
            }
            store.merge_enterprises(&keep, &remove, &format!("automatic: {} ({:.2})", c.reason, c.score)).await?;
            merged.insert(remove, keep);
            n += 1;
        }
        println!("merged {n} enterprise(s)");
    }
    Ok(())
}

/// Apply the pairs of a reviewed queue file whose decision column says merge.
async fn apply_reviewed(store: &dyn Store, file: &Path) -> anyhow::Result<()> {
    let mut rdr = csv::Reader::from_path(file).with_context(|| format!("cannot read {}", file.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no column {name}", file.display()))
    };
    let (kc, rc, dc, why) = (col("keep_code")?, col("remove_code")?, col("decision")?, col("reason")?);
    let mut merged: HashMap<CreditCode, CreditCode> = HashMap::new();
    let (mut applied, mut skipped) = (0, 0);
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{}, row {row}", file.display()))?;
        if !is_yes(rec.get(dc).unwrap_or("")) {
            skipped += 1;
            continue;
        }
        let code = |c: usize, what: &str| {
            CreditCode::parse(rec.get(c).unwrap_or(""))
                .with_context(|| format!("{}, row {row}, column {what}", file.display()))
        };
        let keep = representative(&merged, code(kc, "keep_code")?);
        let remove = representative(&merged, code(rc, "remove_code")?);
        if keep == remove {
            continue;
        }
        let reason = format!("reviewed: {}", rec.get(why).unwrap_or(""));
        store
            .merge_enterprises(&keep, &remove, &reason)
            .await
            .with_context(|| format!("{}, row {row}: merging {remove} into {keep}", file.display()))?;
        merged.insert(remove, keep);
        applied += 1;
    }
    println!("merged {applied} pair(s); {skipped} left apart");
    Ok(())
}
