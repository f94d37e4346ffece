"""chaindock's per-node risk analysis against the naive HiGHS baseline, on the same network file.

Usage: compare.py --bin CHAINDOCK NETWORK.json [--runs N] [--timeout S] [--baseline-json FILE | --sample K [--budget S]]
                  [--baseline-runs M] [--name NAME] [--result FILE]

1. `chaindock risk --network FILE --format json`, N times (RUNS): process wall time and its own `seconds`.
2. baseline.py on the same file (M times, default 1; or an earlier baseline output with --baseline-json).
3. Agreement on every node the baseline solved: PI, baseline loss and TTS equal to 1e-6 relative, absolute
   below 1 (|a − b| ≤ 1e-6 · max(1, |a|, |b|)); TTS null on both sides, or null on one and ≥ the horizon
   (10,000 days) on the other. Every disagreement is printed with the node and both values.
4. Medians and the ratio baseline ÷ chaindock (above 1: chaindock faster). When the baseline solved only a
   sample, its total is the extrapolation (per-node median × nodes), labelled so.

Exits 1 when any node disagrees. Writes the result (one JSON object) to --result.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-6
HORIZON = 10_000.0


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def tts_close(a, b):
    if a is None and b is None:
        return True
    if a is None or b is None:
        other = a if b is None else b
        return other >= HORIZON * (1 - TOL)
    return close(a, b)


def run_chaindock(binary, network, runs, timeout=None):
    walls, docs = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [binary, "risk", "--network", network, "--format", "json"],
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        walls.append(time.perf_counter() - t0)
        docs.append(json.loads(out.stdout))
    return walls, docs


def own_seconds(doc):
    s = doc.get("seconds")
    if isinstance(s, dict):
        for key in ("analysis", "total", "solve"):
            if key in s:
                return float(s[key])
        return float(sum(v for v in s.values() if isinstance(v, (int, float))))
    return float(s) if s is not None else None


def node_ids(doc, network):
    """chaindock's nodes keyed by id (the `node` field may be the id or the index in the file)."""
    with open(network) as fh:
        ids = [n["id"] for n in json.load(fh)["nodes"]]
    out = {}
    for n in doc["nodes"]:
        key = n.get("id", n.get("node"))
        if isinstance(key, int):
            key = ids[key]
        out[key] = n
    return out


def agree(ours, theirs):
    """Disagreements: (node, field, chaindock value, baseline value)."""
    bad = []
    for b in theirs["nodes"]:
        c = ours.get(b["node"])
        if c is None:
            bad.append((b["node"], "missing", None, "present"))
            continue
        for field in ("pi", "baseline"):
            if field in c and not close(float(c[field]), float(b[field])):
                bad.append((b["node"], field, c[field], b[field]))
        if not tts_close(c.get("tts_days"), b["tts_days"]):
            bad.append((b["node"], "tts_days", c.get("tts_days"), b["tts_days"]))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("network")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--baseline-json")
    ap.add_argument("--baseline-runs", type=int, default=1)
    ap.add_argument("--sample", type=int)
    ap.add_argument("--budget", type=float, default=0.0)
    ap.add_argument("--name")
    ap.add_argument("--result")
    ap.add_argument("--timeout", type=float, help="give up on chaindock after this many seconds per run")
    args = ap.parse_args()
    name = args.name or os.path.splitext(os.path.basename(args.network))[0]

    try:
        walls, docs = run_chaindock(args.bin, args.network, args.runs, args.timeout)
    except subprocess.TimeoutExpired:
        print(f"{name}: chaindock risk did not finish in {args.timeout:.0f} s; not compared")
        if args.result:
            with open(args.result, "w") as fh:
                json.dump({"name": name, "timeout": args.timeout}, fh)
        sys.exit(2)
    ours = node_ids(docs[-1], args.network)
    own = [own_seconds(d) for d in docs]

    if args.baseline_json:
        with open(args.baseline_json) as fh:
            baselines = [json.load(fh)]
    else:
        baselines = []
        for _ in range(args.baseline_runs):
            cmd = [sys.executable, os.path.join(HERE, "baseline.py"), args.network]
            if args.sample:
                cmd += ["--sample", str(args.sample)]
            if args.budget:
                cmd += ["--budget", str(args.budget)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            baselines.append(json.loads(out.stdout))
    theirs = baselines[-1]
    bad = agree(ours, theirs)

    sampled = theirs["sampled"]
    key = "extrapolated_total" if sampled else "loop"
    base_total = statistics.median(b["seconds"][key] for b in baselines)
    wall = statistics.median(walls)
    net = theirs["network"]
    result = {
        "name": name,
        "network": net,
        "chaindock_wall": walls,
        "chaindock_seconds": own,
        "chaindock_median": wall,
        "chaindock_own_median": statistics.median(own) if all(x is not None for x in own) else None,
        "method": docs[-1].get("method"),
        "solver": docs[-1].get("solver"),
        "warnings": docs[-1].get("warnings"),
        "baseline_seconds": [b["seconds"] for b in baselines],
        "baseline_total": base_total,
        "baseline_extrapolated": sampled,
        "baseline_nodes_solved": theirs["solved_nodes"],
        "baseline_per_node_median": statistics.median(b["seconds"]["per_node_median"] for b in baselines),
        "ratio": base_total / wall if wall > 0 else None,
        "checked_nodes": len(theirs["nodes"]),
        "disagreements": [{"node": n, "field": f, "chaindock": c, "baseline": b} for n, f, c, b in bad],
    }
    label = "extrapolated " if sampled else ""
    print(
        f"{name}: {net['nodes']} nodes, {net['edges']} edges; chaindock {wall:.3f} s (median of {args.runs}, "
        f"own {result['chaindock_own_median']}), baseline {label}{base_total:.1f} s "
        f"({theirs['solved_nodes']} nodes solved, {result['baseline_per_node_median']:.3f} s per node median); "
        f"ratio {result['ratio']:.1f}x; agree: {'yes' if not bad else 'NO'} on {len(theirs['nodes'])} nodes"
    )
    for n, f, c, b in bad[:50]:
        print(f"  DISAGREE node {n} {f}: chaindock {c!r}, baseline {b!r}")
    if args.result:
        with open(args.result, "w") as fh:
            json.dump(result, fh, indent=1)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
