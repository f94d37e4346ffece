"""Write er_pairs.csv: a labelled set of company-name pairs with realistic noise (fixed seed).

Columns: a, b, city_a, city_b (city-level division codes of the records, as a registry knows them), same (1 when
a and b are one enterprise), kind (how b was made from a). Run by run.sh only when er_pairs.csv is missing;
`python gen_pairs.py` rewrites it (byte for byte the same with the same OpenCC version).

Positives (same = 1), b is a written the way another source writes it:
  trad           the whole name in Traditional characters (OpenCC s2t)
  trad_variant   Traditional with Hong Kong/Taiwan variant characters (綫, 羣, 衞, 麪, 臺) and full-width brackets
  form           another legal form (有限公司 / 有限责任公司 / 股份有限公司), 科技 dropped or added, or (集团) added
  noregion       the region prefix left out (华冶冲压件有限公司)
  nocounty       the county left out, the city kept (唐山华冶冲压件有限公司)
  fullregion     the official division names written out (河北省唐山市丰润区华冶冲压件有限公司)
  abbrev         the customary abbreviation of a state-owned style name: region + industry initials (北京汽车 → 北汽)
  abbrev_trade   trade name and a shortened product (华冶冲压), with or without the city
  typo           one character of the trade name mistyped as a homophone (华冶 → 华治)
  width_space    full-width letters and brackets, spaces between the parts
  combo          Traditional + another legal form + region left out
Negatives (same = 0), b is another enterprise:
  other_trade    same city and product, another trade name (legal forms chosen independently, as for any two
                 unrelated enterprises)
  similar_trade  same city and product, a trade name one character away that is not a typo of it (华冶 → 华信)
  other_city     the same trade name and product in another city
  other_county   the same trade name and product in another county of the same city, both counties in the name
  other_product  the same trade name and place, another product
  branch         the enterprise and one of its branch offices (…有限公司保定分公司)
  branch_branch  two branch offices of one enterprise in different places
  group_listed   a group and the listed company of the same name (X集团有限公司 / X股份有限公司), two registrations
  trad_other     other_trade with b in Traditional characters
"""

import csv
import os
import random

import names as N

SEED = 20261126
COUNTS = {
    "trad": 150, "trad_variant": 60, "form": 150, "noregion": 120, "nocounty": 100, "fullregion": 80,
    "abbrev": 80, "abbrev_trade": 80, "typo": 150, "width_space": 60, "combo": 100,
    "other_trade": 250, "similar_trade": 100, "other_city": 200, "other_county": 120, "other_product": 150,
    "branch": 150, "branch_branch": 60, "group_listed": 60, "trad_other": 100,
}
POSITIVE = {"trad", "trad_variant", "form", "noregion", "nocounty", "fullregion", "abbrev", "abbrev_trade", "typo",
            "width_space", "combo"}
CITY_WEIGHT = {130200: 3.0, 120100: 3.0, 110100: 2.5, 130100: 2.5, 130600: 2.0, 131000: 2.0, 130900: 2.0,
               130400: 2.0, 130500: 1.2, 131100: 1.0, 130300: 0.8, 130700: 0.6}


class Ent:
    """One enterprise: where, trade name, product, legal form."""

    def __init__(self, d, rng, city=None, county=None, trade=None, product=None, form=None):
        self.d = d
        self.city = city or rng.choices(d.cities, [CITY_WEIGHT.get(c, 0.5) for c in d.cities])[0]
        self.county = county or rng.choice(d.counties[self.city])
        self.trade = trade if trade is not None else N.trade_name(rng)
        self.product = product or rng.choice(PRODUCTS)
        self.form = form or rng.choice(N.LEGAL_FORMS)

    def place(self):
        code, short, _ = self.county
        return self.d.place(self.city, code, short)

    def name(self, place=None, trade=None, form=None, product=None):
        p = self.place() if place is None else place
        return f"{p}{self.trade if trade is None else trade}{product or self.product}{form or self.form}"


def other_form(form, rng):
    return rng.choice([f for f in N.LEGAL_FORMS + ["(集团)有限公司", "集团有限公司"] if f != form])


