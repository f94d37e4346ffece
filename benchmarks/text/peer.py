"""The peer: OpenCC (the reference C++ implementation, PyPI `opencc`) for normalisation and RapidFuzz for
similarity. Shared by the pair evaluation (bench_text.py) and the 1M run (dedupe_peer.py).

`normalise`: OpenCC t2s, Unicode NFKC (full-width → half-width), whitespace removed — what chaindock's
normalize does, minus its pinyin and punctuation rules, which these names do not need.
`clean`: the generic cleaning a fuzzy matcher is given — legal forms and `(集团)` stripped from the end,
division names (full or short, from the same GB/T 2260 table chaindock embeds) from the front; the branch
suffix stays in the string. It is the same idea as chaindock's parse_company, written in a few lines of Python
without chaindock's nesting checks or its branch rule.
"""

import csv
import os
import unicodedata

import opencc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

_t2s = opencc.OpenCC("t2s")

LEGAL = ["股份有限公司", "有限责任公司", "股份合作公司", "有限公司", "股份公司", "集团公司", "总公司", "公司", "集团",
         "(集团)", "(有限合伙)", "合伙企业", "个人独资企业", "厂"]


def normalise(s):
    s = _t2s.convert(s)
    s = unicodedata.normalize("NFKC", s)
    return "".join(s.split())


def _division_names():
    names = set()
    for r in csv.DictReader(open(os.path.join(ROOT, "crates/model/data/bth_divisions.csv"), encoding="utf-8")):
        n = r["name"]
        if n == "市辖区":
            continue
        names.add(n)
        for suffix in ["新区", "管理区", "矿区", "市", "区", "县", "省"]:
            if n.endswith(suffix) and len(n) - len(suffix) >= 2:
                names.add(n[: -len(suffix)])
                break
    return sorted(names, key=len, reverse=True)


DIVISIONS = _division_names()


_BY_FIRST = {}
for _d in DIVISIONS:
    _BY_FIRST.setdefault(_d[0], []).append(_d)  # longest first, as DIVISIONS is


def clean(n):
    """Legal forms off the end, division names off the front (of a normalised name)."""
    changed = True
    while changed:
        changed = False
        for f in LEGAL:
            if n.endswith(f) and len(n) > len(f):
                n = n[: -len(f)]
                changed = True
                break
    n = n.replace("(集团)", "")
    for _ in range(3):
        for d in _BY_FIRST.get(n[:1], ()):
            if n.startswith(d) and len(n) > len(d):
                n = n[len(d):]
                break
        else:
            break
    return n
