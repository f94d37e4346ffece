"""The naive baseline of issue 6: one full LP per node, built and solved from scratch with HiGHS (highspy).

Usage: baseline.py NETWORK.json [--sample K] [--out FILE]

For every node n of the network file (or K evenly spaced nodes with --sample K), with t = ttr(n):

  PI(n)  = min Σ_{j∈V} f_j l_j
             u_j − Σ_{e=(i→j,k)} y_e / r_e ≤ 0     every node j, each of its inputs k
             Σ_{e=(i→·)} y_e − u_i ≤ s_i           every node i that supplies anyone
             u_n = 0
             l_j + u_j ≥ d_j t − s_j               j ∈ V (product = true)
             0 ≤ u_j ≤ c_j t,  l, y ≥ 0
  TTS(n) = max T  s.t. the same rows with l = 0 and T a variable (u_j − c_j T ≤ 0, u_j − d_j T ≥ −s_j);
           null when the LP is unbounded (the network never runs short without n)

and once per distinct TTR value t the baseline loss PI(∅, t): the PI programme without u_n = 0 (it depends on t
only, so a per-node copy would be the same LP solved again).

Every LP is assembled from the network's arrays (numpy, row-wise), passed to a fresh `highspy.Highs()` and solved
with HiGHS's defaults (presolve, dual simplex). Reading the JSON file is not timed; everything from assembling a
node's LP to reading its optimum is. Prints one JSON document: per node `node`, `ttr_days`, `pi`, `baseline`,
`tts_days`, and `seconds` (the loop's totals; with --sample, per-node medians and the extrapolated total, marked
`extrapolated`).
"""

import argparse
import json
import statistics
import sys
import time

import highspy
import numpy as np

from netfile import Net

INF = highspy.kHighsInf


def csr(num_rows, rows, cols, vals):
    """Row-wise arrays from triplets (row order stable)."""
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=num_rows)
    start = np.zeros(num_rows + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    return start, cols[order].astype(np.int32), vals[order]


def common_rows(net, y0):
    """The input rows and the supplier rows, as triplets: (row, col, val), row count, row bounds.

    Columns: u_j = j, y_e = y0 + e."""
    n, m, g = net.n, net.m, net.g
    e = np.arange(m)
    # input rows g: u_buyer − Σ y_e / r_e ≤ 0
    r_in = np.concatenate([np.arange(g), net.group])
    c_in = np.concatenate([net.group_buyer, y0 + e])
    v_in = np.concatenate([np.ones(g), -1.0 / net.r])
    # supplier rows: Σ y_e − u_i ≤ s_i, one per node that supplies anyone
    suppliers = np.unique(net.sup)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[suppliers] = np.arange(len(suppliers))
    r_sup = g + np.concatenate([row_of[net.sup], np.arange(len(suppliers))])
    c_sup = np.concatenate([y0 + e, suppliers])
    v_sup = np.concatenate([np.ones(m), -np.ones(len(suppliers))])
    rows = np.concatenate([r_in, r_sup])
    cols = np.concatenate([c_in, c_sup])
    vals = np.concatenate([v_in, v_sup])
    count = g + len(suppliers)
    lower = np.full(count, -INF)
    upper = np.concatenate([np.zeros(g), net.s[suppliers]])
    return rows, cols, vals, count, lower, upper


def solve(num_col, cost, col_lower, col_upper, num_row, rows, cols, vals, row_lower, row_upper, sense_max=False):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = num_row
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    if sense_max:
        lp.sense_ = highspy.ObjSense.kMaximize
    start, index, value = csr(num_row, rows, cols, vals)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = num_row
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    return h, status


def pi_lp(net, t, out=None):
    """min Σ f l over t days with node `out` (or nobody) making nothing; returns the optimum."""
    n, m = net.n, net.m
    p = len(net.products)
    l0, y0 = n, n + p
    rows, cols, vals, count, lower, upper = common_rows(net, y0)
    # product rows: l_j + u_j ≥ d_j t − s_j
    pr = count + np.arange(p)
    rows = np.concatenate([rows, pr, pr])
    cols = np.concatenate([cols, l0 + np.arange(p), net.products])
    vals = np.concatenate([vals, np.ones(2 * p)])
    lower = np.concatenate([lower, net.d[net.products] * t - net.s[net.products]])
    upper = np.concatenate([upper, np.full(p, INF)])
    num_col = n + p + m
    cost = np.zeros(num_col)
    cost[l0 : l0 + p] = net.f[net.products]
    col_lower = np.zeros(num_col)
    col_upper = np.full(num_col, INF)
    col_upper[:n] = net.c * t
    if out is not None:
        col_upper[out] = 0.0
    h, status = solve(num_col, cost, col_lower, col_upper, count + p, rows, cols, vals, lower, upper)
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"PI LP (node {out}, t {t}): {h.modelStatusToString(status)}")
    return h.getInfo().objective_function_value


