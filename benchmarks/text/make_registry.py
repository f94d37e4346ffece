"""Give a registry made by `chaindock gen` realistic names, with known duplicates, for the 1M run.

Usage: make_registry.py DB TRUTH.json [--seed S] [--dup 0.05] [--branch 0.01]

`chaindock gen` names enterprises from 24 trade words, so at a million enterprises each city holds thousands of
enterprises with one name (a quadratic number of "duplicates" that no registry has). This script keeps the
generated registry (credit codes, counties, industries) and rewrites `enterprise.name` in place:

- most enterprises get a name of the generator's shape (city + county + trade name + product + legal form)
  with a trade name of two characters from a pool of about 200 trade-name characters; within a city no two
  of them share trade name and product (a registration authority does not register the same 字号 twice for
  one industry);
- a share `--dup` of the records are another source's record of an enterprise of the same city, written with
  the pair set's noise (Traditional characters, another legal form, region left out or written in full, a
  mistyped trade-name character, full-width text, an abbreviation); such a record lies in the county of the
  enterprise it duplicates (80 %) or in another county of the same city (20 %: a plant, another address);
- a share `--branch` are branch offices of an enterprise of the same city (…有限公司保定分公司): other
  enterprises that must not merge.

TRUTH.json records, for every record that is a duplicate, the id of the record it duplicates (the truth of the
scale run), and the branch records. Deterministic in (registry, seed).
"""

import argparse
import json
import random
import sqlite3

import names as N

POOL = sorted(set(
    "华鑫达恒通宏远瑞丰金泰永盛兴博天成利凯汇正辰东方安联和长信福隆昌荣祥宇嘉鸿德顺茂源益诚聚晟旭峰弘佳振亿浩泓"
    "铭创威力捷新中众恩美宝富贵乾坤元亨春秋明光辉煌星月云山川林森景阳晨曦彩虹腾飞翔龙凤麟鹏骏雄豪杰英俊秀雅韵润泽"
    "涛波洋江河湖泉清澜沣鼎立坚固强盈裕贸卓越领先优尚品精艺匠智慧思维道仁义礼忠孝廉康宁静谐乐喜庆吉如意万千百佰"
    "仟兆友邦国民家园夏冀京津燕赵晋鲁豫滨港湾洲岛"))
DUP_KINDS = ["trad", "form", "noregion", "nocounty", "fullregion", "typo", "width_space", "combo", "abbrev_trade"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("truth")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup", type=float, default=0.05)
    ap.add_argument("--branch", type=float, default=0.01)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    d = N.Divisions()
    products = N.products()
    county_of = {c[0]: c for cs in d.counties.values() for c in cs}
    con = sqlite3.connect(args.db)
    rows = con.execute("SELECT id, region FROM enterprise ORDER BY id").fetchall()
    by_city = {}
    for id_, region in rows:
        by_city.setdefault(int(region) // 100 * 100, []).append((id_, int(region)))

    names = {}
    regions = {}
    parts = {}
    truth = {"duplicate_of": {}, "kind": {}, "branch_of": {}}
    for city, members in sorted(by_city.items()):
        members = members[:]
        rng.shuffle(members)
        n_dup = int(len(members) * args.dup)
        n_branch = int(len(members) * args.branch)
        originals = members[n_dup + n_branch:]
        used = set()
        for id_, region in originals:
            county = county_of[region]
            # A registration authority does not register one trade name twice for one industry: within a
            # city, (trade name, product) is unique among the originals.
            while True:
                trade, product = "".join(rng.sample(POOL, 2)), rng.choice(products)
                if (trade, product) not in used:
                    used.add((trade, product))
                    break
            p = (d.place(city, county[0], county[1]), trade, product, rng.choice(N.LEGAL_FORMS), county)
            parts[id_] = p
            names[id_] = f"{p[0]}{p[1]}{p[2]}{p[3]}"
        for id_, own_region in members[:n_dup]:
            o, o_region = rng.choice(originals)
            # Most sources place an enterprise in the county of its registration; some in another county of
            # the city (a plant, a branch address).
            regions[id_] = o_region if rng.random() < 0.8 else own_region
            place, trade, product, form, county = parts[o]
            kind = rng.choice(DUP_KINDS)
            other_form = rng.choice([f for f in N.LEGAL_FORMS if f != form])
            if kind == "trad":
                name = N.s2t(names[o])
            elif kind == "form":
                name = f"{place}{trade}{product}{other_form}"
            elif kind == "noregion":
                name = f"{trade}{product}{form}"
            elif kind == "nocounty":
                name = f"{d.city_name[city]}{trade}{product}{form}"
            elif kind == "fullregion":
                full = d.city_full[city] + ("" if place == d.city_name[city] else county[2])
                name = f"{full}{trade}{product}{form}"
            elif kind == "typo":
                t = N.typo(trade, rng)
                if t is None:
                    t, kind = trade, "same"
                name = f"{place}{t}{product}{form}"
            elif kind == "width_space":
                name = N.full_width(f"{place} {trade} {product}{form}")
            elif kind == "combo":
                name = N.s2t(f"{trade}{product}{other_form}")
            else:  # abbrev_trade
                name = f"{trade}{product[:2]}" if rng.random() < 0.5 else f"{d.city_name[city]}{trade}"
            names[id_] = name
            truth["duplicate_of"][id_] = o
            truth["kind"][id_] = kind
        for id_, _ in members[n_dup:n_dup + n_branch]:
            o = rng.choice(originals)[0]
            where = rng.choice(d.cities)
            names[id_] = names[o] + d.city_name[where] + rng.choice(["分公司", "分厂", "办事处"])
            truth["branch_of"][id_] = o

    con.executemany("UPDATE enterprise SET name = ? WHERE id = ?", ((n, i) for i, n in names.items()))
    con.executemany("UPDATE enterprise SET region = ? WHERE id = ?", ((r, i) for i, r in regions.items()))
    con.commit()
    con.close()
    json.dump(truth, open(args.truth, "w"))
    print(f"{len(names)} names written: {len(truth['duplicate_of'])} duplicates, {len(truth['branch_of'])} branches")


if __name__ == "__main__":
    main()
