"""P3: `update` (write-back) on 10,000 items + 30,000 milestones vs a bare openpyxl load + save.

Generates its input, measures both in the same run and prints the ratio (target <= 0.5x).
Run: python benchmarks/bench_update.py [--items 10000] [--milestones 30000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import openpyxl

from poam_xl import model, template
from poam_xl.update import update_workbook
from poam_xl.validation import validate

AS_OF = dt.date(2026, 11, 25)


def make_input(path: Path, items: int, milestones: int) -> int:
    """The generated template with ``items`` sample items, topped up to ``milestones`` rows."""
    wb = template.build(sample_items=items, as_of=AS_OF)
    ws = wb[model.MILESTONES.sheet]
    have = ws.max_row - 1
    for k in range(have, milestones):
        ws.append([k % items + 1, f"Follow-up check {k}", AS_OF + dt.timedelta(days=k % 90),
                   "Pending", None, None])
    wb.save(path)
    return max(have, milestones)


def timed(fn: object, *args: object, **kwargs: object) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn(*args, **kwargs)  # type: ignore[operator]
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--milestones", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        src = Path(folder) / "big.xlsx"
        t_make, n_miles = timed(make_input, src, args.items, args.milestones)
        print(f"input: {args.items:,} items, {n_miles:,} milestones, "
              f"{src.stat().st_size / 1024**2:.1f} MB (generated in {t_make:.1f} s)")
        t_validate, report = timed(validate, src, as_of=AS_OF)
        t_update, result = timed(update_workbook, src, Path(folder) / "updated.xlsx", report)
        print(f"validate:               {t_validate:6.2f} s ({report.status})")  # type: ignore[attr-defined]
        print(f"update (write-back):    {t_update:6.2f} s  {result.line()}")  # type: ignore[attr-defined]
        t_load, wb = timed(openpyxl.load_workbook, src)
        t_save, _ = timed(wb.save, Path(folder) / "openpyxl.xlsx")  # type: ignore[attr-defined]
        bare = t_load + t_save
        print(f"openpyxl load + save:   {bare:6.2f} s (load {t_load:.2f}, save {t_save:.2f})")
        print(f"P3 ratio update / openpyxl = {t_update / bare:.2f}x (target <= 0.5x)")
        print(f"   validate + update / openpyxl = {(t_validate + t_update) / bare:.2f}x "
              "(the whole `poam-xl update` command)")


if __name__ == "__main__":
    main()
