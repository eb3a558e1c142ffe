"""P6: `poam-xl rollup` of 400 workbooks of 12 items, --jobs 2, vs `poam-xl validate` of the same
folder with --jobs 2 (target <= 1.3x): the roll-up's price over validation is the records sent
back from the workers and the portfolio workbook written.

Generates its inputs, runs both commands (fresh processes, as a user runs them) in the same run,
alternating, best of ``--rounds``, and prints the ratio.
Run: python benchmarks/bench_rollup.py [--files 400] [--rounds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poam_xl import template

AS_OF = dt.date(2026, 11, 25)


def make_inputs(folder: Path, files: int) -> None:
    """``files`` workbooks of 12 items (10 distinct ones, copied)."""
    seeds = []
    for s in range(10):
        p = folder / f"seed{s}.xlsx"
        template.build(sample_items=12, as_of=AS_OF, seed=s).save(p)
        seeds.append(p)
    inbox = folder / "inbox"
    inbox.mkdir()
    for i in range(files):
        shutil.copyfile(seeds[i % len(seeds)], inbox / f"submission-{i:04d}.xlsx")


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "poam_xl", *args], capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: validate found findings
        raise SystemExit(f"{args[0]} failed ({done.returncode}): {done.stderr[-400:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_inputs(folder, args.files)
        inbox, day = str(folder / "inbox"), AS_OF.isoformat()
        best = {"validate": float("inf"), "rollup": float("inf")}
        for _ in range(args.rounds):
            best["validate"] = min(best["validate"], timed(
                ["validate", inbox, "--jobs", "2", "--as-of", day, "--format", "json",
                 "--output", str(folder / "validate.json")]))
            best["rollup"] = min(best["rollup"], timed(
                ["rollup", inbox, "--jobs", "2", "--as-of", day,
                 "--output", str(folder / "portfolio.xlsx")]))
        for name, took in best.items():
            print(f"{name:<8} {args.files} files, --jobs 2: {took:6.2f} s "
                  f"({1000 * took / args.files:.1f} ms/file)")
        print(f"P6 rollup / validate = {best['rollup'] / best['validate']:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
