#!/usr/bin/env python3
"""Generate chaindock's demo data set: enterprises.csv, producers.csv and supply.csv.

Run it from anywhere: ``python3 data/demo/make_demo.py``. It reads the chain templates in
``data/chains/*.json`` and the division and industry tables in ``crates/model/data/``, writes the three
CSV files next to itself, reads them back and checks them, and prints per chain the breakpoints and
bottlenecks of the Hebei and Beijing–Tianjin–Hebei scopes (and of four Hebei cities) so that the story the
demo tells can be seen. Pass ``--check`` to check the files on disk without writing them.

Everything is deterministic: one seeded ``random.Random``, lists iterated in a fixed order, no set or
hash order anywhere. Running it twice gives the same bytes. Standard library only.

What is real and what is not: the names of the real companies in ``CAST`` (with ``illustrative=0``) and
their home counties are real; every other enterprise is invented, every credit code is invented (with a
correct GB 32100-2015 check character), and every capacity and supply relation is illustrative.

How the story is made: ``PLAN`` says, per chain and link, who makes it and how much. A capacity is
either a number or relative to the link's demand in a scope, computed by the same rules the product uses
(demand D(i) = sum over BOM edges i->o of quantity(i,o) * Need(o), Need(o) = max(C(o), D(o))). Links are
filled downstream first, so a link's demand is known when its producers are placed. ``("D", scope, r)``
gives r times the demand; ``("fill", scope, r)`` tops the link's capacity in that scope up to r times the
demand. A ratio below 1 makes a bottleneck on purpose; a single producer or two make one by
concentration (two producers always have HHI >= 0.5).
"""

import csv
import io
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
REPO = os.path.dirname(DATA)
CHAINS_DIR = os.path.join(DATA, "chains")
DIVISIONS_CSV = os.path.join(REPO, "crates", "model", "data", "bth_divisions.csv")
INDUSTRY_CSV = os.path.join(REPO, "crates", "model", "data", "gbt4754_2017.csv")

SEED = 20200211
CHAIN_ORDER = [
    "automotive", "automotive-steel", "industrial-robots", "biomedicine", "rail-transit",
    "hydrogen", "emergency-supplies", "dairy-packaging", "display-panels",
]

ENTERPRISE_HEADER = ["credit_code", "name", "aliases", "region", "lng", "lat", "industry",
                     "above_scale", "leading", "specialised", "illustrative"]
PRODUCER_HEADER = ["credit_code", "chain", "link", "capacity_per_day", "unit", "illustrative"]
SUPPLY_HEADER = ["supplier", "buyer", "chain", "link", "share", "illustrative"]

# ----------------------------------------------------------------------------------------------------
# Unified social credit code, GB 32100-2015.

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


def check_char(body17):
    s = sum(ALPHABET.index(c) * w for c, w in zip(body17, WEIGHTS))
    return ALPHABET[(31 - s % 31) % 31]


def credit_code_valid(code):
    return (len(code) == 18 and all(c in ALPHABET for c in code)
            and check_char(code[:17]) == code[17])


def organisation_code(rng, old_style=False):
    """Nine characters: eight drawn, the ninth the GB 11714 check character of the organisation code."""
    if not old_style and rng.random() < 0.6:
        # Codes issued since 2015 start with MA and use letters too.
        body = "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    else:
        body = str(rng.randint(1, 7)) + "".join(rng.choice("0123456789") for _ in range(7))
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    value = lambda c: int(c) if c.isdigit() else ord(c) - 55  # A = 10 ... Z = 35
    c9 = 11 - sum(value(c) * w for c, w in zip(body, weights)) % 11
    return body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))


# ----------------------------------------------------------------------------------------------------
# Reference tables.

def load_divisions():
    out = {}
    with open(DIVISIONS_CSV, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out[r["code"]] = r
    return out


def load_industry_classes():
    with open(INDUSTRY_CSV, encoding="utf-8", newline="") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f) if r["level"] == "4"}


def load_chains():
    chains = {}
    for cid in CHAIN_ORDER:
        with open(os.path.join(CHAINS_DIR, cid + ".json"), encoding="utf-8") as f:
            chains[cid] = json.load(f)
    extra = sorted(n[:-5] for n in os.listdir(CHAINS_DIR) if n.endswith(".json"))
    assert extra == sorted(CHAIN_ORDER), f"chain files {extra} differ from CHAIN_ORDER"
    return chains


DIV = load_divisions()
CLASSES = load_industry_classes()
CITY_EN = {
    "11": "Beijing", "12": "Tianjin", "1301": "Shijiazhuang", "1302": "Tangshan", "1303": "Qinhuangdao",
    "1304": "Handan", "1305": "Xingtai", "1306": "Baoding", "1307": "Zhangjiakou", "1308": "Chengde",
    "1309": "Cangzhou", "1310": "Langfang", "1311": "Hengshui",
}


def city_of(county):
    return DIV[county]["parent_code"]


def counties_of(city):
    return [c for c, r in DIV.items() if r["parent_code"] == city and r["level"] == "county"]


def point_of(code):
    while code:
        r = DIV[code]
        if r["lng"] and r["lat"]:
            return float(r["lng"]), float(r["lat"])
        code = r["parent_code"]
    raise ValueError("no point")


def in_scope(region, scope):
    """Scopes: hebei, bth, beijing, tianjin, or a city code such as 130200."""
    if scope == "bth":
        return True
    if scope == "hebei":
        return region.startswith("13")
    if scope == "beijing":
        return region.startswith("11")
    if scope == "tianjin":
        return region.startswith("12")
    return region.startswith(scope[:4])


# Districts of the two municipalities where industry sits, with weights.
BEIJING_INDUSTRIAL = ["110115", "110115", "110113", "110113", "110114", "110112", "110111", "110116",
                      "110117", "110118"]
TIANJIN_INDUSTRIAL = ["120116", "120116", "120116", "120116", "120111", "120111", "120113", "120110",
                      "120112", "120114", "120118", "120115"]
HEBEI_CITIES = [c for c, r in DIV.items() if r["parent_code"] == "130000"]

# ----------------------------------------------------------------------------------------------------
# The cast: real companies (illustrative=0; their relations and figures are still illustrative) and a
# few named invented ones the story needs.

CAST = {
    "foton": dict(name="北汽福田汽车股份有限公司", aliases=["BAIC Foton Motor Co., Ltd.", "北汽福田", "福田汽车"],
                  region="110114", industry="3611", real=True),
    "hyundai": dict(name="北京现代汽车有限公司", aliases=["Beijing Hyundai Motor Company", "北京现代"],
                    region="110113", industry="3611", real=True),
    "benz": dict(name="北京奔驰汽车有限公司", aliases=["Beijing Benz Automotive Co., Ltd.", "北京奔驰"],
                 region="110115", industry="3611", real=True),
    "ftmc": dict(name="天津一汽丰田汽车有限公司", aliases=["Tianjin FAW Toyota Motor Co., Ltd.", "天津一汽丰田", "一汽丰田"],
                 region="120111", industry="3611", real=True),
    "greatwall": dict(name="长城汽车股份有限公司", aliases=["Great Wall Motor Company Limited", "长城汽车"],
                      region="130606", industry="3611", real=True),
    "baw": dict(name="北京汽车制造厂有限公司", aliases=["BAW", "北汽制造", "北汽黄骅基地"],
                region="130983", industry="3611", real=True),
    "boe": dict(name="京东方科技集团股份有限公司", aliases=["BOE Technology Group Co., Ltd.", "京东方", "BOE"],
                region="110105", industry="3974", real=True),
    "boe_b8": dict(name="北京京东方显示技术有限公司", aliases=["京东方北京第8.5代TFT-LCD生产线", "BOE B4"],
                   region="110115", industry="3974", real=True),
    "shougang_jt": dict(name="首钢京唐钢铁联合有限责任公司",
                        aliases=["Shougang Jingtang United Iron & Steel Co., Ltd.", "首钢京唐"],
                        region="130209", industry="3120", real=True),
    "tangsteel": dict(name="唐山钢铁集团有限责任公司", aliases=["HBIS Tangsteel", "河钢唐钢", "唐钢"],
                      region="130203", industry="3120", real=True),
    "hansteel": dict(name="邯郸钢铁集团有限责任公司", aliases=["HBIS Hansteel", "河钢邯钢", "邯钢"],
                     region="130404", industry="3120", real=True),
    "junlebao": dict(name="石家庄君乐宝乳业有限公司", aliases=["Junlebao Dairy", "君乐宝"],
                     region="130110", industry="1441", real=True),
    "mengniu_ts": dict(name="蒙牛乳业（唐山）有限责任公司", aliases=["Mengniu Dairy (Tangshan)", "蒙牛唐山"],
                       region="130208", industry="1441", real=True),
    "sanyuan": dict(name="北京三元食品股份有限公司", aliases=["Beijing Sanyuan Foods Co., Ltd.", "三元食品", "三元"],
                    region="110115", industry="1441", real=True),
    "crrc_ts": dict(name="中车唐山机车车辆有限公司", aliases=["CRRC Tangshan Co., Ltd.", "中车唐山", "唐山客车"],
                    region="130208", industry="3711", real=True),
    # Invented, named by the brief.
    "huaxin_harness": dict(name="廊坊市华信线束制造有限公司", aliases=["华信线束", "Langfang Huaxin Wire Harness Co., Ltd."],
                           region="131002", industry="3670", real=False),
    "huaye_stamping": dict(name="唐山市丰润区华冶冲压件有限公司", aliases=["华冶冲压"],
                           region="130208", industry="3670", real=False),
}

# ----------------------------------------------------------------------------------------------------
# The plan: per chain and link, who makes it and how much per day.


def C(key, cap):
    return ("cast", key, cap)


