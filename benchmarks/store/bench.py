"""The two store backends side by side: bulk load and the web API under wrk, SQLite against PostgreSQL.

Run through run.sh, which installs wrk and builds the release binary. Standard library only. Steps:

1. load, RUNS times, alternating: `chaindock gen` into a fresh SQLite file, `chaindock gen` into a freshly
   created PostgreSQL database, and the limit: `psql \\copy` of the same rows (exported once from the
   PostgreSQL tables to CSV) into tables of the same columns without keys, indexes, checks or triggers;
   rows per second over each process's wall time, medians;
2. serve, per backend: `chaindock serve` on the last load, log in as an analyst added with `chaindock user
   add`, time each endpoint alone (wrk, one connection), then under wrk (bounded duration, 127.0.0.1);
3. where the time goes: the plans of the filtered listing's two statements (EXPLAIN QUERY PLAN on SQLite,
   EXPLAIN ANALYZE on PostgreSQL), written beside the results.

Everything goes to --out (gitignored): results-N.md, latest.md, results-N.json, plans-N.txt, the SQLite file,
the CSV files and the logs. The PostgreSQL database is dropped at the end unless --keep.
"""

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

# The registry tables `chaindock gen` writes, in load order (the COPY limit loads them in the same order).
TABLES = ["chain", "chain_link", "bom_edge", "enterprise", "producer", "supply"]

# Registry searches a user of the platform types: products, a place and a product, a chain, a trade name.
SEARCHES = ["冲压件", "唐山 冲压件", "减速器", "保定 汽车", "氢能", "石家庄 原料药", "轴承", "天津 液晶模组"]

PASSWORD = "bench-password-2026"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, log, env=None):
    started = time.perf_counter()
    with open(log, "ab") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT, env=env)
    return time.perf_counter() - started


def psql(url, sql, *extra):
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, *extra, "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout


def counts_sqlite(path):
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def counts_pg(url, schema="public"):
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {schema}.{t}" for t in TABLES)
    return {line.split("|")[0]: int(line.split("|")[1]) for line in psql(url, sql).split()}


