"""The allocation instance (issue 5's export form) as arrays for the peers, in plain Python and numpy.

Two forms of the same problem:

- `network(instance)`: the min-cost flow network chaindock's network simplex solves, for instances whose limits
  are laminar (each supplier's limits nested or disjoint): a source with supply Σ quantity; per supplier a node
  fed from the source without limit; per limit a node fed from its smallest enclosing limit (or the supplier)
  with capacity `limit`; per arc an edge from the smallest limit covering it (or the supplier) to its demand,
  capacity min(max_quantity, quantity), cost unit_cost; per demand an unmet edge from the source at its
  penalty, and a demand of `quantity`.
- `lp(instance)`: the LP of the export form itself (no network needed): x per arc in [0, min(max_quantity,
  quantity)], unmet per demand in [0, quantity], a row per demand (Σ x + unmet = quantity), a row per limit
  (Σ x over the supplier's arcs to the listed demands ≤ limit), minimise Σ cost·x + Σ penalty·unmet.

`objective(instance, x)` is the plan's cost summed as chaindock sums it (arcs in order, then demands).
"""

import numpy as np


def index(instance):
    """Demand index, arc demand/supplier indices, arc bounds, and per limit its supplier and covered arcs."""
    demands = instance["demands"]
    arcs = instance["arcs"]
    limits = instance.get("limits", [])
    demand_index = {d["id"]: i for i, d in enumerate(demands)}
    quantity = [d["quantity"] for d in demands]
    suppliers = {}
    arc_demand, arc_supplier, bound = [], [], []
    for a in arcs:
        d = demand_index[a["demand"]]
        arc_demand.append(d)
        arc_supplier.append(suppliers.setdefault(a["supplier"], len(suppliers)))
        bound.append(min(a["max_quantity"], quantity[d]))
    limit_supplier = [suppliers.setdefault(l["supplier"], len(suppliers)) for l in limits]
    by_pair = {(arc_supplier[i], arc_demand[i]): i for i in range(len(arcs))}
    limit_arcs = []
    for l, s in zip(limits, limit_supplier):
        covered = [by_pair.get((s, demand_index[d])) for d in l["demands"]]
        limit_arcs.append(sorted(a for a in covered if a is not None))
    return {
        "quantity": quantity,
        "arc_demand": arc_demand,
        "arc_supplier": arc_supplier,
        "bound": bound,
        "suppliers": len(suppliers),
        "limit_supplier": limit_supplier,
        "limit_arcs": limit_arcs,
    }


def laminar(ix):
    """Per limit its parent limit and per arc its owner (smallest covering limit), or None when limits cross.

    Limits by decreasing size; each arc remembers the last limit taken that covers it; a limit is laminar with
    those before it exactly when all its arcs have the same owner, which is then its parent."""
    order = sorted(range(len(ix["limit_arcs"])), key=lambda l: -len(ix["limit_arcs"][l]))
    owner = [None] * len(ix["arc_demand"])
    parent = [None] * len(ix["limit_arcs"])
    for l in order:
        arcs = ix["limit_arcs"][l]
        if not arcs:
            continue
        first = owner[arcs[0]]
        if any(owner[a] != first for a in arcs):
            return None
        parent[l] = first
        for a in arcs:
            owner[a] = l
    return parent, owner


