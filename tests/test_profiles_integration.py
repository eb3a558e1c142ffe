"""Profiles through the whole pipeline: template versions, the CMMC score on the Dashboard."""

from __future__ import annotations

import openpyxl
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.convert import fedramp
from poam_xl.reader import read
from poam_xl.validation import validate
from tests.helpers import AS_OF, make_book


def test_fedramp_rev4_is_recognised_and_reported_as_outdated(tmp_path):
    poam = read(make_book(tmp_path / "dss.xlsx", sample=4))
    rev4, rev5 = tmp_path / "rev4.xlsx", tmp_path / "rev5.xlsx"
    fedramp.write(poam, rev4, revision=4)
    fedramp.write(poam, rev5)
    old = validate(rev4, profile="fedramp", as_of=AS_OF)
    new = validate(rev5, profile="fedramp", as_of=AS_OF)
    assert old.template == "fedramp-rev4" and new.template == "fedramp-rev5-v2.1"
    assert [f.rule for f in old.findings if f.rule.startswith("template.")] == ["template.outdated"]
    assert not [f for f in new.findings if f.rule.startswith("template.")]


def test_cmmc_score_reaches_the_report_and_the_dashboard(tmp_path):
    def edit(wb):
        ws = wb["POA&M"]
        for row, req in zip(range(12, 16), ("3.1.8", "AC.L2-3.1.9", "3.14.4", "3.2.1"), strict=True):
            ws[f"C{row}"] = req
    src = make_book(tmp_path / "cmmc.xlsx", sample=4, edit=edit)
    report = validate(src, profile="cmmc", as_of=AS_OF)
    score = report.summary["sprs_score"]
    assert isinstance(score, int) and score < 110
    out = tmp_path / "updated.xlsx"
    res = CliRunner().invoke(app, ["update", str(src), "--output", str(out), "--profile", "cmmc",
                                   "--as-of", AS_OF.isoformat()])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["Dashboard"]
    assert ws["A11"].value == "SPRS score (CMMC)" and ws["B11"].value == score


def test_dss_to_emass_output_passes_the_emass_rules(tmp_path):
    """Risk Accepted items go out without a scheduled date or milestones (kept in Comments)."""
    from poam_xl.convert import emass

    poam = read(make_book(tmp_path / "dss.xlsx", sample=12))
    assert (poam.items.frame["closure_reason"] == "Risk Accepted").any()
    out = tmp_path / "emass.xlsx"
    emass.write(poam, out)
    report = validate(out, profile="emass", as_of=AS_OF)
    assert not [f.rule for f in report.findings if f.rule.startswith("emass.risk-accepted")]
