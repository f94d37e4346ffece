#!/usr/bin/env python3
"""The peer of `chaindock analyze --all`: the same breakpoint / bottleneck rules, in DuckDB SQL.

It reads a chaindock SQLite registry with Python's sqlite3 module (DuckDB's sqlite extension would have to
be downloaded, which this machine cannot do), copies the tables into an in-memory DuckDB database (timed
as "load"), then computes, for every chain and the 15 standard scopes, per link:

- C(l): in-scope capacity (sum over producer rows whose enterprise lies in the scope),
- n(l): number of in-scope producer enterprises,
- HHI(l) = sum_e (c_e / C(l))^2 over in-scope enterprises (NULL when C(l) = 0),
- D(i) = sum_{i->o} q(i,o) * max(C(o), D(o)), from the finished products upstream. The links are put in
  levels (longest BOM distance to a finished product, by a recursive CTE) and Python issues one
  set-wise INSERT ... SELECT per level, each covering every chain and every scope at once,

and classifies each link by the rules documented at the top of crates/graph/src/analysis.rs:

- needed: D > 0 or the link is no input of another (a finished product),
- breakpoint: needed and n = 0,
- bottleneck: needed, n > 0 and (C < D or n = 1 or HHI >= theta),
- chokepoint: import-dependent (any scope).

The query phase (everything after the load, up to the fetched results) is repeated --repeat times.
Prints one JSON document on stdout (or writes it to --out).
"""

import argparse
import csv
import json
import os
import sqlite3
import sys
import tempfile
import time

import duckdb

# The 15 standard scopes of chaindock (crates/model/src/region.rs, Scope::standard), in its order:
# 京津冀, Beijing, Tianjin, Hebei, then the 11 Hebei cities. (key, division, level of the division)
HEBEI_CITIES = [130100 + 100 * k for k in range(11)]  # 130100 石家庄 ... 131100 衡水
SCOPES = (
    [("bth", d, "province") for d in (110000, 120000, 130000)]
    + [("110000", 110000, "province"), ("120000", 120000, "province"), ("hebei", 130000, "province")]
    + [(str(c), c, "city") for c in HEBEI_CITIES]
)
SCOPE_ORDER = ["bth", "110000", "120000", "hebei"] + [str(c) for c in HEBEI_CITIES]

# What is copied, with DuckDB types: the columns a chaindock chain snapshot reads. Two layouts of the
# registry are understood: producer and supply keyed by (chain_id, link_id) text, or by an integer `link`
# referring to chain_link.id. Inside DuckDB both become the integer form (`link` = chain_link.id; for the
# text layout the ids are numbered during the load).
ENTERPRISE = [
    ("id", "BIGINT"),
    ("credit_code", "VARCHAR"),
    ("name", "VARCHAR"),
    ("region", "INTEGER"),
    ("leading", "BOOLEAN"),
    ("specialised", "BOOLEAN"),
]
LINK_COLS = [("chain_id", "VARCHAR"), ("link_id", "VARCHAR"), ("position", "INTEGER"), ("import_dependent", "BOOLEAN")]
TABLES = {
    "enterprise": ENTERPRISE,
    "chain": [("id", "VARCHAR"), ("name", "VARCHAR")],
    "chain_link": LINK_COLS,
    "bom_edge": [("chain_id", "VARCHAR"), ("input", "VARCHAR"), ("output", "VARCHAR"), ("quantity", "DOUBLE")],
    "producer": [("enterprise_id", "BIGINT"), ("capacity", "DOUBLE")],
    "supply": [("supplier_id", "BIGINT"), ("buyer_id", "BIGINT"), ("share", "DOUBLE")],
}
LINK_KEYED = ("producer", "supply")


def columns(src, table):
    return [r[1] for r in src.execute(f"PRAGMA table_info({table})")]


