"""P2: a batch of 400 small submissions, 2 worker processes vs 1 (target >= 1.7x on 2 cores).

Generates its inputs, measures both in the same run and prints the speed-up.
Run: python benchmarks/bench_batch.py [--files 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from poam_xl import batch, template

AS_OF = dt.date(2026, 11, 25)


def make_inputs(folder: Path, files: int) -> list[Path]:
    """``files`` small workbooks (8-30 items each; 10 distinct ones, copied)."""
    seeds = []
    for s in range(10):
        p = folder / f"seed{s}.xlsx"
        template.build(sample_items=8 + 2 * s, as_of=AS_OF, seed=s).save(p)
        seeds.append(p)
    out = []
    for i in range(files):
        p = folder / f"submission-{i:04d}.xlsx"
        shutil.copyfile(seeds[i % len(seeds)], p)
        out.append(p)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=400)
    args = parser.parse_args()
    options = batch.BatchOptions(as_of=AS_OF)
    with tempfile.TemporaryDirectory() as folder:
        paths = make_inputs(Path(folder), args.files)
        batch.run(paths[:5], options, jobs=1)  # warm imports
        timings = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            results = batch.run(paths, options, jobs=jobs)
            timings[jobs] = time.perf_counter() - start
            assert all(r["status"] != "unreadable" for r in results)
            print(f"{args.files} files, --jobs {jobs}: {timings[jobs]:6.2f} s "
                  f"({1000 * timings[jobs] / args.files:.1f} ms/file)")
        print(f"P2 speed-up 2 workers / 1 = {timings[1] / timings[2]:.2f}x (target >= 1.7x)")


if __name__ == "__main__":
    main()
