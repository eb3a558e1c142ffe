"""CMMC Level 2 profile: SPRS weights, requirement ids, score, a breaking fixture per rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from poam_xl import model
from poam_xl.profiles import cmmc
from poam_xl.validation import validate
from tests.helpers import AS_OF, header_ref, item_ref, make_book

# three 1-point requirements on the POA&M, closing well inside 180 days of the POA&M Date
GOOD = ("AC.L2-3.1.3", "NIST SP 800-171 3.1.10", "3.13.11 FIPS validation pending")


def cmmc_book(path: Path, cws: tuple[str, ...] = GOOD, edit: Any = None) -> Path:
    def fix(wb: Any) -> None:
        ws = wb[model.ITEMS.sheet]
        ws[header_ref("poam_date")] = AS_OF - dt.timedelta(days=30)
        for i, text in enumerate(cws, start=1):
            ws[item_ref(i, "cws")] = text
            ws[item_ref(i, "status")] = "Open"
            ws[item_ref(i, "milestone_date")] = AS_OF + dt.timedelta(days=20)
        if edit:
            edit(ws)

    return make_book(path, sample=len(cws), edit=fix)


def findings(path: Path, as_of: dt.date = AS_OF) -> tuple[list[Any], dict[str, Any]]:
    """The CMMC rules' findings and the summary, through validate() as every shell calls it."""
    report = validate(path, profile="cmmc", as_of=as_of)
    own = {r.id for r in cmmc.RULES}
    return [f for f in report.findings if f.rule in own], report.summary


def test_weights_table_matches_the_methodology() -> None:
    w = cmmc.weights()
    assert len(w) == 110
    assert sum(r.weight for r in w.values()) == 313  # score range 110 .. -203
    assert sorted({r.weight for r in w.values()}) == [0, 1, 3, 5]
    assert (w["3.5.3"].weight, w["3.5.3"].partial) == (5, 3)
    assert (w["3.13.11"].weight, w["3.13.11"].partial) == (5, 3)
    assert w["3.12.4"].weight == 0 and w["3.1.1"].practice == "AC.L2-3.1.1"
    allowed = {r.id for r in w.values() if r.poam_allowed}
    assert "3.13.11" in allowed and not allowed & cmmc.NEVER
    assert all(w[r].weight == 1 for r in allowed - {"3.13.11"})


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("AC.L2-3.1.1", ["3.1.1"]),
        ("3.1.1", ["3.1.1"]),
        ("NIST SP 800-171 3.1.1", ["3.1.1"]),
        ("NIST SP 800-171 Rev 2 3.1.10; 3.1.1", ["3.1.10", "3.1.1"]),
        ("SC.L2-3.13.11", ["3.13.11"]),
        ("NIST SP 800-53 AC-3", []),
        ("3.15.1", []),
        ("13.1.1", []),
    ],
)
def test_requirement_ids_from_cws(text: str, want: list[str]) -> None:
    assert cmmc.requirements(text) == want


def test_valid_conditional_poam(tmp_path: Path) -> None:
    got, summary = findings(cmmc_book(tmp_path / "ok.xlsx"))
    assert got == []
    assert summary["sprs_score"] == 110 - 1 - 1 - 3  # 3.13.11 counts its 3-point case
    assert summary["sprs_unmet"] == {"AC.L2-3.1.3": 1, "AC.L2-3.1.10": 1, "SC.L2-3.13.11": 3}
    assert summary["cmmc_conditional_eligible"] is True
    assert summary["cmmc_closeout_deadline"] == AS_OF - dt.timedelta(days=30) + dt.timedelta(
        days=180
    )
    report = validate(cmmc_book(tmp_path / "ok2.xlsx"), profile="cmmc", as_of=AS_OF)
    assert report.summary["sprs_score"] == 105
    assert not [f for f in report.findings if f.rule.startswith("cmmc.")]


def test_closed_items_do_not_count(tmp_path: Path) -> None:
    def close(ws: Any) -> None:
        ws[item_ref(1, "status")] = "Completed"
        ws[item_ref(1, "completion_date")] = AS_OF - dt.timedelta(days=1)

    _got, summary = findings(cmmc_book(tmp_path / "c.xlsx", edit=close))
    assert summary["sprs_score"] == 106


def _many_fives(n: int) -> tuple[str, ...]:
    fives = [r.practice for r in cmmc.weights().values() if r.weight == 5]
    return tuple(fives[:n])


