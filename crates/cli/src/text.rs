//! `chaindock text …`: what the product makes of a string, for the staff who prepare data.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chaindock_engine::import::decode_text;
use chaindock_text::mojibake;
use chaindock_text::quantity::parse_quantity;
use chaindock_text::{normalize, parse_company, resolve_place};
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand)]
pub enum TextCommand {
    /// The canonical Simplified form (Traditional → Simplified, full-width → half-width, pinyin removed).
    Normalize { strings: Vec<String> },
    /// A quantity as written (1.1万件, 逾万吨, 三千五百): value, unit and qualifier.
    Quantity { strings: Vec<String> },
    /// The divisions a place name or address may be (all of them when ambiguous).
    Place { strings: Vec<String> },
    /// A company name taken apart: region prefix, core, legal forms, branch.
    Company { strings: Vec<String> },
    /// Whether text is garbled by a wrong codepage, where, and the repair when it is certain.
    Mojibake { strings: Vec<String> },
    /// Write a copy of a CSV file with one column normalised, and report what changed.
    Clean {
        /// The column: its 1-based number or its header.
        #[arg(long)]
        column: String,
        file: PathBuf,
        /// Where to write the cleaned copy (default: FILE with `.clean.csv`).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn show(json: bool, value: serde_json::Value, text: String) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

pub fn run(cmd: TextCommand, json_out: bool) -> anyhow::Result<bool> {
    let mut all_ok = true;
    match cmd {
        TextCommand::Normalize { strings } => {
            for s in strings {
                let out = normalize(&s);
                show(json_out, json!({"input": s, "output": out}), format!("{s} → {out}"));
            }
        }
        TextCommand::Quantity { strings } => {
            for s in strings {
                match parse_quantity(&s) {
                    Ok(q) => show(
                        json_out,
                        json!({"input": s, "value": q.value, "unit": q.unit, "qualifier": q.qualifier}),
                        format!(
                            "{s} → {} {} ({})",
                            q.value,
                            q.unit,
                            serde_json::to_value(&q.qualifier)?.as_str().unwrap_or("")
                        ),
                    ),
                    Err(e) => {
                        all_ok = false;
                        show(json_out, json!({"input": s, "error": e.to_string()}), format!("{s} → error: {e}"));
                    }
                }
            }
        }
        TextCommand::Place { strings } => {
            for s in strings {
                let c = resolve_place(&s);
                all_ok &= !c.is_empty();
                let list: Vec<_> = c
                    .iter()
                    .map(|p| {
                        json!({"code": p.code.to_string(), "name": p.name, "level": p.level, "matched": p.matched,
                            "within": p.code.region().parent.map(|c| c.region().name.clone())})
                    })
                    .collect();
                let text = if c.is_empty() {
                    format!("{s} → no Beijing, Tianjin or Hebei division")
                } else {
                    let names: Vec<String> = c
                        .iter()
                        .map(|p| match p.code.region().parent {
                            Some(up) => format!("{} {}{}", p.code, up.region().name.trim_end_matches("市辖区"), p.name),
                            None => format!("{} {}", p.code, p.name),
                        })
                        .collect();
                    format!("{s} → {}", names.join(" | "))
                };
                show(json_out, json!({"input": s, "candidates": list}), text);
            }
        }
        TextCommand::Company { strings } => {
            for s in strings {
                let c = parse_company(&s);
                let text = format!(
                    "{s} → {} [region {} | core {} | forms {} | branch {}]",
                    c.canonical,
                    c.region_prefix.as_deref().unwrap_or("–"),
                    c.core,
                    if c.legal_forms.is_empty() { "–".to_string() } else { c.legal_forms.join(" + ") },
                    c.branch.as_deref().unwrap_or("–")
                );
                let mut v = serde_json::to_value(&c)?;
                v["input"] = json!(s);
                show(json_out, v, text);
            }
        }
        TextCommand::Mojibake { strings } => {
            for s in strings {
                let r = mojibake::detect(&s);
                let text = if r.garbled {
                    let spans: Vec<String> = r
                        .spans
                        .iter()
                        .map(|sp| format!("{:?} at {}..{} ({:?})", sp.text, sp.start, sp.end, sp.kind))
                        .collect();
                    match &r.repaired {
                        Some(fixed) => format!("{s} → garbled: {}; repaired: {fixed}", spans.join(", ")),
                        None => format!("{s} → garbled: {}", spans.join(", ")),
                    }
                } else {
                    format!("{s} → clean")
                };
                let mut v = serde_json::to_value(&r)?;
                v["input"] = json!(s);
                show(json_out, v, text);
            }
        }
        TextCommand::Clean { column, file, output } => clean(&column, &file, output.as_deref(), json_out)?,
    }
    Ok(all_ok)
}

/// Normalise one column of a CSV file (UTF-8 or GBK) into a UTF-8 copy, reporting each changed cell and
/// each garbled one.
fn clean(column: &str, file: &Path, output: Option<&Path>, json_out: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let (text, encoding) = decode_text(&name, &bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = rdr.headers().with_context(|| format!("cannot read the header of {name}"))?.clone();
    let col = match column.parse::<usize>() {
        Ok(n) if n >= 1 && n <= headers.len() => n - 1,
        Ok(n) => bail!("--column {n}: the file has columns 1 to {}", headers.len()),
        Err(_) => headers.iter().position(|h| h.trim() == column).with_context(|| {
            format!(
                "--column {column:?}: no such header; the headers are {}",
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?,
    };
    let out_path = output.map(Path::to_path_buf).unwrap_or_else(|| file.with_extension("clean.csv"));
    let mut wtr = csv::Writer::from_path(&out_path).with_context(|| format!("cannot write {}", out_path.display()))?;
    wtr.write_record(&headers)?;
    let mut changes = Vec::new();
    let mut rows = 0;
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{name}, row {row}: cannot read the row"))?;
        rows += 1;
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        if let Some(cell) = fields.get_mut(col) {
            let report = mojibake::detect(cell);
            let source = report.repaired.clone().unwrap_or_else(|| cell.clone());
            let cleaned = normalize(&source);
            if report.garbled || cleaned != *cell {
                changes.push(json!({"row": row, "before": cell.clone(), "after": cleaned, "garbled": report.garbled,
                    "repaired": report.repaired.is_some()}));
            }
            *cell = cleaned;
        }
        wtr.write_record(&fields)?;
    }
    wtr.flush()?;
    if json_out {
        println!(
            "{}",
            json!({"file": name, "encoding": encoding, "column": headers.get(col), "rows": rows,
                "output": out_path.display().to_string(), "changes": changes})
        );
    } else {
        for c in &changes {
            let flag = match (c["garbled"].as_bool(), c["repaired"].as_bool()) {
                (Some(true), Some(true)) => " (garbled text repaired)",
                (Some(true), _) => " (garbled: check by hand)",
                _ => "",
            };
            println!("row {}: {} → {}{flag}", c["row"], c["before"], c["after"]);
        }
        println!(
            "{name} ({encoding}): {} of {rows} rows changed in column {:?}; wrote {}",
            changes.len(),
            headers.get(col).unwrap_or(""),
            out_path.display()
        );
    }
    Ok(())
}
