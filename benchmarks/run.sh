#!/usr/bin/env bash
# chaindock vs a DuckDB peer on a generated registry. Usage: benchmarks/run.sh [N]   (default 1000000)
# Environment: SEED (default 1), RUNS (default 5), CARGO_TARGET_DIR (default the workspace's target/),
# REUSE_DB=1 to keep an existing out/registry-N.db (then the load row is not measured).
set -euo pipefail
N="${1:-1000000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-5}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="$HERE/.venv"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet duckdb

(cd "$ROOT" && cargo build --release -p chaindock-cli)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

mkdir -p "$HERE/out"
exec "$VENV/bin/python" "$HERE/bench.py" --bin "$TARGET/release/chaindock" --n "$N" --seed "$SEED" \
    --runs "$RUNS" --db "$HERE/out/registry-$N.db" --out "$HERE/out" ${REUSE_DB:+--reuse-db}
