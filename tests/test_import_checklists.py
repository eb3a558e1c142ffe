"""Checklists and HDF: CCI -> 800-53 controls, FQDN-only hosts, reviewer comments, severity
override spellings, InSpec error precedence, one identity across CKL/CKLB/XCCDF/HDF/Nessus."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from poam_xl import cci
from poam_xl.importers import ImportOptions, parse_all
from poam_xl.importers.apply import import_into
from poam_xl.reader import read
from tests.helpers import AS_OF, SHARED, item_ref, make_book

CASES = SHARED / "cases" / "findings"


def write_ckl(path: Path, rules: list[dict], host: dict[str, str] | None = None) -> Path:
    """A STIG Viewer 2 checklist; ``host``: HOST_NAME / HOST_IP / HOST_FQDN (any may be blank)."""
    host = host if host is not None else {"name": "web01", "ip": "10.0.0.5", "fqdn": ""}

    def attr(name: str, value: str) -> str:
        return (f"<STIG_DATA><VULN_ATTRIBUTE>{name}</VULN_ATTRIBUTE>"
                f"<ATTRIBUTE_DATA>{escape(value)}</ATTRIBUTE_DATA></STIG_DATA>")

    vulns = []
    for r in rules:
        body = "".join((attr("Vuln_Num", r["vuln"]), attr("Severity", r.get("severity", "medium")),
                        attr("Rule_ID", r["rule"]), attr("Rule_Ver", r.get("stig_id", "")),
                        attr("Rule_Title", r.get("title", f"{r['vuln']} must hold")),
                        attr("Fix_Text", "Fix it."), *(attr("CCI_REF", c) for c in r.get("ccis", ()))))
        vulns.append(
            f"<VULN>{body}<STATUS>{r.get('status', 'Open')}</STATUS>"
            f"<FINDING_DETAILS>{escape(r.get('details', ''))}</FINDING_DETAILS>"
            f"<COMMENTS>{escape(r.get('comments', ''))}</COMMENTS>"
            f"<SEVERITY_OVERRIDE>{r.get('override', '')}</SEVERITY_OVERRIDE>"
            f"<SEVERITY_JUSTIFICATION>{escape(r.get('why', ''))}</SEVERITY_JUSTIFICATION></VULN>")
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!--DISA STIG Viewer :: 2.17-->\n<CHECKLIST><ASSET>'
        f"<ROLE>None</ROLE><HOST_NAME>{host.get('name', '')}</HOST_NAME><HOST_IP>{host.get('ip', '')}"
        f"</HOST_IP><HOST_MAC></HOST_MAC><HOST_FQDN>{host.get('fqdn', '')}</HOST_FQDN></ASSET><STIGS>"
        "<iSTIG><STIG_INFO><SI_DATA><SID_NAME>title</SID_NAME><SID_DATA>Red Hat Enterprise Linux 8 "
        f"Security Technical Implementation Guide</SID_DATA></SI_DATA></STIG_INFO>{''.join(vulns)}"
        "</iSTIG></STIGS></CHECKLIST>", encoding="utf-8")
    return path


def write_cklb(path: Path, rules: list[dict], target: dict[str, str]) -> Path:
    """A STIG Viewer 3 checklist (JSON) with ``target`` as target_data."""
    doc = {
        "title": "web", "id": "x", "cklb_version": "1.0",
        "target_data": {"target_type": "Computing", "host_name": "", "ip_address": "", "fqdn": "",
                        **target},
        "stigs": [{"stig_name": "Red Hat Enterprise Linux 8 STIG", "display_name": "RHEL 8",
                   "rules": [{"group_id": r["vuln"], "rule_id_src": r["rule"], "rule_id": r["rule"][:-5],
                              "severity": r.get("severity", "medium"), "rule_title": f"{r['vuln']} title",
                              "fix_text": "fix", "status": r.get("status", "open"),
                              "rule_version": r.get("stig_id", ""), "ccis": list(r.get("ccis", ())),
                              "comments": r.get("comments", ""), "finding_details": r.get("details", ""),
                              "overrides": r.get("overrides", {})} for r in rules]}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def write_hdf(path: Path, controls: list[dict], target: str = "db01") -> Path:
    doc = {"platform": {"name": "rhel", "release": "8", "target_id": target}, "version": "5",
           "statistics": {}, "profiles": [{"name": "rhel8", "title": "RHEL 8 STIG", "controls": [
               {"id": c["id"], "title": f"{c['id']} title", "impact": c.get("impact", 0.5),
                "tags": {"gid": c.get("gid", ""), "rid": c.get("rid", ""), "severity": "medium",
                         "stig_id": c.get("stig_id", ""), "cci": c.get("ccis", ["CCI-000366"]),
                         "nist": ["CM-6 b"]},
                "descriptions": [{"label": "fix", "data": "fix it"}],
                "results": [{"status": s, "code_desc": f"{c['id']} {s}", "message": f"{s} here",
                             "start_time": "2025-07-01T08:00:00Z"} for s in c["results"]]}
               for c in controls]}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


RHEL = {"vuln": "V-230221", "rule": "SV-230221r743913_rule", "stig_id": "RHEL-08-010000",
        "severity": "high", "ccis": ("CCI-000366",)}


# ---------------------------------------------------------------- item 1: CCI -> controls
def test_cci_table_is_loaded_once_and_lazily() -> None:
    cci.table.cache_clear()
    assert cci.table.cache_info().currsize == 0
    assert cci.controls(["CCI-000366", "cci-366", "CCI-001384", "CCI-999999"]) == (
        ("CM-6 b", "AC-8 c 1"), ("CCI-999999",))
    first = cci.table()
    assert len(first) == 5098 and cci.table() is first and cci.table.cache_info().misses == 1


def test_ckl_cws_is_controls_then_ccis_and_unknown_cci_warns(tmp_path: Path) -> None:
    ckl = write_ckl(tmp_path / "a.ckl", [
        dict(RHEL), {"vuln": "V-2", "rule": "SV-2r1_rule", "stig_id": "RHEL-08-000002",
                     "ccis": ("CCI-000048", "CCI-001384")},
        {"vuln": "V-3", "rule": "SV-3r1_rule", "stig_id": "RHEL-08-000003", "ccis": ("CCI-999999",)},
        {"vuln": "V-4", "rule": "SV-4r1_rule", "stig_id": "RHEL-08-000004"},
    ])
    recs = {r.source_id: r for r in parse_all([ckl])}
    assert recs["SV-230221r743913_rule (V-230221)"].controls == ("CM-6 b", "CCI-000366")
    assert recs["SV-2r1_rule (V-2)"].controls == ("AC-8 a", "AC-8 c 1", "CCI-000048", "CCI-001384")
    assert recs["SV-3r1_rule (V-3)"].controls == ("CCI-999999",)
    assert recs["SV-4r1_rule (V-4)"].controls == ("RHEL-08-000004",)
    res = import_into([ckl], make_book(tmp_path / "p.xlsx", sample=0), tmp_path / "o.xlsx", as_of=AS_OF)
    line = res.line()
    assert "warning: CCI not in the DISA CCI list in 1 finding (CCI-999999): C/W/S keeps the CCI" in line
    assert "warning: no CCI or 800-53 control in 1 finding (RHEL-08-000004)" in line
    assert "STIG ID: RHEL-08-010000" in res.plan.new_rows[0]["comments"]


# ---------------------------------------------------------------- item 4: hosts
@pytest.mark.parametrize(("host", "want"), [
    ({"name": "web01", "ip": "10.0.0.5", "fqdn": "web01.corp.example"}, "web01"),
    ({"name": "", "ip": "10.0.0.5", "fqdn": "web01.corp.example"}, "web01.corp.example"),
    ({"name": "", "ip": "10.0.0.5", "fqdn": ""}, "10.0.0.5"),
])
def test_ckl_host_name_then_fqdn_then_ip(tmp_path: Path, host: dict, want: str) -> None:
    assert parse_all([write_ckl(tmp_path / "h.ckl", [RHEL], host)])[0].hosts == (want,)


def test_cklb_fqdn_only_and_no_host_is_reported(tmp_path: Path) -> None:
    only_fqdn = write_cklb(tmp_path / "f.cklb", [RHEL], {"fqdn": "app07.corp.example"})
    assert parse_all([only_fqdn])[0].hosts == ("app07.corp.example",)
    assert parse_all([write_cklb(tmp_path / "i.cklb", [RHEL], {"ip_address": "10.7.7.7"})])[0].hosts == (
        "10.7.7.7",)
    none = write_cklb(tmp_path / "none.cklb", [RHEL], {})
    res = import_into([none], make_book(tmp_path / "p.xlsx", sample=0), tmp_path / "o.xlsx", as_of=AS_OF)
    assert res.plan.new_rows[0]["assets"] is None
    assert "warning: no host (host name, FQDN or IP) in 1 finding from none.cklb" in res.line()


@pytest.mark.parametrize(("case", "want"), [
    ("06-cklb-sv3-converted.cklb", "web-beta02.corp.example"),
    ("06b-ckl-fqdn-only.ckl", "web-alpha01.corp.example"),
])
def test_cases_fqdn_only_hosts(tmp_path: Path, case: str, want: str) -> None:
    book = make_book(tmp_path / "new.xlsx", sample=0)
    res = import_into([CASES / case], book, tmp_path / "out.xlsx", as_of=AS_OF)
    frame = read(tmp_path / "out.xlsx").items.frame
    assert len(frame) == len(res.plan.new_rows) == 2
    assert set(frame["assets"]) == {want}
    assert "no host" not in res.line()


# ---------------------------------------------------------------- items 5 and 6
def test_reviewer_comments_and_both_override_spellings(tmp_path: Path) -> None:
    ckl = write_ckl(tmp_path / "c.ckl", [
        dict(RHEL, comments="Vendor ticket 4411 open", details="Release is 8.2",
             override="CAT III", why="Isolated lab host"),  # older STIG Viewer spelling
        {"vuln": "V-5", "rule": "SV-5r1_rule", "severity": "high", "override": "medium",
         "why": "Compensating control", "ccis": ("CCI-000366",)},
        {"vuln": "V-6", "rule": "SV-6r1_rule", "severity": "medium", "override": "CAT II",
         "ccis": ("CCI-000366",)},  # the same CAT: no override note
    ])
    recs = {r.source_id: r for r in parse_all([ckl])}
    first = recs["SV-230221r743913_rule (V-230221)"]
    assert first.risk == "Low"
    assert first.details.splitlines() == [
        "Severity override: CAT I -> CAT III (Isolated lab host)",
        "STIG: Red Hat Enterprise Linux 8 Security Technical Implementation Guide",
        "STIG ID: RHEL-08-010000",
        "Reviewer comments: Vendor ticket 4411 open",
        "Finding details: Release is 8.2",
    ]
    assert recs["SV-5r1_rule (V-5)"].details.startswith(
        "Severity override: CAT I -> CAT II (Compensating control)")
    assert "override" not in recs["SV-6r1_rule (V-6)"].details and recs["SV-6r1_rule (V-6)"].risk == "Medium"
    cklb = write_cklb(tmp_path / "c.cklb", [dict(RHEL, comments="Waiting on vendor", overrides={
        "severity": {"severity": "low", "reason": "Air-gapped"}})], {"host_name": "ws01"})
    rec = parse_all([cklb])[0]
    assert "Severity override: CAT I -> CAT III (Air-gapped)" in rec.details
    assert "Reviewer comments: Waiting on vendor" in rec.details
    res = import_into([ckl], make_book(tmp_path / "p.xlsx", sample=0), tmp_path / "o.xlsx", as_of=AS_OF)
    assert "Reviewer comments: Vendor ticket 4411 open" in res.plan.new_rows[0]["comments"]


# ---------------------------------------------------------------- item 7: HDF precedence
def test_hdf_error_outranks_pass_and_fail(tmp_path: Path) -> None:
    def tag(wb) -> None:
        ws = wb["POA&M"]
        for row, sid in ((1, "SV-9001r1_rule (V-9001)"), (2, "SV-9003r1_rule (V-9003)")):
            ws[item_ref(row, "source_id")] = sid
            ws[item_ref(row, "status")] = "Open"

    hdf = write_hdf(tmp_path / "r.json", [
        {"id": "V-9001", "gid": "V-9001", "rid": "SV-9001r1_rule", "results": ["passed", "error"]},
        {"id": "V-9002", "gid": "V-9002", "rid": "SV-9002r1_rule", "results": ["failed", "error"]},
        {"id": "V-9003", "gid": "V-9003", "rid": "SV-9003r1_rule", "results": ["passed", "passed"]},
        {"id": "V-9004", "gid": "V-9004", "rid": "SV-9004r1_rule", "results": ["error"], "impact": 0},
        {"id": "V-9005", "gid": "V-9005", "rid": "SV-9005r1_rule", "results": ["failed", "passed"]},
    ])
    status = {r.source_id: r.status for r in parse_all([hdf])}
    assert list(status.values()) == ["error", "error", "not_a_finding", "error", "open"]
    book = make_book(tmp_path / "p.xlsx", sample=3, edit=tag)
    res = import_into([hdf], book, tmp_path / "o.xlsx", as_of=AS_OF)
    assert res.plan.resolved == [2]  # V-9003 passes; V-9001 (passed + error) is never proposed
    assert res.plan.skipped == {"error": 3, "not a finding": 1}
    assert [r["source_id"] for r in res.plan.new_rows] == ["SV-9005r1_rule (V-9005)"]
    flagged = import_into([hdf], book, tmp_path / "o2.xlsx", as_of=AS_OF,
                          options=ImportOptions(include_not_reviewed=True))
    row = next(r for r in flagged.plan.new_rows if r["source_id"].startswith("SV-9002"))
    assert row["status"] == "Open" and "InSpec reported an error" in row["comments"]
    assert "Error: error here" in row["description"]


# ---------------------------------------------------------------- item 10: one identity
def test_same_stig_rule_from_every_format_is_one_item(tmp_path: Path) -> None:
    from tests.test_import_xccdf import write_xccdf

    ckl = write_ckl(tmp_path / "a.ckl", [RHEL], {"name": "web01"})
    cklb = write_cklb(tmp_path / "b.cklb", [dict(RHEL, rule="SV-230221r800001_rule")], {"host_name": "web02"})
    one = (("230221", "743913", "RHEL-08-010000", "high", ("CCI-000366",), "fail"),)
    scc = write_xccdf(tmp_path / "c.xml", version="1.2", style="scc", rules=one,
                      host={"target": "web03"})
    ssg = write_xccdf(tmp_path / "d.xml", style="openscap", wrap="arf", host={"target": "web04"},
                      rules=(("230221", "858734", "RHEL-08-010000", "high", ("CCI-000366",), "fail"),))
    hdf = write_hdf(tmp_path / "e.json", [{"id": "SV-230221", "results": ["failed"]}], target="web05")
    nessus = tmp_path / "f.nessus"
    nessus.write_text(
        '<?xml version="1.0" ?><NessusClientData_v2><Report name="stig" xmlns:cm="http://www.nessus.org/cm">'
        '<ReportHost name="10.0.0.6"><HostProperties><tag name="hostname">web06</tag></HostProperties>'
        '<ReportItem port="0" severity="3" pluginID="21157" pluginName="Unix Compliance Checks" '
        'pluginFamily="Policy Compliance"><cm:compliance-check-name>RHEL-08-010000 - vendor release'
        "</cm:compliance-check-name><cm:compliance-result>FAILED</cm:compliance-result>"
        "<cm:compliance-reference>CAT|I,CCI|CCI-000366,Rule-ID|SV-230221r1_rule,STIG-ID|RHEL-08-010000,"
        "Vuln-ID|V-230221</cm:compliance-reference></ReportItem></ReportHost></Report></NessusClientData_v2>",
        encoding="utf-8")
    files = [ckl, cklb, scc, ssg, hdf, nessus]
    assert len(parse_all(files)) == 6
    book = make_book(tmp_path / "p.xlsx", sample=0)
    res = import_into(files, book, tmp_path / "o.xlsx", as_of=AS_OF)
    assert len(res.plan.new_rows) == 1
    row = res.plan.new_rows[0]
    assert row["assets"] == "web01, web02, web03, web04, web05, web06"
    assert row["source_id"] == "SV-230221r743913_rule (V-230221)" and row["cws"] == "CM-6 b; CCI-000366"
    again = import_into(list(reversed(files)), tmp_path / "o.xlsx", tmp_path / "o2.xlsx", as_of=AS_OF)
    assert again.plan.new_rows == [] and again.plan.unchanged == 1
