"""The baseline on the hand-worked networks of tests/README.md: every value as worked out by hand."""

import os
import subprocess
import sys
import json

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {
    "chain3.json": {"raw": (40, 0, 6), "part": (10, 0, 4), "prod": (10, 0, 2)},
    "alt5.json": {
        "raw_a": (0, 0, 16),
        "raw_b": (15, 0, 16),
        "part": (10, 0, 4),
        "prod": (10, 0, 2),
        "scrap": (0, 0, None),
    },
}
bad = 0
for name, want in EXPECTED.items():
    cmd = [sys.executable, os.path.join(HERE, "..", "baseline.py"), os.path.join(HERE, name)]
    doc = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    for n in doc["nodes"]:
        pi, base, tts = want[n["node"]]
        ok = abs(n["pi"] - pi) < 1e-9 and abs(n["baseline"] - base) < 1e-9
        ok &= (tts is None and n["tts_days"] is None) or (
            tts is not None and n["tts_days"] is not None and abs(n["tts_days"] - tts) < 1e-9
        )
        if not ok:
            bad += 1
            print(f"hand-worked {name} {n['node']}: want PI {pi}, baseline {base}, TTS {tts}; got {n}")
print(f"hand-worked networks: {'all values as worked out' if not bad else f'{bad} wrong'}")
sys.exit(1 if bad else 0)
