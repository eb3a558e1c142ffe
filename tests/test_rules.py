"""Each rule: a workbook that breaks it gives exactly that finding at exactly that cell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from poam_xl import model, template
from poam_xl.catalogue import all_rules
from poam_xl.validation import validate
from tests.helpers import AS_OF, make_book

D = dt.datetime
I = "POA&M"  # noqa: E741
M = "Milestones"


def cells(sheet: str, values: dict[str, Any]) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        for ref, v in values.items():
            wb[sheet][ref].value = v
    return edit


def header(key: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    i = [f.key for f in model.HEADER_FIELDS].index(key)
    return cells(I, {f"C{template.HEADER_TOP + i}": value})


def drop_sheet(name: str) -> Callable[[openpyxl.Workbook], None]:
    return lambda wb: wb.remove(wb[name])


def drop_milestones_of_item_1(wb: openpyxl.Workbook) -> None:
    wb[M].delete_rows(2, 2)


# (rule id, edit, expected cells of that rule, other rules allowed to fire as a consequence)
CASES: list[tuple[str, Callable[[openpyxl.Workbook], None], set[str], set[str]]] = [
    ("description.placeholder", cells(I, {"B12": "TBD"}), {"POA&M!B12"}, set()),
    ("description.required", cells(I, {"B12": None}), {"POA&M!B12"}, set()),
    ("cws.required", cells(I, {"C12": None}), {"POA&M!C12"}, set()),
    ("mitigation.required-open", cells(I, {"D12": None}), {"POA&M!D12"}, set()),
    ("status.allowed", cells(I, {"G12": "Bogus"}), {"POA&M!G12"}, set()),
    ("status.normalised", cells(I, {"G12": "open"}), {"POA&M!G12"}, set()),
    ("status.required", cells(I, {"G12": None}), {"POA&M!G12"}, set()),
    ("risk-level.allowed", cells(I, {"J12": "Severe"}), {"POA&M!J12"}, set()),
    ("risk-level.normalised", cells(I, {"J12": " low"}), {"POA&M!J12"}, set()),
    ("risk-level.required", cells(I, {"J12": None}), {"POA&M!J12"}, set()),
    ("issm-approval.normalised", cells(I, {"F12": "pending"}), {"POA&M!F12"}, set()),
    ("how-identified.allowed", cells(I, {"L12": "Magic"}), {"POA&M!L12"}, set()),
    ("date-identified.required", cells(I, {"K12": None}), {"POA&M!K12"}, set()),
    ("date.invalid", cells(I, {"K12": "31/31/2026"}), {"POA&M!K12"}, set()),
    ("value.error", cells(I, {"K12": "#N/A"}), {"POA&M!K12"}, set()),
    ("value.uncached", cells(I, {"K12": "=TODAY()-30"}), {"POA&M!K12"}, set()),
    ("item-number.positive", cells(I, {"A12": -1}), {"POA&M!A12"},
     {"milestone.item-unknown", "milestone.missing"}),
    ("item-number.unique", cells(I, {"A13": 1}), {"POA&M!A12", "POA&M!A13"}, {"milestone.item-unknown"}),
    ("item-number.required", cells(I, {"A12": None}), {"POA&M!A12"}, {"milestone.item-unknown"}),
    ("number.invalid", cells(I, {"A12": "one"}), {"POA&M!A12"}, {"milestone.item-unknown"}),
    ("milestone-date.before-identified", cells(I, {"E12": D(2026, 5, 1)}), {"POA&M!E12"},
     {"milestone.after-item-date"}),
    ("milestone-date.after-due", cells(I, {"E12": D(2026, 12, 1)}), {"POA&M!E12"}, set()),
    ("milestone-date.missing", cells(I, {"E12": None}), {"POA&M!E12"}, set()),
    ("date-identified.future", cells(I, {"K19": D(2026, 12, 1)}), {"POA&M!K19"}, set()),
    ("completion-date.future", cells(I, {"S15": D(2026, 12, 1)}), {"POA&M!S15"}, set()),
    ("completion-date.before-identified", cells(I, {"S15": D(2026, 10, 1)}), {"POA&M!S15"}, set()),
    ("completion-date.required", cells(I, {"S15": None}), {"POA&M!S15"}, set()),
    ("approval.required-closed", cells(I, {"F15": "No"}), {"POA&M!F15"}, set()),
    ("determination.closed-open-item", cells(I, {"I12": "Closed"}), {"POA&M!I12"}, set()),
    ("deferred.reason", cells(I, {"X17": None, "P17": None, "T17": None}), {"POA&M!X17"},
     {"milestone-date.after-due"}),  # Milestone Changes also justified the later date
    ("deferred.new-date", cells(I, {"E17": D(2026, 11, 1)}), {"POA&M!E17"},
     {"milestone.after-item-date"}),
    ("residual-risk.required", cells(I, {"Q18": None}), {"POA&M!Q18"}, set()),
    ("milestone.item-unknown", cells(M, {"A2": 99}), {"Milestones!A2"}, set()),
    ("milestone.after-item-date", cells(M, {"C2": D(2026, 12, 31)}), {"Milestones!C2"}, set()),
    ("milestone.missing", drop_milestones_of_item_1, {"POA&M!A12"}, set()),
    ("milestone.item-number.required", cells(M, {"A2": None}), {"Milestones!A2"}, set()),
    ("milestone.item-number.positive", cells(M, {"A2": -3}), {"Milestones!A2"},
     {"milestone.item-unknown"}),
    ("milestone.milestone.required", cells(M, {"B2": None}), {"Milestones!B2"}, set()),
    ("milestone.planned-date.required", cells(M, {"C2": None}), {"Milestones!C2"}, set()),
    ("milestone.status.allowed", cells(M, {"D2": "Someday"}), {"Milestones!D2"}, set()),
    ("milestones.missing-sheet", drop_sheet(M), {""}, set()),
    ("header.company-name.required", header("company_name", None), {"POA&M!C2"}, set()),
    ("header.cage-code.required", header("cage_code", None), {"POA&M!C3"}, set()),
    ("header.cage-code.format", header("cage_code", "12"), {"POA&M!C3"}, set()),
    ("header.dss-uid.required", header("dss_uid", None), {"POA&M!C4"}, set()),
    ("header.issm-names.required", header("issm_names", None), {"POA&M!C5"}, set()),
    ("header.issm-phone.format", header("issm_phone", "call the front desk"), {"POA&M!C6"}, set()),
    ("header.poam-date.required", header("poam_date", None), {"POA&M!C8"}, set()),
    ("header.last-review.stale", header("last_review", D(2026, 7, 1)), {"POA&M!C9"}, set()),
    ("header.last-review.missing", header("last_review", None), {"POA&M!C9"}, set()),
    ("policy.invalid", cells("Policy", {"B4": "thirty"}), {"Policy!B4"}, set()),
    ("policy.blank", cells("Policy", {"B6": None}), {"Policy!B6"}, set()),
    ("date.text", cells(I, {"K12": "5/9/2026"}), {"POA&M!K12"}, set()),  # the date it held, as text
    ("table.duplicate-header", cells(I, {"X11": "Status"}), {"POA&M!X11"}, set()),
    ("table.missing-columns", cells(I, {"C11": "Notes about it"}), {"POA&M!A11"}, set()),
]


def _book(tmp_path: Path, edit: Callable[[openpyxl.Workbook], None] | None) -> Path:
    return make_book(tmp_path / "book.xlsx", sample=8, edit=edit)


def test_clean_sample_has_no_findings(tmp_path):
    report = validate(_book(tmp_path, None), as_of=AS_OF)
    assert report.findings == []
    assert report.status == "ok"


@pytest.mark.parametrize(("rule_id", "edit", "where", "collateral"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_exactly_where_broken(tmp_path, rule_id, edit, where, collateral):
    assert rule_id in all_rules(), "every rule is in the catalogue"
    report = validate(_book(tmp_path, edit), as_of=AS_OF)
    got = {f.where for f in report.findings if f.rule == rule_id}
    assert got == where, [(f.rule, f.where) for f in report.findings]
    others = {f.rule for f in report.findings} - {rule_id}
    assert others <= collateral, others
    hit = next(f for f in report.findings if f.rule == rule_id)
    assert hit.severity == all_rules()[rule_id].severity
    assert hit.message and hit.hint and "\n" not in hit.message


def test_every_catalogued_dss_rule_has_a_breaking_case():
    covered = {c[0] for c in CASES} | {"table.empty", "template.unknown", "template.other-profile",
                                       "template.outdated",  # test_profiles_integration.py
                                       "text.too-long",  # tests/corpus.py over-long-text.xlsx
                                           "table.not-read"}  # tests/test_layouts.py
    # diff.* rules compare two versions; tests/test_diff.py breaks each of them
    dss = {r.id for r in all_rules().values() if "dss" in r.profiles
           and not r.id.startswith("diff.")}
    # allowed-value/normalisation rules of minor columns share one code path with those tested
    generic = {r for r in dss if r.endswith((".allowed", ".normalised")) and r not in covered}
    assert dss - covered - generic == set()


def test_empty_table_is_a_warning(tmp_path):
    report = validate(make_book(tmp_path / "e.xlsx", sample=0), as_of=AS_OF)
    assert {f.rule for f in report.findings if not f.rule.startswith("header.")} == {"table.empty"}


def test_unknown_template_is_a_finding_not_a_crash(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Amount"])
    wb.save(tmp_path / "other.xlsx")
    report = validate(tmp_path / "other.xlsx", as_of=AS_OF)
    assert [f.rule for f in report.findings] == ["template.unknown"]
    assert report.status == "errors" and report.template == "unknown"


def test_as_of_is_passed_in_not_read_from_the_clock(tmp_path):
    path = _book(tmp_path, None)
    early = validate(path, as_of=dt.date(2026, 6, 1)).summary
    late = validate(path, as_of=dt.date(2027, 6, 1)).summary
    assert early["overdue"] < late["overdue"] == late["open"]


def test_moderate_is_read_as_medium_for_due_dates(tmp_path):
    path = _book(tmp_path, cells(I, {"J16": "Moderate"}))  # item 5 is Medium in the sample
    report = validate(path, as_of=AS_OF)
    assert [f.rule for f in report.findings] == ["risk-level.normalised"]
    assert report.items.loc[16, "risk_level"] == "Medium"
    assert report.derived.loc[16, "due_date"].date() == dt.date(2026, 9, 26)


def test_text_dates_are_found_among_the_empty_text_cells_calamine_reads() -> None:
    """calamine reads an empty styled cell as '': a date column of dates, '' and one text date
    still yields that one (the shortcut skips only columns whose texts are all empty)."""
    import datetime as dt
    from types import SimpleNamespace

    import pandas as pd

    from poam_xl import model
    from poam_xl.textdates import text_dates

    index = pd.Index([12, 13, 14, 15], name="row")
    raw = pd.DataFrame({"date_identified": pd.Series(
        [dt.date(2026, 1, 5), "", "3/1/2026", None], index=index, dtype=object)})
    frame = pd.DataFrame({"date_identified": pd.to_datetime(
        ["2026-01-05", None, "2026-03-01", None]).astype("datetime64[ns]")}, index=index)
    from poam_xl.poam import TableData

    letters = {"date_identified": "E"}
    # the cells as the reader keeps them (lists, raw frame built on use) and as a raw frame
    for data in (TableData(frame, "POA&M", 11, letters,
                           raw_cells={"date_identified": raw["date_identified"].tolist()}),
                 TableData(frame, "POA&M", 11, letters, raw=raw.copy())):
        poam = SimpleNamespace(items=data, milestones=None, layout=SimpleNamespace(
            items=model.ITEMS, milestones=model.MILESTONES))
        found = text_dates(poam)  # type: ignore[arg-type]
        assert [(t.row, t.letter, t.text, t.day) for t in found] == [
            (14, "E", "3/1/2026", dt.date(2026, 3, 1))]
        pd.testing.assert_frame_equal(data.raw, raw)  # type: ignore[arg-type]
    data = TableData(frame, "POA&M", 11, letters, raw=raw)
    poam = SimpleNamespace(items=data, milestones=None,
                           layout=SimpleNamespace(items=model.ITEMS, milestones=model.MILESTONES))
    raw.loc[14, "date_identified"] = ""  # only empty texts left: nothing typed as text
    assert text_dates(poam) == []  # type: ignore[arg-type]
    import numpy as np

    raw.loc[13, "date_identified"] = pd.NA  # values from the library: no shortcut, no error
    raw.loc[14, "date_identified"] = np.str_("3/1/2026")
    assert [t.text for t in text_dates(poam)] == ["3/1/2026"]  # type: ignore[arg-type]


def test_placeholder_descriptions_are_found_as_the_text_rule_finds_them(tmp_path):
    """description.placeholder (short texts lowercased only) fires on the rows the plain rule
    picks: any value's text, stripped and lowercased, among the placeholders."""
    from poam_xl import rules

    texts = ["  TBD ", "Tbd", "N/A", "İ", 5, "x" * 40, " Lorem Ipsum\t", "Not a placeholder",
             "\u00a0none\u00a0", "SEE ABOVE"]
    edit = cells(I, {f"B{12 + i}": v for i, v in enumerate(texts)})
    report = validate(make_book(tmp_path / "book.xlsx", sample=len(texts), edit=edit), as_of=AS_OF)
    got = sorted(f.where for f in report.findings if f.rule == "description.placeholder")
    desc = report.items["description"]
    old = desc.notna() & desc.astype(str).str.strip().str.lower().isin(rules.PLACEHOLDERS)
    assert got == sorted(f"POA&M!B{r}" for r in desc.index[old])
    assert got == sorted(f"POA&M!B{12 + i}" for i in (0, 1, 2, 6, 8, 9))


