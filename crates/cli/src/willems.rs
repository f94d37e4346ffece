//! `chaindock import-willems`: Willems' (2008) real-world supply chains as chains `willems-NN`.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chaindock_engine::import::{RowError, SourceFile};
use chaindock_engine::willems;
use chaindock_model::Dataset;
use chaindock_store::Store;
use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use indicatif::{ProgressBar, ProgressStyle};

use crate::Format;

fn source(path: &Path) -> anyhow::Result<SourceFile> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(SourceFile { name: path.display().to_string(), bytes })
}

fn print_errors(errors: &[RowError]) {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED).set_header(vec!["file", "row", "column", "value", "reason"]);
    for e in errors {
        t.add_row(vec![
            e.file.clone(),
            e.row.map(|x| x.to_string()).unwrap_or_default(),
            e.column.clone().unwrap_or_default(),
            e.value.clone().unwrap_or_default(),
            e.reason.clone(),
        ]);
    }
    println!("{t}");
    println!("{} error(s): nothing was imported.", errors.len());
}

/// Check both files, build every chain (a progress bar per chain), and write them all in one transaction.
/// Exit code 1 when a row is bad (nothing is written).
pub async fn import(
    store: &dyn Store,
    db: &str,
    stages: &Path,
    arcs: &Path,
    chain: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let chains = match willems::read(&source(stages)?, &source(arcs)?, chain) {
        Ok(c) => c,
        Err(errors) => {
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "errors": errors }))?),
                Format::Text => print_errors(&errors),
            }
            return Ok(ExitCode::from(1));
        }
    };
    let quiet = format == Format::Json;
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(chains.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} chains · {msg}")
            .context("progress template")?,
    );
    let mut data = Dataset::default();
    for c in &chains {
        bar.set_message(format!("{} ({} stages)", c.id(), c.stages.len()));
        data.extend(c.dataset());
        bar.inc(1);
    }
    bar.finish_and_clear();
    let spinner = if quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    spinner.set_message(format!(
        "writing {} chains, {} links, {} BOM edges, {} producers with their risk parameters in one transaction",
        data.chains.len(),
        data.chains.iter().map(|c| c.links.len()).sum::<usize>(),
        data.chains.iter().map(|c| c.bom.len()).sum::<usize>(),
        data.producers.len()
    ));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let written = store.import(&data).await.with_context(|| format!("writing the Willems chains into {db}"));
    spinner.finish_and_clear();
    written?;
    let summary: Vec<_> = chains
        .iter()
        .map(|c| {
            serde_json::json!({
                "chain": c.id(), "stages": c.stages.len(), "arcs": c.arcs.len(),
                "products": c.stages.iter().filter(|s| s.avg_demand.is_some()).count(),
            })
        })
        .collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "imported": summary }))?),
        Format::Text => {
            let (first, last) = (chains.first().map(|c| c.id()), chains.last().map(|c| c.id()));
            let range = match (first, last) {
                (Some(a), Some(b)) if a != b => format!("{a} … {b}"),
                (Some(a), _) => a.to_string(),
                _ => "nothing".into(),
            };
            println!(
                "imported {} Willems chain{} ({range}): {} stages, {} arcs, into {db} in {:.1} s",
                chains.len(),
                if chains.len() == 1 { "" } else { "s" },
                chains.iter().map(|c| c.stages.len()).sum::<usize>(),
                chains.iter().map(|c| c.arcs.len()).sum::<usize>(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
