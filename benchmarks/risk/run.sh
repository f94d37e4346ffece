#!/usr/bin/env bash
# Issue 6's benchmark: chaindock's per-node risk analysis against the naive HiGHS baseline (one LP per node, built
# and solved from scratch in Python), and disruption propagation against networkx and python-igraph.
# Usage: benchmarks/risk/run.sh
# Environment:
#   RUNS (default 5)              chaindock runs per network (medians)
#   NODES (default 50000)         size of the generated network ("none" to skip it); SEED (default 1)
#   SAMPLE (default 100)          nodes the baseline solves on networks of more than FULL nodes (evenly spaced; its
#                                 total is then extrapolated and labelled so); FULL (default 300)
#   BUDGET (default 1800)         seconds after which a sampled baseline stops (what it solved by then counts)
#   WILLEMS (default all)         chain numbers to compare, e.g. "38 17"; "none" to skip
#   PROPAGATE (default registry)  "registry": chaindock gen of 1,000,000 enterprises, a chain exported from it;
#                                 "generated": a generated network of PROP_NODES (default 1000000) nodes; "none"
#   PROP_CHAIN (default automotive) the registry chain exported; LOCKDOWN (default: the city with
#                                 most nodes)
#   TIMEOUT (default 1800) seconds after which a chaindock run is given up (reported, not compared)
#   CARGO_TARGET_DIR (default the workspace's target/), CHAINDOCK_BIN to use a binary already built (build it
#                                 with --features highs, as this script does, for the production solver).
set -euo pipefail
RUNS="${RUNS:-5}"
NODES="${NODES:-50000}"
SEED="${SEED:-1}"
SAMPLE="${SAMPLE:-100}"
FULL="${FULL:-300}"
BUDGET="${BUDGET:-1800}"
WILLEMS="${WILLEMS:-all}"
PROPAGATE="${PROPAGATE:-registry}"
PROP_NODES="${PROP_NODES:-1000000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$(dirname "$HERE")")"
VENV="$HERE/.venv"
OUT="$HERE/out"
DATA="${WILLEMS_DATA:-$ROOT/data/willems}"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet highspy==1.15.1 numpy==2.4.6 networkx==3.4.2 igraph==1.0.0
PY="$VENV/bin/python"

BIN="${CHAINDOCK_BIN:-}"
if [ -z "$BIN" ]; then
    # The production build: HiGHS for the whole programme (cmake and libclang from Debian when missing).
    "$ROOT/scripts/install-highs-deps"
    (cd "$ROOT" && cargo build --release --quiet -p chaindock-cli --features highs)
    TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
    case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
    BIN="$TARGET/release/chaindock"
fi
mkdir -p "$OUT/willems" "$OUT/results"
# Under another name: a process called chaindock may be stopped by other work on the machine.
cp "$BIN" "$OUT/cdk-risk"
CD="$OUT/cdk-risk"
STATUS=0
LOG="$OUT/latest.txt"
: > "$LOG"

# The hand-worked networks first: the baseline must give the values worked out in tests/README.md.
"$PY" "$HERE/tests/check.py" | tee -a "$LOG"

compare() { # network name [baseline options…]
    local net="$1" name="$2"; shift 2
    local n
    n="$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$net")"
    local opts=()
    if [ "$n" -gt "$FULL" ]; then opts=(--sample "$SAMPLE" --budget "$BUDGET"); fi
    "$PY" "$HERE/compare.py" --bin "$CD" "$net" --runs "$RUNS" --name "$name" --timeout "${TIMEOUT:-1800}" "${opts[@]}" \
        --result "$OUT/results/$name.json" | tee -a "$LOG" || STATUS=1
}

# 1. The Willems chains, exported by chaindock from an imported database.
if [ "$WILLEMS" != "none" ]; then
    rm -f "$OUT/willems.db"
    "$CD" import-willems --db "$OUT/willems.db" --stages "$DATA/stages.csv" --arcs "$DATA/arcs.csv" >/dev/null
    # The same mapping read independently (willems.py), to check chaindock's export against.
    "$PY" "$HERE/willems.py" --stages "$DATA/stages.csv" --arcs "$DATA/arcs.csv" --out-dir "$OUT/willems-py" >/dev/null
    if [ "$WILLEMS" = "all" ]; then
        CHAINS="$(cut -d, -f1 "$DATA/stages.csv" | tail -n +2 | sort -u | tr '\n' ' ')"
    else
        CHAINS="$WILLEMS"
    fi
    for nn in $CHAINS; do
        f="$OUT/willems/willems-$nn.json"
        "$CD" risk --db "$OUT/willems.db" --chain "willems-$nn" --export-network "$f" --format json >/dev/null
        "$PY" "$HERE/same_network.py" "$f" "$OUT/willems-py/willems-$nn.json" | tee -a "$LOG" || STATUS=1
        compare "$f" "willems-$nn"
    done
fi

# 2. The generated network.
if [ "$NODES" != "none" ]; then
    GEN="$OUT/gen-$NODES.json"
    [ -f "$GEN" ] || "$PY" "$HERE/gen_network.py" --nodes "$NODES" --seed "$SEED" --out "$GEN"
    compare "$GEN" "gen-$NODES"
fi

# 3. Disruption propagation on a large network: `chaindock simulate --no-loss` (tiers and days, no loss
# programme) against networkx and igraph (propagate.py).
case "$PROPAGATE" in
registry)
    if [ ! -f "$OUT/gen.db" ]; then
        "$CD" gen --db "$OUT/gen.db" --enterprises 1000000 --seed 1
    fi
    CHAIN="${PROP_CHAIN:-automotive}"
    PROP="$OUT/registry-$CHAIN.json"
    [ -f "$PROP" ] || "$CD" risk --db "$OUT/gen.db" --chain "$CHAIN" --export-network "$PROP" --export-only --format json >/dev/null
    ;;
generated)
    PROP="$OUT/gen-$PROP_NODES.json"
    [ -f "$PROP" ] || "$PY" "$HERE/gen_network.py" --nodes "$PROP_NODES" --seed "$SEED" --out "$PROP"
    ;;
*) PROP="" ;;
esac
if [ -n "$PROP" ]; then
    "$PY" "$HERE/propagate.py" "$PROP" --bin "$CD" --runs "$RUNS" ${LOCKDOWN:+--lockdown "$LOCKDOWN"} --timeout "${TIMEOUT:-1800}" \
        --result "$OUT/results/propagate.json" | tee -a "$LOG" || STATUS=1
fi

"$PY" "$HERE/table.py" "$OUT/results" | tee "$OUT/latest.md"
exit "$STATUS"