def make(kind, d, rng):
    """One pair (a, b, city_a, city_b) of the given kind."""
    e = Ent(d, rng)
    a = e.name()
    cb = None  # b's city when it is not a's
    if kind == "trad":
        b = N.s2t(a)
    elif kind == "trad_variant":
        # Products with a character that has a variant, so that the variant shows.
        e = Ent(d, rng, product=rng.choice([p for p in PRODUCTS if any(c in N.s2t(p) for c in "線群衛麵台峰")]
                                           or PRODUCTS))
        a = e.name()
        b = N.hk_variant(e.name(form=rng.choice(["(集团)有限公司", e.form])))
        b = b.replace("(", "（").replace(")", "）")
    elif kind == "form":
        r = rng.random()
        if r < 0.6:
            b = e.name(form=other_form(e.form, rng))
        elif e.form == "科技有限公司":
            b = e.name(form="有限公司")
        else:
            b = e.name(form="科技" + e.form if rng.random() < 0.5 else "(集团)" + e.form)
    elif kind == "noregion":
        b = e.name(place="")
    elif kind == "nocounty":
        while not d.has_county_in_name(e.city, e.county[0], e.county[1]):
            e = Ent(d, rng)
        a = e.name()
        b = e.name(place=d.city_name[e.city])
    elif kind == "fullregion":
        code, short, full = e.county
        prefix = d.city_full[e.city] + ("" if d.place(e.city, code, short) == d.city_name[e.city] else full)
        b = e.name(place=prefix)
    elif kind == "abbrev":
        word = rng.choice(N.INDUSTRY_WORDS)
        city = d.city_name[e.city]
        form = rng.choice(["集团有限公司", "集团有限责任公司", "股份有限公司"])
        a = f"{city}{word}{form}"
        tail = {"集团有限公司": "集团", "集团有限责任公司": "集团", "股份有限公司": "股份"}[form]
        b = f"{city[0]}{word[0]}{rng.choice([tail, ''])}"
    elif kind == "abbrev_trade":
        short = e.product[:2] if len(e.product) > 2 else e.product
        b = rng.choice([f"{e.trade}{short}", f"{d.city_name[e.city]}{e.trade}", f"{e.trade}{short}公司"])
    elif kind == "typo":
        t = N.typo(e.trade, rng)
        while t is None:
            e = Ent(d, rng)
            t = N.typo(e.trade, rng)
        a = e.name()
        b = e.name(trade=t)
    elif kind == "width_space":
        b = N.full_width(f"{e.place()} {e.trade}{e.product} ({'集团'}){e.form}" if rng.random() < 0.5
                         else f"{e.place()} {e.trade} {e.product}{e.form}")
    elif kind == "combo":
        b = N.s2t(e.name(place="", form=other_form(e.form, rng)))
    elif kind in ("other_trade", "trad_other"):
        t = N.trade_name(rng)
        while t == e.trade:
            t = N.trade_name(rng)
        # Two unrelated enterprises choose their legal forms independently.
        b = e.name(trade=t, form=rng.choice(N.LEGAL_FORMS))
        if kind == "trad_other":
            b = N.s2t(b)
    elif kind == "similar_trade":
        b = e.name(trade=N.one_char_other(e.trade, rng), form=rng.choice(N.LEGAL_FORMS))
    elif kind == "other_city":
        other = Ent(d, rng, trade=e.trade, product=e.product, form=e.form)
        while other.city == e.city:
            other = Ent(d, rng, trade=e.trade, product=e.product, form=e.form)
        b, cb = other.name(), other.city
    elif kind == "other_county":
        counties = [c for c in d.counties[e.city] if d.has_county_in_name(e.city, c[0], c[1])]
        while len(counties) < 2 or not d.has_county_in_name(e.city, e.county[0], e.county[1]):
            e = Ent(d, rng)
            counties = [c for c in d.counties[e.city] if d.has_county_in_name(e.city, c[0], c[1])]
        a = e.name()
        other = Ent(d, rng, city=e.city, county=rng.choice([c for c in counties if c != e.county]), trade=e.trade,
                    product=e.product, form=rng.choice(N.LEGAL_FORMS))
        b = other.name()
    elif kind == "other_product":
        p = rng.choice(PRODUCTS)
        while p == e.product:
            p = rng.choice(PRODUCTS)
        b = e.name(product=p, form=rng.choice(N.LEGAL_FORMS))
    elif kind == "branch":
        where = rng.choice(d.cities)
        b = a + rng.choice([d.city_name[where] + "分公司", d.city_name[where] + "分厂",
                            d.counties[where][0][1] + "分公司", "第一分公司", d.city_name[where] + "办事处"])
        if rng.random() < 0.3:
            b = N.s2t(b)
    elif kind == "branch_branch":
        w1, w2 = rng.sample(d.cities, 2)
        a = e.name() + d.city_name[w1] + "分公司"
        b = e.name() + d.city_name[w2] + "分公司"
    elif kind == "group_listed":
        base = rng.choice([f"{d.city_name[e.city]}{rng.choice(N.INDUSTRY_WORDS)}", f"{e.place()}{e.trade}{e.product}"])
        a = base + rng.choice(["集团有限公司", "集团有限责任公司"])
        b = base + "股份有限公司"
    else:
        raise ValueError(kind)
    return a, b, e.city, cb or e.city


PRODUCTS = N.products()


def main():
    rng = random.Random(SEED)
    d = N.Divisions()
    rows = []
    seen = set()
    for kind, n in COUNTS.items():
        made = 0
        while made < n:
            a, b, ca, cb = make(kind, d, rng)
            if a == b or (a, b) in seen:
                continue
            seen.add((a, b))
            rows.append((a, b, ca, cb, 1 if kind in POSITIVE else 0, kind))
            made += 1
    out = os.path.join(N.HERE, "er_pairs.csv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["a", "b", "city_a", "city_b", "same", "kind"])
        w.writerows(rows)
    print(f"wrote {len(rows)} pairs ({sum(r[4] for r in rows)} positive) to {out}")


if __name__ == "__main__":
    main()
