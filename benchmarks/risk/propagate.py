"""Disruption propagation: the downstream tiers of a lockdown, by networkx, python-igraph and `chaindock simulate`.

Usage: propagate.py NETWORK.json [--lockdown CODE] [--days N] [--runs N] [--bin CHAINDOCK [--timeout S]] [--result FILE]

The disrupted nodes are those whose region lies in the locked-down division (a province XX0000 covers its first
two digits, a city XXXX00 its first four, a county only itself; crates/risk/src/scenario.rs); tier 0 is that set,
tier t + 1 the buyers of tier-t nodes in no earlier tier: breadth-first levels from the disrupted set along
supplier → buyer edges. Without --lockdown, the city with the most nodes is locked down.

- networkx: `DiGraph` from the edge list (timed as "build"), `nx.bfs_layers(G, sources)` (timed as "bfs").
- igraph: `Graph(n, edges, directed=True)` plus one extra vertex with an edge to every source ("build"), one
  `Graph.bfs` from it; its layers, shifted by one, are the tiers ("bfs").
- chaindock: `chaindock simulate --network FILE --lockdown CODE --days N --format json --no-loss --timings`
  (no loss programme: the tiers, the day each node runs out and the short inputs with their alternatives), its
  process wall time, its own `seconds`, and the split it prints on standard error: reading and parsing the file
  ("read"), validating and indexing the network ("network", the peers' "build"), finding the disrupted nodes and
  propagating ("propagation": the BFS plus throughputs and days, the peers' "bfs"), and writing the JSON report
  ("output"). Its `seconds` is network + propagation + building the report's rows.

The node set of every tier must be the same for all three (chaindock's `disrupted` is tier 0, `tiers[]` the
rest). Python's reading and indexing of the JSON file (`json.load` and `Net`) is timed once as "python read",
for scale; it is in no peer's total. chaindock's wall time includes its reading of the file and writing of the
report. Medians of RUNS. Exits 1 on any difference.
"""

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import time

from netfile import Net


def contains(division, code):
    if division % 10_000 == 0:
        return division // 10_000 == code // 10_000
    if division % 100 == 0:
        return division // 100 == code // 100
    return division == code


def by_networkx(net, sources):
    import networkx as nx

    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n))
    g.add_edges_from(zip(net.sup.tolist(), net.buy.tolist()))
    t1 = time.perf_counter()
    layers = [sorted(layer) for layer in nx.bfs_layers(g, sources)]
    t2 = time.perf_counter()
    return layers, t1 - t0, t2 - t1


def by_igraph(net, sources):
    import igraph as ig

    t0 = time.perf_counter()
    root = net.n
    edges = list(zip(net.sup.tolist(), net.buy.tolist())) + [(root, s) for s in sources]
    g = ig.Graph(n=net.n + 1, edges=edges, directed=True)
    t1 = time.perf_counter()
    vids, starts, _parents = g.bfs(root, mode="out")
    layers = [sorted(vids[starts[k] : starts[k + 1]]) for k in range(1, len(starts) - 1)]
    t2 = time.perf_counter()
    return layers, t1 - t0, t2 - t1


STEPS = ("read", "network", "propagation", "loss", "output")


def by_chaindock(binary, network, code, days, index, timeout=None):
    args = [binary, "simulate", "--network", network, "--lockdown", str(code), "--days", str(days)]
    args += ["--format", "json", "--no-loss", "--timings"]
    t0 = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    steps = {k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+) s", out.stderr) if k in STEPS}
    doc = json.loads(out.stdout)
    if doc.get("lost") is not None:
        sys.exit("propagate: chaindock simulate --no-loss still reported a loss")

    def ids(nodes):
        return sorted(index[n["node"]] if isinstance(n["node"], str) else n["node"] for n in nodes)

    layers = [ids(doc["disrupted"])] + [ids(t["nodes"]) for t in sorted(doc["tiers"], key=lambda t: t["tier"])]
    while layers and not layers[-1]:
        layers.pop()
    return layers, wall, doc.get("seconds"), steps