def tts_lp(net, out, horizon=0.0):
    """max T with nothing lost and node `out` making nothing; None when unbounded (or, with a horizon H > 0, T ≤ H
    and None when the optimum reaches H)."""
    n, m = net.n, net.m
    p = len(net.products)
    y0, tc = n, n + m
    rows, cols, vals, count, lower, upper = common_rows(net, y0)
    # product rows: u_j − d_j T ≥ −s_j
    pr = count + np.arange(p)
    # capacity rows: u_j − c_j T ≤ 0
    cr = count + p + np.arange(n)
    rows = np.concatenate([rows, pr, pr, cr, cr])
    cols = np.concatenate([cols, net.products, np.full(p, tc), np.arange(n), np.full(n, tc)])
    vals = np.concatenate([vals, np.ones(p), -net.d[net.products], np.ones(n), -net.c])
    lower = np.concatenate([lower, -net.s[net.products], np.full(n, -INF)])
    upper = np.concatenate([upper, np.full(p, INF), np.zeros(n)])
    num_col = n + m + 1
    cost = np.zeros(num_col)
    cost[tc] = 1.0
    col_lower = np.zeros(num_col)
    col_upper = np.full(num_col, INF)
    col_upper[out] = 0.0
    if horizon > 0:
        col_upper[tc] = horizon
    h, status = solve(num_col, cost, col_lower, col_upper, count + p + n, rows, cols, vals, lower, upper, True)
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        # T = 0 with nothing made or shipped is always feasible, so "unbounded or infeasible" is unbounded.
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"TTS LP (node {out}): {h.modelStatusToString(status)}")
    value = h.getInfo().objective_function_value
    if horizon > 0 and value >= horizon * (1 - 1e-9):
        return None
    return value


def sample_nodes(n, k):
    if k is None or k >= n:
        return list(range(n))
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, k)})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("network")
    ap.add_argument("--sample", type=int, help="time K evenly spaced nodes and extrapolate to all")
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    ap.add_argument(
        "--horizon",
        type=float,
        default=10_000.0,
        help="bound T ≤ H in the TTS LP and report T = H as null (chaindock's HORIZON_DAYS); 0: no bound, null only "
        "when HiGHS finds the LP unbounded (much slower to prove)",
    )
    ap.add_argument("--budget", type=float, default=0.0, help="stop sampling after this many seconds (0: no limit)")
    ap.add_argument("--progress", action="store_true", help="a line per 10 %% of the nodes on stderr")
    args = ap.parse_args()

    net = Net.load(args.network)
    chosen = sample_nodes(net.n, args.sample)
    if len(chosen) < net.n:
        # Visit the sample in a low-discrepancy order (golden-ratio strides), so that a run cut short by --budget
        # still covers the file evenly (the generator writes nodes tier by tier).
        chosen = [chosen[i] for i in sorted(range(len(chosen)), key=lambda i: (i * 0.6180339887498949) % 1.0)]
    results, per_node, pi_times, tts_times = [], [], [], []
    baselines, baseline_times = {}, []
    started = time.perf_counter()
    step = max(1, len(chosen) // 10)
    for count, j in enumerate(chosen, 1):
        t = float(net.ttr[j])
        t0 = time.perf_counter()
        pi = pi_lp(net, t, j)
        t1 = time.perf_counter()
        tts = tts_lp(net, j, args.horizon)
        t2 = time.perf_counter()
        if t not in baselines:
            baselines[t] = pi_lp(net, t, None)
            baseline_times.append(time.perf_counter() - t2)
        pi_times.append(t1 - t0)
        tts_times.append(t2 - t1)
        per_node.append(t2 - t0)
        results.append({"node": net.ids[j], "ttr_days": t, "pi": pi, "baseline": baselines[t], "tts_days": tts})
        if args.budget and time.perf_counter() - started > args.budget and count < len(chosen):
            chosen = chosen[:count]
            break
        if args.progress and count % step == 0:
            print(f"  baseline: {count}/{len(chosen)} nodes, {time.perf_counter() - started:.1f} s", file=sys.stderr)
    loop = time.perf_counter() - started

    distinct_ttr = len(set(net.ttr.tolist()))
    seconds = {
        "loop": loop,
        "pi_tts": sum(per_node),
        "baseline_lps": sum(baseline_times),
        "per_node_median": statistics.median(per_node),
        "per_node_mean": statistics.mean(per_node),
        "pi_median": statistics.median(pi_times),
        "tts_median": statistics.median(tts_times),
        "baseline_lp_median": statistics.median(baseline_times),
    }
    sampled = len(chosen) < net.n
    if sampled:
        # The whole loop over all nodes, estimated: the per-node median times the node count, plus one baseline LP
        # per distinct TTR. Labelled as extrapolated wherever it is printed.
        seconds["extrapolated_total"] = (
            seconds["per_node_median"] * net.n + seconds["baseline_lp_median"] * distinct_ttr
        )
        seconds["extrapolated_total_mean"] = (
            seconds["per_node_mean"] * net.n + seconds["baseline_lp_median"] * distinct_ttr
        )
    doc = {
        "nodes": results,
        "network": {"nodes": net.n, "edges": net.m, "inputs": net.g, "products": int(len(net.products))},
        "sampled": sampled,
        "solved_nodes": len(chosen),
        "horizon_days": args.horizon,
        "distinct_ttr": distinct_ttr,
        "seconds": seconds,
        "solver": f"HiGHS {highspy.Highs().version()} via highspy (defaults), one LP per node and programme",
    }
    text = json.dumps(doc)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
