"""Due dates, days open/overdue and flags: edge cases, and agreement with a real spreadsheet engine."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poam_xl import derive
from poam_xl.policy import DEFAULT, Policy

d = dt.date
BUSINESS = replace(DEFAULT, day_count="business", holidays=(d(2026, 11, 26), d(2026, 12, 25)))


@pytest.mark.parametrize(("risk", "identified", "pol", "due"), [
    ("High", d(2024, 1, 31), DEFAULT, d(2024, 3, 1)),  # across a leap February
    ("High", d(2023, 1, 31), DEFAULT, d(2023, 3, 2)),
    ("High", d(2025, 12, 15), DEFAULT, d(2026, 1, 14)),  # year end
    ("Low", d(2024, 2, 29), DEFAULT, d(2024, 8, 27)),  # from a leap day
    ("Medium", d(2026, 8, 31), DEFAULT, d(2026, 11, 29)),  # month end
    ("High", d(2026, 11, 20), BUSINESS, d(2027, 1, 5)),  # 30 business days, 2 holidays
    ("High", d(2026, 11, 21), BUSINESS, d(2027, 1, 5)),  # a Saturday start counts from Friday
    ("Low", None, DEFAULT, None),
    (None, d(2026, 1, 1), DEFAULT, None),
])
def test_due_date(risk, identified, pol, due):
    assert derive.due_date(risk, identified, pol) == due


@pytest.mark.parametrize(("milestone", "as_of", "flag", "overdue"), [
    (d(2026, 12, 9), d(2026, 11, 25), "DUE SOON", 0),  # exactly 14 days ahead
    (d(2026, 12, 10), d(2026, 11, 25), "", 0),  # 15 days ahead
    (d(2026, 11, 25), d(2026, 11, 25), "DUE SOON", 0),  # due today is not overdue
    (d(2026, 11, 24), d(2026, 11, 25), "OVERDUE", 1),
    (d(2026, 8, 27), d(2026, 11, 25), "OVERDUE", 90),  # exactly 90 days late
    (d(2026, 8, 26), d(2026, 11, 25), "90+ DAYS LATE", 91),
    (d(2026, 11, 20), d(2026, 11, 28), "OVERDUE", 8),  # weekend as_of: calendar days
])
def test_flags_at_the_edges(milestone, as_of, flag, overdue):
    got = derive.item_status("Open", "High", d(2026, 1, 1), milestone, DEFAULT, as_of)
    assert got["flag"] == flag and got["days_overdue"] == overdue


def test_closed_items_have_no_flag_and_stop_ageing():
    got = derive.item_status("Closed", "High", d(2026, 1, 1), d(2026, 1, 10), DEFAULT, d(2026, 11, 25),
                             completion=d(2026, 2, 1))
    assert got == {"days_open": 31, "days_overdue": None, "flag": ""}


def test_no_milestone_date_falls_back_to_the_policy_due_date():
    got = derive.item_status("Open", "High", d(2026, 10, 1), None, DEFAULT, d(2026, 11, 25))
    assert got["days_overdue"] == 25 and got["flag"] == "OVERDUE"  # due 2026-10-31


def test_time_parts_are_ignored():
    items = pd.DataFrame({
        "status": ["Open"], "risk_level": ["High"],
        "date_identified": pd.to_datetime([dt.datetime(2026, 1, 1, 23, 59)]).normalize(),
        "milestone_date": pd.to_datetime([None]), "completion_date": pd.to_datetime([None]),
    })
    out = derive.derive(items, DEFAULT, d(2026, 1, 2))
    assert out["days_open"].iloc[0] == 1 and out["due_date"].iloc[0] == pd.Timestamp(2026, 1, 31)


def test_explanation_names_rule_base_days_and_as_of():
    items = pd.DataFrame({"status": ["Open"], "risk_level": ["High"],
                          "date_identified": pd.to_datetime(["2026-01-10"]),
                          "milestone_date": pd.to_datetime([None]),
                          "completion_date": pd.to_datetime([None])})
    text = derive.derive(items, replace(DEFAULT, source="Policy sheet"), d(2026, 3, 1))["explanation"][0]
    assert text == ("due 2026-02-09 = identified 2026-01-10 + 30 calendar days (High, Policy sheet); "
                    "as of 2026-03-01")


def test_priority_order_risk_then_overdue_then_due():
    items = pd.DataFrame({"risk_level": ["Low", "High", "High", "Medium"]}, index=[10, 11, 12, 13])
    derived = pd.DataFrame({"days_overdue": pd.array([50, 0, 5, None], dtype="Int64"),
                            "proposed_milestone": pd.to_datetime(["2026-01-01", "2026-02-01",
                                                                  "2026-01-15", "2026-03-01"])},
                           index=items.index)
    assert list(derive.priority_order(items, derived)) == [12, 11, 13, 10]


# ------------------------------------------------ cross-check against a real spreadsheet engine
CASES = [  # risk, identified, milestone, status, as_of
    ("High", d(2024, 1, 31), None, "Open", d(2024, 3, 20)),
    ("Medium", d(2026, 8, 31), None, "In Progress", d(2026, 11, 20)),
    ("Low", d(2024, 2, 29), d(2024, 6, 1), "Open", d(2024, 11, 1)),
    ("High", d(2026, 11, 20), d(2026, 12, 1), "Open", d(2026, 11, 25)),
    ("Low", d(2025, 12, 31), None, "Completed", d(2026, 11, 25)),
    ("High", d(2026, 11, 21), None, "Deferred", d(2027, 1, 2)),
    ("Medium", d(2026, 1, 2), d(2026, 2, 1), "Open", d(2026, 5, 5)),
]
CAL_DUE = 'IF(A{r}="High",B{r}+30,IF(A{r}="Medium",B{r}+90,IF(A{r}="Low",B{r}+180,"")))'
BUS_DUE = 'WORKDAY(B{r},IF(A{r}="High",30,IF(A{r}="Medium",90,180)),$K$2:$K$3)'
FLAG = ('IF(OR(D{r}="Completed",D{r}="Closed"),"",IF(E{r}-{t}>90,"90+ DAYS LATE",'
        'IF(E{r}-{t}>0,"OVERDUE",IF({t}-E{r}<=14,"DUE SOON",""))))')


def _formula_book(path, business: bool) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["risk", "identified", "milestone", "status", "as_of", "due", "flag", "days_open"])
    for i, (risk, ident, ms, status, as_of) in enumerate(CASES, start=2):
        due = (BUS_DUE if business else CAL_DUE).format(r=i)
        target = f'IF(C{i}<>"",C{i},F{i})'
        ws.append([risk, ident, ms, status, as_of, f"={due}", "=" + FLAG.format(r=i, t=target),
                   f"=E{i}-B{i}"])
    ws["K2"], ws["K3"] = BUSINESS.holidays
    for i in range(2, len(CASES) + 2):
        for col in "BCEF":
            ws[f"{col}{i}"].number_format = "yyyy-mm-dd"
    wb.save(path)


def _python(business: bool) -> list[tuple[str, str, int]]:
    pol = BUSINESS if business else DEFAULT
    out = []
    for risk, ident, ms, status, as_of in CASES:
        due = derive.due_date(risk, ident, pol)
        got = derive.item_status(status, risk, ident, ms, pol, as_of)
        out.append((due.isoformat(), got["flag"], (as_of - ident).days))
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("business", [False, True], ids=["calendar", "business"])
def test_python_agrees_with_libreoffice(tmp_path, business):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is installed by scripts/test"
    src = tmp_path / "formulas.xlsx"
    _formula_book(src, business)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "csv", "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180)
    out = tmp_path / "formulas.csv"
    assert out.exists()
    rows = list(csv.reader(out.open()))[1:]
    engine = [(r[5], r[6], int(r[7])) for r in rows]
    assert engine == _python(business)


def test_python_agrees_with_the_formulas_package(tmp_path):
    import formulas
    src = tmp_path / "formulas.xlsx"
    _formula_book(src, business=False)
    model = formulas.ExcelModel().loads(str(src)).finish()
    solution = model.calculate()

    def value(ref: str):
        key = next(k for k in solution if k.upper().endswith(f"!{ref}"))
        return solution[key].value[0, 0]

    for i, (due, flag, days_open) in enumerate(_python(business=False), start=2):
        serial = value(f"F{i}")
        assert dt.date(1899, 12, 30) + dt.timedelta(days=int(serial)) == dt.date.fromisoformat(due)
        assert value(f"G{i}") == flag
        assert int(value(f"H{i}")) == days_open


def test_explanation_counts_only_the_holidays_it_skipped():
    items = pd.DataFrame({"status": ["Open", "Open"], "risk_level": ["High", "High"],
                          "date_identified": pd.to_datetime(["2026-03-02", "2026-11-20"]),
                          "milestone_date": pd.to_datetime([None, None]),
                          "completion_date": pd.to_datetime([None, None])})
    text = derive.derive(items, BUSINESS, d(2026, 11, 25))["explanation"]
    assert "holiday" not in text[0]  # both holidays fall after its due date
    assert "30 business days, skipping 2 holiday(s) (High" in text[1]


def test_fill_records_reads_any_spelling_of_risk_and_status() -> None:
    """Records from a sender's layout ("Moderate", "CAT I", "in progress") get the due date of
    their canonical level, as validate computes it."""
    from poam_xl import derive as d
    from poam_xl.policy import DEFAULT

    rows = [{"item_number": 1, "status": "in progress", "risk_level": "Moderate",
             "date_identified": dt.date(2026, 1, 1)},
            {"item_number": 2, "status": "Open", "risk_level": "CAT I",
             "date_identified": dt.date(2026, 1, 1)}]
    d.fill_records(rows, DEFAULT, dt.date(2026, 2, 1))
    assert [r["due_date"] for r in rows] == [dt.date(2026, 4, 1), dt.date(2026, 1, 31)]
    assert rows[1]["days_overdue"] == 1


# ---------------------------------------------------------------- explain: row-wise == by columns
def _explain_by_columns(identified: pd.Series, risk: pd.Series, due: pd.Series, pol: Policy,
            as_of: dt.date) -> pd.Series:
    """The explanations as built a column at a time before (the oracle of the row-wise one)."""
    hol = pd.Series("", index=due.index, dtype=object)
    if pol.day_count == "business" and pol.holidays:
        # only the weekday holidays that really fall between the two dates were skipped
        days_off = np.array(sorted(h for h in pol.holidays if h.weekday() < 5), dtype="datetime64[ns]")
        n = (np.searchsorted(days_off, due.to_numpy(), side="right")
             - np.searchsorted(days_off, identified.to_numpy(), side="right"))
        n = pd.Series(n, index=due.index)
        hol = hol.where(n == 0, ", skipping " + n.astype(str) + " holiday(s)")
    days = risk.map(pol.days).astype("Int64").astype(str)
    # each number names its own source: the Policy sheet, or the default a blank cell fell back to
    source = risk.map(pol.days_sources()).fillna(pol.source).astype(str)
    counted = pol.source_of("day_count")
    if counted != pol.source:  # a blank Day count cell: say whose calendar/business rule it is
        source = source.where(source == counted, source + "; day count: " + counted)
    text = ("due " + due.dt.strftime("%Y-%m-%d") + " = identified " + identified.dt.strftime("%Y-%m-%d")
            + " + " + days + f" {pol.day_count} days" + hol + " (" + risk.astype(str)
            + ", " + source + f"); as of {as_of.isoformat()}")
    why = pd.Series("no due date: no valid Risk Level", index=due.index, dtype=object)
    why[risk.map(pol.days).notna()] = f"no due date: it would fall after {derive.MAX_DATE}"
    why[identified.isna()] = "no due date: Date Identified is empty or not a date"
    return text.where(due.notna(), why).astype(object)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(
    st.sampled_from(["High", "Medium", "Low", None, "Bogus", float("nan")]),
    st.one_of(st.none(), st.dates(d(1990, 1, 1), d(2030, 12, 31)), st.dates(d(2026, 6, 1), d(2026, 12, 31)),
              st.dates(d(2261, 1, 1), d(2262, 4, 11)))),
    min_size=1, max_size=12),
    business=st.booleans(), sources=st.sampled_from([{}, {"days_low": "poam-xl default"},
                                                      {"day_count": "poam-xl default"}]))
def test_explanations_equal_the_column_at_a_time_build(rows, business, sources) -> None:
    """The row-wise explanation (one text per risk level, then one f-string a row) gives the
    same text as the pandas column build it replaced, for every risk word, blank and far date,
    with holidays and with values from other sources than the policy's."""
    pol = replace(BUSINESS if business else DEFAULT, source="Policy sheet", sources=sources)
    items = pd.DataFrame({"status": ["Open"] * len(rows), "risk_level": [r for r, _ in rows],
                          "date_identified": pd.to_datetime([i for _, i in rows]).astype("datetime64[ns]"),
                          "milestone_date": pd.to_datetime([None] * len(rows)),
                          "completion_date": pd.to_datetime([None] * len(rows))})
    derived = derive.derive(items, pol, d(2026, 11, 25))
    expected = _explain_by_columns(items["date_identified"], items["risk_level"], derived["due_date"],
                                   pol, d(2026, 11, 25))
    assert derived["explanation"].tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2262, 4, 11)),
                          st.sampled_from([dt.date(2026, 1, 5), dt.date(2026, 2, 9)])),
                max_size=40))
def test_iso_texts_each_day_as_numpy_writes_it(days):
    """derive.iso_days (each distinct day written once) gives the ISO text numpy gives each row,
    None for a blank."""
    import numpy as np

    from poam_xl.derive import iso_days

    column = pd.Series(pd.to_datetime(pd.Series(days, dtype=object)), dtype="datetime64[ns]")
    values = column.to_numpy("datetime64[ns]")
    want = [None if np.isnat(v) else str(np.datetime_as_string(v.astype("datetime64[D]")))
            for v in values]
    assert iso_days(column) == want
    assert want == [None if d is None else d.isoformat() for d in days]
