#!/usr/bin/env bash
# Runs the browser tests against a real chaindock server on a fresh demo database:
#   builds the UI (web/dist), creates the demo database with its accounts (`chaindock demo --no-serve`),
#   serves it with `--web-dir web/dist`, runs web/e2e/run.mjs, stops the server.
#
#   web/e2e/with-server.sh [path/to/chaindock]
#
# The binary defaults to $CHAINDOCK_BIN, else $CARGO_TARGET_DIR/release/chaindock, else target/release/chaindock.
# PORT (default 18090) is where it listens; SCREENSHOT_DIR is passed on (default: a folder in /tmp).
# EMBEDDED_UI=1 tests the UI the binary embeds (no npm build, no --web-dir).
# Needs /usr/bin/chromium and web/node_modules: scripts/install-browser installs both.
set -euo pipefail
web="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$web/.." && pwd)"
bin="${1:-${CHAINDOCK_BIN:-}}"
if [ -z "$bin" ]; then
  if [ -n "${CARGO_TARGET_DIR:-}" ] && [ -x "$CARGO_TARGET_DIR/release/chaindock" ]; then
    bin="$CARGO_TARGET_DIR/release/chaindock"
  else
    bin="$root/target/release/chaindock"
  fi
fi
[ -x "$bin" ] || { echo "with-server: no chaindock binary at $bin" >&2; exit 2; }
port="${PORT:-18090}"
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$(mktemp -d /tmp/chaindock-shots.XXXXXX)}"

# EMBEDDED_UI=1 tests the UI compiled into the binary (what users run); otherwise web/dist is built and
# served with --web-dir, for UI work without a Rust rebuild.
web_args=()
if [ "${EMBEDDED_UI:-0}" = 1 ]; then
  [ -d "$web/node_modules" ] || (cd "$web" && npm ci --no-audit --no-fund)
else
  (cd "$web" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build --silent -- --logLevel warn)
  web_args=(--web-dir "$web/dist")
fi

tmp="$(mktemp -d /tmp/chaindock-e2e.XXXXXX)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" demo --db "$tmp/ui.db" --no-serve >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log" >&2; exit 1; }
"$bin" serve --db "$tmp/ui.db" --listen "127.0.0.1:$port" "${web_args[@]}" >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "with-server: the server stopped:" >&2; cat "$tmp/serve.log" >&2; exit 1; fi
  sleep 0.1
done

status=0
CHAINDOCK_URL="http://127.0.0.1:$port" node "$web/e2e/run.mjs" || status=$?
if [ "$status" != 0 ]; then echo "--- server log (last 40 lines)" >&2; tail -n 40 "$tmp/serve.log" >&2; fi
exit "$status"
