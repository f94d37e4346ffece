#!/usr/bin/env bash
# The analysis endpoint against the health endpoint of the same server, under wrk (issue 4's goal: the
# analysis of a demo chain at >= 30% of the trivial endpoint's throughput).
#
#   benchmarks/web/run.sh            # RUNS=5 DURATION=10s CONNECTIONS=32 THREADS=1 PORT=18181
#
# Installs wrk from Debian when missing, builds the release binary, serves a fresh demo database, logs in
# as the demo analyst, and runs wrk RUNS times per endpoint, alternating; prints medians of requests/s and
# p99 latency, and writes them to benchmarks/web/out/results.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUNS="${RUNS:-5}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18181}"
CHAIN="${CHAIN:-automotive}"
SCOPE="${SCOPE:-bth}"

if ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
(cd "$ROOT" && cargo build --release -q -p chaindock-cli)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/chaindock"

OUT="$HERE/out"; mkdir -p "$OUT"
TMP="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
"$BIN" demo --db "$TMP/b.db" --no-serve >/dev/null
"$BIN" serve --db "$TMP/b.db" --listen "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.1; done
COOKIE="$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"analyst","password":"chaindock-analyst"}' "http://127.0.0.1:$PORT/api/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: \(chaindock_session=[^;]*\).*/\1/p')"
[ -n "$COOKIE" ] || { echo "login failed" >&2; exit 1; }

HEALTH="http://127.0.0.1:$PORT/api/health"
ANALYSIS="http://127.0.0.1:$PORT/api/chains/$CHAIN/analysis?scope=$SCOPE"
curl -fs -H "Cookie: $COOKIE" "$ANALYSIS" -o "$TMP/analysis.json"
echo "analysis body: $(wc -c <"$TMP/analysis.json") bytes"

# One wrk run: prints "requests/s p99_ms".
run() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $COOKIE" "$1" >"$TMP/wrk.txt"
  if grep -q "Non-2xx" "$TMP/wrk.txt"; then cat "$TMP/wrk.txt" >&2; echo "non-2xx answers" >&2; exit 1; fi
  python3 - "$TMP/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", t)
p99 = float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
print(f"{rps:.0f} {p99:.2f}")
PY
}

: >"$TMP/health"; : >"$TMP/analysis"
for i in $(seq "$RUNS"); do
  run "$HEALTH" >>"$TMP/health"
  run "$ANALYSIS" >>"$TMP/analysis"
  echo "run $i: health $(tail -1 "$TMP/health")  analysis $(tail -1 "$TMP/analysis")"
done

python3 - "$TMP/health" "$TMP/analysis" "$OUT/results.md" "$CHAIN" "$SCOPE" "$RUNS" "$DURATION" "$CONNECTIONS" "$THREADS" <<'PY'
import statistics, sys, platform, os
h = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
a = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
med = lambda xs, i: statistics.median(x[i] for x in xs)
hr, hp, ar, ap = med(h, 0), med(h, 1), med(a, 0), med(a, 1)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
text = f"""# Web API under wrk

Machine: {os.cpu_count()} cores, {cpu}. Server and wrk on the same machine.
wrk: {sys.argv[9]} thread(s), {sys.argv[8]} connections, {sys.argv[7]} per run, {sys.argv[6]} runs per endpoint (alternating); medians.

| endpoint | requests/s | p99 latency |
|---|---|---|
| GET /api/health | {hr:,.0f} | {hp:.2f} ms |
| GET /api/chains/{sys.argv[4]}/analysis?scope={sys.argv[5]} (analyst, logged in) | {ar:,.0f} | {ap:.2f} ms |
| ratio analysis / health | {ar / hr:.2f} | |
"""
open(sys.argv[3], "w").write(text)
print(text)
PY
