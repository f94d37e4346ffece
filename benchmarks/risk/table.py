"""The results of run.sh as a Markdown table (from out/results/*.json)."""

import glob
import json
import os
import statistics
import sys

d = sys.argv[1]
rows = []
print("| network | nodes | edges | chaindock `risk` (median) | baseline: one HiGHS LP per node | per node | ratio | agree |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for path in sorted(glob.glob(os.path.join(d, "*.json"))):
    r = json.load(open(path))
    if "chaindock_median" not in r:
        continue
    base = f"{r['baseline_total']:.1f} s" + (
        f" (extrapolated from {r['baseline_nodes_solved']} nodes)" if r["baseline_extrapolated"] else ""
    )
    agree = "yes" if not r["disagreements"] else f"**NO: {len(r['disagreements'])}**"
    print(
        f"| {r['name']} | {r['network']['nodes']:,} | {r['network']['edges']:,} | {r['chaindock_median']:.3f} s | "
        f"{base} | {r['baseline_per_node_median']:.3f} s | {r['ratio']:.1f}× | {agree} on {r['checked_nodes']} |"
    )
p = os.path.join(d, "propagate.json")
if os.path.exists(p):
    r = json.load(open(p))
    s = r["sides"]
    med = statistics.median
    print()
    print("| propagation | nodes | stopped | tiers | networkx build + BFS | igraph build + BFS | chaindock `simulate --no-loss` wall: read + network + propagation + output | same tiers |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    cd = s.get("chaindock")
    m = lambda xs: med(xs) if xs and None not in xs else float("nan")
    cds = (
        f"{med(cd['wall']):.3f} s: {m(cd.get('read')):.3f} + {m(cd.get('network')):.3f} + "
        f"{m(cd.get('propagation')):.3f} + {m(cd.get('output')):.3f}"
        if cd
        else "—"
    )
    print(
        f"| {r['name']}, lockdown {r['lockdown']} | {r['network']['nodes']:,} | {r['stopped']:,} | "
        f"{len(r['tier_sizes']) - 1} ({sum(r['tier_sizes'][1:]):,} nodes) | {med(s['networkx']['build']):.3f} + "
        f"{med(s['networkx']['bfs']):.3f} s | {med(s['igraph']['build']):.3f} + {med(s['igraph']['bfs']):.3f} s | "
        f"{cds} | {'yes' if r['agree'] else 'NO'} |"
    )
