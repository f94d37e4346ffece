"""chaindock's allocation solver against OR-Tools and HiGHS on the same instances, in the same run.

Usage: bench.py --solve-file BIN --runs N [--peers LIST] INSTANCE.json...

For each instance: chaindock (`solve_file`, N calls of `solve`), then each peer in its own process (peers.py),
N runs each. Prints a table of medians: chaindock's time, each peer's solve time and build+solve time, the
ratios peer/chaindock, and whether the optimum agrees with chaindock's to 1e-6 relative (each plan is priced
at the exact costs; LP plans are checked integral and feasible). Writes out/results.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ["ortools-mcf", "highs", "ortools-glop"]
TOLERANCE = 1e-6


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def difference(a, b):
    return abs(a - b) / max(1.0, abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--solve-file", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("instances", nargs="+")
    args = ap.parse_args()
    peers = [p for p in args.peers.split(",") if p]

    rows, results, failed = [], [], False
    for path in args.instances:
        name = os.path.splitext(os.path.basename(path))[0]
        ours = run_json([args.solve_file, path, "--runs", str(args.runs)])
        ours_median = statistics.median(ours["seconds"])
        size = f'{ours["demands"]} demands, {ours["arcs"]} arcs, {ours["limits"]} limits'
        print(
            f'{name}: {size}; chaindock {ours["method"]} {ours_median:.3f} s, objective {ours["objective"]:.6f}',
            file=sys.stderr,
        )
        entry = {"instance": name, "size": size, "chaindock": ours, "peers": {}}
        for peer in peers:
            theirs = run_json([sys.executable, os.path.join(HERE, "peers.py"), peer, path, str(args.runs)])
            entry["peers"][peer] = theirs
            if "skipped" in theirs or "error" in theirs:
                rows.append((name, peer, ours_median, None, None, theirs.get("skipped") or theirs["error"]))
                failed |= "error" in theirs
                continue
            solve = statistics.median(theirs["solve"])
            total = statistics.median([b + s for b, s in zip(theirs["build"], theirs["solve"])])
            gap = difference(ours["objective"], theirs["objective"])
            same = gap <= TOLERANCE and theirs["infeasibility"] is None
            failed |= not same
            note = f"same (rel. diff. {gap:.0e})" if same else f'DIFFERENT: {theirs["objective"]!r} ({theirs["infeasibility"]})'
            if theirs.get("fractional", 0.0) > 1e-6:
                note += f', vertex fractional by {theirs["fractional"]:.1e}'
            rows.append((name, peer, ours_median, solve, total, note))
            print(f"  {peer}: solve {solve:.3f} s, build+solve {total:.3f} s, {note}", file=sys.stderr)
        results.append(entry)

    header = ("instance", "peer", "chaindock s", "peer solve s", "ratio", "peer build+solve s", "ratio", "optimum")
    table = [header]
    for name, peer, ours_s, solve, total, note in rows:
        if solve is None:
            table.append((name, peer, f"{ours_s:.3f}", "–", "–", "–", "–", note))
        else:
            table.append(
                (name, peer, f"{ours_s:.3f}", f"{solve:.3f}", f"{solve / ours_s:.1f}×", f"{total:.3f}",
                 f"{total / ours_s:.1f}×", note)
            )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for i, r in enumerate(table):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print(f"\nmedians of {args.runs} runs; ratio = peer time / chaindock time (above 1: chaindock is faster)")
    with open(os.path.join(HERE, "out", "latest.md"), "w") as f:
        f.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
        for r in table[1:]:
            f.write("| " + " | ".join(r) + " |\n")
    with open(os.path.join(HERE, "out", "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
