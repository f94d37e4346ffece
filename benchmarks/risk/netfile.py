"""The risk network file (`{"nodes":[…], "edges":[…]}`, crates/risk/src/network.rs) as numpy arrays.

Shared by baseline.py, compare.py and propagate.py. Only reading and indexing the file: nothing here is timed.
"""

import json

import numpy as np


class Net:
    """A network file indexed once: node arrays in file order, edges as index arrays.

    ids: node ids; f, d, s, c, ttr: float arrays; product: bool array; region, enterprise, link: lists (None where
    absent). sup, buy: edge endpoint indices; r: edge coefficients; group: for each edge, the index of its
    (buyer, input) pair — the edges sharing a group are that input's alternative suppliers P_jk; group_buyer: the
    buyer of each group.
    """

    def __init__(self, doc):
        nodes = doc["nodes"]
        edges = doc.get("edges", [])
        self.ids = [n["id"] for n in nodes]
        self.index = {i: k for k, i in enumerate(self.ids)}
        if len(self.index) != len(self.ids):
            raise ValueError("duplicate node ids")
        self.n = len(nodes)
        self.f = np.array([float(n["f"]) for n in nodes])
        self.d = np.array([float(n["d"]) for n in nodes])
        self.s = np.array([float(n["s"]) for n in nodes])
        self.c = np.array([float(n["c"]) for n in nodes])
        self.ttr = np.array([float(n["ttr"]) for n in nodes])
        self.product = np.array([bool(n.get("product", False)) for n in nodes])
        self.region = [n.get("region") for n in nodes]
        self.enterprise = [n.get("enterprise") for n in nodes]
        self.link = [n.get("link") for n in nodes]
        self.sup = np.array([self.index[e["supplier"]] for e in edges], dtype=np.int64)
        self.buy = np.array([self.index[e["buyer"]] for e in edges], dtype=np.int64)
        self.r = np.array([float(e["r"]) for e in edges])
        groups = {}
        self.group = np.array(
            [groups.setdefault((e["buyer"], e["input"]), len(groups)) for e in edges], dtype=np.int64
        )
        self.group_buyer = np.zeros(len(groups), dtype=np.int64)
        for e, g in zip(edges, self.group):
            self.group_buyer[g] = self.index[e["buyer"]]
        self.m = len(edges)
        self.g = len(groups)
        self.products = np.flatnonzero(self.product)

    @staticmethod
    def load(path):
        with open(path) as fh:
            return Net(json.load(fh))