def G(where, n, cap, tag=None):
    return ("group", tag, where if isinstance(where, list) else [where], n, cap)


def T(tag, cap):
    return ("group", tag, None, None, cap)


def Dm(scope, r):
    return ("D", scope, r)


def fill(scope, r):
    return ("fill", scope, r)


BJ, TJ, HB = "110000", "120000", "130000"
HB6 = ["130600", "130981", "131000", "130100", "130500", "130600", "130981", "130200"]

PLAN = {
    "automotive": {
        "vehicle": [C("greatwall", 1000), C("baw", 650), G("130500", 1, 150, "xt-nev"),
                    C("foton", 1100), C("hyundai", 1300), C("benz", 1900), C("ftmc", 1600),
                    G("120116", 1, 120, "tj-nev")],
        "body-in-white": [C("greatwall", 1050), C("baw", 680), T("xt-nev", 160), C("foton", 1150),
                          C("hyundai", 1350), C("benz", 1950), C("ftmc", 1650), T("tj-nev", 130)],
        # Hebei makes only three quarters of the stamped-and-welded assemblies its carmakers need.
        "welded-assemblies": [C("greatwall", Dm("hebei", 0.2)), C("huaye_stamping", Dm("hebei", 0.08)),
                              G(HB6, 8, Dm("hebei", 0.47), "hb-stamp"),
                              G(BJ, 3, Dm("beijing", 0.7), "bj-stamp"),
                              G(["120116", "120111", "120114", "120113"], 4,
                                fill("bth", 1.12), "tj-stamp")],
        "stamping-parts": [C("greatwall", Dm("hebei", 0.3)), C("baw", Dm("hebei", 0.12)),
                           C("huaye_stamping", Dm("hebei", 0.08)), T("hb-stamp", Dm("hebei", 0.58)),
                           C("foton", 150000), C("hyundai", 200000), C("benz", 300000),
                           T("bj-stamp", fill("beijing", 1.05)), C("ftmc", 250000),
                           T("tj-stamp", fill("bth", 1.1))],
        # One harness maker in Hebei (Langfang), several in Beijing and Tianjin.
        "wire-harness": [C("huaxin_harness", Dm("hebei", 0.7)), G(BJ, 2, Dm("beijing", 0.6)),
                         G(["120116", "120111"], 2, fill("bth", 1.1))],
        # Hengshui's rubber-and-plastics cluster supplies hoses and seals to the whole region.
        "hose-assembly": [G(["131127", "131127", "131102", "130500"], 4, Dm("bth", 0.8)),
                          G(BJ, 1, Dm("beijing", 0.1)), G(TJ, 1, fill("bth", 1.1))],
        "oil-seal": [G(["131127", "131102", "130534", "130500"], 4, Dm("bth", 0.8)),
                     G(TJ, 1, fill("bth", 1.15))],
        # No automotive electronics in Hebei; chips are short everywhere.
        "ecu": [G(["110108", "110114"], 2, Dm("beijing", 1.2)),
                G("120116", 1, fill("bth", 1.1))],
        "automotive-chips": [G("110108", 1, Dm("bth", 0.08))],
        "engine": [C("greatwall", 1000), G("130600", 1, 300), C("foton", 1200), C("hyundai", 1300),
                   C("benz", 1900), C("ftmc", 1600), G("120116", 1, fill("bth", 1.08))],
        "transmission": [C("greatwall", 1100), G("130600", 1, 450), G("130900", 1, 300),
                         G(BJ, 1, Dm("beijing", 0.9)), G(TJ, 1, fill("bth", 1.1))],
        "seat": [G(["130600", "130900", "131000"], 3, Dm("hebei", 1.15)), G(BJ, 1, Dm("beijing", 1.0)),
                 G(TJ, 1, fill("bth", 1.1))],
        "tyre": [G(["130500", "131100", "130400"], 3, Dm("hebei", 2.5)), G(TJ, 1, fill("bth", 1.2))],
        "synthetic-rubber": [G("130172", 1, 40), G("110111", 1, 350), G("120116", 1, 250)],
        "steel-sheet": [C("shougang_jt", 5000), C("tangsteel", 2500), C("hansteel", 3000), G(TJ, 2, 2500)],
    },
    "automotive-steel": {
        # Laser-welded blanks are made next to the carmakers in Beijing and Tianjin.
        "tailor-welded-blanks": [G("110115", 1, 300), G(["120116", "120111"], 2, 900)],
        "hot-stamping-steel": [C("shougang_jt", 400)],
        "galvanized-sheet": [C("shougang_jt", 8000), C("hansteel", 4000), C("tangsteel", 2500),
                             G(["130207", "130283"], 2, 3000, "ts-mill"), G(TJ, 2, 3000, "tj-mill")],
        "ahss": [C("shougang_jt", 3000), C("tangsteel", 1500), C("hansteel", 2000), T("tj-mill", 800)],
        "zinc-ingot": [G("120116", 1, Dm("bth", 0.5))],
        "cold-rolled-coil": [C("shougang_jt", 14000), C("tangsteel", 5500), C("hansteel", 7500),
                             T("ts-mill", fill("hebei", 1.15)), T("tj-mill", 5000)],
        "hot-rolled-coil": [C("shougang_jt", 20000), C("tangsteel", 15000), C("hansteel", 18000),
                            T("ts-mill", 12000), G(["130283", "130207", "130284", "130227"], 4, 40000, "ts-hr"),
                            G(["130481", "130481"], 2, 20000, "hd-mill"), T("tj-mill", 20000)],
        "crude-steel": [C("shougang_jt", 26000), C("tangsteel", 18000), C("hansteel", 22000),
                        T("ts-mill", 14000), T("ts-hr", 48000), T("hd-mill", 24000), T("tj-mill", 24000)],
        "niobium-ferroalloy": [],
        "hot-metal": [C("shougang_jt", 24000), C("tangsteel", 16500), C("hansteel", 20500),
                      T("ts-mill", 13000), T("ts-hr", 46000), T("hd-mill", 22000), T("tj-mill", 21000)],
        # Regional mines cover about a third of the ore the region's blast furnaces need.
        "iron-ore": [G(["130283", "130284", "130227", "130281"], 4, Dm("hebei", 0.22)),
                     G(["130821", "130826", "130800"], 3, Dm("hebei", 0.1)), G("130481", 1, Dm("hebei", 0.05))],
        "coke": [G(["130207", "130204", "130229"], 3, Dm("hebei", 0.5)), G(["130406", "130481"], 2, Dm("hebei", 0.4)),
                 G("130500", 1, Dm("hebei", 0.2)), G(TJ, 1, Dm("tianjin", 1.0))],
    },
    "industrial-robots": {
        "robot-workstation": [G(["130200", "130273", "131000", "130600"], 4, 18), G(BJ, 2, 8),
                              G(TJ, 2, 12)],
        "robot-body": [G(["130273", "130200", "130600"], 3, Dm("hebei", 1.1)), G(BJ, 1, 15),
                       G(TJ, 1, fill("bth", 1.1))],
        # Controllers and drives come from Beijing and Tianjin only.
        "controller": [G(["110108", "110114"], 2, Dm("bth", 0.65)), G(TJ, 1, fill("bth", 1.1))],
        "servo-drive": [G(["110108", "110114"], 2, Dm("bth", 0.65)), G(TJ, 1, fill("bth", 1.1))],
        "servo-motor": [G("130600", 1, Dm("hebei", 0.9)), G(BJ, 1, Dm("bth", 0.35)), G(TJ, 1, fill("bth", 1.15))],
        "rv-reducer": [G("120116", 1, Dm("bth", 0.3))],
        "harmonic-reducer": [G(["110108", "110114"], 2, Dm("bth", 0.6))],
        "bearings": [G(["130535", "130535", "130535"], 3, Dm("bth", 1.3))],
        "castings": [G(["130981", "130981", "130900"], 3, Dm("bth", 1.5))],
        "sensors": [G("131000", 1, Dm("hebei", 0.4)), G(["110108", "110114"], 2, Dm("beijing", 1.5)),
                    G(TJ, 1, fill("bth", 1.2))],
        "end-effector": [G(["130200", "130200", "130600"], 3, Dm("hebei", 1.2)), G(BJ, 1, Dm("beijing", 1.0)),
                         G(TJ, 1, fill("bth", 1.2))],
    },
    "biomedicine": {
        "oral-solid": [G(["130100", "130171", "130100", "130183"], 4, 6000), G(["130600", "130900"], 2, 1500),
                       G(["110115", "110114"], 2, 3000), G(["120116", "120111"], 2, 3000)],
        "injectables": [G(["130100", "130171", "130102"], 3, 250), G(BJ, 1, 120), G(TJ, 1, 150)],
        # Vaccines are a Beijing strength; Hebei has one small maker.
        "vaccines": [G("130171", 1, 8), G(["110108", "110115", "110114"], 3, 120), G("120116", 1, 20)],
        "antibody-fill": [G(["130171", "130100", "130600"], 3, 1.5), G(["110115", "110114"], 2, 6),
                          G("120116", 1, 3)],
        "bulk-biologics": [G("130171", 1, Dm("hebei", 0.7)), G(["110115", "110108", "110114"], 3, Dm("beijing", 1.1)),
                           G("120116", 1, fill("bth", 1.1))],
        "culture-media": [G("110115", 1, Dm("bth", 0.25))],
        "bioprocess-consumables": [G("110115", 1, Dm("bth", 0.25)), G("120116", 1, Dm("bth", 0.15))],
        "api": [G(["130100", "130172", "130171"], 3, 600), G(["130973", "130973"], 2, 150),
                G("110111", 1, 10), G("120116", 1, 80)],
        "intermediates": [G(["130973", "130973", "130900"], 3, Dm("hebei", 0.7)),
                          G(["130500", "131100"], 2, fill("hebei", 1.15)), G(TJ, 1, fill("bth", 1.15))],
        "glucose": [G(["130100", "130300", "131100"], 3, fill("hebei", 1.2)), G(TJ, 1, fill("bth", 1.1))],
        "excipients": [G(["130100", "130500", "131100"], 3, Dm("hebei", 1.3)), G(BJ, 1, Dm("beijing", 1.0)),
                       G(TJ, 1, fill("bth", 1.15))],
        "pharma-packaging": [G(["130100", "131000", "130600"], 3, Dm("hebei", 1.2)), G(TJ, 1, fill("bth", 1.15))],
        "borosilicate-vials": [G("130900", 1, Dm("hebei", 0.5)), G("120116", 1, Dm("bth", 0.15))],
    },
    "rail-transit": {
        # CRRC Tangshan dominates vehicle building in the whole region.
        "train-assembly": [C("crrc_ts", 5.5), G("110111", 1, 1.0), G("120116", 1, 1.2)],
        "car-body": [C("crrc_ts", 5.8), G(["130208", "130208"], 2, 1.6, "ts-rail"), G("110111", 1, 1.2),
                     G("120116", 1, 1.4)],
        "bogie": [C("crrc_ts", 11), T("ts-rail", 2), G("110111", 1, 3), G("120116", 1, 3.5)],
        "traction-motor": [G("110111", 1, Dm("bth", 0.4)), G(["120116", "120113"], 2, fill("bth", 1.15))],
        "traction-converter": [G(["110108", "110106"], 2, Dm("bth", 0.6)), G("120116", 1, fill("bth", 1.15))],
        "igbt": [G("110108", 1, Dm("bth", 0.3))],
        "brake-system": [G("130208", 1, Dm("hebei", 0.5)), G(["110106", "110115"], 2, Dm("beijing", 1.5)),
                         G(TJ, 1, fill("bth", 1.2))],
        "signalling": [G(["110106", "110108", "110108"], 3, fill("bth", 1.3))],
        "interiors": [G(["130208", "130208", "130200"], 3, Dm("hebei", 1.2)), G(TJ, 1, Dm("tianjin", 1.2))],
        "aluminium-profiles": [G("131000", 1, Dm("hebei", 0.6)), G(["120116", "120114"], 2, fill("bth", 1.3))],
        "rail-steel": [C("tangsteel", 80), C("hansteel", 60), C("shougang_jt", 50)],
        "wheelset": [G("130404", 1, Dm("hebei", 0.8)), G("120116", 1, Dm("bth", 0.3))],
    },
    "hydrogen": {
        "fc-truck": [G(["130700", "130200", "130600"], 3, 6), C("foton", 5), G("120116", 1, 2)],
        "refuelling-station": [G(["130700", "130200", "130600", "130400"], 4, 5000), G(BJ, 2, 3000),
                               G(TJ, 1, 2000)],
        "electrolyser": [G("130404", 1, 3.0), G("130700", 1, 0.8), G("130200", 1, 0.5), G(BJ, 1, 1.5),
                         G("120116", 1, 1.5)],
        "fc-system": [G("130700", 1, Dm("hebei", 0.8)), G(["110108", "110114"], 2, Dm("bth", 0.5)),
                      G("120116", 1, fill("bth", 1.2))],
        "stack": [G("130600", 1, Dm("hebei", 0.6)), G(["110108", "110114"], 2, Dm("bth", 0.5)),
                  G("120116", 1, fill("bth", 1.2))],
        "mea": [G(["110108", "110114"], 2, Dm("bth", 0.55)), G("120116", 1, fill("bth", 1.1))],
        "bipolar-plate": [G(["130600", "131000", "130600"], 3, Dm("hebei", 1.2)), G(BJ, 1, Dm("bth", 0.3)),
                          G(TJ, 1, fill("bth", 1.1))],
        "catalyst": [G("110108", 1, Dm("bth", 0.4))],
        "pem": [],
        "gdl": [G("120116", 1, Dm("bth", 0.3))],
        "carbon-fibre": [],
        "type4-tank": [G("130600", 1, Dm("hebei", 0.8)), G("120116", 1, Dm("bth", 0.35)),
                       G("110114", 1, fill("bth", 1.1))],
        "hydrogen": [G(["130207", "130203"], 2, Dm("hebei", 0.5)), G("130406", 1, Dm("hebei", 0.3)),
                     G(["130722", "130724"], 2, Dm("hebei", 0.5)), G("110111", 1, Dm("beijing", 1.0)),
                     G("120116", 1, fill("bth", 1.2))],
    },
    "emergency-supplies": {
        "medical-mask": [G(["130684", "130100", "131000", "130200"], 4, 1500), G(BJ, 1, 300),
                         G(TJ, 1, 600)],
        "n95-mask": [G(["130684", "131000", "130600"], 3, 200), G(BJ, 1, 50), G(TJ, 1, 100)],
        "protective-suit": [G(["130600", "130900", "131100"], 3, 60000), G(BJ, 1, 10000), G(TJ, 1, 30000)],
        "laminated-fabric": [G(["130600", "130684", "130100"], 3, Dm("hebei", 1.2)), G(TJ, 1, fill("bth", 1.15))],
        "breathable-film": [G("131000", 1, Dm("hebei", 0.6)), G(["120116", "120114"], 2, fill("bth", 1.3))],
        "spunbond": [G(["130600", "130100", "131100", "130900"], 4, Dm("hebei", 1.5)), G(TJ, 1, fill("bth", 1.2))],
        "meltblown": [G(["130684", "130900", "130100"], 3, Dm("hebei", 1.3)), G(BJ, 1, Dm("beijing", 1.0)),
                      G(TJ, 1, fill("bth", 1.2))],
        "pp-resin": [G("130172", 1, Dm("hebei", 0.6)), G("110111", 1, Dm("bth", 0.4)), G("120116", 1, fill("bth", 1.3))],
        "ethanol": [G(["130100", "131100", "130300"], 3, Dm("hebei", 1.5)), G(TJ, 1, Dm("tianjin", 1.2))],
        "disinfectant": [G(["130100", "130600", "131000"], 3, 300), G(BJ, 1, 50), G(TJ, 1, 150)],
        # Hydraulic rescue tools are assembled in Tangshan from Tianjin and Beijing hydraulics.
        "hydraulic-components": [G(["120116", "120113"], 2, Dm("bth", 0.6)), G("110113", 1, fill("bth", 1.2))],
        "rescue-equipment": [G(["130200", "130200", "130273"], 3, 60), G(BJ, 2, 40), G(TJ, 1, 20)],
        "coated-fabric": [G(["130100", "131100", "130900"], 3, Dm("hebei", 1.3)), G(TJ, 1, Dm("tianjin", 1.2))],
        "tent": [G(["130600", "130900", "131100"], 3, 300), G(TJ, 1, 100)],
    },
    "dairy-packaging": {
        "carton-milk": [C("junlebao", 600), C("mengniu_ts", 900), G(["130100", "130700", "130600"], 3, 600),
                        C("sanyuan", 300), G(BJ, 1, 150), G(TJ, 1, 300)],
        "bottled-milk": [C("junlebao", 30), G(["130100", "130200"], 2, 20), C("sanyuan", 40), G(TJ, 1, 15)],
        "canned-formula": [C("junlebao", 20), G("130772", 1, 8), G("130300", 1, 6), C("sanyuan", 8), G(TJ, 1, 5)],
        "milk-powder": [C("junlebao", 150), G(["130772", "130800"], 2, 200), C("sanyuan", 40), G(TJ, 1, 30)],
        # Hebei is the region's dairy farm.
        "raw-milk": [G(["130100", "130200", "130700", "130600", "130800", "131100"], 6,
                       Dm("bth", 0.95)), G("110119", 1, Dm("beijing", 0.3)), G("120117", 1, fill("bth", 1.1))],
        # Aseptic cartons are converted in Beijing and Tianjin; the board itself is imported.
        "aseptic-carton": [G("110112", 1, Dm("bth", 0.45)), G(["120116", "120114"], 2, fill("bth", 1.1))],
        "aseptic-board": [],
        "aluminium-foil": [G(["120116", "120114", "120118"], 3, fill("bth", 1.2))],
        "tinplate": [C("shougang_jt", 250), G(["130200", "130400"], 2, 200), G("120116", 1, 100)],
        "powder-can": [G("130100", 1, Dm("hebei", 0.7)), G(BJ, 1, Dm("beijing", 1.0)),
                       G("120116", 1, fill("bth", 1.15))],
        "containerboard": [G(["130607", "130607", "130100", "131000"], 4, Dm("hebei", 1.2)), G(TJ, 1, fill("bth", 1.1))],
        "corrugated-carton": [G(["130100", "130200", "130600", "131000", "130900"], 5, Dm("bth", 0.8)),
                              G(BJ, 1, Dm("beijing", 0.3)), G(TJ, 1, fill("bth", 1.15))],
        "bottle-resin": [G("130172", 1, Dm("hebei", 1.5)), G("110111", 1, 240), G("120116", 1, 240)],
        "plastic-bottle": [G(["130100", "131000", "130600"], 3, Dm("hebei", 1.2)), G(BJ, 1, Dm("beijing", 1.0)),
                           G(TJ, 1, fill("bth", 1.15))],
    },
    "display-panels": {
        "tv-assembly": [G(["131000", "131000", "130600"], 3, 6000), G("110115", 1, 3000),
                        G("120116", 1, 12000)],
        # BOE's Beijing fab is the only panel maker in the region.
        "lcd-module": [G("131071", 1, Dm("hebei", 0.5)), C("boe_b8", 9000), C("boe", 3000),
                       G("120116", 1, fill("bth", 1.15))],
        "lcd-panel": [C("boe_b8", 25000)],
        "backlight": [G("110115", 1, Dm("bth", 0.35)), G(["120116", "120111"], 2, fill("bth", 1.1))],
        # Hebei makes LCD accessories and EPE pads for BOE.
        "lcd-accessories": [G(["131000", "131022", "130600"], 3, Dm("bth", 0.5)),
                            G("120116", 1, fill("bth", 1.1))],
        "epe-foam": [G(["131000", "131024", "130600", "130900"], 4, Dm("bth", 0.7)), G(TJ, 1, Dm("bth", 0.25)),
                     G(BJ, 1, fill("bth", 1.15))],
        "led-bar": [G(["130100", "130500", "131000"], 3, Dm("hebei", 1.2)), G(TJ, 2, fill("bth", 1.1))],
        "optical-film": [G("131000", 1, Dm("hebei", 0.6)), G(BJ, 1, Dm("bth", 0.4)), G(TJ, 1, fill("bth", 1.1))],
        "glass-substrate": [G("130171", 1, Dm("bth", 0.3))],
        "target-materials": [G(["110115", "110111"], 2, Dm("bth", 0.7)), G("120116", 1, fill("bth", 1.2))],
        "liquid-crystal": [G("130171", 1, Dm("bth", 0.5)), G("110111", 1, Dm("bth", 0.5)), G("120116", 1, Dm("bth", 0.2))],
        "polariser": [G("120116", 1, Dm("bth", 0.4))],
        "driver-ic": [G(["110108", "110108", "110105"], 3, fill("bth", 1.05))],
    },
}