def network(instance):
    """The flow network as numpy arrays, or None when the limits are not laminar.

    Returns dict(tails, heads, capacities, costs (float), supplies, arc_edge (edge index per arc, -1 when the arc
    can carry nothing), nodes)."""
    ix = index(instance)
    forest = laminar(ix)
    if forest is None:
        return None
    parent, owner = forest
    demands = instance["demands"]
    n_d, n_s, n_l = len(demands), ix["suppliers"], len(ix["limit_arcs"])
    source = 0
    demand_node = lambda d: 1 + d
    supplier_node = lambda s: 1 + n_d + s
    limit_node = lambda l: 1 + n_d + n_s + l
    total = sum(ix["quantity"])
    unbounded = total + 1
    tails, heads, caps, costs = [], [], [], []

    def edge(t, h, c, w):
        tails.append(t)
        heads.append(h)
        caps.append(c)
        costs.append(w)
        return len(tails) - 1

    for s in range(n_s):
        edge(source, supplier_node(s), unbounded, 0.0)
    for l, lim in enumerate(instance.get("limits", [])):
        frm = supplier_node(ix["limit_supplier"][l]) if parent[l] is None else limit_node(parent[l])
        edge(frm, limit_node(l), lim["limit"], 0.0)
    arc_edge = []
    for a, arc in enumerate(instance["arcs"]):
        if ix["bound"][a] == 0:
            arc_edge.append(-1)
            continue
        frm = supplier_node(ix["arc_supplier"][a]) if owner[a] is None else limit_node(owner[a])
        arc_edge.append(edge(frm, demand_node(ix["arc_demand"][a]), ix["bound"][a], arc["unit_cost"]))
    supplies = [0] * (1 + n_d + n_s + n_l)
    supplies[source] = total
    for d, dem in enumerate(demands):
        edge(source, demand_node(d), unbounded, dem["unmet_penalty"])
        supplies[demand_node(d)] = -dem["quantity"]
    return {
        "tails": np.array(tails, dtype=np.int32),
        "heads": np.array(heads, dtype=np.int32),
        "capacities": np.array(caps, dtype=np.int64),
        "costs": np.array(costs, dtype=np.float64),
        "supplies": np.array(supplies, dtype=np.int64),
        "arc_edge": np.array(arc_edge, dtype=np.int64),
        "nodes": len(supplies),
    }


def lp(instance):
    """The LP of the export form, row-wise: dict(cost, lower, upper, row_lower, row_upper, start, index, value).

    Columns: the arcs in order, then one unmet column per demand. Rows: the demands, then the limits."""
    ix = index(instance)
    demands = instance["demands"]
    n_a, n_d = len(instance["arcs"]), len(demands)
    cost = np.array([a["unit_cost"] for a in instance["arcs"]] + [d["unmet_penalty"] for d in demands])
    lower = np.zeros(n_a + n_d)
    upper = np.array(ix["bound"] + ix["quantity"], dtype=np.float64)
    by_demand = [[] for _ in range(n_d)]
    for a, d in enumerate(ix["arc_demand"]):
        by_demand[d].append(a)
    rows = [by_demand[d] + [n_a + d] for d in range(n_d)] + ix["limit_arcs"]
    row_lower = [float(q) for q in ix["quantity"]] + [-np.inf] * len(ix["limit_arcs"])
    row_upper = [float(q) for q in ix["quantity"]] + [float(l["limit"]) for l in instance.get("limits", [])]
    start = np.zeros(len(rows) + 1, dtype=np.int32)
    start[1:] = np.cumsum([len(r) for r in rows])
    idx = np.fromiter((c for r in rows for c in r), dtype=np.int32, count=int(start[-1]))
    return {
        "cost": cost,
        "lower": lower,
        "upper": upper,
        "row_lower": np.array(row_lower),
        "row_upper": np.array(row_upper),
        "start": start,
        "index": idx,
        "value": np.ones(len(idx)),
    }


def objective(instance, x):
    """Σ unit_cost·x + Σ penalty·unmet of integral arc quantities x, summed in chaindock's order."""
    met = {}
    total = 0.0
    for arc, q in zip(instance["arcs"], x):
        q = int(q)
        if q:
            met[arc["demand"]] = met.get(arc["demand"], 0) + q
            total += arc["unit_cost"] * float(q)
    for d in instance["demands"]:
        total += d["unmet_penalty"] * float(d["quantity"] - met.get(d["id"], 0))
    return total


def feasible(instance, x):
    """None when integral x respects every bound, demand and limit; otherwise what it breaks."""
    ix = index(instance)
    met = [0] * len(instance["demands"])
    for a, q in enumerate(x):
        if q < 0 or q > instance["arcs"][a]["max_quantity"]:
            return f"arc {a} carries {q}"
        met[ix["arc_demand"][a]] += int(q)
    for d, m in enumerate(met):
        if m > ix["quantity"][d]:
            return f"demand {d} over-supplied"
    for l, arcs in enumerate(ix["limit_arcs"]):
        if sum(int(x[a]) for a in arcs) > instance["limits"][l]["limit"]:
            return f"limit {l} exceeded"
    return None
