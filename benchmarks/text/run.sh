#!/usr/bin/env bash
# chaindock-text against its peers. Usage: benchmarks/text/run.sh [N]   (default 1000000)
# 1. Traditional → Simplified accuracy on t2s_cases.tsv: chaindock, ferrous-opencc, fast2s, character_converter,
#    and Python's opencc (the reference OpenCC).
# 2. Entity-resolution precision/recall on er_pairs.csv: chaindock's resolve::score against RapidFuzz scorers.
# 3. Dedupe throughput on registries of SMALL (default thresholds) and N names: chaindock dedupe vs an
#    OpenCC + RapidFuzz peer doing the same work.
# Environment: SEED (default 1), RUNS (default 3), SMALL (default 100000), REVIEW (chaindock's --review at N,
# default its own), PARTS (default 1,2,3), REF (a commit to build chaindock from; default the work tree).
set -euo pipefail
N="${1:-1000000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$(dirname "$HERE")")"
VENV="$HERE/.venv"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet opencc==1.4.2 rapidfuzz==3.14.6 numpy

# Everything is built into benchmarks/text/target, away from the workspace's target/ (which other work rebuilds).
# REF=<commit> builds chaindock and chaindock-text from that commit (git archive into out/src) instead of the
# work tree; the helper programs are always the work tree's.
BUILD="$HERE/target"
SRC="$ROOT"
if [ -n "${REF:-}" ]; then
    SRC="$HERE/out/src"
    rm -rf "$SRC" && mkdir -p "$SRC"
    git -C "$ROOT" archive "$REF" | tar -x -C "$SRC"
    mkdir -p "$SRC/benchmarks/text"
    cp -r "$HERE/convert-compare" "$HERE/er-score" "$SRC/benchmarks/text/"
fi
for crate in convert-compare er-score; do
    (cd "$SRC/benchmarks/text/$crate" && CARGO_TARGET_DIR="$BUILD" cargo build --release --quiet)
done
(cd "$SRC" && CARGO_TARGET_DIR="$BUILD" cargo build --release --quiet -p chaindock-cli)
# Under another name: a process called chaindock may be stopped by other work on the machine.
cp "$BUILD/release/chaindock" "$BUILD/release/cdk-bench"
COMMIT="$(git -C "$ROOT" rev-parse --short "${REF:-HEAD}")"
[ -n "${REF:-}" ] || { git -C "$ROOT" diff --quiet HEAD -- crates || COMMIT="$COMMIT+work-tree"; }

mkdir -p "$HERE/out"
[ -f "$HERE/er_pairs.csv" ] || "$VENV/bin/python" "$HERE/gen_pairs.py"
exec "$VENV/bin/python" "$HERE/bench_text.py" --bin "$BUILD/release/cdk-bench" --commit "$COMMIT" \
    --convert-bin "$BUILD/release/convert-compare" --er-bin "$BUILD/release/er-score" \
    --n "$N" --small "${SMALL:-100000}" ${REVIEW:+--review "$REVIEW"} --runs "${RUNS:-3}" --seed "${SEED:-1}" \
    --parts "${PARTS:-1,2,3}"