class Pg:
    """A database of its own on the server named by --pg-admin, created fresh for each load."""

    def __init__(self, admin_url, name):
        self.admin = admin_url
        self.name = name
        parts = urllib.parse.urlsplit(admin_url)
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def recreate(self):
        self.drop()
        psql(self.admin, f'CREATE DATABASE "{self.name}"')

    def drop(self):
        psql(self.admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


# ---------------------------------------------------------------- load


def load_phase(a, pg, out, log):
    sqlite_path = os.path.join(out, f"store-{a.n}.db")
    csv_dir = os.path.join(out, f"csv-{a.n}")
    runs = {"sqlite": [], "postgres": [], "copy": []}
    rows = {}
    for r in range(a.runs):
        for f in (sqlite_path, sqlite_path + "-wal", sqlite_path + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        # The search index beside the file: built again when served, as on PostgreSQL (in memory).
        shutil.rmtree(sqlite_path + ".search", ignore_errors=True)
        gen = [a.bin, "gen", "--enterprises", str(a.n), "--seed", str(a.seed)]
        secs = timed(gen + ["--db", sqlite_path], log)
        rows["sqlite"] = counts_sqlite(sqlite_path)
        runs["sqlite"].append(secs)
        print(f"load {r + 1}/{a.runs}: SQLite {secs:.1f} s, {sum(rows['sqlite'].values()):,} rows", flush=True)

        pg.recreate()
        secs = timed(gen + ["--db", pg.url], log)
        rows["postgres"] = counts_pg(pg.url)
        runs["postgres"].append(secs)
        print(f"load {r + 1}/{a.runs}: PostgreSQL {secs:.1f} s, {sum(rows['postgres'].values()):,} rows", flush=True)

        if r == 0:
            export_csv(pg, csv_dir)
        secs = copy_limit(pg, csv_dir)
        rows["copy"] = counts_pg(pg.url, "copy_limit")
        psql(pg.url, "DROP SCHEMA copy_limit CASCADE")
        runs["copy"].append(secs)
        print(f"load {r + 1}/{a.runs}: psql \\copy {secs:.1f} s, {sum(rows['copy'].values()):,} rows", flush=True)
    if not (rows["sqlite"] == rows["postgres"] == rows["copy"]):
        raise SystemExit(f"the loads disagree on the rows: {rows}")
    return sqlite_path, runs, rows["sqlite"]


def export_csv(pg, csv_dir):
    """The PostgreSQL tables as CSV files, columns in table order (once; every COPY run reads these)."""
    os.makedirs(csv_dir, exist_ok=True)
    for t in TABLES:
        psql(pg.url, f"\\copy public.{t} TO '{os.path.join(csv_dir, t + '.csv')}' WITH (FORMAT csv)")


def copy_limit(pg, csv_dir):
    """Wall time of one psql process that \\copies every CSV into `copy_limit`, a schema of tables made with
    `CREATE TABLE … (LIKE public.t)`: the same columns, types and NOT NULLs, and nothing else — no primary or
    unique keys, no foreign keys, no checks, no indexes, no defaults or identity, no triggers."""
    psql(pg.url, "DROP SCHEMA IF EXISTS copy_limit CASCADE; CREATE SCHEMA copy_limit; "
         + " ".join(f"CREATE TABLE copy_limit.{t} (LIKE public.{t});" for t in TABLES))
    script = "".join(f"\\copy copy_limit.{t} FROM '{os.path.join(csv_dir, t + '.csv')}' WITH (FORMAT csv)\n" for t in TABLES)
    path = os.path.join(csv_dir, "copy.sql")
    with open(path, "w") as f:
        f.write(script)
    started = time.perf_counter()
    sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg.url, "-f", path], stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


# ---------------------------------------------------------------- serve


class Server:
    def __init__(self, a, db, log, search_dir=None):
        env = dict(os.environ, CHAINDOCK_PASSWORD=PASSWORD)
        sh([a.bin, "user", "add", "--db", db, "bench", "--role", "analyst"], env=env, stdout=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{a.port}"
        cmd = [a.bin, "serve", "--db", db, "--listen", f"127.0.0.1:{a.port}"]
        if search_dir:
            cmd += ["--search-dir", search_dir]
        self.log = open(log, "ab")
        started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server stopped (exit {self.proc.returncode}); see {log}")
            try:
                urllib.request.urlopen(self.base + "/api/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        self.ready_seconds = time.perf_counter() - started
        req = urllib.request.Request(self.base + "/api/login", data=json.dumps({"username": "bench", "password": PASSWORD}).encode(), headers={"content-type": "application/json"})
        with urllib.request.urlopen(req) as r:
            cookie = r.headers["set-cookie"]
        self.cookie = cookie.split(";", 1)[0]

    def get(self, path):
        req = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.read()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def endpoints(a):
    enc = urllib.parse.quote
    return [
        ("health", "GET /api/health", ["/api/health"]),
        (
            "search",
            f"GET /api/enterprises?q=… ({len(SEARCHES)} queries in turn: {', '.join(SEARCHES)})",
            [f"/api/enterprises?q={enc(q)}" for q in SEARCHES],
        ),
        ("analysis", f"GET /api/chains/{a.chain}/analysis?scope=bth (cached after the first)", [f"/api/chains/{a.chain}/analysis?scope=bth"]),
        ("listing", f"GET /api/enterprises?region={a.region}&chain={a.chain} (first page of 50)", [f"/api/enterprises?region={a.region}&chain={enc(a.chain)}"]),
    ]


def lua_script(paths, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\n")
        f.write("local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")


def wrk(a, server, paths, out, tag, connections, duration):
    """One wrk run over `paths` in turn; requests/s, p50 and p99 latency (ms)."""
    script = os.path.join(out, f"wrk-{tag}.lua")
    lua_script(paths, script)
    cmd = ["wrk", f"-t{min(a.threads, connections)}", f"-c{connections}", f"-d{duration}", "--timeout", "60s", "--latency",
           "-H", f"Cookie: {server.cookie}", "-s", script, server.base]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    with open(os.path.join(out, f"wrk-{tag}.txt"), "w") as f:
        f.write(text)
    if "Non-2xx" in text:
        raise SystemExit(f"non-2xx answers under wrk ({tag}):\n{text}")

    def pct(p):
        m = re.search(rf"{p}%\s+([\d.]+)(us|ms|s)\b", text)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]

    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "socket_errors": errors.group(1) if errors else None,
    }


def serve_phase(a, backend, db, out, search_dir=None):
    server = Server(a, db, os.path.join(out, f"serve-{backend}.log"), search_dir)
    result = {"ready_seconds": server.ready_seconds, "endpoints": {}}
    print(f"{backend}: serving after {server.ready_seconds:.1f} s", flush=True)
    try:
        for key, _, paths in endpoints(a):
            # Once each (fills the analysis cache, checks the answers), then alone (one connection: the
            # median latency of a request with nothing else running), then under load.
            totals = []
            for p in paths:
                body = json.loads(server.get(p))
                totals.append(body.get("total") if isinstance(body, dict) else None)
            alone = wrk(a, server, paths, out, f"{backend}-{key}-alone", 1, a.alone)
            r = wrk(a, server, paths, out, f"{backend}-{key}", a.connections, a.duration)
            r["alone_ms"] = alone["p50_ms"]
            r["totals"] = totals
            result["endpoints"][key] = r
            print(f"{backend} {key}: {r['rps']:,.0f} req/s, p99 {r['p99_ms']:.2f} ms, alone {r['alone_ms']:.2f} ms, totals {totals}", flush=True)
    finally:
        server.stop()
    return result


# ---------------------------------------------------------------- plans

# The two statements `Store::enterprises` runs for the listing (crates/store-sqlite/src/lib.rs
# enterprise_filter, crates/store-postgres/src/registry.rs enterprises), with this run's region and chain.
# {join} is CROSS JOIN in the SQLite store (its loop order fixed: the enterprise's producer rows, then each
# link by key) and was JOIN before, which SQLite ran the other way round; PostgreSQL's is JOIN.
LISTING_FILTER = (
    " WHERE e.region BETWEEN {lo} AND {hi} AND EXISTS (SELECT 1 FROM producer p {join} chain_link l ON l.id = p.link"
    " WHERE p.enterprise_id = e.id AND l.chain_id = '{chain}')"
)


def region_range(code):
    c = int(code)
    if c % 10000 == 0:
        return c, c + 9999
    if c % 100 == 0:
        return c, c + 99
    return c, c


def listing_statements(a, join):
    lo, hi = region_range(a.region)
    flt = LISTING_FILTER.format(lo=lo, hi=hi, chain=a.chain, join=join)
    return [f"SELECT count(*) FROM enterprise e{flt}", f"SELECT e.credit_code, e.name FROM enterprise e{flt} ORDER BY e.id LIMIT 50 OFFSET 0"]


def plans(a, sqlite_path, pg, path):
    """The listing's plans; on SQLite for the store's statements and for those before the fix, each timed
    (median of 5 in Python's sqlite3, whose SQLite may be older than the one chaindock bundles)."""
    lines = []
    con = sqlite3.connect(sqlite_path)
    for label, join in (("store (CROSS JOIN)", "CROSS JOIN"), ("before the fix (JOIN)", "JOIN")):
        for sql in listing_statements(a, join):
            lines += [f"-- SQLite, {label}: {sql}"] + [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql)]
            times = []
            for _ in range(5):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times.append((time.perf_counter() - started) * 1e3)
            lines += [f"-- {statistics.median(times):.2f} ms (Python sqlite3 {sqlite3.sqlite_version}, median of 5)", ""]
    con.close()
    for sql in listing_statements(a, "JOIN"):
        lines += [f"-- PostgreSQL: {sql}", psql(pg.url, "EXPLAIN (ANALYZE, BUFFERS) " + sql), ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return "\n".join(lines)


# ---------------------------------------------------------------- report


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.1f} GiB"


def markdown(r, a):
    rows = sum(r["rows"].values())
    med = {k: statistics.median(v) for k, v in r["load"].items()}
    lines = [
        f"N = {a.n:,} enterprises (seed {a.seed}): {rows:,} rows ({', '.join(f'{t} {c:,}' for t, c in r['rows'].items())}).",
        f"{r['machine']}; {r['versions']}; {r['date']}. Load average (1 min): {r['load_avg']['start']:.2f} at the start, "
        f"{r['load_avg']['after_load']:.2f} after the loads, {r['load_avg']['end']:.2f} at the end.",
        "",
        f"Load, medians of {a.runs} (each run: SQLite, PostgreSQL, COPY, in turn):",
        "",
        "| load | rows/s | wall time | runs |",
        "|---|---|---|---|",
    ]
    names = {"sqlite": "`chaindock gen` → SQLite", "postgres": "`chaindock gen` → PostgreSQL",
             "copy": "`psql \\copy` of the same rows (no keys/indexes/checks/triggers): the limit"}
    for k in ("sqlite", "postgres", "copy"):
        lines.append(f"| {names[k]} | {rows / med[k]:,.0f} | {med[k]:.1f} s | {', '.join(f'{x:.1f}' for x in r['load'][k])} s |")
    lines += [
        "",
        f"API under wrk: {a.threads} thread, {a.connections} connections, {a.duration} per endpoint, 127.0.0.1; "
        f"\"alone\" = median latency with one connection ({a.alone}). Server ready after "
        f"{r['serve']['sqlite']['ready_seconds']:.1f} s (SQLite) / {r['serve']['postgres']['ready_seconds']:.1f} s (PostgreSQL), "
        "search index built at start.",
        "",
        "| endpoint | SQLite req/s | SQLite p99 | SQLite alone | PostgreSQL req/s | PostgreSQL p99 | PostgreSQL alone |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label, _ in endpoints(a):
        s, p = r["serve"]["sqlite"]["endpoints"][key], r["serve"]["postgres"]["endpoints"][key]
        lines.append(f"| {label} | {s['rps']:,.0f} | {s['p99_ms']:.2f} ms | {s['alone_ms']:.2f} ms | {p['rps']:,.0f} | {p['p99_ms']:.2f} ms | {p['alone_ms']:.2f} ms |")
    errs = [f"{b} {k}: {e['socket_errors']}" for b in ("sqlite", "postgres") for k, e in r["serve"][b]["endpoints"].items() if e["socket_errors"]]
    if errs:
        lines += ["", "wrk socket errors: " + "; ".join(errs)]
    lines += ["", f"Listing totals: SQLite {r['serve']['sqlite']['endpoints']['listing']['totals']}, PostgreSQL {r['serve']['postgres']['endpoints']['listing']['totals']}; "
              f"search totals: SQLite {r['serve']['sqlite']['endpoints']['search']['totals']}, PostgreSQL {r['serve']['postgres']['endpoints']['search']['totals']}.",
              "", f"Plans of the listing's statements: plans-{a.n}.txt."]
    return "\n".join(lines) + "\n"


def versions(a):
    cd = subprocess.run([a.bin, "--version"], capture_output=True, text=True).stdout.strip()
    pg = subprocess.run(["psql", "-X", "-At", a.pg_admin, "-c", "SHOW server_version"], capture_output=True, text=True).stdout.strip()
    w = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wv = (w.stdout + w.stderr).split("\n")[0].split(" [")[0]
    return f"{cd}, SQLite (bundled by rusqlite), PostgreSQL {pg}, {wv}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pg-admin", required=True, help="URL of a database to create and drop the bench database from")
    ap.add_argument("--pg-db", default="chaindock_bench")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    ap.add_argument("--duration", default="15s")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--port", type=int, default=18282)
    ap.add_argument("--alone", default="3s", help="duration of the one-connection wrk run per endpoint")
    ap.add_argument("--chain", default="automotive")
    ap.add_argument("--region", default="130200")
    a = ap.parse_args()
    out = a.out
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, f"load-{a.n}.log")
    if os.path.exists(log):
        os.remove(log)
    pg = Pg(a.pg_admin, a.pg_db)
    r = {"n": a.n, "machine": machine(), "versions": versions(a), "date": time.strftime("%Y-%m-%d %H:%M"), "load_avg": {"start": os.getloadavg()[0]}}
    try:
        sqlite_path, r["load"], r["rows"] = load_phase(a, pg, out, log)
        r["load_avg"]["after_load"] = os.getloadavg()[0]
        r["serve"] = {
            "sqlite": serve_phase(a, "sqlite", sqlite_path, out),
            "postgres": serve_phase(a, "postgres", pg.url, out),
        }
        print(plans(a, sqlite_path, pg, os.path.join(out, f"plans-{a.n}.txt")), flush=True)
        r["load_avg"]["end"] = os.getloadavg()[0]
    finally:
        if not a.keep:
            pg.drop()
    with open(os.path.join(out, f"results-{a.n}.json"), "w") as f:
        json.dump(r, f, indent=1, ensure_ascii=False)
    md = markdown(r, a)
    for name in (f"results-{a.n}.md", "latest.md"):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(md)
    print(md)


if __name__ == "__main__":
    sys.exit(main())
