#!/usr/bin/env python3
"""Driver of benchmarks/run.sh: generate, time chaindock and the DuckDB peer, check that they agree, and
print the table (also written as Markdown to OUT/latest.md). Run it through run.sh, which prepares the
virtual environment and the release binary."""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GNU_TIME = "/usr/bin/time"
REL_TOL = 1e-6

# Fallback when /usr/bin/time is missing: a fresh Python process runs the command and reports the peak RSS
# of its (only) child from getrusage(RUSAGE_CHILDREN), so each measurement is of one process.
RSS_WRAPPER = r"""
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:])
sys.stderr.write("\nMAXRSS_KB=%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(p.returncode)
"""


def measured(cmd, stdout_path=None):
    """Run cmd; return (wall seconds, peak RSS in KiB, stdout text, stderr text)."""
    if os.access(GNU_TIME, os.X_OK):
        full = [GNU_TIME, "-v"] + cmd
    else:
        full = [sys.executable, "-c", RSS_WRAPPER] + cmd
    out = open(stdout_path, "w") if stdout_path else subprocess.PIPE
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=out, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if stdout_path:
        out.close()
        stdout = open(stdout_path).read()
    else:
        stdout = p.stdout
    err = p.stderr
    if p.returncode != 0:
        sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err) or re.search(r"MAXRSS_KB=(\d+)", err)
    rss = int(m.group(1)) if m else None
    return wall, rss, stdout, err