# Buyers whose inputs the story says came from Hebei in 2020 (see product.md): the carmakers' stamped and
# welded parts, hoses and oil seals; BOE's LCD accessories and EPE pads; Beijing's milk-powder cans,
# cartons and bottles. For these, suppliers are drawn from Hebei first, from distinct cities.
PREFER_HEBEI = {
    ("automotive", "welded-assemblies"): ["foton", "hyundai", "ftmc"],
    ("automotive", "hose-assembly"): ["foton", "hyundai", "ftmc"],
    ("automotive", "oil-seal"): ["foton", "hyundai", "ftmc"],
    ("display-panels", "lcd-accessories"): ["boe_b8", "boe"],
    ("display-panels", "epe-foam"): ["boe_b8", "boe"],
    ("dairy-packaging", "powder-can"): ["sanyuan"],
    ("dairy-packaging", "corrugated-carton"): ["sanyuan"],
    ("dairy-packaging", "plastic-bottle"): ["sanyuan"],
}

# ----------------------------------------------------------------------------------------------------
# Trade words per link: (Chinese trade word in the name, short form for the alias, English).

TRADES = {
    ("automotive", "steel-sheet"): [("钢板加工", "钢板", "Steel Processing"), ("汽车板材", "板材", "Auto Sheet")],
    ("automotive", "synthetic-rubber"): [("合成橡胶", "橡胶", "Synthetic Rubber"), ("橡胶化工", "橡胶", "Rubber Chemical")],
    ("automotive", "automotive-chips"): [("微电子", "微电子", "Microelectronics"), ("半导体科技", "半导体", "Semiconductor Technology")],
    ("automotive", "stamping-parts"): [("冲压件", "冲压", "Stamping Parts"), ("汽车冲压件", "冲压", "Auto Stamping"),
                                       ("精密冲压", "冲压", "Precision Stamping")],
    ("automotive", "welded-assemblies"): [("冲焊件", "冲焊", "Stamping and Welding"), ("汽车零部件", "汽配", "Auto Parts"),
                                          ("汽车部件", "汽配", "Auto Components"), ("冲压焊接", "冲焊", "Stamping and Welding")],
    ("automotive", "body-in-white"): [("新能源汽车", "汽车", "New Energy Vehicle")],
    ("automotive", "vehicle"): [("新能源汽车", "汽车", "New Energy Vehicle"), ("汽车制造", "汽车", "Automobile")],
    ("automotive", "wire-harness"): [("线束制造", "线束", "Wire Harness"), ("汽车线束", "线束", "Automotive Wiring"),
                                     ("电器线束", "线束", "Wiring Harness")],
    ("automotive", "hose-assembly"): [("橡塑制品", "橡塑", "Rubber and Plastic Products"), ("胶管", "胶管", "Hose"),
                                      ("汽车胶管", "胶管", "Auto Hose")],
    ("automotive", "oil-seal"): [("密封件", "密封", "Seals"), ("油封", "油封", "Oil Seal"), ("橡胶密封制品", "密封", "Rubber Seals")],
    ("automotive", "ecu"): [("汽车电子", "汽车电子", "Automotive Electronics"), ("车载电子", "电子", "Vehicle Electronics"),
                            ("电控技术", "电控", "Electronic Control")],
    ("automotive", "engine"): [("动力总成", "动力", "Powertrain"), ("发动机", "发动机", "Engine")],
    ("automotive", "transmission"): [("变速器", "变速器", "Transmission"), ("传动系统", "传动", "Driveline")],
    ("automotive", "seat"): [("汽车座椅", "座椅", "Auto Seating"), ("汽车内饰", "内饰", "Auto Interiors")],
    ("automotive", "tyre"): [("轮胎", "轮胎", "Tyre"), ("橡胶轮胎", "轮胎", "Rubber Tyre")],
    ("automotive-steel", "tailor-welded-blanks"): [("激光拼焊", "拼焊", "Tailor Welded Blanks"), ("汽车板加工", "板加工", "Auto Sheet Processing")],
    ("automotive-steel", "galvanized-sheet"): [("钢铁", "钢铁", "Iron and Steel"), ("钢铁集团", "钢铁", "Iron and Steel Group")],
    ("automotive-steel", "zinc-ingot"): [("有色金属", "有色", "Nonferrous Metals"), ("锌业", "锌业", "Zinc")],
    ("automotive-steel", "hot-rolled-coil"): [("钢铁", "钢铁", "Iron and Steel"), ("特钢", "特钢", "Special Steel"),
                                              ("钢铁集团", "钢铁", "Iron and Steel Group")],
    ("automotive-steel", "iron-ore"): [("矿业", "矿业", "Mining"), ("铁矿", "铁矿", "Iron Mine"), ("矿产品", "矿业", "Mineral Products")],
    ("automotive-steel", "coke"): [("焦化", "焦化", "Coking"), ("煤化工", "煤化", "Coal Chemical")],
    ("industrial-robots", "robot-workstation"): [("智能装备", "智能装备", "Intelligent Equipment"), ("自动化", "自动化", "Automation"),
                                                 ("机器人系统", "机器人", "Robot Systems")],
    ("industrial-robots", "robot-body"): [("机器人", "机器人", "Robotics"), ("智能机器人", "机器人", "Intelligent Robots")],
    ("industrial-robots", "controller"): [("运动控制", "运控", "Motion Control"), ("机器人控制", "控制", "Robot Control")],
    ("industrial-robots", "servo-drive"): [("伺服技术", "伺服", "Servo Technology"), ("驱动技术", "驱动", "Drive Technology")],
    ("industrial-robots", "servo-motor"): [("伺服电机", "电机", "Servo Motor"), ("电机", "电机", "Electric Motor")],
    ("industrial-robots", "rv-reducer"): [("精密传动", "传动", "Precision Drive")],
    ("industrial-robots", "harmonic-reducer"): [("谐波传动", "谐波", "Harmonic Drive"), ("精密减速机", "减速机", "Precision Reducer")],
    ("industrial-robots", "bearings"): [("轴承", "轴承", "Bearing"), ("精密轴承", "轴承", "Precision Bearing")],
    ("industrial-robots", "castings"): [("铸造", "铸造", "Casting"), ("精密铸造", "铸造", "Precision Casting"), ("铸业", "铸业", "Foundry")],
    ("industrial-robots", "sensors"): [("传感技术", "传感", "Sensing Technology"), ("视觉科技", "视觉", "Vision Technology")],
    ("industrial-robots", "end-effector"): [("焊接设备", "焊接", "Welding Equipment"), ("自动化设备", "自动化", "Automation Equipment")],
    ("biomedicine", "oral-solid"): [("制药", "制药", "Pharmaceutical"), ("药业", "药业", "Pharmaceutical"), ("医药", "医药", "Medicine")],
    ("biomedicine", "injectables"): [("制药", "制药", "Pharmaceutical"), ("药业", "药业", "Pharmaceutical")],
    ("biomedicine", "vaccines"): [("生物制品", "生物", "Biological Products"), ("疫苗", "疫苗", "Vaccine")],
    ("biomedicine", "antibody-fill"): [("生物医药", "生物", "Biopharma"), ("生物技术", "生物", "Biotechnology")],
    ("biomedicine", "bulk-biologics"): [("生物工程", "生物", "Bioengineering"), ("生物技术", "生物", "Biotechnology")],
    ("biomedicine", "culture-media"): [("生物科技", "生物", "Bioscience")],
    ("biomedicine", "bioprocess-consumables"): [("生物工艺", "生物工艺", "Bioprocess"), ("生命科学", "生命科学", "Life Sciences")],
    ("biomedicine", "api"): [("制药", "制药", "Pharmaceutical"), ("药业", "药业", "Pharmaceutical"), ("原料药", "原料药", "API")],
    ("biomedicine", "intermediates"): [("医药化工", "化工", "Pharmaceutical Chemicals"), ("精细化工", "化工", "Fine Chemicals")],
    ("biomedicine", "glucose"): [("淀粉糖", "淀粉糖", "Starch Sugar"), ("生物化工", "生化", "Biochemical")],
    ("biomedicine", "excipients"): [("药用辅料", "辅料", "Pharmaceutical Excipients")],
    ("biomedicine", "pharma-packaging"): [("药用包装", "药包", "Pharmaceutical Packaging"), ("包装材料", "包装", "Packaging Materials")],
    ("biomedicine", "borosilicate-vials"): [("药用玻璃", "药玻", "Pharmaceutical Glass")],
    ("rail-transit", "train-assembly"): [("轨道交通装备", "轨道", "Rail Transit Equipment")],
    ("rail-transit", "car-body"): [("轨道车辆", "轨道", "Rail Vehicle"), ("轨道交通装备", "轨道", "Rail Transit Equipment")],
    ("rail-transit", "traction-motor"): [("电机", "电机", "Electric Motor"), ("牵引电机", "电机", "Traction Motor")],
    ("rail-transit", "traction-converter"): [("电气", "电气", "Electric"), ("电力电子", "电力电子", "Power Electronics")],
    ("rail-transit", "igbt"): [("功率半导体", "功率半导体", "Power Semiconductor")],
    ("rail-transit", "brake-system"): [("制动系统", "制动", "Brake Systems"), ("铁路配件", "配件", "Railway Parts")],
    ("rail-transit", "signalling"): [("轨道信号", "信号", "Rail Signalling"), ("交通控制技术", "交控", "Traffic Control Technology")],
    ("rail-transit", "interiors"): [("轨道车辆配件", "配件", "Rail Vehicle Parts"), ("内装", "内装", "Interiors")],
    ("rail-transit", "aluminium-profiles"): [("铝业", "铝业", "Aluminium"), ("铝型材", "铝材", "Aluminium Profiles")],
    ("rail-transit", "wheelset"): [("车轮", "车轮", "Wheel"), ("锻造", "锻造", "Forging")],
    ("rail-transit", "bogie"): [("轨道交通装备", "轨道", "Rail Transit Equipment")],
    ("hydrogen", "fc-truck"): [("氢能汽车", "氢能车", "Hydrogen Vehicle"), ("新能源商用车", "商用车", "New Energy Commercial Vehicle")],
    ("hydrogen", "refuelling-station"): [("氢能", "氢能", "Hydrogen Energy"), ("加氢站", "加氢", "Hydrogen Refuelling")],
    ("hydrogen", "electrolyser"): [("氢能装备", "氢装备", "Hydrogen Equipment"), ("制氢设备", "制氢", "Hydrogen Production Equipment")],
    ("hydrogen", "fc-system"): [("燃料电池", "燃料电池", "Fuel Cell"), ("氢能动力", "氢动力", "Hydrogen Power")],
    ("hydrogen", "stack"): [("燃料电池", "燃料电池", "Fuel Cell"), ("电堆", "电堆", "Fuel Cell Stack")],
    ("hydrogen", "mea"): [("膜电极", "膜电极", "Membrane Electrode"), ("氢能材料", "氢材", "Hydrogen Materials")],
    ("hydrogen", "bipolar-plate"): [("双极板", "双极板", "Bipolar Plate"), ("精密成型", "精密", "Precision Forming")],
    ("hydrogen", "catalyst"): [("催化剂", "催化", "Catalyst"), ("贵金属材料", "贵金属", "Precious Metal Materials")],
    ("hydrogen", "gdl"): [("碳材料", "碳材", "Carbon Materials")],
    ("hydrogen", "type4-tank"): [("储氢装备", "储氢", "Hydrogen Storage"), ("压力容器", "容器", "Pressure Vessel")],
    ("hydrogen", "hydrogen"): [("氢能", "氢能", "Hydrogen Energy"), ("气体", "气体", "Gases"), ("工业气体", "气体", "Industrial Gases")],
    ("emergency-supplies", "medical-mask"): [("医疗用品", "医疗", "Medical Supplies"), ("卫生材料", "卫材", "Sanitary Materials"),
                                             ("防护用品", "防护", "Protective Products")],
    ("emergency-supplies", "n95-mask"): [("防护用品", "防护", "Protective Products"), ("医疗器械", "医械", "Medical Devices")],
    ("emergency-supplies", "protective-suit"): [("防护服装", "防护", "Protective Clothing"), ("医疗用品", "医疗", "Medical Supplies")],
    ("emergency-supplies", "laminated-fabric"): [("无纺布", "无纺", "Nonwovens"), ("复合材料", "复材", "Composite Materials")],
    ("emergency-supplies", "breathable-film"): [("塑料薄膜", "薄膜", "Plastic Film"), ("新材料", "新材", "New Materials")],
    ("emergency-supplies", "spunbond"): [("无纺布", "无纺", "Nonwovens"), ("非织造布", "无纺", "Nonwoven Fabrics")],
    ("emergency-supplies", "meltblown"): [("熔喷材料", "熔喷", "Meltblown Materials"), ("无纺布", "无纺", "Nonwovens")],
    ("emergency-supplies", "pp-resin"): [("石化", "石化", "Petrochemical"), ("化工", "化工", "Chemical")],
    ("emergency-supplies", "ethanol"): [("酒精", "酒精", "Alcohol"), ("生物化工", "生化", "Biochemical")],
    ("emergency-supplies", "disinfectant"): [("消毒制品", "消毒", "Disinfection Products"), ("日化", "日化", "Daily Chemicals")],
    ("emergency-supplies", "hydraulic-components"): [("液压", "液压", "Hydraulics"), ("液压件", "液压", "Hydraulic Parts")],
    ("emergency-supplies", "rescue-equipment"): [("应急装备", "应急", "Emergency Equipment"), ("救援装备", "救援", "Rescue Equipment")],
    ("emergency-supplies", "coated-fabric"): [("帆布", "帆布", "Canvas"), ("篷布", "篷布", "Tarpaulin")],
    ("emergency-supplies", "tent"): [("帐篷", "帐篷", "Tent"), ("篷业", "篷业", "Tent and Awning")],
    ("dairy-packaging", "carton-milk"): [("乳业", "乳业", "Dairy"), ("乳品", "乳品", "Dairy Products")],
    ("dairy-packaging", "bottled-milk"): [("乳业", "乳业", "Dairy"), ("鲜奶", "鲜奶", "Fresh Milk")],
    ("dairy-packaging", "canned-formula"): [("乳品", "乳品", "Dairy Products"), ("营养品", "营养", "Nutrition")],
    ("dairy-packaging", "milk-powder"): [("乳粉", "乳粉", "Milk Powder")],
    ("dairy-packaging", "raw-milk"): [("牧业", "牧业", "Animal Husbandry"), ("奶牛养殖", "牧场", "Dairy Farming"),
                                      ("生态牧场", "牧场", "Eco Ranch")],
    ("dairy-packaging", "aseptic-carton"): [("包装", "包装", "Packaging"), ("无菌包装", "包装", "Aseptic Packaging")],
    ("dairy-packaging", "aluminium-foil"): [("铝箔", "铝箔", "Aluminium Foil"), ("铝业", "铝业", "Aluminium")],
    ("dairy-packaging", "tinplate"): [("镀锡板", "镀锡", "Tinplate"), ("冷轧板", "冷轧", "Cold Rolled Steel")],
    ("dairy-packaging", "powder-can"): [("制罐", "制罐", "Can Making"), ("金属包装", "金属包装", "Metal Packaging")],
    ("dairy-packaging", "containerboard"): [("纸业", "纸业", "Paper"), ("造纸", "造纸", "Paper Making")],
    ("dairy-packaging", "corrugated-carton"): [("纸制品", "纸品", "Paper Products"), ("包装", "包装", "Packaging"),
                                               ("纸箱", "纸箱", "Carton")],
    ("dairy-packaging", "bottle-resin"): [("石化", "石化", "Petrochemical"), ("化工", "化工", "Chemical")],
    ("dairy-packaging", "plastic-bottle"): [("塑料制品", "塑料", "Plastic Products"), ("塑业", "塑业", "Plastics")],
    ("display-panels", "tv-assembly"): [("电子", "电子", "Electronics"), ("视讯科技", "视讯", "Video Technology"),
                                        ("显示科技", "显示", "Display Technology")],
    ("display-panels", "lcd-module"): [("光电", "光电", "Optoelectronics"), ("显示科技", "显示", "Display Technology")],
    ("display-panels", "backlight"): [("光电", "光电", "Optoelectronics"), ("背光科技", "背光", "Backlight Technology")],
    ("display-panels", "lcd-accessories"): [("电子配件", "配件", "Electronic Parts"), ("精密五金", "五金", "Precision Hardware"),
                                            ("模具", "模具", "Mould")],
    ("display-panels", "epe-foam"): [("包装材料", "包装", "Packaging Materials"), ("泡沫制品", "泡沫", "Foam Products"),
                                     ("珍珠棉", "珍珠棉", "EPE Foam")],
    ("display-panels", "led-bar"): [("光电", "光电", "Optoelectronics"), ("照明科技", "照明", "Lighting Technology")],
    ("display-panels", "optical-film"): [("光学材料", "光学", "Optical Materials"), ("新材料", "新材", "New Materials")],
    ("display-panels", "glass-substrate"): [("光电玻璃", "玻璃", "Optoelectronic Glass")],
    ("display-panels", "target-materials"): [("新材料", "新材", "New Materials"), ("靶材", "靶材", "Sputtering Targets")],
    ("display-panels", "liquid-crystal"): [("显示材料", "显示材料", "Display Materials")],
    ("display-panels", "polariser"): [("光学膜", "光学膜", "Optical Film")],
    ("display-panels", "driver-ic"): [("集成电路", "芯片", "Integrated Circuit"), ("微电子", "微电子", "Microelectronics")],
}
# Links not listed take the trade words of a sibling.
TRADE_FALLBACK = {
    ("automotive-steel", "ahss"): ("automotive-steel", "galvanized-sheet"),
    ("automotive-steel", "cold-rolled-coil"): ("automotive-steel", "hot-rolled-coil"),
    ("automotive-steel", "crude-steel"): ("automotive-steel", "hot-rolled-coil"),
    ("automotive-steel", "hot-metal"): ("automotive-steel", "hot-rolled-coil"),
    ("automotive-steel", "hot-stamping-steel"): ("automotive-steel", "hot-rolled-coil"),
    ("automotive-steel", "niobium-ferroalloy"): ("automotive-steel", "zinc-ingot"),
    ("automotive", "body-in-white"): ("automotive", "vehicle"),
}

