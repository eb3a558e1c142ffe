"""Scanner CSV presets: Qualys, Tenable.sc / Tenable VM, Nessus CSV (their own column names)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.errors import UsageError
from poam_xl.importers import ImportOptions, parse_all
from poam_xl.importers.apply import import_into
from poam_xl.importers.presets import PRESETS, risk_of
from tests.helpers import AS_OF, make_book

QUALYS_HEADER = [
    "IP", "Network", "DNS", "NetBIOS", "Tracking Method", "OS", "IP Status", "QID", "Title",
    "Vuln Status", "Type", "Severity", "Port", "Protocol", "FQDN", "SSL", "First Detected",
    "Last Detected", "Times Detected", "Date Last Fixed", "CVE ID", "Vendor Reference",
    "Bugtraq ID", "CVSS3.1", "CVSS3.1 Base", "CVSS3.1 Temporal", "Threat", "Impact", "Solution",
    "Exploitability", "Associated Malware", "Results", "PCI Vuln", "Ticket State", "Instance",
    "OS CPE", "Category", "Associated Tags",
]
TENABLE_SC_HEADER = [
    "Plugin", "Plugin Name", "Family", "Severity", "IP Address", "Protocol", "Port", "Exploit?",
    "Repository", "MAC Address", "DNS Name", "NetBIOS Name", "Plugin Output", "Synopsis",
    "Description", "Steps to Remediate", "See Also", "Risk Factor", "STIG Severity",
    "Vulnerability Priority Rating", "CVSS V2 Base Score", "CVSS V3 Base Score", "CVE",
    "First Discovered", "Last Observed",
]
TENABLE_VM_HEADER = [
    "Plugin ID", "CVE", "CVSS", "Risk", "Host", "Protocol", "Port", "Name", "Synopsis",
    "Description", "Solution", "See Also", "Plugin Output", "Vulnerability State", "IP Address",
    "FQDN", "NetBios", "OS", "Plugin Family", "CVSS3 Base Score", "First Found", "Last Found",
    "Severity",
]
NESSUS_HEADER = [
    "Plugin ID", "CVE", "CVSS v2.0 Base Score", "Risk", "Host", "Protocol", "Port", "Name",
    "Synopsis", "Description", "Solution", "See Also", "Plugin Output", "STIG Severity",
    "CVSS v3.0 Base Score", "Risk Factor",
]


def _csv(path: Path, header: list[str], rows: list[dict[str, str]], preamble: list[list[str]] = (),
         delimiter: str = ",") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for line in preamble:
        w.writerow(line)
    w.writerow(header)
    for row in rows:
        w.writerow([row.get(h, "") for h in header])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_qualys(path: Path) -> Path:
    """A Qualys scan report CSV: report lines above the header, multi-line quoted texts."""
    base = {"Network": "Global Default Network", "Tracking Method": "IP", "IP Status":
            "host scanned, found vuln", "First Detected": "05/13/2021 07:08:28",
            "Last Detected": "05/25/2021 07:36:58"}
    rows = [
        dict(base, IP="10.1.1.5", DNS="web05.corp.example", NetBIOS="WEB05", QID="105971",
             Title="EOL/Obsolete Software: Microsoft ASP.NET 1.0 Detected", Type="Vuln",
             Severity="5", **{"Vuln Status": "Active", "CVSS3.1 Base": "8.1",
                              "Threat": "ASP.NET 1.0 has reached End of Life.\nNo fixes are issued.",
                              "Impact": "High risk.", "Solution": "Upgrade ASP.NET.",
                              "Results": "C:\\Windows\\Microsoft.NET 1.0"}),
        dict(base, IP="10.1.1.6", DNS="web06.corp.example", QID="105971",
             Title="EOL/Obsolete Software: Microsoft ASP.NET 1.0 Detected", Type="Vuln",
             Severity="5", **{"Vuln Status": "New", "Solution": "Upgrade ASP.NET."}),
        dict(base, IP="10.1.1.7", QID="38170", Title="SSL Certificate - Subject Common Name Does Not "
             "Match Server FQDN", Type="Vuln", Severity="2", Port="443", Protocol="tcp",
             **{"CVE ID": "CVE-2024-0001, CVE-2024-0002", "Vuln Status": "Active"}),
        dict(base, IP="10.1.1.7", QID="91762", Title="Windows Update May 2021", Type="Vuln",
             Severity="", **{"CVSS3.1 Base": "9.9 (AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H)",
                             "Vuln Status": "Fixed"}),
        dict(base, IP="10.1.1.7", QID="45038", Title="Host Scan Time", Type="Ig", Severity="1"),
        dict(base, IP="10.1.1.8", QID="11827", Title="HTTP Security Header Not Detected",
             Type="Potential", Severity="3"),
        dict(base, IP="10.1.1.9", QID="99999", Title="Unrated check", Type="Vuln", Severity="9"),
    ]
    preamble = [["Scan Results", "scan/1620902908.12345"], [], ["Acme Corp", "1 Main St"],
                ["Launch Date", "Active Hosts", "Total Hosts", "Type", "Status"],
                ["05/13/2021 07:00:00", "4", "4", "On demand", "Finished"], []]
    return _csv(path, QUALYS_HEADER, rows, preamble)


def write_tenable_sc(path: Path) -> Path:
    rows = [
        {"Plugin": "42873", "Plugin Name": "SSL Medium Strength Cipher Suites Supported (SWEET32)",
         "Family": "General", "Severity": "High", "IP Address": "1.2.3.4", "Protocol": "TCP",
         "Port": "443", "DNS Name": "", "NetBIOS Name": "CORP\\APP01",
         "Plugin Output": "Medium Strength Ciphers\n  DES-CBC3-SHA", "Synopsis": "Medium ciphers.",
         "Description": "The remote host supports 3DES.", "Steps to Remediate": "Reconfigure.",
         "Risk Factor": "Medium", "CVE": "CVE-2016-2183",
         "First Discovered": "Feb 9, 2024 10:48:42 UTC", "Last Observed": "Oct 17, 2024 17:24:54 UTC"},
        {"Plugin": "42873", "Plugin Name": "SSL Medium Strength Cipher Suites Supported (SWEET32)",
         "Severity": "High", "IP Address": "2.3.4.5", "DNS Name": "app02.corp.example",
         "CVE": "CVE-2016-2183", "First Discovered": "Mar 1, 2024 09:00:00 UTC"},
        {"Plugin": "19506", "Plugin Name": "Nessus Scan Information", "Severity": "Info",
         "IP Address": "1.2.3.4"},
        {"Plugin": "57582", "Plugin Name": "SSL Self-Signed Certificate", "Severity": "Medium",
         "IP Address": "1.2.3.4"},
    ]
    return _csv(path, TENABLE_SC_HEADER, rows)


def write_tenable_vm(path: Path) -> Path:
    rows = [
        {"Plugin ID": "176700", "CVE": "CVE-2023-32233", "CVSS": "6.8", "Risk": "High",
         "Host": "ip-127-0-0-1.internal", "Name": "Amazon Linux 2 : kernel (ALAS-2023-2050)",
         "Vulnerability State": "Active", "IP Address": "127.0.0.1", "FQDN": "ip-127-0-0-1.internal",
         "Severity": "3", "First Found": "2023-06-08T01:07:18.371Z"},
        {"Plugin ID": "176703", "CVE": "CVE-2021-46666", "Risk": "", "Severity": "",
         "CVSS3 Base Score": "5.5", "Host": "db01", "Name": "Amazon Linux 2 : mariadb",
         "Vulnerability State": "Resurfaced", "IP Address": "10.2.2.2"},
        {"Plugin ID": "176704", "Risk": "", "Severity": "", "Host": "db01", "Name": "No score",
         "IP Address": "10.2.2.2"},
    ]
    return _csv(path, TENABLE_VM_HEADER, rows, delimiter=";")


def write_nessus_csv(path: Path) -> Path:
    rows = [
        {"Plugin ID": "200162", "CVE": "CVE-2024-4577", "CVSS v2.0 Base Score": "100",
         "Risk": "Critical", "Host": "192.168.0.101", "Protocol": "tcp", "Port": "8080",
         "Name": "PHP 8.2.x < 8.2.20 Multiple Vulnerabilities", "Synopsis": "PHP is old.",
         "Solution": "Upgrade to PHP version 8.2.20 or later.", "STIG Severity": "I"},
        {"Plugin ID": "200162", "CVE": "CVE-2024-5458", "Risk": "Critical", "Host": "192.168.0.101",
         "Name": "PHP 8.2.x < 8.2.20 Multiple Vulnerabilities"},
        {"Plugin ID": "11213", "CVE": "CVE-2003-1567", "Risk": "Medium", "Host": "192.168.0.100",
         "Name": "HTTP TRACE / TRACK Methods Allowed"},
        {"Plugin ID": "19506", "Risk": "None", "Host": "192.168.0.100", "Name": "Nessus Scan Information"},
    ]
    return _csv(path, NESSUS_HEADER, rows)


def by_id(records: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in records:
        out.setdefault(r.source_id, []).append(r)
    return out


def test_qualys_rows(tmp_path: Path) -> None:
    recs = by_id(parse_all([write_qualys(tmp_path / "q.csv")], ImportOptions(preset="qualys")))
    assert set(recs) == {f"Qualys QID {q}" for q in ("105971", "38170", "91762", "45038", "11827", "99999")}
    eol = recs["Qualys QID 105971"]
    assert [r.hosts for r in eol] == [("WEB05",), ("web06.corp.example",)]  # NetBIOS, else DNS
    assert {r.risk for r in eol} == {"High"} and eol[0].detected == dt.date(2021, 5, 13)
    assert "No fixes are issued." in eol[0].description  # a quoted multi-line cell stays whole
    assert eol[0].fix == "Upgrade ASP.NET." and eol[0].controls == ("SI-2", "RA-5")
    cert = recs["Qualys QID 38170"][0]
    assert (cert.risk, cert.hosts, cert.cves) == ("Low", ("10.1.1.7",), ("CVE-2024-0001", "CVE-2024-0002"))
    assert "Port: 443/tcp" in cert.details
    fixed = recs["Qualys QID 91762"][0]
    assert (fixed.risk, fixed.status) == ("High", "not_a_finding")  # CVSS 9.9; Vuln Status Fixed
    assert recs["Qualys QID 45038"][0].status == "informational"  # Type Ig
    assert recs["Qualys QID 11827"][0].risk == "Medium"
    assert recs["Qualys QID 99999"][0].risk is None
    assert ("severity", "'9' in q.csv") in recs["Qualys QID 99999"][0].notes


def test_qualys_import_summary_shows_the_mapping_and_warns(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=0)
    res = import_into([write_qualys(tmp_path / "q.csv")], book, tmp_path / "o.xlsx", as_of=AS_OF,
                      options=ImportOptions(preset="qualys"))
    rows = {r["source_id"]: r for r in res.plan.new_rows}
    assert set(rows) == {"Qualys QID 105971", "Qualys QID 38170", "Qualys QID 11827", "Qualys QID 99999"}
    assert rows["Qualys QID 105971"]["assets"] == "WEB05, web06.corp.example"
    assert rows["Qualys QID 99999"]["risk_level"] is None
    assert res.plan.skipped == {"informational": 1, "not a finding": 1}
    line = res.line()
    assert "severity mapping (qualys): Qualys 5 Urgent / 4 Critical -> High, 3 Serious -> Medium" in line
    assert "warning: severity that maps to no risk level in 1 finding ('9' in q.csv)" in line


def test_tenable_sc_and_vm(tmp_path: Path) -> None:
    sc = by_id(parse_all([write_tenable_sc(tmp_path / "sc.csv")], ImportOptions(preset="tenable")))
    sweet = sc["Nessus plugin 42873"]  # the same identity as the .nessus parser's
    assert [r.hosts for r in sweet] == [("APP01",), ("app02.corp.example",)]  # DOMAIN\\ dropped
    assert [r.detected for r in sweet] == [dt.date(2024, 2, 9), dt.date(2024, 3, 1)]
    assert sweet[0].risk == "High" and sweet[0].fix == "Reconfigure."
    assert sweet[0].description.startswith("SSL Medium Strength Cipher Suites Supported (SWEET32): Medium")
    assert sc["Nessus plugin 19506"][0].status == "informational"
    assert sc["Nessus plugin 57582"][0].risk == "Medium"
    vm = by_id(parse_all([write_tenable_vm(tmp_path / "vm.csv")], ImportOptions(preset="tenable")))
    kernel = vm["Nessus plugin 176700"][0]
    assert (kernel.risk, kernel.hosts, kernel.detected) == ("High", ("ip-127-0-0-1.internal",),
                                                           dt.date(2023, 6, 8))
    assert vm["Nessus plugin 176703"][0].risk == "Medium"  # blank severity: CVSS v3 5.5
    assert vm["Nessus plugin 176704"][0].risk is None


def test_nessus_csv_groups_plugins_like_the_nessus_file(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=0)
    res = import_into([write_nessus_csv(tmp_path / "n.csv")], book, tmp_path / "o.xlsx", as_of=AS_OF,
                      options=ImportOptions(preset="nessus-csv"))
    rows = {r["source_id"]: r for r in res.plan.new_rows}
    assert set(rows) == {"Nessus plugin 200162", "Nessus plugin 11213"}
    assert rows["Nessus plugin 200162"]["risk_level"] == "High"
    assert rows["Nessus plugin 200162"]["assets"] == "192.168.0.101"
    assert res.plan.skipped == {"informational": 1}
    assert "severity mapping (nessus-csv): Risk Critical / High -> High" in res.line()
    again = import_into([write_nessus_csv(tmp_path / "n2.csv")], tmp_path / "o.xlsx",
                        tmp_path / "o2.xlsx", as_of=AS_OF, options=ImportOptions(preset="nessus-csv"))
    assert again.plan.new_rows == [] and again.plan.unchanged == 2


def test_severity_scales() -> None:
    q, t = PRESETS["qualys"], PRESETS["tenable"]
    assert [risk_of(q, s, "", "") for s in "54321"] == ["High", "High", "Medium", "Low", "Low"]
    assert [risk_of(t, s, "", "") for s in "43210"] == ["High", "High", "Medium", "Low", "informational"]
    assert [risk_of(t, "", v, "") for v in ("9.8", "7.0", "6.9", "4.0", "3.9", "0.1")] == [
        "High", "High", "Medium", "Medium", "Low", "Low"]
    assert risk_of(t, "", "", "7.5 (AV:N)") == "High" and risk_of(t, "", "", "") is None
    assert risk_of(t, "Urgent!", "9.0", "") is None  # a severity given but unknown: no guess


def test_wrong_preset_and_cli(tmp_path: Path) -> None:
    q = write_qualys(tmp_path / "q.csv")
    with pytest.raises(UsageError, match="not a Tenable") as err:
        parse_all([q], ImportOptions(preset="tenable"))
    assert str(q) in str(err.value)
    book = make_book(tmp_path / "poam.xlsx", sample=1)
    runner = CliRunner()
    ok = runner.invoke(app, ["import", str(q), "--preset", "qualys", "--into", str(book), "-o",
                             str(tmp_path / "o.xlsx"), "--as-of", AS_OF.isoformat()])
    assert ok.exit_code == 0, ok.output
    assert "4 items added (items 2-5)" in ok.output and "severity mapping (qualys)" in ok.output
    bad = runner.invoke(app, ["import", str(q), "--preset", "openvas", "--into", str(book), "-o",
                              str(tmp_path / "b.xlsx")])
    assert bad.exit_code == 2 and "--preset must be one of qualys, tenable, nessus-csv" in bad.output
    both = runner.invoke(app, ["import", str(q), "--preset", "qualys", "--map", "description=Title",
                               "--into", str(book), "-o", str(tmp_path / "c.xlsx")])
    assert both.exit_code == 2 and "not both" in both.output


def test_generic_csv_severity_that_maps_to_nothing_warns(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=0)
    f = tmp_path / "f.csv"
    f.write_text('ID,Title,Severity\nA1,"Weak TLS\non two lines",Urgent!\nA2,Old banner,\n', encoding="utf-8")
    res = import_into([f], book, tmp_path / "o.xlsx", as_of=AS_OF, options=ImportOptions(
        mapping={"description": "Title", "risk_level": "Severity", "source_id": "ID"}))
    assert [r["risk_level"] for r in res.plan.new_rows] == [None, None]
    assert res.plan.new_rows[0]["description"] == "Weak TLS\non two lines"
    assert "warning: severity that maps to no risk level in 2 findings ('Urgent!' in f.csv, none " \
           "given in f.csv)" in res.line()
