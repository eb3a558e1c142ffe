"""B2: `convert` of 10,000 items + 30,000 milestones (DSS workbook) vs a bare python_calamine read.

Generates its input (the generator of bench_validate.py), times each conversion in-process
(``poam_xl.convert.run.convert``: read, check, write; the OSCAL schema check included) and a bare
python_calamine read of the same file, re-measured beside each conversion run (median of
--repeat pairs), and prints ratios.
Targets: oscal <= 5x, emass / fedramp / csv / json <= 3x.
Run: python benchmarks/bench_convert.py [--items 10000] [--milestones 30000] [--to oscal,csv]
[--profile oscal]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_update import AS_OF, make_input  # noqa: E402
from bench_validate import bare_calamine  # noqa: E402

from poam_xl.convert.run import convert  # noqa: E402

TARGETS = {"oscal": 5.0, "emass": 3.0, "fedramp": 3.0, "csv": 3.0, "json": 3.0}
SUFFIX = {"oscal": ".json", "emass": ".xlsx", "fedramp": ".xlsx", "csv": ".csv", "json": ".json"}


def median_time(repeat: int, fn: object, *args: object, **kwargs: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--to", default=",".join(TARGETS), help="comma-separated target formats")
    parser.add_argument("--profile", metavar="FORMAT", help="print a cProfile of one conversion")
    args = parser.parse_args()
    formats = [f.strip() for f in args.to.split(",") if f.strip()]
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "big.xlsx"
        n_miles = make_input(src, args.items, args.milestones)
        print(f"input: {args.items:,} items, {n_miles:,} milestones, "
              f"{src.stat().st_size / 1024**2:.1f} MB")
        bare_calamine(src)  # warm the file cache and imports for both sides
        t_bare = median_time(args.repeat, bare_calamine, src)
        print(f"bare python_calamine read:  {t_bare:7.3f} s")

        def one(fmt: str) -> None:
            out = Path(folder) / f"out-{fmt}{SUFFIX[fmt]}"
            convert(src, out, to=fmt, as_of=AS_OF, force=True)

        for fmt in formats:
            one(fmt)  # warm: imports, compiled schema
            # the bare read is re-measured next to each conversion run (pairs): a noisy
            # machine then moves both sides of the ratio alike
            pairs = [(median_time(1, bare_calamine, src), median_time(1, one, fmt))
                     for _ in range(args.repeat)]
            t = statistics.median(c for _, c in pairs)
            ratio = t / statistics.median(b for b, _ in pairs)
            mark = "ok" if ratio <= TARGETS[fmt] else "MISSED"
            print(f"convert --to {fmt:<8} {t:7.3f} s  = {ratio:5.2f}x bare "
                  f"(target <= {TARGETS[fmt]:.0f}x, {mark})")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(one, args.profile)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