BRAND_1 = list("华恒金宏鑫永瑞博兴泰隆德创诚远佳冀通盛丰安凯鼎嘉昊宇腾信联润科海中力新源达耀晨航精合正立明睿坤广卓冶峰辰驰益旭百顺威亿汇骏奥拓豪成利")
BRAND_2 = list("华恒金宏鑫永瑞博兴泰隆德创诚远佳通盛丰安凯鼎嘉昊宇腾信联润科海力源达耀晨航精合正立明睿坤广卓冶峰辰驰益旭顺威汇骏奥拓豪成利")
PINYIN = dict(zip(
    "华恒金宏鑫永瑞博兴泰隆德创诚远佳冀通盛丰安凯鼎嘉昊宇腾信联润科海中力新源达耀晨航精合正立明睿坤广卓冶峰辰驰益旭百顺威亿汇骏奥拓豪成利",
    ["Hua", "Heng", "Jin", "Hong", "Xin", "Yong", "Rui", "Bo", "Xing", "Tai", "Long", "De", "Chuang", "Cheng", "Yuan",
     "Jia", "Ji", "Tong", "Sheng", "Feng", "An", "Kai", "Ding", "Jia", "Hao", "Yu", "Teng", "Xin", "Lian", "Run", "Ke",
     "Hai", "Zhong", "Li", "Xin", "Yuan", "Da", "Yao", "Chen", "Hang", "Jing", "He", "Zheng", "Li", "Ming", "Rui",
     "Kun", "Guang", "Zhuo", "Ye", "Feng", "Chen", "Chi", "Yi", "Xu", "Bai", "Shun", "Wei", "Yi", "Hui", "Jun", "Ao",
     "Tuo", "Hao", "Cheng", "Li"]))
