"""The worksheet functions agree with derive (the one implementation) and never raise."""

from __future__ import annotations

import datetime as dt

import pytest

from poam_xl import derive, policy, udf

D = dt.date
AS_OF = D(2026, 11, 25)
POLICY_RANGE = [["High risk: days allowed", 10], ["Medium risk: days allowed", 20],
                ["Low risk: days allowed", 40], ["Day count", "business"]]


@pytest.mark.parametrize("risk, ident, expected_risk", [
    ("High", D(2026, 1, 10), "High"),
    ("medium", dt.datetime(2026, 2, 28, 13, 5), "Medium"),
    ("Moderate", 46000.0, "Medium"),  # an Excel serial, a synonym
    (" low ", "2024-02-29", "Low"),  # leap day, text date
])
def test_due_date_matches_derive(risk, ident, expected_risk):
    from poam_xl import dates

    day = dates.to_date(ident)
    assert udf.POAM_DUE_DATE(risk, ident) == derive.due_date(expected_risk, day, policy.DEFAULT)
    pol, bad = policy.from_settings({"days_high": 10, "days_medium": 20, "days_low": 40,
                                     "day_count": "business"})
    assert not bad
    assert udf.POAM_DUE_DATE(risk, ident, POLICY_RANGE) == derive.due_date(expected_risk, day, pol)


@pytest.mark.parametrize("args, expected", [
    (("Severe", D(2026, 1, 1)), udf.VALUE),
    (("High", "not a date"), udf.VALUE),
    (("High", True), udf.VALUE),
    (("High", -5.0), udf.VALUE),
    (("High", None), None),  # a blank input: an empty cell
    (("", D(2026, 1, 1)), None),
    (("High", D(2026, 1, 1), [["High risk: days allowed", "thirty"]]), udf.VALUE),
    (("High", D(2026, 1, 1), object()), udf.VALUE),
])
def test_due_date_bad_inputs(args, expected):
    assert udf.POAM_DUE_DATE(*args) == expected


@pytest.mark.parametrize("status, milestone, due", [
    ("Open", None, D(2026, 12, 1)),  # due soon
    ("Open", D(2026, 11, 1), D(2026, 12, 30)),  # milestone wins: overdue
    ("In Progress", None, D(2026, 5, 1)),  # 90+ days late
    ("closed", None, D(2026, 5, 1)),  # closed: no flag
    ("Open", None, None),
    ("Deferred", D(2027, 6, 1), None),
])
def test_flag_and_overdue_match_derive(status, milestone, due):
    canon = status.strip().title() if status != "In Progress" else status
    core = derive.item_status(canon, None, None, milestone, policy.DEFAULT, AS_OF, due=due)
    assert udf.POAM_FLAG(status, milestone, due, AS_OF) == (core["flag"] or None)
    overdue = bool(core["days_overdue"] is not None and core["days_overdue"] > 0)
    assert udf.POAM_IS_OVERDUE(status, milestone, due, AS_OF) is overdue


def test_flag_values_seen():
    assert udf.POAM_FLAG("Open", None, D(2026, 12, 1), AS_OF) == "DUE SOON"
    assert udf.POAM_FLAG("Open", D(2026, 11, 1), None, AS_OF) == "OVERDUE"
    assert udf.POAM_FLAG("Open", None, D(2026, 5, 1), AS_OF) == "90+ DAYS LATE"
    assert udf.POAM_IS_OVERDUE("Closed", None, D(2026, 5, 1), AS_OF) is False


@pytest.mark.parametrize("args", [("Bogus", None, D(2026, 1, 1), AS_OF),
                                  ("Open", "soon", None, AS_OF),
                                  ("Open", None, D(2026, 1, 1), "yesterday")])
def test_flag_bad_inputs(args):
    assert udf.POAM_FLAG(*args) == udf.VALUE
    assert udf.POAM_IS_OVERDUE(*args) == udf.VALUE