def wall_only(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def med(xs):
    return statistics.median(xs)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def fmt_s(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_rows(n):
    return f"{n / 1e6:.2f}M" if n >= 1e6 else f"{n / 1e3:.1f}k" if n >= 1e3 else str(n)


def fmt_mib(kb):
    return "n/a" if kb is None else f"{kb / 1024:.0f} MiB"


def ratio(x):
    return f"{x:.2f}×"


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def machine_facts():
    facts = {"nproc": os.cpu_count(), "python": platform.python_version(), "loadavg_start": loadavg()}
    try:
        facts["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
    except (OSError, ValueError):
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        facts["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        facts["memory"] = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.*)", f.read())
        facts["cpu"] = m.group(1).strip() if m else platform.processor()
    except OSError:
        facts["cpu"] = platform.processor()
    try:
        facts["commit"] = subprocess.run(
            ["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", HERE, "status", "--porcelain", "--", "../crates", "../Cargo.toml", "../Cargo.lock"],
            capture_output=True, text=True,
        ).stdout.strip()
        if dirty:
            facts["commit"] += " (crates/ modified in the working tree)"
    except OSError:
        facts["commit"] = "?"
    return facts


def compare_summary(cd, peer):
    """First mismatch of breakpoint/bottleneck/chokepoint counts per chain x scope, and how many differ."""
    p = {(r["chain"], r["scope"]): r for r in peer}
    c = {(r["chain"], r["scope"]): r for r in cd}
    mismatches = []
    for key in sorted(set(c) | set(p)):
        if key not in c or key not in p:
            mismatches.append(f"{key[0]} × {key[1]}: only in {'chaindock' if key in c else 'the peer'}")
            continue
        for f in ("breakpoints", "bottlenecks", "chokepoints"):
            if c[key][f] != p[key][f]:
                mismatches.append(f"{key[0]} × {key[1]}: {f} chaindock {c[key][f]} vs peer {p[key][f]}")
    return mismatches


def compare_links(cd_links, peer_links, chain, scope):
    p = {l["id"]: l for l in peer_links if l["chain"] == chain and l["scope"] == scope}
    mismatches = []
    for l in cd_links:
        q = p.pop(l["id"], None)
        where = f"{chain} × {scope} link {l['id']}"
        if q is None:
            mismatches.append(f"{where}: missing in the peer")
            continue
        for f in ("capacity_in_scope", "demand_in_scope", "hhi"):
            if not close(l[f], q[f]):
                mismatches.append(f"{where}: {f} chaindock {l[f]!r} vs peer {q[f]!r}")
        for f in ("producers_in_scope", "status"):
            if l[f] != q[f]:
                mismatches.append(f"{where}: {f} chaindock {l[f]!r} vs peer {q[f]!r}")
    for lid in p:
        mismatches.append(f"{chain} × {scope} link {lid}: only in the peer")
    return mismatches


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the chaindock release binary")
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, required=True, help="enterprises to generate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", required=True, help="output folder (latest.md, results-N.json)")
    ap.add_argument("--reuse-db", action="store_true", help="skip the generation (load row not measured)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    # A private copy, so that a concurrent `cargo build` cannot swap the binary in the middle of a run.
    cd = os.path.join(args.out, "chaindock-bench")
    shutil.copy2(args.bin, cd)
    facts = machine_facts()
    print(f"machine: {facts['nproc']} cores, {facts['memory']}, {facts['cpu']}; commit {facts['commit']};"
          f" load average {facts['loadavg_start']:.2f}")

    # 1. Generation (chaindock's load path: generate and write into SQLite).
    gen = None
    if not (args.reuse_db and os.path.exists(args.db)):
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(args.db + suffix):
                os.remove(args.db + suffix)
        print(f"generating {args.n} enterprises (seed {args.seed}) into {args.db} ...", flush=True)
        wall, rss, out, _ = measured([cd, "gen", "--db", args.db, "--enterprises", str(args.n), "--seed", str(args.seed)])
        m = re.search(r"generated (\d+) enterprises, (\d+) producers, (\d+) supply relations .* in ([\d.]+) s", out)
        gen = {"wall": wall, "max_rss_kb": rss, "line": out.strip()}
        if m:
            gen.update(enterprises=int(m[1]), producers=int(m[2]), supply=int(m[3]), reported_s=float(m[4]))
        print("  " + out.strip() + f" (process wall {wall:.1f} s, peak RSS {fmt_mib(rss)})", flush=True)
    db_bytes = os.path.getsize(args.db)

    # 2. Engine start: a trivial command of each.
    print("engine start ...", flush=True)
    cd_start = [wall_only([cd, "chains", "--db", args.db]) for _ in range(args.runs)]
    cd_version = [wall_only([cd, "--help"]) for _ in range(args.runs)]
    peer_start = [
        wall_only([sys.executable, "-c", "import duckdb; duckdb.connect().execute('SELECT 1').fetchall()"])
        for _ in range(args.runs)
    ]

    # 3. chaindock analyze --all, args.runs times.
    print(f"chaindock analyze --all × {args.runs} ...", flush=True)
    runs = []
    first = None
    for i in range(args.runs):
        wall, rss, out, _ = measured([cd, "analyze", "--db", args.db, "--all", "--format", "json"])
        doc = json.loads(out)
        if first is None:
            first = doc["results"]
        elif doc["results"] != first:
            print("  warning: chaindock's --all results differ between runs", flush=True)
        runs.append({"wall": wall, "max_rss_kb": rss, **doc["seconds"]})
        print(f"  run {i + 1}: load {doc['seconds']['load']:.3f} s, analysis {doc['seconds']['analysis']:.3f} s,"
              f" total {doc['seconds']['total']:.3f} s, wall {wall:.3f} s, peak RSS {fmt_mib(rss)}", flush=True)
    cd_res = first

    # 4. The peer: one process, load once, query args.runs times.
    print(f"DuckDB peer (load once, query × {args.runs}) ...", flush=True)
    peer_json = os.path.join(args.out, f"peer-{args.n}.json")
    wall, rss, _, err = measured(
        [sys.executable, os.path.join(HERE, "duckdb_peer.py"), "--db", args.db, "--repeat", str(args.runs),
         "--out", peer_json]
    )
    with open(peer_json, encoding="utf-8") as f:
        peer = json.load(f)
    peer.update(wall=wall, max_rss_kb=rss)
    ps = peer["seconds"]
    print(f"  load {ps['load']:.2f} s ({sum(peer['rows_loaded'].values())} rows), query "
          + ", ".join(f"{q:.3f}" for q in ps["query"]) + f" s; DuckDB {peer['duckdb_version']},"
          f" {peer['threads']} threads; process wall {wall:.1f} s, peak RSS {fmt_mib(rss)}", flush=True)

    # 5. Agreement.
    mismatches = compare_summary(cd_res, peer["results"])
    pairs = []
    chains = sorted({r["chain"] for r in cd_res})
    wanted = [(chains[0], "bth"), (chains[1 % len(chains)], "hebei"), (chains[2 % len(chains)], "130200"),
              (chains[3 % len(chains)], "130800")]
    wanted.append(max(cd_res, key=lambda r: (r["breakpoints"], r["chain"], r["scope"])))
    wanted.append(max(cd_res, key=lambda r: (r["bottlenecks"], r["chain"], r["scope"])))
    for w in wanted:
        key = (w["chain"], w["scope"]) if isinstance(w, dict) else w
        if key not in pairs:
            pairs.append(key)
    link_checked = 0
    for chain, scope in pairs:
        _, _, out, _ = measured([cd, "analyze", "--db", args.db, chain, "--scope", scope, "--format", "json"])
        links = json.loads(out)["links"]
        link_checked += len(links)
        mismatches += compare_links(links, peer["links"], chain, scope)
    agree = not mismatches
    print(f"agree: {'yes' if agree else 'no'} ({len(cd_res)} chain × scope counts, {link_checked} links of "
          f"{len(pairs)} pairs in detail: " + "; ".join(f"{c}×{s}" for c, s in pairs) + ")")
    if mismatches:
        print(f"  first mismatch: {mismatches[0]}  ({len(mismatches)} in all)")
        for m in mismatches[1:10]:
            print(f"  also: {m}")

    # 6. The table.
    facts["loadavg_end"] = loadavg()
    rows_total = sum(peer["rows_loaded"].values())
    n_chains = len(chains)
    n_scopes = len({r["scope"] for r in cd_res})
    cd_load = med([r["load"] for r in runs])
    cd_an = med([r["analysis"] for r in runs])
    cd_total = med([r["total"] for r in runs])
    cd_wall = med([r["wall"] for r in runs])
    cd_rss = max((r["max_rss_kb"] or 0) for r in runs) or None
    pq = med(ps["query"])
    ag = "yes" if agree else "no"
    size = f"{n_chains} chains × {n_scopes} scopes, {fmt_rows(peer['rows_loaded']['producer'])} producers"
    table = []
    table.append(("engine start (`chaindock chains` vs `python -c 'import duckdb; connect'`)", "—",
                  fmt_s(med(cd_start)), fmt_s(med(peer_start)), ratio(med(peer_start) / med(cd_start)), "—"))
    if gen:
        same_rows = all(gen.get(k) == peer["rows_loaded"].get(t) for k, t in
                        (("enterprises", "enterprise"), ("producers", "producer"), ("supply", "supply")))
        cd_rate = rows_total / gen["wall"]
        peer_rate = rows_total / ps["load"]
        table.append(("load (chaindock gen → SQLite vs SQLite → DuckDB via Python)", f"{fmt_rows(rows_total)} rows",
                      f"{cd_rate / 1e3:,.0f}k rows/s ({gen['wall']:.1f} s)",
                      f"{peer_rate / 1e3:,.0f}k rows/s ({ps['load']:.1f} s)", ratio(cd_rate / peer_rate),
                      "same rows" if same_rows else "ROW COUNTS DIFFER"))
    table.append(("analysis, all chains × 15 scopes (analysis only vs query only)", size, fmt_s(cd_an), fmt_s(pq),
                  ratio(pq / cd_an), ag))
    table.append(("end-to-end (snapshot load + analysis vs DuckDB load + query)", size, fmt_s(cd_load + cd_an),
                  fmt_s(ps["load"] + pq), ratio((ps["load"] + pq) / (cd_load + cd_an)), ag))
    table.append(("peak memory (analyze --all process vs peer process)", size, fmt_mib(cd_rss),
                  fmt_mib(rss), ratio(rss / cd_rss) if rss and cd_rss else "n/a", "—"))
    head = ("workload", "size", "chaindock", "DuckDB peer", "ratio", "agree")
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(len(head))]
    print()
    print(f"N = {args.n} enterprises, seed {args.seed}; medians of {args.runs}; ratio > 1: chaindock ahead "
          "(peer ÷ chaindock for time and memory, chaindock ÷ peer for rows/s)")
    for r in [head] + table:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

    md = [f"# chaindock vs DuckDB peer — N = {args.n:,} enterprises", "",
          f"Machine: {facts['nproc']} cores, {facts['memory']} ({facts['cpu']}); commit {facts['commit']};"
          f" DuckDB {peer['duckdb_version']} ({peer['threads']} threads); Python {facts['python']};"
          f" 1-min load average {facts['loadavg_start']:.2f} at the start, {facts['loadavg_end']:.2f} at the end. "
          f"Registry: {db_bytes / 2**20:.0f} MiB SQLite, seed {args.seed}. Medians of {args.runs} runs.",
          "", "Ratio > 1 means chaindock is ahead (peer ÷ chaindock for time and memory, chaindock ÷ peer for rows/s).",
          "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(str(c) for c in r) + " |" for r in table]
    md += ["", "## Details", "",
           f"- chaindock `analyze --all`: load (reading snapshots) {fmt_s(cd_load)}, analysis {fmt_s(cd_an)},"
           f" total {fmt_s(cd_total)}, process wall {fmt_s(cd_wall)}, peak RSS {fmt_mib(cd_rss)}"
           f" (per run: " + ", ".join(f"{r['analysis']:.3f}/{r['total']:.3f}/{r['wall']:.3f} s" for r in runs)
           + " analysis/total/wall)",
           f"- chaindock start: `chains` {fmt_s(med(cd_start))}, `--help` {fmt_s(med(cd_version))}",
           f"- peer: load {ps['load']:.2f} s for " + ", ".join(f"{t} {n:,}" for t, n in peer["rows_loaded"].items())
           + f"; query runs " + ", ".join(f"{q:.3f}" for q in ps["query"]) + f" s; process wall {wall:.1f} s",
           ]
    if gen:
        md.append(f"- gen: {gen['line']} (process wall {gen['wall']:.1f} s, peak RSS {fmt_mib(gen['max_rss_kb'])})")
    md.append(f"- agreement: {'yes' if agree else 'no'} — {len(cd_res)} chain × scope counts compared; per-link"
              f" capacity, demand, HHI, producers and status (rel. tol. {REL_TOL:g}) for "
              + ", ".join(f"{c} × {s}" for c, s in pairs))
    for m in mismatches[:20]:
        md.append(f"  - mismatch: {m}")
    text = "\n".join(md) + "\n"
    for name in ("latest.md", f"results-{args.n}.md"):
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(args.out, f"results-{args.n}.json"), "w", encoding="utf-8") as f:
        json.dump({"n": args.n, "seed": args.seed, "machine": facts, "gen": gen, "chaindock_runs": runs,
                   "chaindock_start": cd_start, "chaindock_help": cd_version, "peer_start": peer_start,
                   "peer": {k: v for k, v in peer.items() if k not in ("links", "results")},
                   "agree": agree, "mismatches": mismatches, "table": table}, f, ensure_ascii=False, indent=1)
    print(f"\nwritten {os.path.join(args.out, 'latest.md')}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