# Brand names of well-known companies, not to be invented by accident.
BRAND_BLACKLIST = {"华为", "美的", "海尔", "格力", "正泰", "福耀", "长城", "中兴", "联想", "海信", "京东", "天马", "华星",
                   "德赛", "恒力", "盛虹", "金龙", "宇通", "华润", "中航", "中科", "航天", "海航", "新华", "华联", "永安",
                   "安泰", "华丰", "达利", "立讯", "亿纬", "汇川", "埃斯", "新松", "利乐", "奥瑞", "恒瑞", "华海", "新和",
                   "华北", "润达", "中信", "中冶", "中华", "信达", "冀中", "力源", "金华", "泰安", "安顺", "嘉兴",
                   "泰兴", "瑞安", "海安", "瑞金", "兴安", "成安", "德安", "华安", "丰润", "广安", "永德", "新兴"}
FORMS = [("有限公司", 60), ("股份有限公司", 12), ("有限责任公司", 16), ("科技有限公司", 12)]


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def sig(x, digits=3):
    """Round to `digits` significant figures, as a plain number."""
    if x <= 0:
        return 0
    e = math.floor(math.log10(x)) - digits + 1
    v = round(x / 10 ** e) * 10 ** e
    return int(v) if e >= 0 else round(v, -e)


