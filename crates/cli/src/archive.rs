//! `chaindock export` and `chaindock restore`: a whole database to an archive file and back (see
//! `chaindock_store::archive` for the format), with a progress bar on long runs.
//!
//! An export writes `FILE.partial` and renames it to `FILE` only once the archive is complete, so a failed
//! or interrupted export never leaves a file that looks like a backup.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chaindock_store::Store;
use chaindock_store::archive::Header;
use indicatif::{ProgressBar, ProgressStyle};

const BUFFER: usize = 1 << 20;

fn summary(header: &Header) -> String {
    header
        .tables
        .iter()
        .filter(|t| t.rows > 0)
        .map(|t| format!("{} {}", t.rows, t.table))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn export(store: &dyn Store, db: &str, file: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let partial = PathBuf::from(format!("{}.partial", file.display()));
    let f = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bytes} written ({bytes_per_sec})")
            .context("progress template")?,
    );
    let synced = f.try_clone().with_context(|| format!("cannot open {} twice", partial.display()))?;
    let written = async {
        let mut out = BufWriter::with_capacity(BUFFER, bar.wrap_write(f));
        let header = store.export_archive(&mut out).await?;
        out.into_inner().map_err(|e| e.into_error())?;
        synced.sync_all()?;
        anyhow::Ok(header)
    }
    .await;
    bar.finish_and_clear();
    let header = match written {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context(format!("exporting {db} failed; no archive was written")));
        }
    };
    std::fs::rename(&partial, file)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), file.display()))?;
    println!(
        "exported {} rows ({}) from {} to {} in {:.1} s",
        header.total_rows(),
        summary(&header),
        redact(db),
        file.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn restore(store: &dyn Store, db: &str, file: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let f = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {bytes}/{total_bytes} ({eta} left)")
            .context("progress template")?,
    );
    let mut input = BufReader::with_capacity(BUFFER, bar.wrap_read(f));
    let restored = store.restore_archive(&mut input).await;
    bar.finish_and_clear();
    let header = restored
        .with_context(|| format!("restoring {} into {} failed; nothing was written", file.display(), redact(db)))?;
    println!(
        "restored {} rows ({}) from {} into {} in {:.1} s",
        header.total_rows(),
        summary(&header),
        file.display(),
        redact(db),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn redact(db: &str) -> String {
    chaindock_store_postgres::redact(db)
}

/// Whether the file at `bytes` is an archive rather than an import file, by its first line.
pub fn is_archive(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    chaindock_store::archive::is_archive(first)
}
