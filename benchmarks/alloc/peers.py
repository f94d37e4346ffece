"""One peer on one instance, RUNS times; prints one JSON line. Usage: peers.py PEER FILE RUNS

PEER is one of
  ortools-mcf   OR-Tools SimpleMinCostFlow on chaindock's flow network (laminar instances only). Its costs must be
                integers: every cost is multiplied by 10^6 and rounded (each moves by at most 5e-7), and the plan it
                returns is priced at the exact costs.
  ortools-glop  OR-Tools GLOP (primal/dual simplex) on the LP of the export form, built through pywraplp.
  highs         HiGHS through highspy on the LP of the export form, passed as row-wise arrays.

The LPs are the linear relaxation without integrality: on laminar instances the constraint matrix is totally
unimodular, so a simplex vertex is integral; the script checks that (largest distance to an integer) and prices
the rounded plan exactly. Each run builds the model afresh from the parsed JSON ("build") and then solves it
("solve"); reading the JSON is not timed. Peers run in separate processes because the ortools wheel carries its
own HiGHS, which clashes with highspy's in one process.
"""

import json
import sys
import time

import numpy as np

import model


def ortools_mcf(instance, runs):
    from ortools.graph.python import min_cost_flow

    build, solve = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        net = model.network(instance)
        if net is None:
            return {"skipped": "limits are not laminar"}
        costs = np.rint(net["costs"] * 1e6).astype(np.int64)
        mcf = min_cost_flow.SimpleMinCostFlow()
        edges = mcf.add_arcs_with_capacity_and_unit_cost(net["tails"], net["heads"], net["capacities"], costs)
        mcf.set_nodes_supplies(np.arange(net["nodes"]), net["supplies"])
        t1 = time.perf_counter()
        status = mcf.solve()
        t2 = time.perf_counter()
        if status != mcf.OPTIMAL:
            return {"error": f"status {status}"}
        build.append(t1 - t0)
        solve.append(t2 - t1)
    flows = mcf.flows(edges)
    x = [int(flows[e]) if e >= 0 else 0 for e in net["arc_edge"]]
    return {
        "objective": model.objective(instance, x),
        "solver_objective": mcf.optimal_cost() / 1e6,
        "infeasibility": model.feasible(instance, x),
        "build": build,
        "solve": solve,
    }


def ortools_glop(instance, runs):
    from ortools.linear_solver import pywraplp

    build, solve = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        m = model.lp(instance)
        solver = pywraplp.Solver.CreateSolver("GLOP")
        cols = [solver.NumVar(float(lo), float(hi), "") for lo, hi in zip(m["lower"], m["upper"])]
        objective = solver.Objective()
        for v, c in zip(cols, m["cost"]):
            objective.SetCoefficient(v, float(c))
        objective.SetMinimization()
        start, index = m["start"], m["index"]
        for r in range(len(start) - 1):
            lo = m["row_lower"][r]
            ct = solver.Constraint(-solver.infinity() if np.isinf(lo) else float(lo), float(m["row_upper"][r]))
            for c in index[start[r] : start[r + 1]]:
                ct.SetCoefficient(cols[c], 1.0)
        t1 = time.perf_counter()
        status = solver.Solve()
        t2 = time.perf_counter()
        if status != pywraplp.Solver.OPTIMAL:
            return {"error": f"status {status}"}
        build.append(t1 - t0)
        solve.append(t2 - t1)
    values = np.array([v.solution_value() for v in cols[: len(instance["arcs"])]])
    return finish_lp(instance, values, objective.Value(), build, solve)


def highs(instance, runs):
    import highspy

    build, solve = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        m = model.lp(instance)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_ = len(m["cost"])
        lp.num_row_ = len(m["row_lower"])
        lp.col_cost_ = m["cost"]
        lp.col_lower_ = m["lower"]
        lp.col_upper_ = m["upper"]
        lp.row_lower_ = np.where(np.isinf(m["row_lower"]), -highspy.kHighsInf, m["row_lower"])
        lp.row_upper_ = m["row_upper"]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_ = m["start"]
        lp.a_matrix_.index_ = m["index"]
        lp.a_matrix_.value_ = m["value"]
        h.passModel(lp)
        t1 = time.perf_counter()
        h.run()
        t2 = time.perf_counter()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return {"error": f"status {h.modelStatusToString(h.getModelStatus())}"}
        build.append(t1 - t0)
        solve.append(t2 - t1)
    values = np.array(h.getSolution().col_value[: len(instance["arcs"])])
    return finish_lp(instance, values, h.getInfo().objective_function_value, build, solve)


def finish_lp(instance, values, solver_objective, build, solve):
    rounded = np.rint(values)
    x = [max(0, int(v)) for v in rounded]
    return {
        "objective": model.objective(instance, x),
        "solver_objective": solver_objective,
        "fractional": float(np.max(np.abs(values - rounded))) if len(values) else 0.0,
        "infeasibility": model.feasible(instance, x),
        "build": build,
        "solve": solve,
    }


def main():
    peer, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path) as f:
        instance = json.load(f)
    result = {"ortools-mcf": ortools_mcf, "ortools-glop": ortools_glop, "highs": highs}[peer](instance, runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
