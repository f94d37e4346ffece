"""A seeded, realistic risk network in the file form of crates/risk/src/network.rs.

Usage: gen_network.py [--nodes N] [--seed S] [--products P] [--tiers T] --out FILE

Shape (every number drawn from one seeded `random.Random`):

- Part types (chain links) in tiers: P finished products in tier 0, then 5P, 12P, 25P, 35P, 25P … types in tiers
  1…T−1 (T = 6 by default; the last tier is raw material, with no inputs). Each type above the last tier has 2–4
  inputs, each a type of the next tier (80 %) or the one after (20 %), with a BOM coefficient r drawn from
  {1, 1, 1, 1, 2, 2, 3, 4, 0.5, 0.25}; every type below tier 0 is an input of at least one type, and most are
  inputs of several (shared components). Edges only go from a deeper tier to a shallower one: no cycles.
- Sites (the nodes): each type has producer sites, as many as its buyers' demand for suppliers calls for (each
  buyer input draws 1–3 suppliers, each supplier site serves 1.5–3 buyers on average), scaled so that there are
  N sites in all. Each site of a buyer type needs every input of its type, and each input has 1–3 alternative
  suppliers among the input type's sites (sites with no buyer yet are taken first, so nearly every site supplies
  someone): suppliers are shared across buyers.
- Enterprises own 1–3 sites each; an enterprise sits in one county (a six-digit code: provinces 11, 12, 13, 31,
  32, 33, 44, 51; cities 01–09; counties 01–15), so that `--lockdown 130200` stops the sites of city 1302xx.
- Demand: each finished-product site has d = 20–500 units a day and f = its product's unit profit (1–10); other
  sites have d = 0, f = 1 (unused). Throughput θ: a product site runs at d; each buyer's need θ_j · r of an input
  is split among its alternative suppliers in random shares; a supplier's θ is the sum of what its buyers draw,
  computed tier by tier down the BOM. Then capacity c = θ × U(1.1, 1.6), stock s = θ × U(0, 10) (0–10 days of
  throughput), TTR = 1–60 days (integers, uniform). So the undisrupted network loses nothing: u = θ t, y = the
  shares × t is feasible for every t.

Prints a one-line summary (nodes, edges, inputs, products, sites with no buyer) on stderr.
"""

import argparse
import json
import random
import sys