CASES: list[tuple[str, tuple[str, ...], Any, dt.date, list[str]]] = [
    ("cmmc.requirement.unknown", ("NIST SP 800-53 AC-3",), None, AS_OF, ["C12"]),
    ("cmmc.poam.never-allowed", ("PE.L2-3.10.3",), None, AS_OF, ["C12"]),
    ("cmmc.poam.weight", ("IA.L2-3.5.3",), None, AS_OF, ["C12"]),
    (
        "cmmc.closeout.deadline",
        ("AC.L2-3.1.3",),
        lambda ws: ws.__setitem__(item_ref(1, "milestone_date"), AS_OF + dt.timedelta(days=200)),
        AS_OF,
        ["E12"],
    ),
    ("cmmc.closeout.expired", ("AC.L2-3.1.3",), None, AS_OF + dt.timedelta(days=151), ["G12"]),
    (
        "cmmc.conditional-date.missing",
        ("AC.L2-3.1.3",),
        lambda ws: ws.__setitem__(header_ref("poam_date"), None),
        AS_OF,
        [header_ref("poam_date")],
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "cws", "edit", "as_of", "cells"), CASES, ids=[c[0] for c in CASES]
)
def test_each_rule_has_a_breaking_fixture(
    tmp_path: Path, rule_id: str, cws: tuple[str, ...], edit: Any, as_of: dt.date, cells: list[Any]
) -> None:
    path = cmmc_book(tmp_path / "b.xlsx", cws, edit)
    got, _summary = findings(path, as_of)
    assert [(f.rule, f.cell) for f in got] == [(rule_id, c) for c in cells], got
    report = validate(path, profile="cmmc", as_of=as_of)
    assert [f.rule for f in report.findings if f.rule.startswith("cmmc.")] == [rule_id] * len(cells)


def test_score_below_threshold(tmp_path: Path) -> None:
    got, summary = findings(cmmc_book(tmp_path / "low.xlsx", _many_fives(5)))
    assert summary["sprs_score"] == 85 and summary["cmmc_conditional_eligible"] is False
    assert [f.rule for f in got].count("cmmc.score.below-threshold") == 1
    assert {f.rule for f in got} == {"cmmc.score.below-threshold", "cmmc.poam.weight"}
    _got, summary = findings(cmmc_book(tmp_path / "ok.xlsx", _many_fives(4)))
    assert summary["sprs_score"] == 90  # 90 >= 88: the score alone would pass


def test_same_requirement_twice_counts_once(tmp_path: Path) -> None:
    _got, summary = findings(cmmc_book(tmp_path / "d.xlsx", ("3.1.3", "AC.L2-3.1.3")))
    assert summary["sprs_score"] == 109


def test_auto_picks_cmmc_for_a_cmmc_poam_on_the_dss_form(tmp_path: Path) -> None:
    """--profile auto: C/W/S of 800-171 requirements written as CMMC practices (or an SPRS /
    CMMC title) is a CMMC POA&M (its rules and score, the DSS header kept); bare 800-171
    numbers on the DSS form stay DSS (a DFARS 7012 POA&M is not necessarily a CMMC one)."""
    practices = cmmc_book(tmp_path / "practices.xlsx", cws=("AC.L2-3.1.3", "AC.L2-3.1.10",
                                                             "SC.L2-3.13.11"))
    auto = validate(practices, as_of=AS_OF)
    assert (auto.profile, auto.template) == ("cmmc", "cmmc")
    assert auto.summary["sprs_score"] == 105 and auto.summary["cage_code"]
    bare = cmmc_book(tmp_path / "bare.xlsx", cws=("3.1.3", "3.1.10", "3.13.11"))
    plain = validate(bare, as_of=AS_OF)
    assert (plain.profile, plain.template) == ("dss", "dss") and "sprs_score" not in plain.summary
    forced = validate(practices, profile="dss", as_of=AS_OF)
    assert not [f for f in forced.findings if f.rule.startswith(("template.", "cmmc."))]


def test_weak_cmmc_signs_leave_a_dss_poam_dss(tmp_path: Path) -> None:
    """On the DSS form, "CUI" or "CMMC" in header values and one practice id among bare
    numbers are not a CMMC POA&M: no CMMC errors for a DFARS 7012 POA&M."""
    bare = ("3.1.1", "3.1.3", "3.1.10", "3.13.11")

    def cui(ws: Any) -> None:
        ws[header_ref("system_name")] = "CUI file server enclave"
        ws[header_ref("company_name")] = "CMMC Consulting LLC"

    one = cmmc_book(tmp_path / "one.xlsx", cws=("AC.L2-3.1.1", *bare))
    named = cmmc_book(tmp_path / "cui.xlsx", cws=bare, edit=cui)
    for path in (one, named):
        report = validate(path, as_of=AS_OF)
        assert (report.profile, report.template) == ("dss", "dss"), path
        assert not [f for f in report.findings if f.rule.startswith("cmmc.")]


def test_share_of_requirements_counts_every_filled_cell() -> None:
    from poam_xl import sp800171

    cells = ["AC.L2-3.1.1", "AC.L2-3.1.1", "3.1.1 Limit access", None, "  ", "CM-6", "CM-6",
             "CM-6", 0, "03.01.02"]
    # 8 filled cells (0 counts as filled text "0"), 4 of them name a known requirement
    assert sp800171.share_of_requirements(cells) == 4 / 8
    assert sp800171.share_of_requirements([None, " "]) == 0.0


def test_the_score_is_on_the_table_summary_line_too(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from poam_xl.cli import app

    book = cmmc_book(tmp_path / "ok.xlsx")
    res = CliRunner().invoke(app, ["validate", str(book), "--profile", "cmmc",
                                   "--as-of", AS_OF.isoformat()])
    want = validate(book, profile="cmmc", as_of=AS_OF).summary
    assert f"; SPRS score {want['sprs_score']} of 110 (Conditional status eligible;" in res.stdout
    res = CliRunner().invoke(app, ["validate", str(book), "--profile", "dss",
                                   "--as-of", AS_OF.isoformat()])
    assert "SPRS" not in res.stdout  # other profiles have no score
