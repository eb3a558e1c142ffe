"""`poam-xl history`: three versions with known transitions (opened, closed, reopened, slipped)
and every figure computed by hand."""

from __future__ import annotations

import datetime as dt
import json
import os

import openpyxl
import pytest
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.portfolio import history
from tests.portfolio_books import header, item, write_poam

D = dt.date
OWNER = "R. Patel (Network)"


def _versions(folder):
    """Named so that file-name order is not date order: a = v3, b = v1, c = v2."""
    v1 = [item(1, "High", D(2026, 1, 1), milestone_date=D(2026, 1, 31)),
          item(2, "Medium", D(2026, 1, 10), milestone_date=D(2026, 4, 10), owner=OWNER),
          item(3, "Low", D(2025, 12, 1), "Completed", completion_date=D(2026, 1, 20)),
          item(4, "High", D(2026, 1, 15), milestone_date=D(2026, 2, 14))]
    v2 = [item(1, "High", D(2026, 1, 1), "Closed", completion_date=D(2026, 2, 10),
               milestone_date=D(2026, 1, 31)),
          item(2, "Medium", D(2026, 1, 10), milestone_date=D(2026, 5, 10), owner=OWNER,
               milestone_changes="Moved 30 days: vendor delay"),
          item(3, "Low", D(2025, 12, 1), "In Progress", milestone_date=D(2026, 3, 31)),
          item(4, "High", D(2026, 1, 15), milestone_date=D(2026, 2, 14)),
          item(5, "High", D(2026, 2, 20), milestone_date=D(2026, 3, 22))]
    v3 = [v2[0], v2[1],
          item(3, "Low", D(2025, 12, 1), "Completed", completion_date=D(2026, 3, 15),
               milestone_date=D(2026, 3, 31)),
          item(4, "High", D(2026, 1, 15), "Completed", completion_date=D(2026, 3, 1),
               milestone_date=D(2026, 2, 14)),
          v2[4],
          item(6, "Medium", D(2026, 3, 5), "Completed", completion_date=D(2026, 3, 20))]
    write_poam(folder / "a.xlsx", header(day=D(2026, 3, 31)), v3)
    write_poam(folder / "b.xlsx", header(day=D(2026, 1, 31)), v1)
    write_poam(folder / "c.xlsx", header(day=D(2026, 2, 28)), v2)
    return folder


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    folder = _versions(tmp_path_factory.mktemp("versions"))
    versions = history.load_versions(sorted(folder.glob("*.xlsx")))
    return folder, history.build(versions)


def test_versions_are_ordered_by_poam_date(figures):
    _, h = figures
    assert [os.path.basename(v.path) for v in h.versions] == ["b.xlsx", "c.xlsx", "a.xlsx"]
    assert {v.source for v in h.versions} == {"POA&M Date"}


def test_periods_opened_closed_reopened_overdue(figures):
    _, h = figures
    got = [{k: p[k] for k in ("from", "to", "opened", "closed", "reopened", "open", "overdue")}
           for p in h.periods]
    assert got == [
        {"from": D(2026, 1, 31), "to": D(2026, 2, 28), "opened": 1, "closed": 1, "reopened": 1,
         "open": 4, "overdue": 1},  # item 4 (milestone 02-14) overdue on 02-28
        {"from": D(2026, 2, 28), "to": D(2026, 3, 31), "opened": 1, "closed": 3, "reopened": 0,
         "open": 2, "overdue": 1},  # item 6 arrived closed; item 5 (03-22) overdue on 03-31
    ]


def test_closing_figures(figures):
    _, h = figures
    closures = {(c["item"], c["days_to_close"], c["by_due_date"]) for c in h.closures}
    assert closures == {(1, 40, False), (3, 104, True), (4, 45, False), (6, 15, True)}
    assert h.closing == {"closed": 4, "median_days_to_close": {"High": 42.5, "Medium": 15,
                                                               "Low": 104},
                         "with_due_date": 4, "closed_by_due_date": 2,
                         "pct_closed_by_due_date": 50.0}


def test_slips_and_burn_down(figures):
    _, h = figures
    assert h.slips == [{"from": D(2026, 1, 31), "to": D(2026, 2, 28), "item": 2,
                        "moved": "2026-04-10 -> 2026-05-10", "days": 30, "owner": OWNER}]
    assert [(b["date"], b["High"], b["Medium"], b["Low"], b["total"]) for b in h.burn_down] == [
        (D(2026, 1, 31), 2, 1, 0, 3), (D(2026, 2, 28), 2, 1, 1, 4), (D(2026, 3, 31), 1, 1, 0, 2)]


def test_cli_json_workbook_and_printed_order(figures, tmp_path):
    folder, h = figures
    runner = CliRunner()
    res = runner.invoke(app, ["history", str(folder), "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc == json.loads(json.dumps(h.to_dict()))
    assert doc["closing"]["pct_closed_by_due_date"] == 50.0
    order = [line for line in res.stderr.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert [line.split()[1] for line in order] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert order[0].endswith("b.xlsx") and "(POA&M Date)" in order[0]
    out = tmp_path / "history.xlsx"
    res = runner.invoke(app, ["history", *map(str, sorted(folder.glob("*.xlsx"))), "-o", str(out)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    periods = [[c.value for c in r] for r in wb["Periods"].iter_rows(min_row=2, max_col=7)]
    assert [r[2:] for r in periods] == [[1, 1, 1, 4, 1], [1, 3, 0, 2, 1]]
    chart = wb["Burn-down"]._charts[0]
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["'Burn-down'!$B$2:$B$4", "'Burn-down'!$C$2:$C$4", "'Burn-down'!$D$2:$D$4"]
    assert [c.value for c in wb["Burn-down"]["E"][1:]] == [3, 4, 2]


def test_modification_time_orders_undated_versions(tmp_path):
    rows = [item(1, "High", D(2026, 1, 1))]
    old = write_poam(tmp_path / "z-old.xlsx", header(day=None), rows)
    new = write_poam(tmp_path / "a-new.xlsx", header(day=None),
                     [*rows, item(2, "Low", D(2026, 2, 1))])
    os.utime(old, (1_767_225_600, 1_767_225_600))  # 2026-01-01
    os.utime(new, (1_769_904_000, 1_769_904_000))  # 2026-02-01
    h = history.build(history.load_versions([new, old]))
    assert [(os.path.basename(v.path), v.source) for v in h.versions] == [
        ("z-old.xlsx", "file modified"), ("a-new.xlsx", "file modified")]
    assert h.periods[0]["opened"] == 1


def test_one_version_is_a_usage_error(tmp_path):
    one = write_poam(tmp_path / "one.xlsx", header(), [item(1, "High", D(2026, 1, 1))])
    res = CliRunner().invoke(app, ["history", str(one)])
    assert res.exit_code == 2 and "at least two versions" in res.stderr


def test_blank_dates_are_blank_not_nat() -> None:
    """A blank date cell is pandas' NaT (itself a datetime): plain() makes it None, so a closure
    without Date Identified has no days to close instead of NaN."""
    import datetime as dt

    import pandas as pd

    from poam_xl.portfolio.records import plain

    assert plain(pd.NaT) is None and plain(pd.Timestamp("2026-03-01")) == dt.date(2026, 3, 1)
    assert plain(dt.datetime(2026, 3, 1, 9)) == dt.date(2026, 3, 1)
