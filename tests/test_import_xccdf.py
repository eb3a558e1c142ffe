"""XCCDF results import: 1.1 and 1.2, OpenSCAP and SCC shapes, bare TestResult, ARF-wrapped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from poam_xl.errors import WorkbookError
from poam_xl.importers import ImportOptions, kind_of, parse_all
from poam_xl.importers.apply import import_into
from tests.helpers import AS_OF, make_book

NS = {"1.1": "http://checklists.nist.gov/xccdf/1.1", "1.2": "http://checklists.nist.gov/xccdf/1.2"}
STIG_TITLE = "Red Hat Enterprise Linux 8 Security Technical Implementation Guide"
# (vuln number, rule revision, STIG ID, severity, CCIs, result)
RULES = (
    ("230221", "743913", "RHEL-08-010000", "high", ("CCI-000366",), "fail"),
    ("230222", "627750", "RHEL-08-010010", "medium", ("CCI-001227",), "pass"),
    ("230223", "627751", "RHEL-08-010020", "medium", ("CCI-002450",), "error"),
    ("230224", "627752", "RHEL-08-010030", "low", ("CCI-002476",), "unknown"),
    ("230225", "627753", "RHEL-08-010040", "medium", ("CCI-000048",), "notapplicable"),
    ("230226", "627754", "RHEL-08-010050", "low", ("CCI-000048",), "notchecked"),
    ("230227", "627755", "RHEL-08-010060", "medium", ("CCI-000048",), "notselected"),
    ("230228", "627756", "RHEL-08-010070", "low", ("CCI-000048",), "informational"),
    ("230229", "627757", "RHEL-08-010080", "medium", ("CCI-000048",), "fixed"),
    ("230230", "627758", "RHEL-08-010090", "medium", ("CCI-999999",), "fail"),
)
SKIPPED = {  # what the summary counts for RULES (default options)
    "not a finding": 2,  # pass, fixed
    "error": 1,
    "not reviewed": 1,  # unknown
    "not applicable": 1,
    "not checked": 1,
    "not selected": 1,
    "informational": 1,
}


def _ids(style: str, version: str, vnum: str, rev: str) -> tuple[str, str]:
    """(Group id, Rule id) as DISA (SCC) writes them in XCCDF 1.1 / 1.2, or ComplianceAsCode."""
    if style == "openscap":
        return "xccdf_org.ssgproject.content_group_system", f"xccdf_org.ssgproject.content_rule_r{vnum}"
    if version == "1.2":
        return f"xccdf_mil.disa.stig_group_V-{vnum}", f"xccdf_mil.disa.stig_rule_SV-{vnum}r{rev}_rule"
    return f"V-{vnum}", f"SV-{vnum}r{rev}_rule"


def _rule(p: str, style: str, version: str, vnum: str, rev: str, stig_id: str, sev: str,
          ccis: tuple[str, ...]) -> str:
    gid, rid = _ids(style, version, vnum, rev)
    title = f"<{p}title>Rule {vnum} must be configured</{p}title>"
    fix = f"<{p}fixtext>Configure {vnum}.</{p}fixtext>"
    if style == "openscap":  # ComplianceAsCode: references for CCIs, STIG ID, rule id, 800-53
        refs = "".join(
            f'<{p}reference href="https://public.cyber.mil/stigs/cci/">{c}</{p}reference>' for c in ccis
        ) + (
            f'<{p}reference href="https://public.cyber.mil/stigs/downloads/">{stig_id}</{p}reference>'
            f'<{p}reference href="https://public.cyber.mil/stigs/srg-stig-tools/">SV-{vnum}r{rev}_rule'
            f"</{p}reference>"
            f'<{p}reference href="http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf">'
            f"CM-6(a),CM-6(b)</{p}reference>"
            f'<{p}ident system="https://ncp.nist.gov/cce">CCE-8{vnum}-1</{p}ident>'
        )
        code = f'<html:code xmlns:html="http://www.w3.org/1999/xhtml">{vnum}</html:code>'
        desc = f"<{p}description>Keep {code} set.</{p}description>"
        return (f'<{p}Group id="{gid}-{vnum}"><{p}title>System</{p}title><{p}Rule id="{rid}" '
                f'severity="{sev}">{title}{desc}{refs}{fix}<{p}fix system="urn:xccdf:fix:script:sh">'
                f"echo fix</{p}fix></{p}Rule></{p}Group>")
    system = "http://cyber.mil/cci" if version == "1.2" else "http://iase.disa.mil/cci"
    idents = "".join(f'<{p}ident system="{system}">{c}</{p}ident>' for c in ccis)
    discussion = f"<VulnDiscussion>Why {vnum} matters.</VulnDiscussion><FalsePositives></FalsePositives>"
    desc = f"<{p}description>{escape(discussion)}</{p}description>"
    return (f'<{p}Group id="{gid}"><{p}title>SRG-OS-000480-GPOS-00227</{p}title><{p}Rule id="{rid}" '
            f'severity="{sev}" weight="10.0"><{p}version>{stig_id}</{p}version>{title}{desc}{idents}{fix}'
            f"</{p}Rule></{p}Group>")


def _test_result(p: str, style: str, version: str, host: dict[str, str], rules=RULES,
                 xmlns: str = "") -> str:
    results = []
    for vnum, rev, stig_id, sev, ccis, result in rules:
        _gid, rid = _ids(style, version, vnum, rev)
        if style == "openscap":
            idents = f'<{p}ident system="https://ncp.nist.gov/cce">CCE-8{vnum}-1</{p}ident>'
            extra = f'role="full" severity="{sev}" weight="1.000000"'
        else:
            system = "http://cyber.mil/cci" if version == "1.2" else "http://iase.disa.mil/cci"
            idents = "".join(f'<{p}ident system="{system}">{c}</{p}ident>' for c in ccis)
            extra = f'severity="{sev}" weight="10.0" version="{stig_id}"'
        message = (f'<{p}message severity="error">probe failed: permission denied</{p}message>'
                   if result == "error" else "")
        results.append(f'<{p}rule-result idref="{rid}" time="2025-03-04T10:01:00" {extra}>'
                       f"<{p}result>{result}</{p}result>{idents}{message}"
                       f'<{p}check system="http://oval.mitre.org/XMLSchema/oval-definitions-5">'
                       f'<{p}check-content-ref name="oval:x:def:{vnum}" href="#oval0"/></{p}check>'
                       f"</{p}rule-result>")
    scanner = "OpenSCAP" if style == "openscap" else "SCC"
    fact = "urn:xccdf:fact:asset:identifier" if style == "openscap" else "urn:scap:fact:asset:identifier"
    facts = [f'<{p}fact name="urn:xccdf:fact:scanner:name" type="string">{scanner}</{p}fact>']
    if host.get("fqdn"):
        facts.append(f'<{p}fact name="{fact}:fqdn" type="string">{host["fqdn"]}</{p}fact>')
    if host.get("name"):
        facts.append(f'<{p}fact name="{fact}:host_name" type="string">{host["name"]}</{p}fact>')
    for ip in ("127.0.0.1", host.get("ip", "")):
        if ip:
            facts.append(f'<{p}fact name="{fact}:ipv4" type="string">{ip}</{p}fact>')
    addresses = "".join(f"<{p}target-address>{ip}</{p}target-address>"
                        for ip in ("127.0.0.1", host.get("ip", "")) if ip)
    target = f"<{p}target>{host['target']}</{p}target>" if host.get("target") else ""
    return (f'<{p}TestResult{xmlns} id="xccdf_{scanner.lower()}_testresult_stig" '
            f'start-time="2025-03-04T10:00:00" end-time="2025-03-04T10:09:00" '
            f'test-system="cpe:/a:{scanner.lower()}">'
            f'<{p}benchmark href="benchmark.xml"/><{p}title>{scanner} Scan Result</{p}title>'
            f'<{p}profile idref="stig"/>{target}{addresses}<{p}target-facts>{"".join(facts)}'
            f"</{p}target-facts>{''.join(results)}"
            f'<{p}score system="urn:xccdf:scoring:default" maximum="100">40</{p}score></{p}TestResult>')


def write_xccdf(path: Path, *, version: str = "1.2", style: str = "scc", wrap: str = "none",
                host: dict[str, str] | None = None, rules=RULES) -> Path:
    """An XCCDF results document as OpenSCAP (`oscap xccdf eval --results[-arf]`) or SCC write
    it: Benchmark (Groups, Rules, then the TestResult), a bare TestResult, or ARF-wrapped."""
    host = host if host is not None else {"target": "web02", "name": "web02",
                                          "fqdn": "web02.corp.example", "ip": "10.0.0.22"}
    ns = NS[version]
    p = "" if style == "openscap" else "cdf:"
    decl = f'xmlns="{ns}"' if style == "openscap" else f'xmlns:cdf="{ns}"'
    title = "Guide to the Secure Configuration of RHEL 8" if style == "openscap" else STIG_TITLE
    body_rules = "".join(_rule(p, style, version, v, r, s, sev, c) for v, r, s, sev, c, _ in rules)
    bench_open = (f'<{p}Benchmark {decl} id="xccdf_bench" resolved="1" xml:lang="en-US">'
                  f'<{p}status>accepted</{p}status><{p}title>{title}</{p}title>'
                  f"<{p}version>1</{p}version>")
    if wrap == "bare":
        text = _test_result(p, style, version, host, rules, f" {decl}")
    elif wrap == "arf":
        test = _test_result(p, style, version, host, rules, f" {decl}")
        text = (
            '<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1" '
            'xmlns:core="http://scap.nist.gov/schema/reporting-core/1.1" '
            'xmlns:ai="http://scap.nist.gov/schema/asset-identification/1.1">'
            '<core:relationships><core:relationship type="arfvocab:isAbout" subject="xccdf1">'
            "<core:ref>asset0</core:ref></core:relationship></core:relationships>"
            '<arf:report-requests><arf:report-request id="collection1"><arf:content>'
            '<ds:data-stream-collection xmlns:ds="http://scap.nist.gov/schema/scap/source/1.2" id="c">'
            f'<ds:component id="xccdf">{bench_open}{body_rules}</{p}Benchmark></ds:component>'
            '<ds:component id="oval"><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">'
            "<definitions/></oval_definitions></ds:component></ds:data-stream-collection>"
            "</arf:content></arf:report-request></arf:report-requests>"
            '<arf:assets><arf:asset id="asset0"><ai:computing-device><ai:connections><ai:connection>'
            "<ai:ip-address><ai:ip-v4>10.9.9.9</ai:ip-v4></ai:ip-address></ai:connection>"
            "</ai:connections><ai:fqdn>arf-asset.corp.example</ai:fqdn></ai:computing-device>"
            "</arf:asset></arf:assets>"
            f'<arf:reports><arf:report id="xccdf1"><arf:content>{test}</arf:content></arf:report>'
            '<arf:report id="oval0"><arf:content><oval_results xmlns="http://oval.mitre.org/XMLSchema/'
            'oval-results-5"><results><system><definitions><definition definition_id="oval:x:def:1" '
            'result="true"/></definitions></system></results></oval_results></arf:content></arf:report>'
            "</arf:reports></arf:asset-report-collection>"
        )
    else:
        text = bench_open + body_rules + _test_result(p, style, version, host, rules) + f"</{p}Benchmark>"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text, encoding="utf-8")
    return path


def by_id(records: list) -> dict:
    return {r.source_id: r for r in records}


SHAPES = [
    ("1.1", "scc", "none"),
    ("1.2", "scc", "none"),
    ("1.2", "openscap", "none"),
    ("1.1", "openscap", "none"),
    ("1.2", "openscap", "arf"),
    ("1.2", "scc", "arf"),
    ("1.2", "scc", "bare"),
    ("1.1", "scc", "bare"),
]


@pytest.mark.parametrize(("version", "style", "wrap"), SHAPES)
def test_every_shape_gives_the_same_findings(tmp_path: Path, version: str, style: str, wrap: str) -> None:
    path = write_xccdf(tmp_path / f"r-{version}-{style}-{wrap}.xml", version=version, style=style, wrap=wrap)
    assert kind_of(path) == "xccdf"
    recs = parse_all([path])
    assert len(recs) == len(RULES)
    status = {r.source_id.split(" ")[0]: r.status for r in recs}
    assert status == {
        "SV-230221r743913_rule": "open",
        "SV-230222r627750_rule": "not_a_finding",
        "SV-230223r627751_rule": "error",
        "SV-230224r627752_rule": "not_reviewed",
        "SV-230225r627753_rule": "not_applicable",
        "SV-230226r627754_rule": "not_checked",
        "SV-230227r627755_rule": "not_selected",
        "SV-230228r627756_rule": "informational",
        "SV-230229r627757_rule": "not_a_finding",
        "SV-230230r627758_rule": "open",
    }
    first = next(r for r in recs if r.source_id.startswith("SV-230221r743913_rule"))
    assert first.hosts == ("web02",) and first.detected == dt.date(2025, 3, 4)
    assert first.risk == "High" and first.how == "STIG Review" and first.source == "xccdf"
    assert "CM-6 b" in first.controls and "CCI-000366" in first.controls
    assert "STIG ID: RHEL-08-010000" in first.details and "XCCDF result: fail" in first.details
    if wrap != "bare":  # the Rule (title, fix text) is in the benchmark
        assert first.title == "Rule 230221 must be configured" and first.fix == "Configure 230221."
    else:  # a bare TestResult only names the rule
        assert first.title.endswith("SV-230221r743913_rule") or "230221" in first.title


def test_scc_ids_give_vuln_and_rule_ids(tmp_path: Path) -> None:
    recs = by_id(parse_all([write_xccdf(tmp_path / "scc.xml", version="1.2", style="scc")]))
    r = recs["SV-230221r743913_rule (V-230221)"]
    assert r.controls == ("CM-6 b", "CCI-000366")
    assert f"STIG: {STIG_TITLE}" in r.details
    assert r.description.startswith("Rule 230221 must be configured\nWhy 230221 matters.")
    err = recs["SV-230223r627751_rule (V-230223)"]
    assert "probe failed: permission denied" in err.details and "could not evaluate" in err.review


def test_openscap_references_give_stig_ids_and_nist(tmp_path: Path) -> None:
    recs = parse_all([write_xccdf(tmp_path / "o.xml", style="openscap")])
    r = next(x for x in recs if x.source_id == "SV-230221r743913_rule")  # no group V- id in SSG
    assert r.controls == ("CM-6 b", "CCI-000366")  # the DISA CCI list wins over CM-6(a)
    assert "Benchmark: Guide to the Secure Configuration of RHEL 8" in r.details


def test_a_later_test_result_supersedes_an_earlier_one(tmp_path: Path) -> None:
    """`oscap xccdf eval --remediate`: the scan, then the rescan where remediated rules are
    'fixed'; another target's results stay its own."""
    one = RULES[:1]
    fixed = (RULES[0][:5] + ("fixed",),)
    host = {"target": "web02"}
    text = write_xccdf(tmp_path / "a.xml", rules=one, host=host).read_text(encoding="utf-8")
    rescan = _test_result("cdf:", "scc", "1.2", host, fixed)
    other = _test_result("cdf:", "scc", "1.2", {"target": "web09"}, one)
    path = tmp_path / "remediated.xml"
    path.write_text(text.replace("</cdf:Benchmark>", rescan + other + "</cdf:Benchmark>"), encoding="utf-8")
    recs = parse_all([path])
    assert sorted((r.hosts, r.status) for r in recs) == [(("web02",), "not_a_finding"), (("web09",), "open")]


