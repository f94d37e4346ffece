"""chaindock-search against SQLite FTS5 (trigram) and PostgreSQL pg_trgm on one generated registry.

Run through run.sh, which builds the binaries and the virtual environment. Steps: the labelled queries
(labels.py), chaindock's index and timings (crates/search/examples/search_bench.rs, which also writes the
indexed texts for the peers), the two peers on those same texts and the same queries, then latency
percentiles and nDCG@10 per system, written as Markdown and JSON under out/.
"""

import argparse
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict

import labels

K = 10


# ---------------------------------------------------------------- the peers' documents


def read_docs(path):
    """(code, leading, name, aliases, products, description, context) per line of the exported file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            code, leading, name, aliases, products, desc, context = line.rstrip("\n").split("\t")
            yield code, int(leading), name, aliases.replace("|", " "), products.replace("|", " "), desc, context.replace("|", " ")


def terms_of(text):
    return [t for t in text.split() if t]


# ---------------------------------------------------------------- SQLite FTS5, trigram tokenizer


class Fts5:
    """One FTS5 table with the trigram tokenizer over the five texts, bm25 weighted as chaindock weighs them.

    A query's whitespace-separated terms must all occur as substrings. Terms of three or more characters go
    into MATCH as phrases (which the trigram index answers); shorter ones cannot be indexed by trigrams and
    become LIKE conditions, which SQLite evaluates row by row (a full scan when no term is long enough).
    Order: bm25 (when there is a MATCH), then leading first, then the shorter name. When fewer than ten rows
    match, the rest is filled from an OR of the long terms' trigrams ranked by bm25.
    """

    name = "SQLite FTS5 trigram"

    def __init__(self, path, docs_path):
        if os.path.exists(path):
            os.remove(path)
        self.con = sqlite3.connect(path)
        started = time.perf_counter()
        self.con.executescript(
            """
            CREATE TABLE meta (id INTEGER PRIMARY KEY, code TEXT NOT NULL, leading INTEGER NOT NULL);
            CREATE VIRTUAL TABLE fts USING fts5 (name, aliases, products, descr, context, tokenize = 'trigram');
            """
        )
        rows = list(read_docs(docs_path))
        self.con.executemany("INSERT INTO meta VALUES (?, ?, ?)", ((i, r[0], r[1]) for i, r in enumerate(rows)))
        self.con.executemany("INSERT INTO fts (rowid, name, aliases, products, descr, context) VALUES (?, ?, ?, ?, ?, ?)", ((i, *r[2:]) for i, r in enumerate(rows)))
        self.con.commit()
        self.con.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        self.con.commit()
        self.build_seconds = time.perf_counter() - started
        self.con.execute("VACUUM")
        self.size = os.path.getsize(path)
        self.version = sqlite3.sqlite_version

    @staticmethod
    def phrase(t):
        return '"' + t.replace('"', '""') + '"'

    def search(self, text):
        terms = terms_of(text)
        if not terms:
            return []
        long = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        like = " AND ".join("(f.name LIKE ?1 OR f.aliases LIKE ?1 OR f.products LIKE ?1 OR f.descr LIKE ?1 OR f.context LIKE ?1)".replace("?1", f"?{i + 2}") for i in range(len(short)))
        params = [" AND ".join(self.phrase(t) for t in long)] + ["%" + t.replace("%", "").replace("_", "") + "%" for t in short]
        if long:
            sql = (
                "SELECT m.code FROM fts f JOIN meta m ON m.id = f.rowid WHERE fts MATCH ?1"
                + (" AND " + like if like else "")
                + " ORDER BY bm25(fts, 4.0, 3.0, 2.0, 1.0, 0.5), m.leading DESC, length(f.name) LIMIT 10"
            )
        else:
            sql = (
                "SELECT m.code FROM fts f JOIN meta m ON m.id = f.rowid WHERE " + like
                + " ORDER BY m.leading DESC, length(f.name) LIMIT 10"
            )
            params[0] = ""  # ?1 unused but numbered
        hits = [r[0] for r in self.con.execute(sql, params)]
        if len(hits) < K and long:
            grams = sorted({t[i : i + 3] for t in long for i in range(len(t) - 2)})
            more = self.con.execute(
                "SELECT m.code FROM fts f JOIN meta m ON m.id = f.rowid WHERE fts MATCH ?"
                " ORDER BY bm25(fts, 4.0, 3.0, 2.0, 1.0, 0.5), m.leading DESC LIMIT 20",
                [" OR ".join(self.phrase(g) for g in grams)],
            )
            for (c,) in more:
                if c not in hits:
                    hits.append(c)
                if len(hits) == K:
                    break
        return hits


# ---------------------------------------------------------------- PostgreSQL pg_trgm


class PgTrgm:
    """One table with the five texts and their concatenation `doc`, a GIN gin_trgm_ops index on `doc`.

    A query's terms must all occur (one `doc ILIKE '%term%'` per term, ANDed: the trigram index answers the
    terms of three or more characters, the shorter ones are checked on the rows it finds, and a query of
    only short terms scans the table), ordered by similarity(name, query), then leading first. When fewer than ten rows match, the rest is filled from `query <% doc` (word similarity,
    threshold 0.5, also answered by the index) ordered by word_similarity.
    """

    name = "PostgreSQL pg_trgm"

    def __init__(self, dsn, schema, docs_path):
        import psycopg

        self.con = psycopg.connect(dsn, autocommit=True)
        cur = self.con.cursor()
        cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cur.execute(f"CREATE SCHEMA {schema}")
        row = cur.execute("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").fetchone()
        if row is None:
            cur.execute(f"CREATE EXTENSION pg_trgm SCHEMA {schema}")
            ext_schema = schema
        else:
            ext_schema = row[0]
        cur.execute(f"SET search_path = {schema}, {ext_schema}")
        self.schema = schema
        cur.execute("SET pg_trgm.word_similarity_threshold = 0.5")
        # Plan every execution with its own patterns: a generic plan of a prepared statement cannot tell a
        # query whose terms all lack trigrams (best scanned) from one the index answers.
        cur.execute("SET plan_cache_mode = force_custom_plan")
        started = time.perf_counter()
        cur.execute(
            "CREATE TABLE docs (id int PRIMARY KEY, code text NOT NULL, is_leading boolean NOT NULL, name text, aliases text,"
            " products text, descr text, context text, doc text)"
        )
        with cur.copy("COPY docs (id, code, is_leading, name, aliases, products, descr, context, doc) FROM STDIN") as copy:
            for i, (code, leading, name, aliases, products, desc, context) in enumerate(read_docs(docs_path)):
                doc = " ".join(x for x in (name, aliases, products, desc, context) if x)
                copy.write_row((i, code, bool(leading), name, aliases, products, desc, context, doc))
        cur.execute("CREATE INDEX docs_doc_trgm ON docs USING gin (doc gin_trgm_ops)")
        cur.execute("ANALYZE docs")
        self.build_seconds = time.perf_counter() - started
        self.size = cur.execute("SELECT pg_total_relation_size('docs')").fetchone()[0]
        self.version = cur.execute("SHOW server_version").fetchone()[0]
        self.cur = cur

    @staticmethod
    def ordered(terms):
        """The terms of three or more characters first (those the index answers), then the shorter ones."""
        return [t for t in terms if len(t) >= 3] + [t for t in terms if len(t) < 3]

    @staticmethod
    def pattern(term):
        return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    @staticmethod
    def match_sql(n):
        """`doc ILIKE p1 AND doc ILIKE p2 …`, one condition per term. Not `doc ILIKE ALL (array)`: GIN cannot
        search an array of patterns (no `amsearcharray`), so that form never used the trigram index and every
        query scanned the table. Separate conditions become keys of one bitmap index scan; a term shorter than
        three characters has no trigram, and PostgreSQL (13 and later) then checks it on the candidates the
        other keys found instead of scanning the whole index — unless every term is short, when nothing better
        than a scan exists."""
        return "SELECT code FROM docs WHERE " + " AND ".join(["doc ILIKE %s"] * n)

    def explain(self, text):
        """EXPLAIN (ANALYZE) of a query's match, for the README's plan check."""
        pats = [self.pattern(t) for t in self.ordered(terms_of(text))]
        rows = self.cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + self.match_sql(len(pats)), pats).fetchall()
        return "\n".join(r[0] for r in rows)

    def search(self, text):
        terms = terms_of(text)
        if not terms:
            return []
        pats = [self.pattern(t) for t in self.ordered(terms)]
        q = " ".join(terms)
        hits = [
            r[0]
            for r in self.cur.execute(
                self.match_sql(len(pats)) + " ORDER BY similarity(name, %s) DESC, is_leading DESC LIMIT 10",
                (*pats, q),
                prepare=True,
            )
        ]
        if len(hits) < K:
            for (c,) in self.cur.execute(
                "SELECT code FROM docs WHERE %s <%% doc ORDER BY word_similarity(%s, doc) DESC, is_leading DESC LIMIT 20",
                (q, q),
                prepare=True,
            ):
                if c not in hits:
                    hits.append(c)
                if len(hits) == K:
                    break
        return hits

    def close(self):
        self.cur.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.con.close()


def pg_plans(pg, texts, path):
    """EXPLAIN ANALYZE of three queries — every term long, long and short terms mixed, every term short —
    written to `path`; returns per shape the query and whether the GIN trigram index served it."""
    shapes = {
        "all terms of 3+ characters": lambda ts: all(len(t) >= 3 for t in ts),
        "3+ and shorter terms mixed": lambda ts: any(len(t) >= 3 for t in ts) and any(len(t) < 3 for t in ts),
        "all terms shorter than 3": lambda ts: all(len(t) < 3 for t in ts),
    }
    found = {}
    with open(path, "w", encoding="utf-8") as f:
        for shape, fits in shapes.items():
            text = next((t for t in texts if terms_of(t) and fits(terms_of(t))), None)
            if text is None:
                continue
            plan = pg.explain(text)
            f.write(f"-- {shape}: {text}\n{plan}\n\n")
            found[shape] = {"query": text, "gin": "Bitmap Index Scan on docs_doc_trgm" in plan}
    return found


# ---------------------------------------------------------------- measuring


def time_queries(search, texts, runs, warmup):
    """Warm up on the first `warmup` queries, then `runs` passes; per query the latencies (µs) and the first
    pass's hits."""
    for t in texts[:warmup]:
        search(t)
    lat = [[] for _ in texts]
    hits = [None] * len(texts)
    for run in range(runs):
        for i, t in enumerate(texts):
            started = time.perf_counter()
            h = search(t)
            lat[i].append((time.perf_counter() - started) * 1e6)
            if run == 0:
                hits[i] = h
    return lat, hits