def test_choice_spellings_are_normalised_for_every_kind_of_cell_value():
    """structure.canonical maps each distinct value of a choice column once: blanks of every
    kind (None, NaN, pd.NA) are left alone, other values (a tuple, a number, spellings)
    mapped as model.canonical_* says, row for row."""
    import numpy as np
    import pandas as pd

    from poam_xl import model, structure
    from poam_xl.poam import TableData

    statuses = ["ongoing", None, np.nan, pd.NA, "Completed", " closed ", (1, 2), 3, "Ongoing",
                "in progress"]
    risks = ["high", "CAT II", None, "Moderate", np.nan, "Low", "x", "HIGH", pd.NA, 1.0]
    frame = pd.DataFrame({"item_number": list(range(1, 11)), "status": statuses,
                          "risk_level": risks, "closure_reason": [None] * 10},
                         index=pd.Index(range(12, 22), name="row"))
    data = TableData(frame, "POA&M", 11, {"item_number": "A", "status": "G", "risk_level": "J",
                                          "closure_reason": "H"})
    out, findings = structure.canonical(data, model.ITEMS)
    for got, v in zip(out["status"].tolist(), statuses, strict=True):
        want = v if not isinstance(v, str) else (model.canonical_status(v) or v)
        assert got is want or got == want or (pd.isna(want) is True and pd.isna(got) is True), v
    for got, v in zip(out["risk_level"].tolist(), risks, strict=True):
        want = v if not isinstance(v, str) and not isinstance(v, float) else (
            model.canonical_choice(v, model.RISK_LEVELS, model.RISK_SYNONYMS) or v)
        if pd.isna(v) is True:
            assert pd.isna(got) is True
        else:
            assert got == want, v
    changed = {f.cell for f in findings}
    assert {"G12", "J12", "J13", "J15", "J19"} <= changed and "G13" not in changed
    assert frame["status"].tolist()[0] == "ongoing"  # the read frame itself is left alone


def test_deferred_items_without_a_reason_are_found_as_the_whole_column_rule_finds_them(tmp_path):
    """deferred.reason (blank cells looked at on the deferred rows only) fires on exactly the
    rows the whole-column rule picks: Deferred with Milestone Changes, Comments and Resources
    Required all blank (spaces count as blank)."""
    import random

    from poam_xl.values import blank_mask

    rnd = random.Random(16)
    edits: dict[str, object] = {}
    for row in range(12, 32):
        edits[f"G{row}"] = rnd.choice(["Deferred", "Deferred", "Ongoing", "Completed"])
        for col in ("P", "T", "X"):  # Resources Required, Milestone Changes, Comments
            edits[f"{col}{row}"] = rnd.choice([None, " ", "", "reason"])
    report = validate(make_book(tmp_path / "book.xlsx", sample=20, edit=cells(I, edits)),
                      as_of=AS_OF)
    it = report.items
    whole = (it["status"] == "Deferred") & blank_mask(it["milestone_changes"]) & blank_mask(
        it["comments"]) & blank_mask(it["resources"])
    got = sorted(int(f.cell[1:]) for f in report.findings if f.rule == "deferred.reason")
    assert got == sorted(int(r) for r in it.index[whole]) and len(got) >= 2