def test_hosts_name_then_fqdn_then_ip_then_arf_asset(tmp_path: Path) -> None:
    def host_of(host: dict[str, str], wrap: str = "none") -> tuple[str, ...]:
        path = write_xccdf(tmp_path / f"h{len(list(tmp_path.iterdir()))}.xml", host=host, wrap=wrap)
        return parse_all([path])[0].hosts

    assert host_of({"target": "WEB02", "fqdn": "web02.corp.example", "ip": "10.0.0.22"}) == ("WEB02",)
    assert host_of({"target": "localhost", "fqdn": "web03.corp.example"}) == ("web03.corp.example",)
    assert host_of({"ip": "10.0.0.44"}) == ("10.0.0.44",)  # 127.0.0.1 is never the host
    assert host_of({}, wrap="arf") == ("arf-asset.corp.example",)
    assert host_of({}) == ()


def test_import_summary_counts_and_flags(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=2)
    path = write_xccdf(tmp_path / "scc.xml")
    res = import_into([path], book, tmp_path / "out.xlsx", as_of=AS_OF)
    assert [r["source_id"] for r in res.plan.new_rows] == [
        "SV-230221r743913_rule (V-230221)", "SV-230230r627758_rule (V-230230)"]
    assert res.plan.skipped == SKIPPED
    line = res.line()
    assert "10 findings read" in line and "2 items added (items 3-4)" in line
    assert "2 error or not-reviewed checks not passing" in line
    assert "warning: CCI not in the DISA CCI list in 1 finding (CCI-999999)" in line
    unknown = res.plan.new_rows[1]
    assert unknown["cws"] == "CCI-999999"  # never a silently empty control
    assert unknown["date_identified"] == dt.date(2025, 3, 4) and unknown["assets"] == "web02"
    # with --include-not-reviewed the error and unknown results become Open items to review
    more = import_into([path], book, tmp_path / "out2.xlsx", as_of=AS_OF,
                       options=ImportOptions(include_not_reviewed=True))
    rows = {r["source_id"].split(" ")[0]: r for r in more.plan.new_rows}
    assert set(rows) == {"SV-230221r743913_rule", "SV-230223r627751_rule", "SV-230224r627752_rule",
                         "SV-230230r627758_rule"}
    assert rows["SV-230223r627751_rule"]["status"] == "Open"
    assert "XCCDF result error" in rows["SV-230223r627751_rule"]["comments"]
    assert "XCCDF result unknown" in rows["SV-230224r627752_rule"]["comments"]


