"""A button press imports poam_xl.xl (and Excel loads poam_xl.udf): neither pulls in pandera,
openpyxl, rich, formulas or lxml; those are imported by the functions that use them (the rule
catalogue, read for report titles, does not import pandera either)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandera", "openpyxl", "rich", "formulas", "lxml")
CODE = f"""
import importlib, json, sys
seen = {{}}
for module in ("poam_xl.xl", "poam_xl.udf", "poam_xl.catalogue"):
    importlib.import_module(module)
    seen[module] = [m for m in {HEAVY!r} if m in sys.modules]
print(json.dumps(seen))
"""


def test_button_and_worksheet_function_imports_stay_light() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen == {"poam_xl.xl": [], "poam_xl.udf": [], "poam_xl.catalogue": []}
