"""Company names shaped like chaindock's generator (crates/engine/src/generate.rs), and the noise real
registries show. Shared by gen_pairs.py (the labelled pair set) and make_registry.py (the 1M registry).

A name reads place + trade name (字号) + product + legal form, as the generator writes it:
`唐山丰润华冶冲压件有限公司`. The place is the city's short name followed by the county's, or the city alone
for development zones and counties named after their city; products are the chain links' names (without
their parenthetical); legal forms are the generator's four. Unlike the generator, trade names come from a
larger pool (two characters of a pool of common trade-name characters, plus the generator's 24 words), so
that two unrelated enterprises rarely share a name by chance.
"""

import csv
import glob
import json
import os

import opencc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

GEN_TRADE_WORDS = [
    "华冶", "鑫达", "恒通", "宏远", "瑞丰", "金泰", "永盛", "中兴", "东方", "北辰", "新瑞", "博远", "天成", "利源",
    "兴华", "凯达", "汇通", "正泰", "冀安", "京诚", "津联", "泰和", "长信", "福瑞",
]
# Characters common in trade names, each with a character a typist (pinyin input) confuses it with.
CONFUSABLE = {
    "华": "化", "冶": "治", "鑫": "新", "达": "大", "恒": "衡", "通": "同", "宏": "洪", "远": "源", "瑞": "睿",
    "丰": "风", "金": "今", "泰": "太", "永": "勇", "盛": "胜", "兴": "星", "博": "搏", "天": "田", "成": "诚",
    "利": "力", "凯": "恺", "汇": "惠", "正": "政", "辰": "晨", "东": "冬", "方": "芳", "安": "案", "联": "连",
    "和": "合", "长": "昌", "信": "新", "福": "富", "隆": "龙", "昌": "长", "荣": "容", "祥": "翔", "宇": "雨",
    "嘉": "佳", "鸿": "洪", "德": "得", "顺": "舜", "茂": "贸", "源": "元", "益": "易", "诚": "城", "聚": "巨",
    "晟": "盛", "旭": "序", "峰": "锋", "弘": "宏", "佳": "嘉", "振": "震", "亿": "义", "浩": "豪", "泓": "宏",
    "铭": "明", "创": "闯", "威": "伟", "力": "利", "科": "可", "捷": "杰", "海": "还", "恺": "凯",
}
TRADE_CHARS = sorted(set(CONFUSABLE) - {"科", "海", "力", "昌", "佳", "源", "恺"})
LEGAL_FORMS = ["有限公司", "股份有限公司", "有限责任公司", "科技有限公司"]
# State-owned style names without a trade name, and their customary abbreviations (北京汽车 → 北汽).
INDUSTRY_WORDS = ["钢铁", "汽车", "制药", "化工", "机械", "电子", "纺织", "建材", "重工", "轻工", "电气", "纸业"]

_s2t = opencc.OpenCC("s2t")


def s2t(s):
    return _s2t.convert(s)


def short_name(name):
    """The model's short name of a division (crates/model/src/region.rs)."""
    for suffix in ["新区", "管理区", "矿区", "市", "区", "县", "省"]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Divisions:
    def __init__(self):
        rows = list(csv.DictReader(open(os.path.join(ROOT, "crates/model/data/bth_divisions.csv"), encoding="utf-8")))
        by_code = {int(r["code"]): r for r in rows}
        self.city_name = {}
        self.city_full = {}
        for r in rows:
            if r["level"] == "city":
                code = int(r["code"])
                parent = by_code[int(r["parent_code"])]
                full = parent["name"] if r["name"] == "市辖区" else r["name"]
                self.city_name[code] = short_name(full)
                self.city_full[code] = full if r["name"] == "市辖区" else parent["name"] + full
        self.counties = {}  # city code -> [(county code, short name, full name)]
        for r in rows:
            if r["level"] == "county":
                city = int(r["parent_code"])
                self.counties.setdefault(city, []).append((int(r["code"]), short_name(r["name"]), r["name"]))
        self.cities = sorted(self.counties)

    def place(self, city, county_code, county_short):
        """The generator's place prefix."""
        c = self.city_name[city]
        if 71 <= county_code % 100 < 80 or county_short.startswith(c) or c == county_short:
            return c
        return c + county_short

    def has_county_in_name(self, city, county_code, county_short):
        return self.place(city, county_code, county_short) != self.city_name[city]


def products():
    """Chain link names, without their parenthetical, as the generator writes them."""
    out = []
    for f in sorted(glob.glob(os.path.join(ROOT, "data/chains/*.json"))):
        for link in json.load(open(f, encoding="utf-8"))["links"]:
            name = link["name"].split("（")[0].split("(")[0]
            if name not in out:
                out.append(name)
    return out


def trade_name(rng):
    if rng.random() < 0.2:
        return rng.choice(GEN_TRADE_WORDS)
    a, b = rng.sample(TRADE_CHARS, 2)
    return a + b


def typo(word, rng):
    """One character of `word` replaced by the character a typist confuses it with."""
    positions = [i for i, c in enumerate(word) if c in CONFUSABLE]
    if not positions:
        return None
    i = rng.choice(positions)
    return word[:i] + CONFUSABLE[word[i]] + word[i + 1:]


def one_char_other(word, rng):
    """Another trade name that differs from `word` in one character, not a typo of it."""
    i = rng.randrange(len(word))
    choices = [c for c in TRADE_CHARS if c != word[i] and c != CONFUSABLE.get(word[i]) and CONFUSABLE.get(c) != word[i]]
    return word[:i] + rng.choice(choices) + word[i + 1:]


HK_VARIANTS = {"線": "綫", "群": "羣", "衛": "衞", "麵": "麪", "台": "臺", "峰": "峯", "着": "著"}
FULL_WIDTH = {"(": "（", ")": "）", " ": "\u3000"}


def hk_variant(s):
    t = s2t(s)
    for a, b in HK_VARIANTS.items():
        t = t.replace(a, b)
    return t


def full_width(s):
    """Full-width Latin letters, digits and parentheses, as some forms and PDFs write them."""
    out = []
    for c in s:
        if "!" <= c <= "~":
            c = FULL_WIDTH.get(c, chr(ord(c) + 0xFEE0))
        elif c == " ":
            c = "\u3000"
        out.append(c)
    return "".join(out)
