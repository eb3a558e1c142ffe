"""B3: `poam-xl validate` of 10,000 items + 30,000 milestones (~5,000 findings), the default
table output written to a file (not a terminal) vs `--format json` (target <= 1.2x).

Generates its input; runs each command as a whole process with stdout sent to a file (median
of --runs). Run: python benchmarks/bench_report.py [--items 10000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_update import AS_OF, make_input  # noqa: E402


def timed_run(cmd: list[str], out: Path) -> float:
    with out.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        subprocess.run(cmd, stdout=sink, stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = shutil.which("poam-xl")
    cli = [exe] if exe else [sys.executable, "-c", "from poam_xl.cli import main; main()"]
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "big.xlsx"
        n_miles = make_input(src, args.items, args.milestones)
        base = [*cli, "validate", str(src), "--as-of", AS_OF.isoformat()]
        cmds = {"table (default) > file": base, "--format json > file": [*base, "--format", "json"]}
        outs = {label: Path(folder) / f"out{i}.txt" for i, label in enumerate(cmds)}
        times: dict[str, list[float]] = {label: [] for label in cmds}
        for _ in range(args.runs + 1):  # the first round warms the OS file cache, not counted
            for label, cmd in cmds.items():
                times[label].append(timed_run(cmd, outs[label]))
        doc = json.loads(outs["--format json > file"].read_text(encoding="utf-8"))
        findings = sum(len(f["findings"]) for f in doc["files"])
        table_lines = outs["table (default) > file"].read_text(encoding="utf-8").count("\n")
        print(f"input: {args.items:,} items, {n_miles:,} milestones, {findings:,} findings")
        med = {label: statistics.median(ts[1:]) for label, ts in times.items()}
        for label, t in med.items():
            print(f"{label:26s} {t:6.2f} s")
        print(f"table output: {table_lines:,} lines")
        ratio = med["table (default) > file"] / med["--format json > file"]
        print(f"B3 ratio table / json = {ratio:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
