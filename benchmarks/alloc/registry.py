"""An allocation instance drawn from a generated registry through the chaindock CLI.

Usage: registry.py --bin CHAINDOCK --db DB --enterprises N --demands D --seed S --out FILE

1. `chaindock gen --db DB --enterprises N` when DB does not exist yet (about 2.5 minutes for 1,000,000).
2. D demands posted with `chaindock demand add`: buyers drawn from the registry, products drawn from the chain
   links that have producers, 200–5,000 units (in the link's unit), due in 3–14 days, delivered to the buyer's
   county, priority 1–5 (seeded).
3. `chaindock allocate` of all of them together with `--export-instance FILE`: the engine picks each demand's
   candidates (at most 200, ranked) and their free capacity by each due date, exactly as for a user.

Steps 2 and 3 take about 0.7 s and 1.3 s per demand (the candidate search runs over the registry for each
demand), so 1,000 demands take some 35 minutes; the result is kept and reused.
"""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

TODAY = "2026-12-01"


def cli(bin_, *args):
    env = dict(os.environ, CHAINDOCK_TODAY=TODAY)
    return subprocess.run([bin_, *args], check=True, capture_output=True, text=True, env=env).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--demands", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    if not os.path.exists(args.db):
        started = time.time()
        cli(args.bin, "gen", "--db", args.db, "--enterprises", str(args.enterprises))
        print(f"registry of {args.enterprises} enterprises in {time.time() - started:.0f} s", file=sys.stderr)

    con = sqlite3.connect(args.db)
    have = con.execute("select count(*) from demand").fetchone()[0]
    if have:
        sys.exit(f"{args.db} already holds {have} demands; remove it (or the demands) to draw new ones")
    links = con.execute(
        "select distinct l.chain_id, l.link_id from chain_link l join producer p on p.link = l.id order by 1, 2"
    ).fetchall()
    count = con.execute("select max(id) from enterprise").fetchone()[0]
    rng = random.Random(args.seed)
    buyers = []
    while len(buyers) < args.demands:
        row = con.execute(
            "select credit_code, region from enterprise where id = ?", (rng.randint(1, count),)
        ).fetchone()
        if row:
            buyers.append(row)
    con.close()

    started = time.time()
    ids = []
    for i, (code, region) in enumerate(buyers):
        chain, link = rng.choice(links)
        posted = cli(
            args.bin, "demand", "add", "--db", args.db, "--buyer", code, "--product", f"{chain}/{link}",
            "--quantity", str(rng.randint(200, 5000)), "--due", f"+{rng.randint(3, 14)}",
            "--deliver-to", str(region), "--priority", str(rng.randint(1, 5)), "--format", "json",
        )
        ids.append(str(json.loads(posted)["id"]))
        if (i + 1) % 100 == 0:
            print(f"{i + 1} demands posted ({time.time() - started:.0f} s)", file=sys.stderr)

    started = time.time()
    cli(args.bin, "allocate", "--db", args.db, *ids, "--export-instance", args.out, "--format", "json")
    print(f"allocate with --export-instance in {time.time() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
