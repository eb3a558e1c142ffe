"""Importers: CKL, CKLB, Nessus, HDF and CSV into neutral records (generated and real files)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from poam_xl.errors import UsageError, WorkbookError
from poam_xl.importers import ImportOptions, kind_of, parse_all
from poam_xl.importers.csvmap import parse_mapping
from tests.helpers import REALWORLD

SCANS = REALWORLD / "scan-inputs"
REAL_CKL = SCANS / "saf__small_ckl_overrides.ckl"
REAL_CKLB = next(SCANS.glob("*.cklb"), SCANS / "missing.cklb")
REAL_NESSUS = SCANS / "POAM-Tracker-Next__Example1.nessus"
needs_real = pytest.mark.skipif(
    not SCANS.is_dir(), reason="../shared/realworld/scan-inputs is absent"
)

# (vuln id, rule id, severity, status, override, finding details, CCIs)
CKL_RULES = (
    ("V-1001", "SV-1001r1_rule", "high", "Open", "", "Telnet is enabled", ("CCI-000381",)),
    ("V-1002", "SV-1002r1_rule", "medium", "NotAFinding", "", "", ("CCI-000366",)),
    ("V-1003", "SV-1003r2_rule", "low", "Not_Reviewed", "", "", ("CCI-000213",)),
    ("V-1004", "SV-1004r1_rule", "medium", "Open", "low", "Banner text differs", ("CCI-000048",)),
    ("V-1005", "SV-1005r1_rule", "medium", "Not_Applicable", "", "", ()),
)


def write_ckl(path: Path, host: str = "web01", rules: tuple = CKL_RULES) -> Path:
    def attr(name: str, value: str) -> str:
        return (
            f"<STIG_DATA><VULN_ATTRIBUTE>{name}</VULN_ATTRIBUTE>"
            f"<ATTRIBUTE_DATA>{escape(value)}</ATTRIBUTE_DATA></STIG_DATA>"
        )

    vulns = []
    for vid, rid, sev, status, override, details, ccis in rules:
        body = "".join(
            (
                attr("Vuln_Num", vid),
                attr("Severity", sev),
                attr("Rule_ID", rid),
                attr("Rule_Ver", f"APP-{vid[2:]}"),
                attr("Rule_Title", f"Rule {vid} must hold"),
                attr("Fix_Text", f"Fix {vid} by configuration."),
                *(attr("CCI_REF", c) for c in ccis),
            )
        )
        vulns.append(
            f"<VULN>{body}<STATUS>{status}</STATUS><FINDING_DETAILS>{escape(details)}"
            f"</FINDING_DETAILS><COMMENTS></COMMENTS><SEVERITY_OVERRIDE>{override}"
            "</SEVERITY_OVERRIDE></VULN>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!--DISA STIG Viewer :: 2.17-->\n'
        "<CHECKLIST><ASSET>"
        f"<ROLE>None</ROLE><HOST_NAME>{host}</HOST_NAME><HOST_IP>10.0.0.5</HOST_IP></ASSET><STIGS>"
        "<iSTIG><STIG_INFO><SI_DATA><SID_NAME>title</SID_NAME><SID_DATA>Example Web Server STIG"
        f"</SID_DATA></SI_DATA></STIG_INFO>{''.join(vulns)}</iSTIG></STIGS></CHECKLIST>",
        encoding="utf-8",
    )
    return path


def write_cklb(path: Path, host: str = "ws07") -> Path:
    def rule(gid: str, sev: str, status: str, details: str = "") -> dict:
        return {
            "group_id": gid,
            "rule_id": f"S{gid}r9",
            "rule_id_src": f"S{gid}r9_rule",
            "severity": sev,
            "status": status,
            "rule_title": f"{gid} title",
            "fix_text": f"fix {gid}",
            "ccis": ["CCI-000366"],
            "rule_version": f"X-{gid}",
            "finding_details": details,
        }

    doc = {
        "title": "SCC Generated CKLB at: 2025-09-02T20:38:21",
        "cklb_version": "1.0",
        "target_data": {"host_name": host, "ip_address": "192.168.1.7"},
        "stigs": [
            {
                "display_name": "Browser STIG",
                "rules": [
                    rule("V-2001", "high", "open", "Time : 2025-08-30T10:00:00"),
                    rule("V-2002", "medium", "not_a_finding"),
                ],
            },
            {
                "display_name": "Office STIG",
                "rules": [rule("V-3001", "low", "open"), rule("V-3002", "medium", "not_reviewed")],
            },
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def write_nessus(path: Path, hosts: tuple[str, ...] = ("10.0.0.1", "10.0.0.2", "10.0.0.3")) -> Path:
    items = {  # plugin -> (severity, name, on which hosts, CVEs)
        "100001": (4, "OpenSSL critical flaw", hosts, ("CVE-2024-0001", "CVE-2024-0002")),
        "100002": (2, "SMB signing not required", hosts[:2], ()),
        "100003": (1, "ICMP timestamp", hosts[:1], ()),
        "19506": (0, "Nessus Scan Information", hosts, ()),
    }
    body = []
    for h in hosts:
        props = (
            f'<HostProperties><tag name="HOST_END">Tue Sep  2 20:38:17 2025</tag>'
            f'<tag name="host-ip">{h}</tag></HostProperties>'
        )
        reps = "".join(
            f'<ReportItem port="443" svc_name="www" protocol="tcp" severity="{sev}" '
            f'pluginID="{pid}" '
            f'pluginName="{name}" pluginFamily="General">'
            f"<description>{name} description</description>"
            f"<solution>Upgrade {name}.</solution><synopsis>{name} synopsis</synopsis>"
            + "".join(f"<cve>{c}</cve>" for c in cves)
            + "</ReportItem>"
            for pid, (sev, name, on, cves) in items.items()
            if h in on
        )
        body.append(f'<ReportHost name="{h}">{props}{reps}</ReportHost>')
    path.write_text(
        '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="scan">'
        + "".join(body)
        + "</Report></NessusClientData_v2>",
        encoding="utf-8",
    )
    return path


def write_hdf(path: Path) -> Path:
    def control(cid: str, impact: float, statuses: list[str], severity: str) -> dict:
        return {
            "id": cid,
            "title": f"{cid} must be configured",
            "impact": impact,
            "descriptions": [
                {"label": "check", "data": "check it"},
                {"label": "fix", "data": f"fix {cid}"},
            ],
            "tags": {
                "gid": cid,
                "rid": f"S{cid}r1_rule",
                "severity": severity,
                "cci": ["CCI-000366"],
                "nist": ["CM-6 b"],
            },
            "results": [
                {
                    "status": s,
                    "code_desc": f"{cid} test",
                    "start_time": "2025-07-01T08:00:00+00:00",
                    "message": "expected 1, got 0" if s == "failed" else "",
                }
                for s in statuses
            ],
        }

    doc = {
        "platform": {"name": "rhel", "release": "8.9", "target_id": "db01"},
        "version": "5.0",
        "statistics": {"duration": 1.0},
        "profiles": [
            {
                "name": "rhel8-stig",
                "title": "RHEL 8 STIG",
                "controls": [
                    control("V-4001", 0.7, ["passed", "failed"], "high"),
                    control("V-4002", 0.5, ["passed"], "medium"),
                    control("V-4003", 0.0, ["skipped"], "low"),
                    control("V-4004", 0.3, ["failed"], "low"),
                ],
            }
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def write_csv(path: Path) -> Path:
    path.write_text(
        "Finding ID,Title,Severity,Hosts,Fix,Found\n"
        "PT-01,Default credentials on the printer,Critical,prn01,Change the password,2025-06-01\n"
        "PT-02,Directory listing enabled,moderate,web01;web02,Disable autoindex,2025-06-02\n"
        "PT-03,Verbose banner,Low,web01,Hide the version,2025-06-02\n",
        encoding="utf-8",
    )
    return path


def by_id(records: list) -> dict:
    return {r.source_id: r for r in records}


def test_ckl_statuses_severity_override_and_fields(tmp_path: Path) -> None:
    recs = by_id(parse_all([write_ckl(tmp_path / "web.ckl")]))
    assert len(recs) == 5
    r1 = recs["SV-1001r1_rule (V-1001)"]
    assert (r1.status, r1.risk, r1.how, r1.hosts) == ("open", "High", "STIG Review", ("web01",))
    assert r1.description == r1.title  # the description is what is wrong, readable
    assert "Telnet is enabled" in r1.details and "Example Web Server STIG" in r1.details
    assert r1.controls == ("CM-7 a", "CCI-000381")  # 800-53 control of the CCI, then the CCI
    assert "STIG ID: APP-1001" in r1.details
    assert r1.fix == "Fix V-1001 by configuration."
    assert recs["SV-1004r1_rule (V-1004)"].risk == "Low"  # SEVERITY_OVERRIDE wins
    statuses = sorted(r.status for r in recs.values())
    assert statuses == ["not_a_finding", "not_applicable", "not_reviewed", "open", "open"]


def test_cklb_reads_every_stig_and_dates(tmp_path: Path) -> None:
    recs = by_id(parse_all([write_cklb(tmp_path / "ws.cklb")]))
    assert len(recs) == 4
    r = recs["SV-2001r9_rule (V-2001)"]
    assert (r.risk, r.hosts, r.detected) == ("High", ("ws07",), dt.date(2025, 8, 30))
    assert recs["SV-3001r9_rule (V-3001)"].detected == dt.date(2025, 9, 2)  # from the title
    assert "Office STIG" in recs["SV-3002r9_rule (V-3002)"].details


def test_nessus_groups_hosts_skips_info_keeps_cves(tmp_path: Path) -> None:
    path = write_nessus(tmp_path / "scan.nessus")
    recs = by_id(parse_all([path]))
    assert set(recs) == {"Nessus plugin 100001", "Nessus plugin 100002", "Nessus plugin 100003"}
    crit = recs["Nessus plugin 100001"]
    assert crit.hosts == ("10.0.0.1", "10.0.0.2", "10.0.0.3")
    assert crit.cves == ("CVE-2024-0001", "CVE-2024-0002") and "CVE-2024-0002" in crit.description
    assert (crit.risk, crit.how, crit.detected) == (
        "High",
        "Vulnerability Scan",
        dt.date(2025, 9, 2),
    )
    assert [recs[f"Nessus plugin {p}"].risk for p in ("100002", "100003")] == ["Medium", "Low"]
    assert recs["Nessus plugin 100002"].hosts == ("10.0.0.1", "10.0.0.2")
    with_info = by_id(parse_all([path], ImportOptions(include_info=True)))
    assert with_info["Nessus plugin 19506"].risk == "Low"


def test_hdf_failed_controls(tmp_path: Path) -> None:
    recs = by_id(parse_all([write_hdf(tmp_path / "rhel.json")]))
    assert recs["SV-4001r1_rule (V-4001)"].status == "open"
    assert recs["SV-4002r1_rule (V-4002)"].status == "not_a_finding"
    assert recs["SV-4003r1_rule (V-4003)"].status == "not_applicable"
    r = recs["SV-4004r1_rule (V-4004)"]
    assert (r.status, r.risk, r.hosts, r.detected) == (
        "open",
        "Low",
        ("db01",),
        dt.date(2025, 7, 1),
    )
    assert "CM-6 b" in r.controls and r.fix == "fix V-4004"
    assert "expected 1, got 0" in r.description


def test_csv_with_mapping(tmp_path: Path) -> None:
    mapping = parse_mapping(
        "description=Title,risk_level=Severity,source_id=Finding ID,"
        "assets=Hosts,mitigation=Fix,Date Identified=Found"
    )
    recs = by_id(parse_all([write_csv(tmp_path / "pentest.csv")], ImportOptions(mapping=mapping)))
    assert [recs[k].risk for k in ("PT-01", "PT-02", "PT-03")] == ["High", "Medium", "Low"]
    assert recs["PT-02"].hosts == ("web01", "web02")
    assert (
        recs["PT-01"].detected == dt.date(2025, 6, 1) and recs["PT-01"].fix == "Change the password"
    )


def test_mapping_file_and_bad_mapping(tmp_path: Path) -> None:
    f = tmp_path / "map.txt"
    f.write_text("# pen test export\ndescription = Title\nrisk_level=Severity\n", encoding="utf-8")
    assert parse_mapping(file=f) == {"description": "Title", "risk_level": "Severity"}
    with pytest.raises(UsageError, match="not a POA&M column"):
        parse_mapping("colour=Title")
    with pytest.raises(UsageError, match="not found"):
        parse_all([write_csv(tmp_path / "p.csv")], ImportOptions(mapping={"description": "Nope"}))


def test_xml_entities_are_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "evil.ckl"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;">]><CHECKLIST><ASSET><HOST_NAME>&b;</HOST_NAME>'
        "</ASSET></CHECKLIST>",
        encoding="utf-8",
    )
    with pytest.raises(WorkbookError, match="not a readable checklist"):
        parse_all([bomb])


def test_kind_sniffing(tmp_path: Path) -> None:
    assert kind_of(write_hdf(tmp_path / "x.json")) == "hdf"
    cklb = write_cklb(tmp_path / "y.cklb")
    renamed = cklb.rename(tmp_path / "y.json")
    assert kind_of(renamed) == "cklb"
    (tmp_path / "z.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(UsageError):
        kind_of(tmp_path / "z.txt")


@needs_real
def test_real_ckl() -> None:
    recs = parse_all([REAL_CKL])
    assert len(recs) == 11
    counts = {
        s: sum(r.status == s for r in recs)
        for s in ("open", "not_a_finding", "not_applicable", "not_reviewed")
    }
    assert counts == {"open": 4, "not_a_finding": 2, "not_applicable": 1, "not_reviewed": 4}
    first = recs[0]
    assert first.source_id == "SV-257777r925318_rule (V-257777)" and "CCI-000366" in first.controls
    assert first.risk == "Medium"  # CAT I with SEVERITY_OVERRIDE medium
    assert [r.risk for r in recs if r.status == "open"] == ["Low", "High", "Medium", "Medium"]


@needs_real
def test_real_cklb_three_stigs() -> None:
    recs = parse_all([REAL_CKLB])
    assert len(recs) == 80
    assert sum(r.status == "open" for r in recs) == 76
    assert {r.hosts for r in recs} == {("FOXXLEGION7",)}
    stigs = {line for r in recs for line in r.details.splitlines() if line.startswith("STIG: ")}
    assert len(stigs) == 3


@needs_real
def test_real_nessus() -> None:
    recs = by_id(parse_all([REAL_NESSUS]))
    assert set(recs) == {"Nessus plugin 242246", "Nessus plugin 214143", "Nessus plugin 214007"}
    assert recs["Nessus plugin 214143"].risk == "High"  # severity 4 (Critical)
    assert recs["Nessus plugin 242246"].risk == "Medium"
    assert recs["Nessus plugin 214143"].cves == (
        "CVE-2024-12084",
        "CVE-2024-12085",
        "CVE-2024-12086",
    )
    assert recs["Nessus plugin 214007"].hosts == ("10.10.10.105",)


def test_large_nessus_is_streamed(tmp_path: Path) -> None:
    """Memory stays far below the file size: elements are cleared as they are read."""
    import tracemalloc

    path = tmp_path / "big.nessus"
    text = "y" * 1500
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="big">')
        for h in range(1200):
            fh.write(f'<ReportHost name="10.9.{h // 250}.{h % 250}"><HostProperties/>')
            for i in range(5):
                fh.write(f'<ReportItem severity="{1 + i % 4}" pluginID="{700 + i}" '
                         f'pluginName="P{i}">'
                         f"<description>{text}</description><plugin_output>{text}</plugin_output>"
                         "</ReportItem>")
            fh.write("</ReportHost>")
        fh.write("</Report></NessusClientData_v2>")
    size = path.stat().st_size
    assert size > 15_000_000
    parse_all([write_nessus(tmp_path / "warm.nessus")])  # imports and caches outside the measure
    tracemalloc.start()
    try:
        recs = parse_all([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(recs) == 5 and all(len(r.hosts) == 1200 for r in recs)
    assert peak < size / 10


@needs_real
def test_real_ckl_override_justification_is_kept() -> None:
    """An auditor asks why a CAT II is Low: the override and its justification travel along."""
    recs = {r.source_id: r for r in parse_all([REAL_CKL])}
    over = next(r for r in recs.values() if "V-257778" in r.source_id)
    assert over.risk == "Low"
    assert "Severity override: CAT II -> CAT III" in over.details
    assert "Example of overridden severity" in over.details


def test_cklb_pass_and_fail_words_are_statuses(tmp_path: Path) -> None:
    """Converters that write XCCDF's result words into a CKLB: 'fail' is open, 'pass' is not
    a finding (neither is skipped as an unknown status)."""
    path = write_cklb(tmp_path / "pf.cklb")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["stigs"][0]["rules"][0]["status"] = "fail"
    doc["stigs"][0]["rules"][1]["status"] = "Pass"
    path.write_text(json.dumps(doc), encoding="utf-8")
    recs = {r.source_id.split(" ")[0]: r for r in parse_all([path], ImportOptions())}
    assert recs["SV-2001r9_rule"].status == "open"
    assert recs["SV-2002r9_rule"].status == "not_a_finding"


def test_hdf_from_ckl2hdf_is_hdf_and_names_the_checklists_asset(tmp_path: Path) -> None:
    """`saf convert ckl2hdf` output: HDF keys first, the checklist (with its "stigs") in
    passthrough, no target_id: read as HDF, the host from the checklist's asset."""
    path = write_hdf(tmp_path / "h.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["platform"].pop("target_id")
    doc["passthrough"] = {"checklist": {"asset": {"hostname": "", "hostfqdn":
                                                  "app07.corp.example", "hostip": "10.7.7.7"},
                                        "stigs": [{"header": {"stigid": "X"}}]}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert kind_of(path) == "hdf"
    recs = parse_all([path], ImportOptions())
    assert recs and {r.hosts for r in recs} == {("app07.corp.example",)}


@pytest.mark.parametrize(("severity", "want"), [("", "High"), ("x", "High"), ("3.0", "High"),
                                                ("9", "High"), ("-1", "High"),
                                                ("2", "Medium")])
def test_nessus_severity_missing_or_odd_falls_back_to_risk_factor(severity: str, want: str | None,
                                                                  tmp_path: Path) -> None:
    """A ReportItem whose severity is missing or unreadable is judged by its risk_factor (it
    used to vanish: "0 findings read"), and so is a number out of 0-4."""
    path = tmp_path / "odd.nessus"
    path.write_text(
        '<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="scan">'
        '<ReportHost name="10.0.0.9"><HostProperties><tag name="host-ip">10.0.0.9</tag>'
        f'</HostProperties><ReportItem port="22" protocol="tcp" severity="{severity}" '
        'pluginID="200001" pluginName="SSH weak MAC" pluginFamily="General">'
        "<risk_factor>High</risk_factor><description>d</description></ReportItem>"
        "</ReportHost></Report></NessusClientData_v2>", encoding="utf-8")
    recs = [r for r in parse_all([path], ImportOptions()) if r.source_id]
    assert [r.risk for r in recs] == ([want] if want else [])
