"""B1: the worksheet functions, 10,000 calls each in-process vs 10,000 calls of a plain Python
function doing the same date arithmetic (target <= 25x, about <= 50 us a call).

Arguments are what xlwings hands a UDF (datetimes, strings); the baseline gets the same values
and does only the arithmetic (datetime - datetime, a dict of days per risk level, the flag
thresholds). Each block of 500 calls is timed --repeat times, UDF and baseline interleaved, and
the best of each block is summed. Run: python benchmarks/bench_udf.py [--calls 10000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from poam_xl import model, udf

AS_OF = dt.datetime(2026, 11, 25)
DAYS = {"High": 30, "Medium": 90, "Low": 180}
DELTAS = {risk: dt.timedelta(days=n) for risk, n in DAYS.items()}  # the fastest plain form
POLICY_TABLE = [[s.label, s.default, model.HOLIDAYS_LABEL if i == 0 else None]
                for i, s in enumerate(model.POLICY_SETTINGS)]
POLICY_TABLE[1][2] = dt.datetime(2026, 12, 25)


def plain_due(risk: str, ident: dt.datetime) -> dt.date:
    return ident.date() + DELTAS[risk]


def plain_days_open(ident: dt.datetime, as_of: dt.datetime) -> int:
    return (as_of - ident).days


def plain_flag(status: str, milestone: dt.datetime | None, due: dt.datetime, as_of: dt.datetime) -> str:
    if status in ("Completed", "Closed"):
        return ""
    late = (as_of - (milestone or due)).days
    if late > 90:
        return "90+ DAYS LATE"
    if late > 0:
        return "OVERDUE"
    return "DUE SOON" if -late <= 14 else ""


def plain_is_overdue(status: str, milestone: dt.datetime | None, due: dt.datetime,
                     as_of: dt.datetime) -> bool:
    return status not in ("Completed", "Closed") and (as_of - (milestone or due)).days > 0


def inputs(n: int) -> list[tuple[Any, ...]]:
    out = []
    for i in range(n):
        ident = dt.datetime(2026, 1, 1) + dt.timedelta(days=i % 330)
        ms = None if i % 3 else ident + dt.timedelta(days=45)
        risk = model.RISK_LEVELS[i % 3]
        status = ("Open", "In Progress", "Closed", "Deferred")[i % 4]
        out.append((risk, ident, status, ms, ident + dt.timedelta(days=DAYS[risk])))
    return out


def timed(fn: Callable[..., Any], calls: list[tuple[Any, ...]], repeat: int,
          base: Callable[..., Any], base_calls: list[tuple[Any, ...]], block: int = 500
          ) -> tuple[float, float]:
    """Seconds for all ``calls`` of ``fn`` and of ``base``: each block of ``block`` calls timed
    ``repeat`` times, the two interleaved, the best time of each block summed (a shared
    machine's pauses land in one run of one block, not in the figure)."""
    def once(f: Callable[..., Any], args: list[tuple[Any, ...]]) -> float:
        start = time.perf_counter()
        for a in args:
            f(*a)
        return time.perf_counter() - start

    t_fn = t_base = 0.0
    for i in range(0, len(calls), block):
        best_fn = best_base = float("inf")
        for _ in range(repeat):
            best_fn = min(best_fn, once(fn, calls[i:i + block]))
            best_base = min(best_base, once(base, base_calls[i:i + block]))
        t_fn, t_base = t_fn + best_fn, t_base + best_base
    return t_fn, t_base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rows = inputs(args.calls)
    cases = {
        "POAM_DUE_DATE": (udf.POAM_DUE_DATE, [(r, i) for r, i, *_ in rows],
                          plain_due, [(r, i) for r, i, *_ in rows]),
        "POAM_DUE_DATE(.., policy_table)": (
            udf.POAM_DUE_DATE, [(r, i, POLICY_TABLE) for r, i, *_ in rows],
            plain_due, [(r, i) for r, i, *_ in rows]),
        "POAM_DAYS_OPEN": (udf.POAM_DAYS_OPEN, [(i, AS_OF) for _, i, *_ in rows],
                           plain_days_open, [(i, AS_OF) for _, i, *_ in rows]),
        "POAM_FLAG": (udf.POAM_FLAG, [(s, m, d, AS_OF) for _, _, s, m, d in rows],
                      plain_flag, [(s, m, d, AS_OF) for _, _, s, m, d in rows]),
        "POAM_IS_OVERDUE": (udf.POAM_IS_OVERDUE, [(s, m, d, AS_OF) for _, _, s, m, d in rows],
                            plain_is_overdue, [(s, m, d, AS_OF) for _, _, s, m, d in rows]),
    }
    worst = 0.0
    for name, (fn, calls, base, base_calls) in cases.items():
        assert fn(*calls[0]) != udf.VALUE
        t_fn, t_base = timed(fn, calls, args.repeat, base, base_calls)
        ratio = t_fn / t_base
        worst = max(worst, ratio)
        per_call = t_fn / args.calls * 1e6
        print(f"{name:32s} {args.calls:,} calls {t_fn * 1000:7.1f} ms ({per_call:5.1f} us/call)"
              f"  plain Python {t_base * 1000:6.1f} ms  ratio {ratio:5.1f}x")
    print(f"B1 worst ratio UDF / plain Python = {worst:.1f}x (target <= 25x)")


if __name__ == "__main__":
    main()
