"""The labelled query set of the search benchmark, built from a generated registry by fixed rules.

Every generated name is `place + trade word + product + legal form` (`唐山丰润` `华冶` `冲压件` `有限公司`,
see crates/engine/src/generate.rs), and every enterprise makes one to three chain links. The rules, with
grades 3 (exactly what was asked for), 2 (a right answer), 1 (acceptable):

- full_name (100): an enterprise's full name. Relevant: that enterprise, and any with the identical name, 3.
- short_name (100): trade word + the first two characters of the product (`华冶冲压`), the way companies are
  called in speech (products that begin with Latin letters, `T700 级碳纤维`, are not shortened). Relevant: every enterprise with that trade word whose name's product starts so, 2
  (3 if leading): the query cannot tell them apart.
- city_short_name (100): city + trade word (`唐山华冶`). Relevant: enterprises of that city (Beijing,
  Tianjin: the municipality) with that trade word, 2 (3 if leading).
- product (200): a product, either a link's name without its parenthesis (`胶管总成`, `RV 减速器`) or, for one
  query in three, its last two or three characters (`减速器`, `卷板`). Relevant: producers of every link whose
  name contains the text, 2 (3 if leading).
- place_product (250): a city, a municipality or (one in four) a county, then a product (`唐山 冲压件`, half
  the time without the space). Relevant: producers as for `product` located in that place, 2 (3 if leading).
- chain (50): a chain's name without 产业链 (`氢能`, `汽车用钢`), half the time after a city. Relevant: producers
  of any link of that chain (in that city), 1 (2 if leading).
- traditional (200): queries of the first five kinds written in Traditional characters (OpenCC s2t); same
  relevance. Only those that change are kept.

Queries whose relevant set is empty are drawn again. Deterministic in (registry, seed).
"""

import csv
import json
import random
import sqlite3
from collections import defaultdict

SUFFIXES = ["股份有限公司", "有限责任公司", "科技有限公司", "有限公司"]


def product_core(link_name):
    return link_name.split("（")[0].split("(")[0].strip()


