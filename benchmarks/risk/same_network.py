"""Check chaindock's exported network against willems.py's reading of the same mapping (data/README.md).

Usage: same_network.py EXPORTED.json INDEPENDENT.json

Same node ids (up to chaindock's `CREDIT-CODE:` prefix); per node the same f, d, s, c, ttr (1e-9 relative) and product flag; the same (supplier, buyer, r)
edges. Input names may differ (only which edges share a buyer and an input matters: compared as groups).
"""

import json
import sys


def key(node_id):
    """chaindock's ids are `CREDIT-CODE:link`; the mapping's are the link (the stage name in lower case)."""
    return node_id.rsplit(":", 1)[-1]


def close(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
na = {key(n["id"]): n for n in a["nodes"]}
nb = {key(n["id"]): n for n in b["nodes"]}
bad = []
if set(na) != set(nb):
    bad.append(f"node ids differ: only exported {sorted(set(na) - set(nb))[:5]}, only mapping {sorted(set(nb) - set(na))[:5]}")
for k in sorted(set(na) & set(nb)):
    for f in ("f", "d", "s", "c", "ttr"):
        if not close(float(na[k][f]), float(nb[k][f])):
            bad.append(f"node {k} {f}: exported {na[k][f]}, mapping {nb[k][f]}")
    if bool(na[k].get("product")) != bool(nb[k].get("product")):
        bad.append(f"node {k} product: exported {na[k].get('product')}, mapping {nb[k].get('product')}")


def groups(doc):
    g = {}
    for e in doc["edges"]:
        g.setdefault((key(e["buyer"]), e["input"]), []).append((key(e["supplier"]), float(e["r"])))
    return sorted((buyer, tuple(sorted(v))) for (buyer, _), v in g.items())


if groups(a) != groups(b):
    ga, gb = set(groups(a)), set(groups(b))
    bad.append(f"inputs differ: only exported {sorted(ga - gb)[:3]}, only mapping {sorted(gb - ga)[:3]}")
name = sys.argv[1].rsplit("/", 1)[-1]
print(f"{name}: export {'matches the documented mapping' if not bad else 'DIFFERS from the mapping'}"
      f" ({len(na)} nodes, {len(a['edges'])} edges)")
for line in bad[:20]:
    print("  " + line)
sys.exit(1 if bad else 0)