def first_difference(a, b):
    for k in range(max(len(a), len(b))):
        x = set(a[k]) if k < len(a) else set()
        y = set(b[k]) if k < len(b) else set()
        if x != y:
            return k, sorted(x - y)[:5], sorted(y - x)[:5]
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network")
    ap.add_argument("--lockdown", type=int)
    ap.add_argument("--days", type=float, default=14)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin")
    ap.add_argument("--name")
    ap.add_argument("--result")
    ap.add_argument("--timeout", type=float, help="give up on chaindock simulate after this many seconds")
    args = ap.parse_args()

    t0 = time.perf_counter()
    net = Net.load(args.network)
    python_read = time.perf_counter() - t0
    code = args.lockdown
    if code is None:
        cities = collections.Counter(r // 100 * 100 for r in net.region if r is not None)
        if not cities:
            sys.exit("propagate: the network has no regions; give --lockdown")
        code = cities.most_common(1)[0][0]
    sources = [j for j, r in enumerate(net.region) if r is not None and contains(code, r)]
    if not sources:
        sys.exit(f"propagate: no node lies in {code}")

    sides = {}
    for name, fn in (("networkx", by_networkx), ("igraph", by_igraph)):
        runs = [fn(net, sources) for _ in range(args.runs)]
        sides[name] = {
            "layers": runs[-1][0],
            "build": [r[1] for r in runs],
            "bfs": [r[2] for r in runs],
            "total": [r[1] + r[2] for r in runs],
        }
    timed_out = None
    if args.bin:
        try:
            runs = [
                by_chaindock(args.bin, args.network, code, args.days, net.index, args.timeout)
                for _ in range(args.runs)
            ]
            sides["chaindock"] = {"layers": runs[-1][0], "wall": [r[1] for r in runs], "own": [r[2] for r in runs]}
            for k in STEPS:
                sides["chaindock"][k] = [r[3].get(k) for r in runs]
        except subprocess.TimeoutExpired:
            timed_out = args.timeout

    reference = sides["networkx"]["layers"]
    agree, report = True, {}
    for name, side in sides.items():
        diff = first_difference(reference, side["layers"])
        if diff:
            agree = False
            k, only_nx, only_side = diff
            ids = lambda xs: [net.ids[x] for x in xs]
            print(f"  DIFFER {name} tier {k}: only networkx {ids(only_nx)}, only {name} {ids(only_side)}")
        report[name] = {k: v for k, v in side.items() if k != "layers"}
        report[name]["tier_sizes"] = [len(layer) for layer in side["layers"]]

    med = lambda xs: statistics.median(xs)
    name = args.name or os.path.splitext(os.path.basename(args.network))[0]
    sizes = [len(layer) for layer in reference]
    line = (
        f"{name}: lockdown {code}: {len(sources)} nodes stopped, {sum(sizes) - sizes[0]} downstream in "
        f"{len(sizes) - 1} tiers; networkx {med(sides['networkx']['total']):.3f} s "
        f"(bfs {med(sides['networkx']['bfs']):.3f}), igraph {med(sides['igraph']['total']):.3f} s "
        f"(bfs {med(sides['igraph']['bfs']):.3f})"
    )
    if "chaindock" in sides:
        c = sides["chaindock"]
        cd = med(c["wall"])
        step = lambda k: med(c[k]) if c[k] and None not in c[k] else float("nan")
        own = med(c["own"]) if None not in c["own"] else float("nan")
        prop, build = step("propagation"), step("network")
        line += (
            f", chaindock simulate --no-loss {cd:.3f} s wall (own {own:.3f} s: read {step('read'):.3f}, network "
            f"{build:.3f}, propagation {prop:.3f}, output {step('output'):.3f}); ratio of wall times "
            f"networkx/chaindock {med(sides['networkx']['total']) / cd:.2f}x, igraph/chaindock "
            f"{med(sides['igraph']['total']) / cd:.2f}x; bfs/propagation networkx {med(sides['networkx']['bfs']) / prop:.2f}x, "
            f"igraph {med(sides['igraph']['bfs']) / prop:.2f}x; python read {python_read:.3f} s"
        )
    if timed_out:
        line += f", chaindock simulate did not finish in {timed_out:.0f} s"
    line += f"; same tiers: {'yes' if agree else 'NO'}"
    print(line)
    if args.result:
        with open(args.result, "w") as fh:
            json.dump(
                {"name": name, "network": {"nodes": net.n, "edges": net.m}, "lockdown": code, "python_read": python_read,
                 "stopped": len(sources), "tier_sizes": sizes, "agree": agree, "sides": report,
                 "chaindock_timeout": timed_out},
                fh,
                indent=1,
            )
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
