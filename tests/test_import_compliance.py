"""Nessus compliance audits: one item per failed check, WARNING/ERROR flagged, PASSED skipped;
Nessus hosts named by host name, else FQDN, else IP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

from poam_xl.importers import ImportOptions, parse_all
from poam_xl.importers.apply import import_into
from poam_xl.reader import read
from tests.helpers import AS_OF, SHARED, item_ref, make_book

CASE = SHARED / "cases" / "findings" / "08-nessus-compliance-results.nessus"


def _item(check: str, result: str, reference: str, plugin: str = "21157", severity: int = 3,
          cm: bool = True) -> str:
    """A compliance ReportItem as Nessus writes it (cm:compliance-* children), or the older form
    with the result only in the description ('"Check": [FAILED]')."""
    desc = f'"{check}": [{result}]\n\nPolicy value: 1' if not cm else "Audit check"
    fields = (f"<cm:compliance-check-name>{escape(check)}</cm:compliance-check-name>"
              f"<cm:compliance-result>{result}</cm:compliance-result>"
              f"<cm:compliance-reference>{reference}</cm:compliance-reference>"
              "<cm:compliance-info>Why it matters.</cm:compliance-info>"
              "<cm:compliance-solution>Set it.</cm:compliance-solution>"
              "<cm:compliance-actual-value>0</cm:compliance-actual-value>"
              "<cm:compliance-policy-value>1</cm:compliance-policy-value>"
              "<cm:compliance-audit-file>DISA_STIG_RHEL_8_v1r3.audit</cm:compliance-audit-file>"
              if cm else "")
    return (f'<ReportItem port="0" svc_name="general" protocol="tcp" severity="{severity}" '
            f'pluginID="{plugin}" pluginName="Unix Compliance Checks" pluginFamily="Policy Compliance">'
            f"<description>{escape(desc)}</description><compliance>true</compliance>{fields}</ReportItem>")


def _ref(n: int, cat: str = "II", cci: str = "CCI-000366") -> str:
    return (f"800-53|CM-6b.,800-53r5|CM-6b.,CAT|{cat},CCI|{cci},Rule-ID|SV-80000{n}r2_rule,"
            f"STIG-ID|RHEL-08-80000{n},Vuln-ID|V-80000{n}")


def write_compliance(path: Path) -> Path:
    hosts = {
        "10.0.0.1": ('<tag name="hostname">db01</tag><tag name="host-fqdn">db01.corp.example</tag>'
                     '<tag name="host-ip">10.0.0.1</tag>'),
        "10.0.0.2": '<tag name="host-fqdn">db02.corp.example</tag><tag name="host-ip">10.0.0.2</tag>',
        "10.0.0.3": '<tag name="host-ip">10.0.0.3</tag>',
    }
    body = []
    for ip, tags in hosts.items():
        items = [
            _item("RHEL-08-800001 - Audit logs protected", "FAILED", _ref(1, "I")),
            _item("RHEL-08-800002 - Passwords hashed", "PASSED" if ip == "10.0.0.3" else "FAILED", _ref(2)),
            _item("RHEL-08-800003 - Site policy documented", "WARNING", _ref(3)),
            _item("RHEL-08-800004 - Check could not run", "ERROR", _ref(4)),
            _item("RHEL-08-800005 - Root login disabled", "PASSED", _ref(5), severity=0),
            _item("1.1.1 Ensure cramfs is disabled", "FAILED", "CSCv7|5.1,LEVEL|1S,800-53|CM-7",
                  cm=False),
        ]
        body.append(f'<ReportHost name="{ip}"><HostProperties>'
                    f'<tag name="HOST_END">Mon Nov  2 11:00:00 2026</tag>{tags}</HostProperties>'
                    + "".join(items) +
                    '<ReportItem port="22" severity="2" pluginID="70658" pluginName="SSH CBC Mode Ciphers">'
                    "<solution>Disable CBC.</solution></ReportItem></ReportHost>")
    head = '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="RHEL audit" xmlns:cm="http://www.nessus.org/cm">'
    path.write_text(head + "".join(body) + "</Report></NessusClientData_v2>", encoding="utf-8")
    return path


def test_one_record_per_check_and_result(tmp_path: Path) -> None:
    recs = parse_all([write_compliance(tmp_path / "c.nessus")])
    got = {(r.source_id, r.status): r for r in recs}
    assert set(got) == {
        ("Nessus plugin 70658", "open"),
        ("SV-800001r2_rule (V-800001)", "open"),
        ("SV-800002r2_rule (V-800002)", "open"),
        ("SV-800002r2_rule (V-800002)", "not_a_finding"),
        ("SV-800003r2_rule (V-800003)", "not_reviewed"),
        ("SV-800004r2_rule (V-800004)", "error"),
        ("SV-800005r2_rule (V-800005)", "not_a_finding"),
        ("Nessus compliance check: 1.1.1 Ensure cramfs is disabled", "open"),
    }
    audit = got[("SV-800001r2_rule (V-800001)", "open")]
    assert audit.title == "RHEL-08-800001 - Audit logs protected"
    assert audit.hosts == ("db01", "db02.corp.example", "10.0.0.3")  # name, else FQDN, else IP
    assert (audit.risk, audit.how, audit.detected) == ("High", "STIG Review", dt.date(2026, 11, 2))
    assert audit.controls == ("CM-6 b", "CCI-000366") and audit.fix == "Set it."
    assert "Actual value: 0" in audit.details and "Audit file: DISA_STIG_RHEL_8_v1r3.audit" in audit.details
    assert got[("SV-800002r2_rule (V-800002)", "open")].hosts == ("db01", "db02.corp.example")
    assert got[("SV-800002r2_rule (V-800002)", "open")].risk == "Medium"  # CAT II
    cis = got[("Nessus compliance check: 1.1.1 Ensure cramfs is disabled", "open")]
    assert (cis.controls, cis.how, cis.risk) == (("CM-6",), "Assessment", "High")  # older form
    assert got[("Nessus plugin 70658", "open")].hosts == ("db01", "db02.corp.example", "10.0.0.3")


def test_compliance_import_flags_warning_and_error_and_never_closes_on_error(tmp_path: Path) -> None:
    def tag(wb) -> None:
        ws = wb["POA&M"]
        for row, sid in ((1, "V-800004"), (2, "V-800005")):
            ws[item_ref(row, "source_id")] = sid
            ws[item_ref(row, "status")] = "Open"

    book = make_book(tmp_path / "p.xlsx", sample=2, edit=tag)
    path = write_compliance(tmp_path / "c.nessus")
    res = import_into([path], book, tmp_path / "o.xlsx", as_of=AS_OF)
    assert sorted(r["source_id"] for r in res.plan.new_rows) == [
        "Nessus compliance check: 1.1.1 Ensure cramfs is disabled", "Nessus plugin 70658",
        "SV-800001r2_rule (V-800001)", "SV-800002r2_rule (V-800002)"]
    assert res.plan.skipped == {"error": 1, "not a finding": 2, "not reviewed": 1}
    assert res.plan.resolved == [2]  # PASSED: proposed; ERROR (item 1) never
    more = import_into([path], book, tmp_path / "o2.xlsx", as_of=AS_OF,
                       options=ImportOptions(include_not_reviewed=True))
    rows = {r["source_id"]: r for r in more.plan.new_rows}
    warn = rows["SV-800003r2_rule (V-800003)"]
    assert warn["status"] == "Open" and "compliance result WARNING" in warn["comments"]
    assert more.plan.updates and more.plan.updates[0].item == 1  # the ERROR check: seen, not closed
    assert "status" not in more.plan.updates[0].changes


def test_case_08_two_items_one_per_failed_check(tmp_path: Path) -> None:
    book = make_book(tmp_path / "new.xlsx", sample=0)
    res = import_into([CASE], book, tmp_path / "out.xlsx", as_of=AS_OF)
    frame = read(tmp_path / "out.xlsx").items.frame
    assert len(frame) == 2
    ids = list(frame["source_id"])
    assert any("SV-700001r1_rule" in s for s in ids) and any("SV-700002r1_rule" in s for s in ids)
    assert set(frame["status"]) == {"Open"} and set(frame["assets"]) == {"db-delta01"}
    assert list(frame["description"]) == ["ACME-00-700001 - Audit logs must be protected",
                                          "ACME-00-700002 - Password hashing must use SHA512"]
    assert res.plan.skipped == {"error": 1, "not reviewed": 1, "not a finding": 1}  # ERROR, WARNING, PASSED
    assert "2 error or not-reviewed checks not passing" in res.line()
    flagged = import_into([CASE], book, tmp_path / "all.xlsx", as_of=AS_OF,
                          options=ImportOptions(include_not_reviewed=True))
    extra = {r["source_id"]: r["comments"] for r in flagged.plan.new_rows}
    assert len(extra) == 4
    assert "WARNING" in extra["SV-700003r1_rule (V-700003)"]
    assert "ERROR" in extra["SV-700004r1_rule (V-700004)"]
