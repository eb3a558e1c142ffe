"""P4: peak memory validating a workbook of 100,000 items (target < 600 MB).

Generates its input (raw sheet XML: fast), validates it in a fresh process and reports that
process's peak RSS, next to the peak of a process that only imports poam-xl.
``--milestones N`` generates the input with N milestone rows too (the issue's variant:
``--milestones 300000``; built with openpyxl, slower to generate).
Run: python benchmarks/bench_memory.py [--items 100000] [--milestones 300000]
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from poam_xl import template

# VmHWM (peak RSS of this process image); ru_maxrss would carry the parent's peak over exec
CHILD = """
import datetime as dt, re, sys
from poam_xl.package import Limits
from poam_xl.validation import validate
if sys.argv[1] != "-":  # 300,000 milestone rows exceed the default 200,000-row safety limit
    r = validate(sys.argv[1], as_of=dt.date(2026, 11, 25), limits=Limits(max_rows=1_000_000))
    print(r.status, r.summary["items"], file=sys.stderr)
print(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
"""


def make_input(path: Path, items: int) -> None:
    """A 50-item generated workbook whose item rows are repeated up to ``items``."""
    buf = io.BytesIO()
    template.build(sample_items=50, as_of=__import__("datetime").date(2026, 11, 25)).save(buf)
    part = "xl/worksheets/sheet2.xml"
    with zipfile.ZipFile(buf) as zin:
        xml = zin.read(part).decode()
        first = template.FIRST_ROW
        start = xml.index(f'<row r="{first}"')
        end = xml.index("</sheetData>")
        rows = re.findall(r'<row r="\d+".*?</row>', xml[start:end])
        out = []
        for k in range(items):
            row = rows[k % len(rows)]
            n = first + k
            row = re.sub(r'(<row r=")\d+', rf"\g<1>{n}", row, count=1)
            row = re.sub(r'(<c r="[A-Z]+)\d+"', rf'\g<1>{n}"', row)
            row = re.sub(r'(<c r="A\d+"[^>]*><v>)\d+', rf"\g<1>{k + 1}", row, count=1)
            out.append(row)
        xml = xml[:start] + "".join(out) + xml[end:]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for name in zin.namelist():
                zout.writestr(name, xml if name == part else zin.read(name))


def peak_mb(arg: str) -> float:
    proc = subprocess.run([sys.executable, "-c", CHILD, arg], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"validate failed: {proc.stderr.strip().splitlines()[-3:]}")
    if proc.stderr.strip():
        print("  validated:", proc.stderr.strip().splitlines()[-1])
    return int(proc.stdout.split()[-1]) / 1024  # KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--milestones", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "huge.xlsx"
        if args.milestones:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_update import make_input as with_milestones

            miles = with_milestones(src, args.items, args.milestones)
        else:
            make_input(src, args.items)
            miles = 0
        print(f"input: {args.items:,} items, {miles:,} milestones, "
              f"{src.stat().st_size / 1024**2:.1f} MB")
        base = peak_mb("-")
        peak = peak_mb(str(src))
        print(f"peak RSS, imports only:        {base:7.0f} MB")
        print(f"peak RSS, validate {args.items:,} items: {peak:7.0f} MB "
              f"({peak - base:.0f} MB for the data)")
        print(f"P4 peak {peak:.0f} MB (target < 600 MB)")


if __name__ == "__main__":
    main()
