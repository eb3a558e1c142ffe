"""P1: `poam_xl.validate` on 10,000 items + 30,000 milestones vs a bare python_calamine read.

Generates its input, measures both in the same run (best of --repeat) and prints the ratio
(target <= 1.5x) with where validate's time goes. Run: python benchmarks/bench_validate.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_update import AS_OF, make_input  # noqa: E402

from poam_xl.package import inspect, scan_sheets  # noqa: E402
from poam_xl.reader import load_grids, read, read_grid  # noqa: E402
from poam_xl.validation import validate  # noqa: E402


def bare_calamine(path: Path) -> int:
    """The baseline: every sheet into Python lists, nothing else."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=True)
        cells += sum(len(r) for r in rows)
    return cells


def best(repeat: int, fn: object, *args: object, **kwargs: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of validate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "big.xlsx"
        n_miles = make_input(src, args.items, args.milestones)
        print(f"input: {args.items:,} items, {n_miles:,} milestones, "
              f"{src.stat().st_size / 1024**2:.1f} MB")
        validate(src, as_of=AS_OF)  # warm imports and caches for both sides
        bare_calamine(src)
        t_bare = best(args.repeat, bare_calamine, src)
        t_val = best(args.repeat, validate, src, as_of=AS_OF)
        info = inspect(src)
        t_inspect = best(args.repeat, inspect, src)
        t_scan = best(args.repeat, lambda: scan_sheets(info))
        t_grids = best(args.repeat, load_grids, info)
        grids = load_grids(info)
        t_grid = best(args.repeat, read_grid, grids, date1904=info.date1904)
        t_read = best(args.repeat, read, src)
        print(f"bare python_calamine read:      {t_bare:6.3f} s")
        print(f"poam_xl.validate:               {t_val:6.3f} s")
        print(f"  inspect (zip, workbook.xml):  {t_inspect:6.3f} s")
        print(f"  sheet pre-scan (all sheets):  {t_scan:6.3f} s")
        print(f"  load_grids (scan + calamine): {t_grids:6.3f} s")
        print(f"  read_grid (frames, types):    {t_grid:6.3f} s")
        print(f"  read total:                   {t_read:6.3f} s")
        print(f"  checks (validate - read):     {t_val - t_read:6.3f} s")
        print(f"P1 ratio validate / bare calamine = {t_val / t_bare:.2f}x (target <= 1.5x)")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(validate, src, as_of=AS_OF)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
