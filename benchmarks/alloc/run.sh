#!/usr/bin/env bash
# chaindock's allocation solver against Google OR-Tools and HiGHS, on the same instances in the same run.
# Usage: benchmarks/alloc/run.sh
# Environment: RUNS (default 5), PEERS (default ortools-mcf,highs,ortools-glop), CARGO_TARGET_DIR (default the
# workspace's target/), REGISTRY=D to also draw a D-demand instance from a generated 1,000,000-enterprise registry
# through the chaindock CLI (about 35 minutes for D=1000; kept as out/registry.json and reused by later runs),
# CHAINDOCK_BIN to use a chaindock binary already built for that instead of building one.
set -euo pipefail
RUNS="${RUNS:-5}"
PEERS="${PEERS:-ortools-mcf,highs,ortools-glop}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$(dirname "$HERE")")"
VENV="$HERE/.venv"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet ortools==9.15.6755 highspy==1.15.1 numpy

(cd "$ROOT" && cargo build --release --quiet -p chaindock-alloc --examples)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
EXAMPLES="$TARGET/release/examples"

mkdir -p "$HERE/out"
# The crate's generator (crates/alloc/examples/timing.rs): 1,000 demands, 2,000 suppliers, capacity 1.3 times the
# demand so that demands compete for the cheap suppliers.
"$EXAMPLES/timing" --solvers none --write "$HERE/out/due-dates.json" >/dev/null
"$EXAMPLES/timing" --solvers none --transport --write "$HERE/out/transport.json" >/dev/null
"$EXAMPLES/timing" --solvers none --candidates 100 --seed 6 --write "$HERE/out/due-dates-100.json" >/dev/null
INSTANCES=("$HERE/out/due-dates.json" "$HERE/out/transport.json" "$HERE/out/due-dates-100.json")

if [ -n "${REGISTRY:-}" ] && [ ! -f "$HERE/out/registry.json" ]; then
    BIN="${CHAINDOCK_BIN:-}"
    if [ -z "$BIN" ]; then
        (cd "$ROOT" && cargo build --release --quiet -p chaindock-cli)
        BIN="$TARGET/release/chaindock"
    fi
    # Under another name: a process called chaindock may be stopped by other work on the machine.
    cp "$BIN" "$HERE/out/cdk-alloc"
    "$VENV/bin/python" "$HERE/registry.py" --bin "$HERE/out/cdk-alloc" --db "$HERE/out/registry-1000000.db" \
        --enterprises 1000000 --demands "$REGISTRY" --out "$HERE/out/registry.json"
fi
[ -f "$HERE/out/registry.json" ] && INSTANCES+=("$HERE/out/registry.json")

exec "$VENV/bin/python" "$HERE/bench.py" --solve-file "$EXAMPLES/solve_file" --runs "$RUNS" --peers "$PEERS" \
    "${INSTANCES[@]}"
