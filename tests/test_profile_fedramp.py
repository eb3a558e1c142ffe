"""FedRAMP profile: each rule has a breaking fixture that gives exactly that finding."""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from poam_xl import profiles
from poam_xl.catalogue import all_rules
from poam_xl.findings import Finding
from poam_xl.profiles import fedramp as fedramp_profile
from poam_xl.validation import validate
from tests.fedramp_data import CLOSED_ITEMS, CONFIG_ITEMS, OPEN_ITEMS, blank_book, filled_template

RULES = all_rules()

AS_OF = dt.date(2026, 11, 25)
PROFILE = profiles.get("fedramp")


def _set(items: list[dict[str, Any]], pid: str, **changes: Any) -> None:
    for item in items:
        if item["POAM ID"] == pid:
            for label, value in changes.items():
                item[label.replace("_", " ")] = value


def book(tmp_path: Path, edit: Any = None) -> Path:
    open_items, closed, config = (
        copy.deepcopy(x) for x in (OPEN_ITEMS, CLOSED_ITEMS, CONFIG_ITEMS)
    )
    if edit:
        edit(open_items, closed, config)
    # our writer's blank layout (fast); the real template itself is read in test_convert_fedramp
    base = blank_book(tmp_path.parent / "fedramp-blank.xlsx")
    return filled_template(
        tmp_path / "fr.xlsx",
        open_items=open_items,
        closed=closed,
        config=config,
        first_open_row=6,
        base=base,
    )


def fedramp_findings(path: Path) -> list[Finding]:
    """The FedRAMP profile's own findings, through validate() as every shell calls it."""
    report = validate(path, profile="fedramp", as_of=AS_OF)
    own = {r.id for r in fedramp_profile.RULES}
    return [f for f in report.findings if f.rule in own]


CASES = {
    "fedramp.poam-id.missing": lambda o, c, g: _set(o, "V-102", **{"POAM ID": None}),
    "fedramp.poam-id.format": lambda o, c, g: _set(o, "V-102", **{"POAM ID": "V 102"}),
    "fedramp.poam-id.unique": lambda o, c, g: _set(g, "C-7", **{"POAM ID": "V-101"}),
    "fedramp.deviation.rationale-missing": lambda o, c, g: _set(
        o, "V-102", Deviation_Rationale=None
    ),
    "fedramp.deviation.high-operational-requirement": lambda o, c, g: _set(
        o, "V-101", Operational_Requirement="Pending"
    ),
    "fedramp.vendor-dependency.product-missing": lambda o, c, g: _set(
        o, "V-101", **{"Vendor Dependent Product Name": None}
    ),
    "fedramp.vendor-dependency.checkin-stale": lambda o, c, g: _set(
        o, "V-101", **{"Last Vendor Check-in Date": dt.date(2026, 10, 1)}
    ),
    "fedramp.remediation.late": lambda o, c, g: _set(
        o,
        "V-102",
        **{
            "Original Detection Date": dt.date(2026, 6, 1),
            "Scheduled Completion Date": dt.date(2026, 8, 30),
        },
    ),
    "fedramp.false-positive.open-sheet": lambda o, c, g: _set(o, "V-102", False_Positive="Yes"),
    "fedramp.unique-vulnerability.grouped": lambda o, c, g: _set(
        o, "V-102", **{"Weakness Source Identifier": "38739, 38740"}
    ),
    "fedramp.kev.due-date-missing": lambda o, c, g: _set(
        o, "V-101", **{"Binding Operational Directive 22-01 Due Date": None}
    ),
    "fedramp.kev.overdue": lambda o, c, g: _set(
        o, "V-101", **{"Binding Operational Directive 22-01 Due Date": dt.date(2026, 11, 1)}
    ),
}


def test_every_fedramp_rule_has_a_case_and_a_source() -> None:
    ours = {r for r in RULES if r.startswith("fedramp.")}
    assert ours == set(CASES)
    assert all(RULES[r].source and RULES[r].profiles == ("fedramp",) for r in ours)


def test_clean_fixture_gives_no_fedramp_finding(tmp_path: Path) -> None:
    assert fedramp_findings(book(tmp_path)) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_breaking_fixture_gives_exactly_that_finding(tmp_path: Path, rule_id: str) -> None:
    found = fedramp_findings(book(tmp_path, CASES[rule_id]))
    assert [f.rule for f in found] == [rule_id], [f.message for f in found]
    f = found[0]
    assert f.sheet in ("Open POA&M Items", "Configuration Findings") and f.cell and f.message


def test_late_uses_the_adjusted_rating_when_a_risk_adjustment_is_approved(tmp_path: Path) -> None:
    def edit(o: list[dict[str, Any]], c: Any, g: Any) -> None:  # High 30 d late; Moderate 90 d not
        _set(
            o,
            "V-101",
            **{
                "Vendor Dependency": "No",
                "Original Detection Date": dt.date(2026, 9, 15),
                "Risk Adjustment": "Yes",
            },
        )

    assert fedramp_findings(book(tmp_path, edit)) == []

    def pending(o: list[dict[str, Any]], c: Any, g: Any) -> None:
        edit(o, c, g)
        _set(o, "V-101", Risk_Adjustment="Pending")

    found = fedramp_findings(book(tmp_path, pending))
    assert [f.rule for f in found] == ["fedramp.remediation.late"]
    assert "High item" in found[0].message and "due 2026-10-15" in found[0].message


def test_through_validate_with_the_fedramp_profile(tmp_path: Path) -> None:
    from poam_xl.validation import validate

    clean = validate(book(tmp_path), profile="fedramp", as_of=AS_OF)
    assert clean.template == "fedramp-rev5-v2.1" and not [
        f for f in clean.findings if f.rule.startswith("fedramp.")
    ]
    broken = validate(book(tmp_path, CASES["fedramp.kev.overdue"]), profile="fedramp", as_of=AS_OF)
    new = Counter(f.rule for f in broken.findings) - Counter(f.rule for f in clean.findings)
    assert new == Counter({"fedramp.kev.overdue": 1})
    assert not [f for f in clean.findings if f.rule in PROFILE.disabled]


def test_core_findings_on_closed_sheet_items_name_their_real_cell(tmp_path: Path) -> None:
    """Items gathered from several sheets keep their own sheet and row in findings."""

    def edit(open_items, closed, config):
        closed[0]["Weakness Description"] = "TBD"

    report = validate(book(tmp_path, edit), profile="fedramp", as_of=AS_OF)
    hits = [f for f in report.findings if f.rule == "description.placeholder"]
    assert [(f.sheet, f.cell) for f in hits] == [("Closed POA&M Items", "D6")]
