//! Embeds the repository's data files (chain templates and the demo data set) into the engine, so that
//! the binary runs on a machine that has nothing but itself.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // The manifest directory of this build, read at run time: a build script compiled for another copy of
    // the repository must not embed that copy's files.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../../data");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for (dir, ext, name) in [("chains", "json", "CHAIN_TEMPLATES"), ("demo", "csv", "DEMO_FILES")] {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        files.retain(|p| p.extension().is_some_and(|e| e == ext));
        files.sort();
        assert!(!files.is_empty(), "no .{ext} files in {}", path.display());
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