R_CHOICES = [1, 1, 1, 1, 2, 2, 3, 4, 0.5, 0.25]
TIER_FACTORS = [1, 5, 12, 25, 35, 25, 20, 15]
PROVINCES = [11, 12, 13, 31, 32, 33, 44, 51]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--products", type=int, default=8)
    ap.add_argument("--tiers", type=int, default=6)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tiers = max(2, min(args.tiers, len(TIER_FACTORS)))

    # 1. Part types and their BOM.
    types = []  # (id, tier)
    by_tier = []
    for t in range(tiers):
        ids = []
        for k in range(args.products * TIER_FACTORS[t]):
            ids.append(len(types))
            types.append((f"L{t}-{k + 1:04d}", t))
        by_tier.append(ids)
    bom = {k: [] for k in range(len(types))}  # type -> [(input type, r)]
    used = set()
    for t in range(tiers - 1):
        for k in by_tier[t]:
            want = rng.randint(2, 4)
            chosen = set()
            while len(chosen) < want:
                tier = t + 2 if (t + 2 < tiers and rng.random() < 0.2) else t + 1
                chosen.add(rng.choice(by_tier[tier]))
            for inp in sorted(chosen):
                bom[k].append((inp, rng.choice(R_CHOICES)))
                used.add(inp)
    for t in range(1, tiers):
        for k in by_tier[t]:
            if k not in used:
                parent = rng.choice(by_tier[t - 1])
                bom[parent].append((k, rng.choice(R_CHOICES)))
                used.add(k)
    parents = {k: [] for k in range(len(types))}
    for k, inputs in bom.items():
        for inp, _ in inputs:
            parents[inp].append(k)

    # 2. Sites per type: relative counts top-down, then scaled to N.
    rel = [0.0] * len(types)
    for k in by_tier[0]:
        rel[k] = 1.0
    for t in range(1, tiers):
        for k in by_tier[t]:
            rel[k] = sum(rel[p] for p in parents[k]) * 2.0 / rng.uniform(1.5, 3.0)
    total = sum(rel)
    counts = [max(1, round(x * args.nodes / total)) for x in rel]
    while sum(counts) != args.nodes:
        big = max(range(len(types)), key=lambda k: counts[k])
        if sum(counts) > args.nodes:
            counts[big] -= min(counts[big] - 1, sum(counts) - args.nodes)
        else:
            counts[big] += args.nodes - sum(counts)
    if sum(counts) != args.nodes:
        sys.exit(f"cannot make {args.nodes} sites from {len(types)} part types: use more nodes")

    # 3. Sites, enterprises and regions.
    sites_of = {}
    site_type = []
    for t in range(tiers):
        for k in by_tier[t]:
            sites_of[k] = list(range(len(site_type), len(site_type) + counts[k]))
            site_type.extend([k] * counts[k])
    n = len(site_type)
    order = list(range(n))
    rng.shuffle(order)
    enterprise = [None] * n
    region = [None] * n
    e, at = 0, 0
    while at < n:
        size = rng.choice([1, 1, 1, 2, 2, 3])
        prov = rng.choice(PROVINCES)
        city = 1 if prov in (11, 12, 31) else rng.randint(1, 9)
        code = prov * 10_000 + city * 100 + rng.randint(1, 15)
        credit = f"9113E{e:09d}"
        for j in order[at : at + size]:
            enterprise[j] = credit
            region[j] = code
        at += size
        e += 1

    # 4. Edges: each buyer site's input gets 1–3 alternative suppliers, sites with no buyer first.
    edges = []  # (supplier, buyer, input type, r)
    for k in range(len(types)):
        uses = [(j, r) for p in parents[k] for r in [dict(bom[p])[k]] for j in sites_of[p]]
        rng.shuffle(uses)
        pool = list(sites_of[k])
        rng.shuffle(pool)
        fresh = pool[:]
        for j, r in uses:
            a = min(rng.randint(1, 3), len(pool))
            chosen = []
            while fresh and len(chosen) < a:
                chosen.append(fresh.pop())
            while len(chosen) < a:
                i = rng.choice(pool)
                if i not in chosen:
                    chosen.append(i)
            for i in chosen:
                edges.append((i, j, k, r))

    # 5. Demand, throughput down the BOM, capacity, stock, TTR.
    d = [0.0] * n
    f = [1.0] * n
    profit = {k: round(rng.uniform(1, 10), 2) for k in by_tier[0]}
    for k in by_tier[0]:
        for j in sites_of[k]:
            d[j] = float(rng.randint(20, 500))
            f[j] = profit[k]
    theta = d[:]
    groups = {}
    for idx, (i, j, k, r) in enumerate(edges):
        groups.setdefault((j, k), []).append(idx)
    share = [0.0] * len(edges)
    for members in groups.values():
        w = [rng.uniform(0.2, 1.0) for _ in members]
        tot = sum(w)
        for idx, x in zip(members, w):
            share[idx] = x / tot
    # Buyers are always in a shallower tier than their suppliers and sites are numbered tier by tier, so taking
    # groups by buyer index settles each buyer's throughput before it is passed on.
    for (j, k) in sorted(groups):
        for idx in groups[(j, k)]:
            i, _, _, r = edges[idx]
            theta[i] += theta[j] * r * share[idx]
    nodes = []
    idle = 0
    for j in range(n):
        idle += theta[j] == 0.0
        nodes.append(
            {
                "id": f"n{j + 1:07d}",
                "f": f[j],
                "d": d[j],
                "s": round(theta[j] * rng.uniform(0, 10), 3),
                "c": round(theta[j] * rng.uniform(1.1, 1.6), 3),
                "ttr": float(rng.randint(1, 60)),
                "product": site_type[j] in profit,
                "enterprise": enterprise[j],
                "link": types[site_type[j]][0],
                "region": region[j],
            }
        )
    doc = {
        "nodes": nodes,
        "edges": [
            {"supplier": nodes[i]["id"], "buyer": nodes[j]["id"], "input": types[k][0], "r": r}
            for i, j, k, r in edges
        ],
    }
    with open(args.out, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    print(
        f"gen_network: {n} nodes ({sum(counts[k] for k in by_tier[0])} product sites), {len(edges)} edges, "
        f"{len(groups)} inputs, {len(types)} part types in {tiers} tiers, {e} enterprises, "
        f"{idle} sites with no buyer; seed {args.seed} -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
