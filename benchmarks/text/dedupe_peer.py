"""The peer of `chaindock dedupe` on a registry: OpenCC + RapidFuzz doing the same work.

Usage: dedupe_peer.py DB OUT.json --scorer NAME --threshold T

Reads every enterprise (id, name, region) from the SQLite registry, normalises each name (OpenCC t2s, NFKC,
spaces removed) and cleans it (legal forms and division names stripped: peer.clean), blocks records by city and
by shared character bigram of the cleaned name (single characters too for names of up to three characters),
skipping bigrams held by more than 500 records of a city — chaindock's blocking rules — and scores every pair
of every block with `rapidfuzz.process.cdist` (one thread), keeping pairs at or above the threshold. Writes
the pairs found (enterprise ids and score) and its own phase timings as JSON.
"""

import argparse
import json
import sqlite3
import sys
import time
from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

import peer

SCORERS = {
    "ratio": (fuzz.ratio, 100.0, lambda s: s),
    "token_set_ratio_chars": (fuzz.token_set_ratio, 100.0, lambda s: " ".join(s)),
    "jaro_winkler": (JaroWinkler.normalized_similarity, 1.0, lambda s: s),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("out")
    ap.add_argument("--scorer", default="ratio", choices=sorted(SCORERS))
    ap.add_argument("--threshold", type=float, required=True, help="in [0, 1]")
    ap.add_argument("--cap", type=int, default=500)
    args = ap.parse_args()
    scorer, scale, prep = SCORERS[args.scorer]
    t0 = time.perf_counter()
    con = sqlite3.connect(args.db)
    rows = con.execute("SELECT id, name, region FROM enterprise ORDER BY id").fetchall()
    con.close()
    t1 = time.perf_counter()
    ids = [r[0] for r in rows]
    cleaned = [peer.clean(peer.normalise(r[1])) for r in rows]
    t2 = time.perf_counter()
    by_city = defaultdict(list)
    for i, r in enumerate(rows):
        by_city[int(r[2]) // 100].append(i)
    cutoff = args.threshold * scale
    found = {}
    n_scored = 0
    for members in by_city.values():
        index = defaultdict(list)
        for i in members:
            c = cleaned[i]
            keys = {c[k:k + 2] for k in range(len(c) - 1)}
            if len(c) <= 3:
                keys.update(c)
            for k in keys:
                index[k].append(i)
        for block in index.values():
            if len(block) < 2 or len(block) > args.cap:
                continue
            texts = [prep(cleaned[i]) for i in block]
            m = process.cdist(texts, texts, scorer=scorer, score_cutoff=cutoff, workers=1,
                              dtype=np.float32)
            n_scored += len(block) * (len(block) - 1) // 2
            a_idx, b_idx = np.nonzero(np.triu(m >= cutoff, k=1))
            for a, b in zip(a_idx.tolist(), b_idx.tolist()):
                x, y = block[a], block[b]
                key = (x, y) if x < y else (y, x)
                found[key] = float(m[a, b]) / scale
    t3 = time.perf_counter()
    pairs = [[ids[a], ids[b], s] for (a, b), s in found.items()]
    json.dump({"pairs": pairs, "records": len(rows), "scored_in_blocks": n_scored,
               "seconds": {"read": t1 - t0, "normalise": t2 - t1, "block_and_score": t3 - t2, "total": t3 - t0}},
              open(args.out, "w"))
    print(f"{len(rows)} records, {len(pairs)} pairs at or above {args.threshold}, {t3 - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
