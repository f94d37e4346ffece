//! Embeds the repository's data files (chain templates and the demo data set) into the engine, so that
//! the binary runs on a machine that has nothing but itself.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for (dir, ext, name) in [("chains", "json", "CHAIN_TEMPLATES"), ("demo", "csv", "DEMO_FILES")] {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == ext));
        files.sort();
        writeln!(out, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
        for f in files {
            let abs = f.canonicalize().unwrap();
            let file = f.file_name().unwrap().to_string_lossy();
            writeln!(out, "    ({file:?}, include_bytes!({:?})),", abs.display().to_string()).unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}
