"""Imported checklist items written to eMASS: controls from the CCIs, the CAT as found, the STIG
name, the rule ids; the round trip back to DSS keeps every field."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from poam_xl import records
from poam_xl.convert import dss, emass
from poam_xl.importers.apply import import_into
from poam_xl.layouts.emass_findings import control_number, finding_fields
from tests.helpers import AS_OF, make_book
from tests.test_import_checklists import RHEL, write_ckl
from tests.test_import_compliance import write_compliance

STIG = "Red Hat Enterprise Linux 8 Security Technical Implementation Guide"


def _emass_rows(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path)["POA&M"]
    out = {}
    for row in range(8, ws.max_row + 1):
        checks = ws[f"F{row}"].value
        if checks:
            out[str(checks)] = {k: ws[f"{k}{row}"].value for k in "CDFKMN"}
    return out


def test_checklist_items_on_emass(tmp_path: Path) -> None:
    ckl = write_ckl(tmp_path / "a.ckl", [
        dict(RHEL, override="CAT III", why="Lab only"),
        {"vuln": "V-2", "rule": "SV-2r1_rule", "stig_id": "RHEL-08-000002", "severity": "medium",
         "ccis": ("CCI-000048", "CCI-001384")},
    ])
    book = make_book(tmp_path / "p.xlsx", sample=1)
    import_into([ckl, write_compliance(tmp_path / "c.nessus")], book, tmp_path / "dss.xlsx", as_of=AS_OF)
    poam, _ = dss.read(tmp_path / "dss.xlsx")
    emass.write(poam, tmp_path / "e.xlsx")
    rows = _emass_rows(tmp_path / "e.xlsx")
    first = rows["SV-230221r743913_rule (V-230221); RHEL-08-010000"]
    assert first["D"] == "CM-6 b"  # Security Control Number: the control, not the CCI
    assert first["N"] == "I"  # Raw Severity: the STIG's CAT I, before the override to CAT III
    assert first["K"] == STIG  # Source Identifying Vulnerability: the STIG
    second = rows["SV-2r1_rule (V-2); RHEL-08-000002"]
    assert (second["D"], second["N"], second["K"]) == ("AC-8 a; AC-8 c 1", "II", STIG)
    scan = rows["SV-800001r2_rule (V-800001); RHEL-08-800001"]
    assert (scan["D"], scan["N"], scan["K"]) == ("CM-6 b", "I", "Nessus scan RHEL audit")
    plugin = rows["Nessus plugin 70658"]
    assert plugin["K"] == "Nessus scan RHEL audit" and plugin["D"] == "SI-2; RA-5"
    # back to DSS: every field as it was (what eMASS cannot hold travels in Comments)
    back, _ = emass.read(tmp_path / "e.xlsx")
    a = {r["source_id"]: r for r in records.item_records(poam)}
    b = {r["source_id"]: r for r in records.item_records(back)}
    assert set(a) == set(b)
    for sid, rec in a.items():
        for key in records.data_keys():
            assert records.same(rec.get(key), b[sid].get(key)), (sid, key, rec.get(key), b[sid].get(key))


def test_finding_fields_rules() -> None:
    assert control_number("V-1001; APP-1001; CCI-000381") == "CM-7 a"  # an older import's C/W/S
    assert control_number("NIST SP 800-171 3.1.10") is None  # no CCI: left as it is
    assert control_number("CCI-999999") is None  # unknown CCI: the CCI stays
    assert finding_fields({"how_identified": "Audit", "cws": "CCI-000366", "comments": "x"}) == {}
    got = finding_fields({"how_identified": "STIG Review", "source_id": "SV-1r1_rule (V-1)",
                          "cws": "CM-6 b; CCI-000366",
                          "comments": "Imported\nSeverity override: CAT II -> CAT III (x)\nSTIG: Web STIG\n"
                                      "STIG ID: WEB-00-000001"})
    assert got == {"source": "Web STIG", "control": "CM-6 b", "raw_severity": "II",
                   "checks": "SV-1r1_rule (V-1); WEB-00-000001"}