def fmt_num(v):
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return format(v, ".10g")


# ----------------------------------------------------------------------------------------------------
# The analysis (the product's rules), used both to size capacities and to check the result.

def topo_downstream_first(chain):
    """Links ordered so that every output comes before its inputs (Kahn on reversed edges)."""
    ids = [l["id"] for l in chain["links"]]
    outs = {i: [] for i in ids}
    indeg = {i: 0 for i in ids}  # number of outputs not yet placed
    for e in chain["bom"]:
        outs[e["input"]].append(e["output"])
        indeg[e["input"]] += 1
    ins = {i: [] for i in ids}
    for e in chain["bom"]:
        ins[e["output"]].append(e["input"])
    order = []
    ready = [i for i in ids if indeg[i] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for i in ins[n]:
            indeg[i] -= 1
            if indeg[i] == 0:
                ready.append(i)
    if len(order) != len(ids):
        raise ValueError(f"chain {chain['id']}: the BOM has a cycle")
    return order


def analyse(chain, producers, scope):
    """producers: list of (credit_code, region, link, capacity). Returns per link a dict with C, D, need,
    n (distinct enterprises), hhi, and the lists breakpoints, bottlenecks (with reasons), chokepoints."""
    order = topo_downstream_first(chain)
    cap = {l: {} for l in order}
    for code, region, link, c in producers:
        if in_scope(region, scope):
            cap[link][code] = cap[link].get(code, 0.0) + c
    outputs = {l: [] for l in order}
    for e in chain["bom"]:
        outputs[e["input"]].append((e["output"], e["quantity"]))
    res = {}
    for l in order:
        C = sum(cap[l].values())
        D = sum(q * res[o]["need"] for o, q in outputs[l])
        hhi = sum((c / C) ** 2 for c in cap[l].values()) if C > 0 else 0.0
        res[l] = dict(C=C, D=D, need=max(C, D), n=len(cap[l]), hhi=hhi, terminal=not outputs[l])
    links = {x["id"]: x for x in chain["links"]}
    breakpoints, bottlenecks = [], []
    for x in chain["links"]:
        r = res[x["id"]]
        needed = r["D"] > 0 or r["terminal"]
        if not needed:
            continue
        if r["n"] == 0:
            breakpoints.append(x["id"])
            continue
        why = []
        if r["C"] < r["D"]:
            why.append(f"C<D {r['C'] / r['D']:.0%}")
        if r["n"] == 1:
            why.append("single")
        if r["hhi"] >= 0.5:
            why.append(f"HHI {r['hhi']:.2f}")
        if why:
            bottlenecks.append((x["id"], ", ".join(why)))
    chokepoints = [i for i, x in links.items() if x.get("import_dependent")]
    return res, breakpoints, bottlenecks, chokepoints


# ----------------------------------------------------------------------------------------------------
# Generation.

class Generator:
    def __init__(self, chains):
        self.rng = random.Random(SEED)
        self.chains = chains
        self.enterprises = {}  # credit_code -> record (insertion ordered)
        self.cast_code = {}  # cast key -> credit code
        self.tags = {}  # tag -> [credit codes]
        self.names = set()
        self.codes = set()
        self.producers = []  # dicts: code, chain, link, cap
        self.tag_defs = {}  # tag -> (where, n, link of its G entry)
        for chain_id, plan in PLAN.items():
            for link, entries in plan.items():
                for entry in entries:
                    if entry[0] == "group" and entry[1] is not None and entry[2] is not None:
                        assert entry[1] not in self.tag_defs, f"tag {entry[1]} defined twice"
                        self.tag_defs[entry[1]] = (entry[2], entry[3], link)

    # -- enterprises --------------------------------------------------------------------------------

    def new_code(self, region, old_style=False):
        while True:
            body = "91" + region + organisation_code(self.rng, old_style)
            code = body + check_char(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def add_cast(self, key):
        if key in self.cast_code:
            return self.cast_code[key]
        c = CAST[key]
        # Companies founded before 2015 carry an old-style organisation code in theirs.
        code = self.new_code(c["region"], old_style=c["real"])
        assert c["industry"] in CLASSES, c
        self.enterprises[code] = dict(
            credit_code=code, name=c["name"], aliases=c["aliases"], region=c["region"], lng="", lat="",
            industry=c["industry"], above_scale=1, leading=1 if c["real"] else 0, specialised=0,
            illustrative=0 if c["real"] else 1, cast=key)
        self.names.add(c["name"])
        self.cast_code[key] = code
        return code

    def pick_county(self, where):
        rng = self.rng
        if where == BJ:
            return rng.choice(BEIJING_INDUSTRIAL)
        if where == TJ:
            return rng.choice(TIANJIN_INDUSTRIAL)
        if where == HB:
            where = rng.choice(HEBEI_CITIES)
        if DIV[where]["level"] == "county":
            return where
        counties = counties_of(where)
        # Development zones attract industry: weight them a little higher.
        pairs = [(c, 1.5 if DIV[c]["coord_note"] else 1.0) for c in counties]
        return weighted(rng, pairs)

    def make_name(self, county, trade):
        rng = self.rng
        zh, short, en = trade
        prov = county[:2]
        city = city_of(county)
        cname = DIV[county]["name"]
        while True:
            brand = rng.choice(BRAND_1) + rng.choice(BRAND_2)
            if brand[0] == brand[1] or brand in BRAND_BLACKLIST:
                continue
            form = weighted(rng, FORMS)
            if form == "科技有限公司" and ("科技" in zh or "技术" in zh):
                form = "有限公司"
            if prov == "11":
                prefix = weighted(rng, [("北京", 80), ("北京市", 20)])
                en_city = "Beijing"
            elif prov == "12":
                prefix = weighted(rng, [("天津", 55), ("天津市", 45)])
                en_city = "Tianjin"
            else:
                city_name = DIV[city]["name"]
                city_short = city_name[:-1]
                en_city = CITY_EN[county[:4]]
                is_zone = bool(DIV[county]["coord_note"]) and not cname.endswith(("市", "县"))
                if is_zone:
                    options = [(city_name, 50), (city_short, 30), ("河北", 20)]
                elif cname.endswith("区"):
                    options = [(city_name + cname, 35), (city_name, 25), (city_short, 25), ("河北", 15)]
                else:  # a county or county-level city
                    options = [(cname, 50), (city_short, 30), ("河北", 20)]
                prefix = weighted(rng, options)
                if prefix == "河北":
                    en_city = "Hebei"
            name = prefix + brand + zh + form
            if name in self.names:
                continue
            self.names.add(name)
            aliases = [brand + short]
            if rng.random() < 0.4:
                aliases.append(f"{en_city} {PINYIN[brand[0]]}{PINYIN[brand[1]].lower()} {en} Co., Ltd.")
            return name, aliases

    def add_invented(self, where, chain_id, link):
        county = self.pick_county(where)
        key = (chain_id, link)
        trades = TRADES.get(key) or TRADES[TRADE_FALLBACK[key]]
        name, aliases = self.make_name(county, self.rng.choice(trades))
        code = self.new_code(county)
        lng = lat = ""
        if self.rng.random() < 0.25:
            x, y = point_of(county)
            lng = f"{x + self.rng.uniform(-0.04, 0.04):.5f}"
            lat = f"{y + self.rng.uniform(-0.03, 0.03):.5f}"
        industry = next(l["industry"] for l in self.chains[chain_id]["links"] if l["id"] == link)
        self.enterprises[code] = dict(
            credit_code=code, name=name, aliases=aliases, region=county, lng=lng, lat=lat, industry=industry,
            above_scale=0, leading=0, specialised=0, illustrative=1, cast=None)
        return code

    # -- producers ----------------------------------------------------------------------------------

    def current(self, chain_id):
        return [(p["code"], self.enterprises[p["code"]]["region"], p["link"], p["cap"])
                for p in self.producers if p["chain"] == chain_id]

    def resolve_cap(self, chain, link, spec):
        if not isinstance(spec, tuple):
            return float(spec)
        kind, scope, r = spec
        res, _, _, _ = analyse(chain, self.current(chain["id"]), scope)
        D = res[link]["D"]
        if D <= 0:
            raise ValueError(f"{chain['id']}/{link}: demand in {scope} is 0, cannot size {spec}")
        if kind == "D":
            return r * D
        have = sum(p["cap"] for p in self.producers
                   if p["chain"] == chain["id"] and p["link"] == link
                   and in_scope(self.enterprises[p["code"]]["region"], scope))
        want = r * D - have
        if want <= 0:
            raise ValueError(f"{chain['id']}/{link}: {scope} already has {have:.0f} >= {r} x {D:.0f}")
        return want

    def place(self, chain_id):
        chain = self.chains[chain_id]
        plan = PLAN[chain_id]
        order = topo_downstream_first(chain)
        assert sorted(plan) == sorted(order), f"{chain_id}: plan links {sorted(plan)} != {sorted(order)}"
        for link in order:
            for entry in plan[link]:
                total = self.resolve_cap(chain, link, entry[-1])
                if entry[0] == "cast":
                    codes = [self.add_cast(entry[1])]
                else:
                    _, tag, where, n, _ = entry
                    if tag is None:
                        codes = [self.add_invented(where[j % len(where)], chain_id, link) for j in range(n)]
                    else:
                        if tag not in self.tags:
                            # A tag is defined by its one G(...) entry, wherever in the chain that is.
                            where, n, def_link = self.tag_defs[tag]
                            self.tags[tag] = [self.add_invented(where[j % len(where)], chain_id, def_link)
                                              for j in range(n)]
                        codes = self.tags[tag]
                # Split a group's capacity unevenly, log-normally, but never more than 3:1 between two.
                weights = [min(max(self.rng.lognormvariate(0, 0.45), 0.6), 1.8) for _ in codes]
                s = sum(weights)
                for code, w in zip(codes, weights):
                    self.producers.append(dict(code=code, chain=chain_id, link=link, cap=sig(total * w / s)))

    # -- flags --------------------------------------------------------------------------------------

    def set_flags(self):
        rng = self.rng
        # Leading: an invented enterprise with at least 30% of a link's regional capacity.
        share = {}
        for chain_id in CHAIN_ORDER:
            totals = {}
            for p in self.producers:
                if p["chain"] == chain_id:
                    totals[p["link"]] = totals.get(p["link"], 0) + p["cap"]
            for p in self.producers:
                if p["chain"] == chain_id and totals[p["link"]] > 0:
                    s = p["cap"] / totals[p["link"]]
                    share[p["code"]] = max(share.get(p["code"], 0), s)
        for code, e in self.enterprises.items():
            if e["cast"] is not None:
                continue
            s = share.get(code, 0)
            e["leading"] = 1 if s >= 0.3 and rng.random() < 0.4 else 0
            e["above_scale"] = 1 if e["leading"] or rng.random() < 0.84 else 0
            e["specialised"] = 1 if not e["leading"] and rng.random() < 0.17 else 0

    # -- supply relations -----------------------------------------------------------------------------

    def supply(self):
        rng = self.rng
        rows = []
        key_of = {v: k for k, v in self.cast_code.items()}
        for chain_id in CHAIN_ORDER:
            chain = self.chains[chain_id]
            links = {l["id"]: l for l in chain["links"]}
            by_link = {}
            for p in self.producers:
                if p["chain"] == chain_id:
                    by_link.setdefault(p["link"], []).append((p["code"], p["cap"]))
            # One relation set per buyer and input link: a buyer making several outputs of the same
            # input (engines and gearboxes both take oil seals) needs the sum.
            need_of = {}
            outs_of_input = {}
            for e in chain["bom"]:
                outs_of_input.setdefault(e["input"], []).append(e["output"])
            for e in chain["bom"]:
                for buyer, bcap in by_link.get(e["output"], []):
                    k = (e["input"], buyer)
                    need_of[k] = need_of.get(k, 0) + e["quantity"] * bcap
            for (i, buyer), need in need_of.items():
                makers = by_link.get(i, [])
                # A buyer does not buy from its competitors: carmakers weld their own bodies.
                rivals = {s for o in outs_of_input[i] for s, _ in by_link.get(o, [])
                          if any(b == buyer for b, _ in by_link.get(o, []))}
                cands = [(s, c) for s, c in makers if s != buyer and s not in rivals]
                if not cands:
                    continue
                breg = self.enterprises[buyer]["region"]
                bcity = city_of(breg)
                prefer = key_of.get(buyer) in PREFER_HEBEI.get((chain_id, i), [])

                def tier(s):
                    sreg = self.enterprises[s]["region"]
                    if prefer:
                        return 0 if sreg.startswith("13") else 3
                    if city_of(sreg) == bcity:
                        return 0
                    return 1 if sreg[:2] == breg[:2] else 2

                ranked = sorted(cands, key=lambda sc: (tier(sc[0]) + rng.uniform(0, 0.8), -sc[1]))
                if prefer:
                    picks, cities = [], []
                    for s, c in ranked:
                        city = city_of(self.enterprises[s]["region"])
                        if city not in cities:
                            picks.append((s, c))
                            cities.append(city)
                        if len(picks) == 3:
                            break
                else:
                    k = min(len(ranked), rng.choice([1, 1, 1, 2, 2, 2, 3]))
                    picks = ranked[:k]
                    others = [sc for sc in ranked[k:] if tier(sc[0]) == 2]
                    if others and rng.random() < 0.15:
                        picks[-1] = rng.choice(others)
                inhouse = any(s == buyer for s, _ in makers)
                if inhouse:
                    total = rng.choice([0.2, 0.3, 0.4])
                elif links[i].get("import_dependent"):
                    total = rng.choice([0.3, 0.4, 0.5])
                else:
                    ratio = sum(c for _, c in picks) / need
                    total = 1.0 if ratio >= 1 else max(0.1, math.floor(ratio * 20) / 20)
                    if total == 1.0 and rng.random() < 0.2:
                        total = 0.8
                splits = {1: [[1.0]], 2: [[0.6, 0.4], [0.7, 0.3], [0.5, 0.5]],
                          3: [[0.5, 0.3, 0.2], [0.45, 0.35, 0.2], [0.4, 0.4, 0.2]]}[len(picks)]
                for (s, _), w in zip(picks, rng.choice(splits)):
                    share = max(0.05, math.floor(total * w * 100 + 1e-9) / 100)
                    rows.append(dict(supplier=s, buyer=buyer, chain=chain_id, link=i, share=share))
        return rows


# ----------------------------------------------------------------------------------------------------
# Writing and reading.

def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def generate(chains):
    g = Generator(chains)
    for chain_id in CHAIN_ORDER:
        g.place(chain_id)
    g.set_flags()
    supply = g.supply()

    region_order = lambda e: (e["region"], e["name"])
    ents = sorted(g.enterprises.values(), key=region_order)
    write_csv(os.path.join(HERE, "enterprises.csv"), ENTERPRISE_HEADER, [
        [e["credit_code"], e["name"], ";".join(e["aliases"]), e["region"], e["lng"], e["lat"], e["industry"],
         e["above_scale"], e["leading"], e["specialised"], e["illustrative"]] for e in ents])

    link_pos = {(c, l["id"]): (CHAIN_ORDER.index(c), k) for c in CHAIN_ORDER
                for k, l in enumerate(chains[c]["links"])}
    units = {(c, l["id"]): l["unit"] for c in CHAIN_ORDER for l in chains[c]["links"]}
    merged = {}
    for p in g.producers:
        k = (p["code"], p["chain"], p["link"])
        merged[k] = merged.get(k, 0) + p["cap"]
    prows = sorted(merged.items(), key=lambda kv: (link_pos[(kv[0][1], kv[0][2])], -kv[1], kv[0][0]))
    write_csv(os.path.join(HERE, "producers.csv"), PRODUCER_HEADER, [
        [code, c, l, fmt_num(sig(v)), units[(c, l)], 1] for (code, c, l), v in prows])

    srows = sorted(supply, key=lambda r: (link_pos[(r["chain"], r["link"])], r["buyer"], -r["share"], r["supplier"]))
    write_csv(os.path.join(HERE, "supply.csv"), SUPPLY_HEADER, [
        [r["supplier"], r["buyer"], r["chain"], r["link"], fmt_num(r["share"]), 1] for r in srows])


# ----------------------------------------------------------------------------------------------------
# Checking what is on disk, independently of the generator's memory.

def check(chains, verbose=True):
    errors = []
    err = errors.append

    # Chains: ids, units, industry codes, BOM edges, DAG.
    slug_ok = lambda s: 0 < len(s) <= 64 and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-_" for c in s)
    for cid, ch in chains.items():
        if ch["id"] != cid or not slug_ok(cid):
            err(f"chain file {cid}: id {ch['id']!r}")
        ids = [l["id"] for l in ch["links"]]
        if not 8 <= len(ids) <= 16:
            err(f"{cid}: {len(ids)} links")
        if len(set(ids)) != len(ids):
            err(f"{cid}: duplicate link ids")
        for l in ch["links"]:
            if not slug_ok(l["id"]):
                err(f"{cid}/{l['id']}: bad id")
            if l["segment"] not in ("upstream", "midstream", "downstream"):
                err(f"{cid}/{l['id']}: segment {l['segment']}")
            if not l["unit"].strip() or len(l["unit"]) > 16:
                err(f"{cid}/{l['id']}: unit {l['unit']!r}")
            if l.get("industry") not in CLASSES:
                err(f"{cid}/{l['id']}: industry {l.get('industry')} is not a GB/T 4754-2017 class")
        pairs = set()
        for e in ch["bom"]:
            if e["input"] not in ids or e["output"] not in ids:
                err(f"{cid}: BOM edge {e} names an unknown link")
            if not (isinstance(e["quantity"], (int, float)) and e["quantity"] > 0 and math.isfinite(e["quantity"])):
                err(f"{cid}: BOM edge {e} quantity")
            if (e["input"], e["output"]) in pairs:
                err(f"{cid}: BOM edge {e} twice")
            pairs.add((e["input"], e["output"]))
        try:
            topo_downstream_first(ch)
        except ValueError as x:
            err(str(x))

    ents = read_csv(os.path.join(HERE, "enterprises.csv"))
    prods = read_csv(os.path.join(HERE, "producers.csv"))
    sup = read_csv(os.path.join(HERE, "supply.csv"))

    by_code = {}
    names = set()
    for e in ents:
        c = e["credit_code"]
        if not credit_code_valid(c):
            err(f"credit code {c} is invalid")
        if c[2:8] != e["region"]:
            err(f"credit code {c} does not carry region {e['region']}")
        if c in by_code:
            err(f"credit code {c} twice")
        by_code[c] = e
        if e["name"] in names:
            err(f"name {e['name']} twice")
        names.add(e["name"])
        if e["region"] not in DIV or DIV[e["region"]]["level"] != "county":
            err(f"{c}: region {e['region']} is not a county-level division")
        if e["industry"] not in CLASSES:
            err(f"{c}: industry {e['industry']}")
        for f in ("above_scale", "leading", "specialised", "illustrative"):
            if e[f] not in ("0", "1"):
                err(f"{c}: {f}={e[f]!r}")
        if bool(e["lng"]) != bool(e["lat"]):
            err(f"{c}: only one coordinate")
        if e["lng"]:
            x, y = float(e["lng"]), float(e["lat"])
            if not (113.0 < x < 120.5 and 36.0 < y < 42.7):
                err(f"{c}: point {x},{y} outside the region")
        if any(";" in a or not a.strip() for a in e["aliases"].split(";")) and e["aliases"]:
            err(f"{c}: aliases {e['aliases']!r}")
        if e["illustrative"] == "1" and e["region"][:2] == "13":
            # An invented Hebei name carries its city or county, or is a province-wide 河北 name.
            county, city = DIV[e["region"]], DIV[DIV[e["region"]]["parent_code"]]
            if not (e["name"].startswith(("河北", city["name"][:-1], county["name"]))):
                err(f"{c}: name {e['name']} does not match region {e['region']}")
        if e["illustrative"] == "1" and e["region"][:2] in ("11", "12"):
            if not e["name"].startswith(("北京", "天津")) or e["name"][:2] != {"11": "北京", "12": "天津"}[e["region"][:2]]:
                err(f"{c}: name {e['name']} does not match region {e['region']}")

    units = {(cid, l["id"]): l["unit"] for cid, ch in chains.items() for l in ch["links"]}
    makes = {}
    seen = set()
    for p in prods:
        k = (p["chain"], p["link"])
        if p["credit_code"] not in by_code:
            err(f"producer {p['credit_code']} is not an enterprise")
        if k not in units:
            err(f"producer row names unknown link {k}")
            continue
        if p["unit"] != units[k]:
            err(f"producer {p['credit_code']} {k}: unit {p['unit']} != {units[k]}")
        if float(p["capacity_per_day"]) <= 0:
            err(f"producer {p['credit_code']} {k}: capacity {p['capacity_per_day']}")
        if p["illustrative"] != "1":
            err(f"producer {p['credit_code']} {k}: not illustrative")
        if (p["credit_code"],) + k in seen:
            err(f"producer {p['credit_code']} {k} twice")
        seen.add((p["credit_code"],) + k)
        makes.setdefault(k, []).append(p["credit_code"])
    produced = {p["credit_code"] for p in prods}
    for c in by_code:
        if c not in produced:
            err(f"enterprise {c} makes nothing")

    edges = {}
    for cid, ch in chains.items():
        for e in ch["bom"]:
            edges.setdefault((cid, e["input"]), []).append(e["output"])
    share_sum = {}
    for r in sup:
        k = (r["chain"], r["link"])
        if r["supplier"] not in makes.get(k, []):
            err(f"supply {r['supplier']} -> {r['buyer']}: supplier does not make {k}")
        outs = edges.get(k, [])
        if not any(r["buyer"] in makes.get((r["chain"], o), []) for o in outs):
            err(f"supply {r['supplier']} -> {r['buyer']}: buyer makes nothing {k} is an input of")
        if r["supplier"] == r["buyer"]:
            err(f"supply to itself: {r['buyer']}")
        s = float(r["share"])
        if not 0 < s <= 1:
            err(f"supply share {s}")
        if r["illustrative"] != "1":
            err("supply row not illustrative")
        kk = (r["buyer"],) + k
        share_sum[kk] = share_sum.get(kk, 0) + s
    for kk, s in share_sum.items():
        if s > 1 + 1e-9:
            err(f"shares of buyer {kk[0]} for {kk[1]}/{kk[2]} sum to {s}")

    hebei_cities = {e["region"][:4] for e in ents if e["region"].startswith("13")}
    if len(hebei_cities) != 11:
        err(f"enterprises in {len(hebei_cities)} Hebei cities, not 11")
    if not 300 <= len(ents) <= 450:
        err(f"{len(ents)} enterprises")

    if verbose:
        real = [e["name"] for e in ents if e["illustrative"] == "0"]
        out_of_scope = sum(1 for r in sup if by_code[r["buyer"]]["region"][:2] != by_code[r["supplier"]]["region"][:2])
        hb_from_bjtj = sum(1 for r in sup if by_code[r["buyer"]]["region"].startswith("13")
                           and not by_code[r["supplier"]]["region"].startswith("13"))
        print(f"enterprises {len(ents)} (real {len(real)}, leading {sum(e['leading'] == '1' for e in ents)}, "
              f"专精特新 {sum(e['specialised'] == '1' for e in ents)}, above-scale {sum(e['above_scale'] == '1' for e in ents)}, "
              f"with a point {sum(bool(e['lng']) for e in ents)})")
        per_prov = {p: sum(e["region"][:2] == p for e in ents) for p in ("11", "12", "13")}
        print(f"  Beijing {per_prov['11']}, Tianjin {per_prov['12']}, Hebei {per_prov['13']} in {len(hebei_cities)} cities: "
              + ", ".join(f"{DIV[c + '00']['name']} {sum(e['region'][:4] == c for e in ents)}" for c in sorted(hebei_cities)))
        print(f"producers {len(prods)}, supply relations {len(sup)} "
              f"(across provinces {out_of_scope}; Hebei buyers supplied from Beijing/Tianjin {hb_from_bjtj})")
        pdata = {}
        for p in prods:
            pdata.setdefault(p["chain"], []).append(
                (p["credit_code"], by_code[p["credit_code"]]["region"], p["link"], float(p["capacity_per_day"])))
        for cid in CHAIN_ORDER:
            ch = chains[cid]
            print(f"\n== {cid} {ch['name']}: {len(ch['links'])} links, {len(ch['bom'])} BOM edges, "
                  f"{len(pdata.get(cid, []))} producers")
            for scope in ("hebei", "bth", "130200", "130600", "131000", "130900"):
                _, bp, bn, ck = analyse(ch, pdata.get(cid, []), scope)
                label = scope if scope in ("hebei", "bth") else DIV[scope]["name"]
                if scope == "hebei":
                    print(f"  chokepoints: {', '.join(ck) or '-'}")
                print(f"  {label:6} breakpoints: {', '.join(bp) or '-'}")
                print(f"  {'':6} bottlenecks: {'; '.join(f'{i} ({w})' for i, w in bn) or '-'}")
    return errors


def main():
    chains = load_chains()
    if "--check" not in sys.argv:
        generate(chains)
    errors = check(chains)
    if errors:
        print(f"\n{len(errors)} problems:", file=sys.stderr)
        for e in errors[:50]:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
