"""Willems' (2008) chains as risk network files, by the mapping of data/README.md, without chaindock.

Usage: willems.py --stages stages.csv --arcs arcs.csv --out-dir DIR [--chain NN]

Writes DIR/willems-NN.json per chain. The benchmark analyses the files chaindock exports (`chaindock risk --db …
--chain willems-NN --export-network FILE`); this script is the independent reading of the same mapping, used to
test the scripts before the CLI exists and to check chaindock's export against (compare.py --same-network).

Mapping: every stage a node (id = stage name in lower case); an arc source → destination makes the destination
need 1 unit of the source per unit, each arc a separate input (named after the source) with one supplier; stages
with an average demand (0 included) are finished products with d = that demand per day; throughput = own demand
plus the throughput of every stage it feeds; c = 1.25 × throughput; s = 2 × throughput; TTR = the stage time in
days, at least 1; f = 1.
"""

import argparse
import csv
import json
import os
from collections import defaultdict


def number(text):
    text = (text or "").strip()
    return float(text) if text else None


def chains(stages_path, arcs_path):
    stages = defaultdict(dict)
    with open(stages_path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            stages[row["chain"]][row["Stage Name"]] = row
    arcs = defaultdict(list)
    with open(arcs_path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            arcs[row["chain"]].append((row["sourceStage"], row["destinationStage"]))
    for chain in sorted(stages):
        yield chain, stages[chain], arcs[chain]


def network(stages, arcs):
    feeds = defaultdict(list)
    for src, dst in arcs:
        feeds[src].append(dst)
    memo = {}

    def throughput(name):
        # iterative post-order (chains are up to 2,025 stages deep in places)
        stack = [name]
        while stack:
            x = stack[-1]
            if x in memo:
                stack.pop()
                continue
            todo = [y for y in feeds[x] if y not in memo]
            if todo:
                stack.extend(todo)
                continue
            memo[x] = (number(stages[x]["avgDemand"]) or 0.0) + sum(memo[y] for y in feeds[x])
            stack.pop()
        return memo[name]

    nodes = []
    for name, row in stages.items():
        demand = number(row["avgDemand"])
        th = throughput(name)
        nodes.append(
            {
                "id": name.lower(),
                "f": 1.0,
                "d": demand or 0.0,
                "s": 2.0 * th,
                "c": 1.25 * th,
                "ttr": max(1.0, number(row["stageTime"]) or 0.0),
                "product": demand is not None,
            }
        )
    edges = [{"supplier": s.lower(), "buyer": d.lower(), "input": s.lower(), "r": 1.0} for s, d in arcs]
    return {"nodes": nodes, "edges": edges}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", required=True)
    ap.add_argument("--arcs", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--chain")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for chain, stages, arcs in chains(args.stages, args.arcs):
        if args.chain and chain != args.chain:
            continue
        doc = network(stages, arcs)
        with open(os.path.join(args.out_dir, f"willems-{chain}.json"), "w") as fh:
            json.dump(doc, fh)
        print(f"willems-{chain}: {len(doc['nodes'])} nodes, {len(doc['edges'])} edges")


if __name__ == "__main__":
    main()
