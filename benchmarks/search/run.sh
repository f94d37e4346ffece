#!/usr/bin/env bash
# chaindock-search vs SQLite FTS5 (trigram) and PostgreSQL pg_trgm. Usage: benchmarks/search/run.sh [N]
# (default the environment's N, else 1000000). Environment: SEED (1), RUNS (5, chaindock), PEER_RUNS (3), PEER_WARMUP (queries run before
# the peers are timed, 1000), PEER_SAMPLE (time the peers on this many evenly spaced queries; 0 = all),
# REUSE_INDEX=1 (keep an existing chaindock index), CARGO_TARGET_DIR,
# PG (libpq connection string, default host=127.0.0.1 port=5432 user=postgres dbname=test), SKIP_PG=1.
set -euo pipefail
N="${1:-${N:-1000000}}"
SEED="${SEED:-1}"
RUNS="${RUNS:-5}"
PEER_RUNS="${PEER_RUNS:-3}"
PEER_WARMUP="${PEER_WARMUP:-1000}"
PEER_SAMPLE="${PEER_SAMPLE:-0}"
PG="${PG:-host=127.0.0.1 port=5432 user=postgres dbname=test}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
OUT="$HERE/out"
mkdir -p "$OUT"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet opencc "psycopg[binary]"

(cd "$ROOT" && cargo build --release -p chaindock-cli && cargo build --release -p chaindock-search --example search_bench)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac

DB="$OUT/registry-$N.db"
if [ ! -f "$DB" ]; then
    "$TARGET/release/chaindock" gen --db "$DB.tmp" --enterprises "$N" --seed "$SEED"
    mv "$DB.tmp" "$DB"
fi

exec "$VENV/bin/python" "$HERE/bench.py" --n "$N" --db "$DB" --out "$OUT" --seed "$SEED" \
    --bin "$TARGET/release/examples/search_bench" --divisions "$ROOT/crates/model/data/bth_divisions.csv" \
    --runs "$RUNS" --peer-runs "$PEER_RUNS" --peer-warmup "$PEER_WARMUP" --peer-sample "$PEER_SAMPLE" ${REUSE_INDEX:+--reuse-index} --pg "$PG" ${SKIP_PG:+--skip-pg}