def ndcg(hits, rule, ideal, judge):
    dcg = sum((2 ** judge(rule, c) - 1) / math.log2(r + 2) for r, c in enumerate(hits[:K]))
    grades = sorted((int(g) for g, n in ideal.items() for _ in range(min(n, K))), reverse=True)[:K]
    idcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(grades))
    return dcg / idcg if idcg else 0.0


def percentile(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def summarize(name, lat, hits, queries, judge):
    med = [statistics.median(x) for x in lat]
    scores = [ndcg(h, q["rule"], q["ideal"], judge) for h, q in zip(hits, queries)]
    by_cat = defaultdict(list)
    for s, q in zip(scores, queries):
        by_cat[q["category"]].append(s)
    lat_cat = defaultdict(list)
    for m, q in zip(med, queries):
        lat_cat[q["category"]].append(m)
    return {
        "system": name,
        "p50_ms": percentile(med, 0.5) / 1000,
        "p99_ms": percentile(med, 0.99) / 1000,
        "mean_ms": statistics.fmean(med) / 1000,
        "max_ms": max(med) / 1000,
        "ndcg10": statistics.fmean(scores),
        "ndcg10_by_category": {c: statistics.fmean(v) for c, v in sorted(by_cat.items())},
        "p99_ms_by_category": {c: percentile(v, 0.99) / 1000 for c, v in sorted(lat_cat.items())},
        "empty": sum(1 for h in hits if not h),
        "per_query": [{"id": q["id"], "median_us": m, "ndcg10": s, "hits": h} for q, m, s, h in zip(queries, med, scores, hits)],
    }


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.1f} GiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bin", required=True, help="the search_bench example binary")
    ap.add_argument("--divisions", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peer-runs", type=int, default=3)
    ap.add_argument("--peer-warmup", type=int, default=1000, help="queries run once before the peers are timed")
    ap.add_argument("--peer-sample", type=int, default=0, help="time the peers on this many evenly spaced queries (0: all)")
    ap.add_argument("--reuse-index", action="store_true", help="keep an existing chaindock index directory")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg", default="host=127.0.0.1 port=5432 user=postgres dbname=test")
    ap.add_argument("--skip-pg", action="store_true")
    a = ap.parse_args()
    n = a.n
    out = a.out
    report = {"n": n, "machine": machine(), "date": time.strftime("%Y-%m-%d"), "load_start": os.getloadavg()[0]}

    import opencc

    started = time.perf_counter()
    queries, judge = labels.build(a.db, a.divisions, a.seed, opencc.OpenCC("s2t").convert)
    print(f"labelled {len(queries)} queries in {time.perf_counter() - started:.1f} s", flush=True)
    qpath = os.path.join(out, f"queries-{n}.json")
    with open(qpath, "w", encoding="utf-8") as f:
        json.dump([{k: q[k] for k in ("id", "category", "text", "rule", "ideal")} for q in queries], f, ensure_ascii=False, indent=0)

    docs = os.path.join(out, f"docs-{n}.tsv")
    cd_out = os.path.join(out, f"chaindock-{n}.json")
    index_dir = os.path.join(out, f"index-{n}")
    rebuild = [] if a.reuse_index and os.path.isdir(index_dir) else ["--rebuild"]
    cmd = [a.bin, "--db", a.db, "--index", index_dir, *rebuild, "--export-docs", docs, "--queries", qpath, "--out", cd_out, "--runs", str(a.runs)]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    with open(cd_out, encoding="utf-8") as f:
        cd = json.load(f)
    texts = [q["canonical"] for q in cd["queries"]]
    systems = [summarize("chaindock-search (tantivy + jieba + bigrams)", [q["latency_us"] for q in cd["queries"]], [q["hits"] for q in cd["queries"]], queries, judge)]
    # The peers may be timed on a sample (evenly spaced, so every kind keeps its share); chaindock is then
    # also summarised on that same sample.
    pick = list(range(len(queries)))
    if 0 < a.peer_sample < len(queries):
        pick = [i * len(queries) // a.peer_sample for i in range(a.peer_sample)]
        sub = [cd["queries"][i] for i in pick]
        systems.append(summarize(f"chaindock-search, same {len(pick)} queries as the peers", [q["latency_us"] for q in sub], [q["hits"] for q in sub], [queries[i] for i in pick], judge))
    report["peer_queries"] = len(pick)
    texts = [texts[i] for i in pick]
    peer_queries = [queries[i] for i in pick]
    builds = {"chaindock": {"seconds": cd.get("index_seconds"), "read_seconds": cd.get("load_seconds"), "bytes": cd["index_bytes"]}}
    print(f"chaindock: p50 {systems[0]['p50_ms']:.2f} ms, p99 {systems[0]['p99_ms']:.2f} ms, nDCG@10 {systems[0]['ndcg10']:.3f}", flush=True)

    fts = Fts5(os.path.join(out, f"fts-{n}.db"), docs)
    print(f"FTS5 built in {fts.build_seconds:.1f} s", flush=True)
    lat, hits = time_queries(fts.search, texts, a.peer_runs, a.peer_warmup)
    systems.append(summarize(f"SQLite {fts.version} FTS5 trigram", lat, hits, peer_queries, judge))
    builds["fts5"] = {"seconds": fts.build_seconds, "bytes": fts.size}
    print(f"FTS5: p50 {systems[-1]['p50_ms']:.2f} ms, p99 {systems[-1]['p99_ms']:.2f} ms, nDCG@10 {systems[-1]['ndcg10']:.3f}", flush=True)
    fts.con.close()

    if not a.skip_pg:
        pg = PgTrgm(a.pg, "chaindock_search_bench", docs)
        print(f"pg_trgm built in {pg.build_seconds:.1f} s", flush=True)
        report["pg_plans"] = pg_plans(pg, texts, os.path.join(out, f"pg-plans-{n}.txt"))
        lat, hits = time_queries(pg.search, texts, a.peer_runs, a.peer_warmup)
        systems.append(summarize(f"PostgreSQL {pg.version.split()[0]} pg_trgm", lat, hits, peer_queries, judge))
        builds["pg_trgm"] = {"seconds": pg.build_seconds, "bytes": pg.size}
        print(f"pg_trgm: p50 {systems[-1]['p50_ms']:.2f} ms, p99 {systems[-1]['p99_ms']:.2f} ms, nDCG@10 {systems[-1]['ndcg10']:.3f}", flush=True)
        pg.close()

    report["load_end"] = os.getloadavg()[0]
    report["builds"] = builds
    report["runs"] = {"chaindock": a.runs, "peers": a.peer_runs, "peer_warmup": a.peer_warmup}
    report["systems"] = systems
    with open(os.path.join(out, f"results-{n}.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False)
    md = markdown(report, queries)
    for name in (f"results-{n}.md", "latest.md"):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(md)
    print(md)


def markdown(r, queries):
    s = r["systems"]
    lines = [
        f"N = {r['n']:,} enterprises, {len(queries)} queries, {r['machine']}, {r['date']}; latency = per-query median of "
        f"{r['runs']['chaindock']} (chaindock) / {r['runs']['peers']} (peers) runs after a warm-up pass (chaindock: all "
        f"queries; peers: the first {min(r['runs']['peer_warmup'], len(queries))}), top 10 hits. Load average "
        f"(1 min) {r['load_start']:.2f} at the start, {r['load_end']:.2f} at the end.",
        "",
        "| system | queries | p50 | p99 | mean | max | nDCG@10 | queries with no hit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for x in s:
        lines.append(f"| {x['system']} | {len(x['per_query'])} | {x['p50_ms']:.2f} ms | {x['p99_ms']:.2f} ms | {x['mean_ms']:.2f} ms | {x['max_ms']:.1f} ms | {x['ndcg10']:.3f} | {x['empty']} |")
    if r.get("pg_plans"):
        lines += ["", "pg_trgm plans (EXPLAIN ANALYZE in out/pg-plans-N.txt):", ""]
        for shape, p in r["pg_plans"].items():
            lines.append(f"- {shape} (`{p['query']}`): {'GIN trigram index (bitmap index scan)' if p['gin'] else 'no index (scan)'}")
    lines += ["", "nDCG@10 by query kind:", "", "| kind | " + " | ".join(x["system"].split(" (")[0] for x in s) + " |", "|---|" + "---|" * len(s)]
    for c in s[0]["ndcg10_by_category"]:
        lines.append(f"| {c} | " + " | ".join(f"{x['ndcg10_by_category'][c]:.3f}" for x in s) + " |")
    lines += ["", "p99 latency by query kind (ms):", "", "| kind | " + " | ".join(x["system"].split(" (")[0] for x in s) + " |", "|---|" + "---|" * len(s)]
    for c in s[0]["p99_ms_by_category"]:
        lines.append(f"| {c} | " + " | ".join(f"{x['p99_ms_by_category'][c]:.2f}" for x in s) + " |")
    lines += ["", "Build (from the exported texts; chaindock from the registry file):", ""]
    for k, b in r["builds"].items():
        size = b["bytes"] / 2**20
        extra = f", reading the registry {b['read_seconds']:.1f} s" if b.get("read_seconds") else ""
        secs = f"{b['seconds']:.1f} s" if b.get("seconds") is not None else "reused"
        lines.append(f"- {k}: {secs}{extra}, {size:.0f} MiB")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