def test_blank_status_is_blank():
    assert udf.POAM_FLAG(None, None, D(2026, 1, 1), AS_OF) is None
    assert udf.POAM_IS_OVERDUE("  ", None, D(2026, 1, 1), AS_OF) is None


@pytest.mark.parametrize("ident, as_of", [(D(2026, 1, 1), D(2026, 2, 1)),
                                          (45000.0, D(2026, 11, 25)),
                                          (D(2024, 2, 28), D(2024, 3, 1))])
def test_days_open_matches_derive(ident, as_of):
    from poam_xl import dates

    core = derive.item_status("Open", None, dates.to_date(ident), None, policy.DEFAULT, as_of)
    got = udf.POAM_DAYS_OPEN(ident, as_of)
    assert type(got) is int and got == core["days_open"]


def test_days_open_bad_and_blank():
    assert udf.POAM_DAYS_OPEN("x") == udf.VALUE
    assert udf.POAM_DAYS_OPEN(None) is None
    assert udf.POAM_DAYS_OPEN(D(2026, 1, 1), "never") == udf.VALUE


def test_udf_module_names():
    """Excel sees the Python names: keep the documented POAM_* spellings."""
    for name in ("POAM_DUE_DATE", "POAM_DAYS_OPEN", "POAM_FLAG", "POAM_IS_OVERDUE"):
        assert callable(getattr(udf, name))


def test_udfs_read_status_like_validate_does():
    from poam_xl import udf

    for typed in ("Ongoing", "in-progress", "Complete"):
        assert udf.POAM_FLAG(typed, dt.date(2026, 1, 1), None, dt.date(2026, 11, 25)) != "#VALUE!"


def test_policy_table_brings_its_holidays(tmp_path):
    """=POAM_DUE_DATE(.., policy_table) agrees with `update` when business days skip holidays."""
    import openpyxl

    from poam_xl import derive, udf
    from poam_xl.reader import read
    from tests.helpers import make_book

    def edit(wb):
        ws = wb["Policy"]
        ws["B7"], ws["E4"], ws["E5"] = "business", dt.date(2026, 11, 26), dt.date(2026, 12, 25)
    path = make_book(tmp_path / "p.xlsx", sample=1, edit=edit)
    wb = openpyxl.load_workbook(path)
    ref = wb.defined_names["policy_table"].attr_text.split("!")[1].replace("$", "")
    table = [[c.value for c in row] for row in wb["Policy"][ref]]
    got = udf.POAM_DUE_DATE("High", dt.date(2026, 11, 20), table)
    assert got == derive.due_date("High", dt.date(2026, 11, 20), read(path).policy) == dt.date(2027, 1, 5)


def test_value_error_is_a_com_error_variant_where_pywin32_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the functions return a VT_ERROR VARIANT with #VALUE!'s SCODE (what Excel shows
    as a real #VALUE!, ISERROR TRUE), built with pywin32's VARIANT; text elsewhere."""
    import importlib
    import sys
    import types

    class VARIANT:  # pywin32's win32com.client.VARIANT keeps these two attributes
        def __init__(self, vt: int, value: object) -> None:
            self.varianttype, self.value = vt, value

    pythoncom = types.ModuleType("pythoncom")
    pythoncom.VT_ERROR = 10  # type: ignore[attr-defined]
    client = types.ModuleType("win32com.client")
    client.VARIANT = VARIANT  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pythoncom", pythoncom)
    monkeypatch.setitem(sys.modules, "win32com", types.ModuleType("win32com"))
    monkeypatch.setitem(sys.modules, "win32com.client", client)
    try:
        windows = importlib.reload(udf)
        err = windows.POAM_DUE_DATE("Severe", D(2026, 1, 1))
        assert isinstance(err, VARIANT) and (err.varianttype, err.value) == (10, -2146826273)
        assert windows.POAM_DUE_DATE("High", D(2026, 1, 1)) == D(2026, 1, 31)
    finally:
        monkeypatch.undo()
        importlib.reload(udf)
    assert udf.VALUE == "#VALUE!"
