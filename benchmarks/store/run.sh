#!/usr/bin/env bash
# The SQLite and PostgreSQL backends side by side (issue 7): bulk load against a plain psql COPY of the same
# rows, and the API's health, search, analysis and filtered listing under wrk on each.
#
#   benchmarks/store/run.sh [N]       # N from the argument, else the environment's N, else 1000000
#
# Environment: SEED (1), RUNS (load runs per system, 3; medians), DURATION (wrk per endpoint, 15s),
# CONNECTIONS (16), THREADS (wrk threads, 1), ALONE (the one-connection wrk run per endpoint, 3s),
# PORT (18282), CHAIN (automotive), REGION (130200; with CHAIN the listing's filter), PG_ADMIN (a database to
# create the bench database from, default postgres://postgres@127.0.0.1:5432/postgres), PG_DB
# (chaindock_bench: dropped and created, dropped at the end unless KEEP_PG=1), CARGO_TARGET_DIR, BIN (a
# chaindock binary to use instead of building one).
# Needs psql and PostgreSQL on 127.0.0.1 with trust authentication; installs wrk (Debian) when missing.
# Writes benchmarks/store/out/ (gitignored): results-N.md, latest.md, results-N.json, plans-N.txt, logs,
# the SQLite file and the CSV files of the COPY limit (at N = 1,000,000 about 2 GB; delete when done).
set -euo pipefail
N="${1:-${N:-1000000}}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
command -v psql >/dev/null || { echo "psql is needed (Debian: postgresql-client)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p chaindock-cli)
  TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
  case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
  BIN="$TARGET/release/chaindock"
fi

exec python3 "$HERE/bench.py" --bin "$BIN" --n "$N" --seed "${SEED:-1}" --runs "${RUNS:-3}" \
  --out "$HERE/out" --pg-admin "${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}" --pg-db "${PG_DB:-chaindock_bench}" \
  --duration "${DURATION:-15s}" --connections "${CONNECTIONS:-16}" --threads "${THREADS:-1}" --port "${PORT:-18282}" --alone "${ALONE:-3s}" \
  --chain "${CHAIN:-automotive}" --region "${REGION:-130200}" ${KEEP_PG:+--keep}
