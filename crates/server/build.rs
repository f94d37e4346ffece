//! Builds the web UI (`web/`, TypeScript + Vite) with npm and embeds the result.
//!
//! `npm ci` runs when `web/node_modules` is missing or older than `web/package-lock.json`; then
//! `npm run build` writes into `$OUT_DIR/web`, and `$OUT_DIR/web_assets.rs` lists every file with
//! `include_bytes!`. Set `CHAINDOCK_WEB_DIST` to a directory already built to skip npm (packaging).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let web = manifest.join("../../web").canonicalize().expect("the web/ folder beside crates/");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=CHAINDOCK_WEB_DIST");
    for f in ["src", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json", "public"] {
        println!("cargo:rerun-if-changed={}", web.join(f).display());
    }

    let dist = match std::env::var_os("CHAINDOCK_WEB_DIST") {
        Some(d) => PathBuf::from(d),
        None => {
            let dist = out.join("web");
            build_ui(&web, &dist);
            dist
        }
    };
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    assert!(files.iter().any(|(rel, _)| rel == "index.html"), "the UI build in {} has no index.html", dist.display());
    let mut code = String::from("/// Every file of the UI build: path relative to its root, contents.\n");
    code.push_str("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        writeln!(code, "    ({rel:?}, include_bytes!({:?})),", abs.display().to_string()).unwrap();
    }
    code.push_str("];\n");
    std::fs::write(out.join("web_assets.rs"), code).unwrap();
}

fn npm() -> Command {
    Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
}

fn run(mut cmd: Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| {
        panic!("cannot run npm ({e}); the web UI is built with Node.js and npm, which must be on PATH")
    });
    assert!(status.success(), "{what} failed ({status}); see its output above");
}

fn modified(p: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn build_ui(web: &Path, dist: &Path) {
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    let lock = modified(&web.join("package-lock.json"));
    if installed.is_none() || lock > installed {
        let mut cmd = npm();
        cmd.current_dir(web).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
        run(cmd, "npm ci in web/");
    }
    let mut cmd = npm();
    cmd.current_dir(web).args(["run", "build", "--", "--outDir"]).arg(dist).arg("--emptyOutDir");
    run(cmd, "npm run build in web/");
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}