def load(sqlite_path, con, tmpdir, tables):
    """Copy the tables from SQLite into DuckDB: sqlite3 cursor -> CSV file (csv.writer, C speed) ->
    DuckDB's parallel CSV reader. Returns ({table: rows}, layout)."""
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    integer_links = "id" in columns(src, "chain_link")
    rows = {}
    for table in tables:
        cols = list(TABLES[table])
        if table == "chain_link" and integer_links:
            cols = [("id", "BIGINT")] + cols
        if table in LINK_KEYED:
            cols = ([("link", "BIGINT")] if integer_links else [("chain_id", "VARCHAR"), ("link_id", "VARCHAR")]) + cols
        path = os.path.join(tmpdir, f"{table}.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            cur = src.execute(f"SELECT {', '.join(c for c, _ in cols)} FROM {table}")
            csv.writer(f).writerows(cur)
        spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols) + "}"
        scan = f"read_csv('{path}', header = false, columns = {spec}, quote = '\"', escape = '\"', nullstr = '')"
        if table == "chain_link" and not integer_links:
            con.execute(f"CREATE TABLE chain_link AS SELECT row_number() OVER (ORDER BY chain_id, link_id) AS id, * FROM {scan}")
        elif table in LINK_KEYED and not integer_links:
            rest = ", ".join(f"x.{c}" for c, _ in TABLES[table])
            con.execute(
                f"CREATE TABLE {table} AS SELECT l.id AS link, {rest} FROM {scan} x"
                " JOIN chain_link l ON l.chain_id = x.chain_id AND l.link_id = x.link_id"
            )
        else:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {scan}")
        rows[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        os.remove(path)
    src.close()
    return rows, "integer link keys" if integer_links else "text link keys"


def query(con, theta):
    """The analysis, all chains x all scopes. Returns (summary rows, link rows)."""
    con.execute("CREATE OR REPLACE TEMP TABLE scope_div (scope VARCHAR, division INTEGER, level VARCHAR)")
    con.executemany("INSERT INTO scope_div VALUES (?, ?, ?)", SCOPES)
    con.execute("CREATE OR REPLACE TEMP TABLE scopes AS SELECT DISTINCT scope FROM scope_div")

    # Which scopes each enterprise lies in (region.rs: a province holds codes with its first two digits;
    # a city holds codes with its first four digits that are not a province's code).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE ent_scope AS
        SELECT DISTINCT enterprise_id, scope FROM (
            SELECT e.id AS enterprise_id, s.scope
            FROM enterprise e JOIN scope_div s
              ON s.level = 'province' AND e.region // 10000 = s.division // 10000
            UNION ALL
            SELECT e.id, s.scope
            FROM enterprise e JOIN scope_div s
              ON s.level = 'city' AND e.region // 100 = s.division // 100 AND e.region % 10000 <> 0
        )
        """
    )
    # In-scope capacity per enterprise, then per link: C, n and HHI = sum of squared shares.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_cap AS
        WITH per_ent AS (
            SELECT p.link, es.scope, p.enterprise_id, sum(p.capacity) AS cap
            FROM producer p JOIN ent_scope es ON es.enterprise_id = p.enterprise_id
            GROUP BY ALL
        ), tot AS (
            SELECT link, scope, sum(cap) AS c, count(*) AS n FROM per_ent GROUP BY ALL
        )
        SELECT t.link, t.scope, any_value(t.c) AS c, any_value(t.n) AS n,
               CASE WHEN any_value(t.c) > 0 THEN sum((e.cap / t.c) * (e.cap / t.c)) END AS hhi
        FROM per_ent e JOIN tot t ON t.link = e.link AND t.scope = e.scope
        GROUP BY t.link, t.scope
        """
    )
    # The BOM on link ids: input -> output, q units of input per unit of output.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE bom AS
        SELECT li.id AS input, lo.id AS output, e.quantity
        FROM bom_edge e
        JOIN chain_link li ON li.chain_id = e.chain_id AND li.link_id = e.input
        JOIN chain_link lo ON lo.chain_id = e.chain_id AND lo.link_id = e.output
        """
    )
    # Levels: the longest BOM distance from a link to a finished product (a link that is no input).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_level AS
        WITH RECURSIVE h(link, d) AS (
            SELECT l.id, 0 FROM chain_link l WHERE NOT EXISTS (SELECT 1 FROM bom b WHERE b.input = l.id)
            UNION
            SELECT b.input, h.d + 1 FROM bom b JOIN h ON b.output = h.link
        )
        SELECT link, max(d) AS level, max(d) > 0 AS is_input FROM h GROUP BY link
        """
    )
    # The grid: every link of every chain in every scope, with C = 0 and n = 0 where nothing is in scope.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE grid AS
        SELECT l.id AS link, s.scope, lv.level, lv.is_input, l.import_dependent,
               coalesce(c.c, 0.0) AS c, coalesce(c.n, 0) AS n, c.hhi
        FROM chain_link l
        JOIN link_level lv ON lv.link = l.id
        CROSS JOIN scopes s
        LEFT JOIN link_cap c ON c.link = l.id AND c.scope = s.scope
        """
    )
    # Demand, level by level: D(i) = sum over i->o of q * N(o), N = max(C, D); finished products D = 0.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dem AS SELECT link, scope, 0.0::DOUBLE AS d, c AS need FROM grid WHERE level = 0"
    )
    max_level = con.execute("SELECT coalesce(max(level), 0) FROM link_level").fetchone()[0]
    for k in range(1, max_level + 1):
        con.execute(
            """
            INSERT INTO dem
            SELECT g.link, g.scope, x.d, greatest(g.c, x.d)
            FROM (
                SELECT b.input AS link, o.scope, sum(b.quantity * o.need) AS d
                FROM bom b
                JOIN link_level li ON li.link = b.input AND li.level = ?
                JOIN dem o ON o.link = b.output
                GROUP BY ALL
            ) x
            JOIN grid g ON g.link = x.link AND g.scope = x.scope
            """,
            [k],
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE status AS
        WITH j AS (
            SELECT g.*, d.d, (d.d > 0 OR NOT g.is_input) AS needed
            FROM grid g JOIN dem d ON d.link = g.link AND d.scope = g.scope
        )
        SELECT l.chain_id, l.link_id, l.position, j.*, CASE
            WHEN needed AND n = 0 THEN 'breakpoint'
            WHEN needed AND (c < d OR n = 1 OR coalesce(hhi >= {float(theta)!r}, false)) THEN 'bottleneck'
            WHEN j.import_dependent THEN 'chokepoint'
            WHEN needed THEN 'healthy'
            ELSE 'not_needed' END AS status
        FROM j JOIN chain_link l ON l.id = j.link
        """
    )
    summary = con.execute(
        """
        SELECT chain_id, scope,
               count_if(status = 'breakpoint') AS breakpoints,
               count_if(status = 'bottleneck') AS bottlenecks,
               count_if(import_dependent) AS chokepoints
        FROM status GROUP BY ALL ORDER BY chain_id, scope
        """
    ).fetchall()
    links = con.execute(
        """
        SELECT chain_id, scope, link_id, c, d, hhi, n, status FROM status
        ORDER BY chain_id, scope, position
        """
    ).fetchall()
    return summary, links


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="chaindock SQLite registry")
    ap.add_argument("--repeat", type=int, default=5, help="query-phase repetitions (default 5)")
    ap.add_argument("--hhi-threshold", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    ap.add_argument("--no-supply", action="store_true", help="do not copy the supply table")
    ap.add_argument("--out", help="write the JSON here instead of stdout")
    args = ap.parse_args()

    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    connected = time.perf_counter()

    tables = [t for t in TABLES if not (args.no_supply and t == "supply")]
    with tempfile.TemporaryDirectory(prefix="duckdb_peer_") as tmp:
        t0 = time.perf_counter()
        rows, layout = load(args.db, con, tmp, tables)
        load_s = time.perf_counter() - t0

    query_s = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        summary, links = query(con, args.hhi_threshold)
        query_s.append(time.perf_counter() - t0)

    out = {
        "duckdb_version": duckdb.__version__,
        "threads": threads,
        "rows_loaded": rows,
        "layout": layout,
        "seconds": {
            "connect": connected - started,
            "load": load_s,
            "query": query_s,
            "process_until_output": time.perf_counter() - started,
        },
        "results": [
            {"chain": c, "scope": s, "breakpoints": b, "bottlenecks": k, "chokepoints": x}
            for c, s, b, k, x in summary
        ],
        "links": [
            {
                "chain": c,
                "scope": s,
                "id": l,
                "capacity_in_scope": cap,
                "demand_in_scope": d,
                "hhi": h,
                "producers_in_scope": n,
                "status": st,
            }
            for c, s, l, cap, d, h, n, st in links
        ],
    }
    text = json.dumps(out, ensure_ascii=False)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