def test_error_result_never_proposes_closing(tmp_path: Path) -> None:
    from tests.helpers import item_ref

    def tag(wb) -> None:
        ws = wb["POA&M"]
        for row, sid in ((1, "SV-230223r1_rule"), (2, "V-230222")):  # error now / pass now
            ws[item_ref(row, "source_id")] = sid
            ws[item_ref(row, "status")] = "Open"

    book = make_book(tmp_path / "poam.xlsx", sample=3, edit=tag)
    res = import_into([write_xccdf(tmp_path / "r.xml")], book, tmp_path / "o.xlsx", as_of=AS_OF)
    assert res.plan.resolved == [2]  # the passing rule; the error one stays open, unproposed
    assert "now passing (close them after review): items 2" in res.line()


def test_bad_xccdf_files_name_the_file(tmp_path: Path) -> None:
    bench = tmp_path / "bench.xml"
    bench.write_text(f'<Benchmark xmlns="{NS["1.2"]}" id="b"><title>x</title></Benchmark>', encoding="utf-8")
    with pytest.raises(WorkbookError, match="no XCCDF TestResult") as err:
        parse_all([bench])
    assert str(bench) in str(err.value)
    broken = tmp_path / "broken.xml"
    broken.write_text(f'<Benchmark xmlns="{NS["1.2"]}"><TestResult><rule-result>', encoding="utf-8")
    with pytest.raises(WorkbookError, match="not readable XCCDF results"):
        parse_all([broken])
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>'
                    f'<Benchmark xmlns="{NS["1.2"]}"><title>&a;</title></Benchmark>', encoding="utf-8")
    with pytest.raises(WorkbookError, match="not readable XML") as exc:  # refused, never expanded
        parse_all([bomb])
    assert str(bomb) in str(exc.value) and "aaaa" not in str(exc.value)


def test_large_arf_is_streamed(tmp_path: Path) -> None:
    """Memory stays far below the file size: OVAL results and rule-results are dropped as read."""
    import tracemalloc

    path = tmp_path / "big-arf.xml"
    small = write_xccdf(tmp_path / "small.xml", wrap="arf").read_text(encoding="utf-8")
    head, _, _rest = small.partition('<arf:report id="oval0">')
    filler = "".join(f'<definition definition_id="oval:x:def:{i}" result="false"><criteria>'
                     f'<criterion test_ref="oval:x:tst:{i}" result="false">{"z" * 2600}</criterion>'
                     f"</criteria></definition>" for i in range(6000))
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head + '<arf:report id="oval0"><arf:content><oval_results xmlns="http://oval.mitre.org/'
                 f'XMLSchema/oval-results-5"><results><system><definitions>{filler}</definitions>'
                 "</system></results></oval_results></arf:content></arf:report></arf:reports>"
                 "</arf:asset-report-collection>")
    size = path.stat().st_size
    assert size > 15_000_000
    parse_all([write_xccdf(tmp_path / "warm.xml")])
    tracemalloc.start()
    try:
        recs = parse_all([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(recs) == len(RULES)
    assert peak < size / 10