def load_divisions(path):
    """code -> (name, level, parent)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            parent = int(row["parent_code"]) if row["parent_code"] else None
            out[int(row["code"])] = (row["name"], row["level"], parent)
    return out


def short(name):
    for suffix in ["自治县", "新区", "市", "区", "县"]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def build(db_path, divisions_path, seed=1, to_traditional=None):
    rng = random.Random(seed)
    div = load_divisions(divisions_path)
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    links = {}  # link pk -> (chain id, core)
    for pk, chain_id, name in con.execute("SELECT id, chain_id, name FROM chain_link"):
        links[pk] = (chain_id, product_core(name))
    chains = {cid: name.replace("产业链", "") for cid, name in con.execute("SELECT id, name FROM chain")}
    cores = sorted({c for _, c in links.values()}, key=len, reverse=True)

    ents = {}  # id -> (code, name, county, leading)
    for eid, code, name, region, leading in con.execute(
        "SELECT id, credit_code, name, region, leading FROM enterprise"
    ):
        ents[eid] = (code, name, region, bool(leading))
    makes = defaultdict(list)  # link pk -> enterprise ids
    for link, eid in con.execute("SELECT link, enterprise_id FROM producer"):
        makes[link].append(eid)

    def city_of(county):
        parent = div[county][2]
        # Municipal districts hang under a "市辖区" placeholder; the municipality is the place.
        if div[parent][0] == "市辖区":
            return div[parent][2]
        return parent

    def place_name(code):
        return short(div[code][0])

    # Parse generated names into (place, word, product).
    parsed = {}
    by_name = defaultdict(list)
    by_word = defaultdict(list)
    for eid, (code, name, county, leading) in ents.items():
        by_name[name].append(eid)
        rest = next((name[: -len(s)] for s in SUFFIXES if name.endswith(s)), None)
        if rest is None:
            continue
        product = next((c for c in cores if rest.endswith(c)), None)
        if product is None or len(rest) < len(product) + 2:
            continue
        word = rest[-len(product) - 2 : -len(product)]
        parsed[eid] = (word, product)
        by_word[word].append(eid)

    def grade(eid, base):
        return base + (1 if ents[eid][3] else 0)

    # Per enterprise: the products (link name cores) and chains it makes.
    cores_of = defaultdict(set)
    chains_of = defaultdict(set)
    for pk, (cid, core) in links.items():
        for o in makes[pk]:
            cores_of[o].add(core)
            chains_of[o].add(cid)

    def in_place(eid, place):
        county = ents[eid][2]
        return place in (county, city_of(county), county // 10000 * 10000)

    def judge_id(rule, eid):
        """The grade of enterprise `eid` for a query with this rule (see the module docs)."""
        kind = rule["kind"]
        if kind == "full_name":
            return 3 if ents[eid][1] == rule["name"] else 0
        if "place" in rule and not in_place(eid, rule["place"]):
            return 0
        if kind in ("short_name", "city_short_name"):
            p = parsed.get(eid)
            if p is None or p[0] != rule["word"] or not p[1].startswith(rule.get("stem", "")):
                return 0
            return grade(eid, 2)
        if kind in ("product", "place_product"):
            return grade(eid, 2) if any(rule["product"] in c for c in cores_of.get(eid, ())) else 0
        if kind == "chain":
            return grade(eid, 1) if rule["chain"] in chains_of.get(eid, ()) else 0
        raise ValueError(kind)

    id_of = {code: eid for eid, (code, *_rest) in ents.items()}

    def judge(rule, code):
        eid = id_of.get(code)
        return 0 if eid is None else judge_id(rule, eid)

    def candidates(rule):
        """Enterprises that may be relevant (a superset), to count the ideal ranking's grades."""
        kind = rule["kind"]
        if kind == "full_name":
            return by_name[rule["name"]]
        if kind in ("short_name", "city_short_name"):
            return by_word[rule["word"]]
        if kind in ("product", "place_product"):
            out = set()
            for pk, (_, core) in links.items():
                if rule["product"] in core:
                    out.update(makes[pk])
            return out
        return chain_members[rule["chain"]]

    def ideal(rule):
        counts = defaultdict(int)
        for eid in candidates(rule):
            g = judge_id(rule, eid)
            if g:
                counts[g] += 1
        return dict(counts)

    eids = sorted(parsed)
    queries = []

    def draw(category, count, make):
        made = 0
        while made < count:
            text, rule = make()
            rule["kind"] = category
            counts = ideal(rule)
            if counts:
                queries.append({"category": category, "text": text, "rule": rule, "ideal": counts})
                made += 1

    def full_name():
        name = ents[rng.choice(eids)][1]
        return name, {"name": name}

    def short_name():
        word, product = parsed[rng.choice(eids)]
        if not "\u4e00" <= product[0] <= "\u9fff":
            # `T700 级碳纤维`, `RV 减速器`: nobody shortens these to `T7`, `RV`.
            return "", {"word": "", "stem": "-"}
        return word + product[:2], {"word": word, "stem": product[:2]}

    def city_short_name():
        e = rng.choice(eids)
        city = city_of(ents[e][2])
        return place_name(city) + parsed[e][0], {"word": parsed[e][0], "place": city}

    product_links = sorted(links)

    def product_text():
        core = links[rng.choice(product_links)][1]
        han = "".join(ch for ch in core if "\u4e00" <= ch <= "\u9fff")
        if rng.random() < 1 / 3 and len(han) >= 4:
            return han[-rng.choice([2, 3]) :]
        return core

    def product():
        text = product_text()
        return text, {"product": text}

    def place_product():
        county = ents[rng.choice(eids)][2]
        place = county if rng.random() < 0.25 and div[county][1] == "county" else city_of(county)
        text = product_text()
        sep = " " if rng.random() < 0.5 else ""
        return place_name(place) + sep + text, {"product": text, "place": place}

    chain_members = defaultdict(set)
    for pk, (cid, _) in links.items():
        chain_members[cid].update(makes[pk])
    chain_ids = sorted(chains)

    def chain():
        cid = rng.choice(chain_ids)
        if rng.random() < 0.5:
            city = city_of(ents[rng.choice(eids)][2])
            return place_name(city) + " " + chains[cid], {"chain": cid, "place": city}
        return chains[cid], {"chain": cid}

    draw("full_name", 100, full_name)
    draw("short_name", 100, short_name)
    draw("city_short_name", 100, city_short_name)
    draw("product", 200, product)
    draw("place_product", 250, place_product)
    draw("chain", 50, chain)
    if to_traditional is not None:
        pool = [q for q in queries if q["category"] != "chain"]
        made = tries = 0
        while made < 200 and tries < 10_000:
            tries += 1
            q = rng.choice(pool)
            t = to_traditional(q["text"])
            if t != q["text"]:
                queries.append({"category": "traditional", "text": t, "rule": q["rule"], "ideal": q["ideal"]})
                made += 1
    for i, q in enumerate(queries):
        q["id"] = i
    return queries, judge


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--divisions", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    import opencc

    s2t = opencc.OpenCC("s2t")
    qs, _ = build(a.db, a.divisions, a.seed, s2t.convert)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(qs, f, ensure_ascii=False)
    print(f"{len(qs)} queries")
