"""`poam-xl import` of a rescan: findings gone from a scanned host, one host under two names,
a pass on one host of an item open on several. Nothing is ever closed automatically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from poam_xl.importers import parse_all, parse_scans
from poam_xl.importers.apply import import_into
from poam_xl.reader import read
from tests.helpers import AS_OF, make_book
from tests.test_import_parsers import CKL_RULES, write_ckl

PLUGINS = {"100001": (4, "OpenSSL critical flaw"), "100002": (2, "SMB signing not required"),
           "100003": (1, "ICMP timestamp"), "100004": (3, "rsync flaw")}


def nessus(path: Path, hosts: dict[str, tuple[dict[str, str], tuple[str, ...]]]) -> Path:
    """A .nessus file: ReportHost name -> (HostProperties tags, plugin IDs reported on it)."""
    body = []
    for name, (tags, plugins) in hosts.items():
        props = "".join(f'<tag name="{k}">{v}</tag>' for k, v in
                        {"HOST_END": "Tue Sep  2 20:38:17 2025", **tags}.items())
        reps = "".join(
            f'<ReportItem port="0" svc_name="general" protocol="tcp" severity="{PLUGINS[p][0]}" '
            f'pluginID="{p}" pluginName="{PLUGINS[p][1]}" pluginFamily="General">'
            f"<solution>Fix it.</solution></ReportItem>" for p in plugins)
        body.append(f'<ReportHost name="{name}"><HostProperties>{props}</HostProperties>{reps}'
                    "</ReportHost>")
    path.write_text('<?xml version="1.0" ?>\n<NessusClientData_v2><Report name="scan">'
                    + "".join(body) + "</Report></NessusClientData_v2>", encoding="utf-8")
    return path


def by_source(path: Path) -> pd.DataFrame:
    return read(path).items.frame.set_index("source_id")


def number(frame: pd.DataFrame, plugin: str) -> int:
    return int(frame.loc[f"Nessus plugin {plugin}", "item_number"])


def test_a_plugin_gone_from_a_rescanned_host_is_listed_not_closed(tmp_path: Path) -> None:
    """Review: a rescan where a plugin is no longer reported said "2 updated" and the item for
    the vanished plugin stayed open, neither listed nor flagged."""
    first = nessus(tmp_path / "first.nessus", {
        "10.0.0.1": ({"host-ip": "10.0.0.1"}, ("100001", "100002", "100003")),
        "10.0.0.2": ({"host-ip": "10.0.0.2"}, ("100001", "100002")),
        "10.0.0.3": ({"host-ip": "10.0.0.3"}, ("100001",)),
        "10.0.0.4": ({"host-ip": "10.0.0.4"}, ("100004",)),
    })
    once = tmp_path / "once.xlsx"
    import_into([first], make_book(tmp_path / "poam.xlsx", sample=0), once, as_of=AS_OF)
    rescan = nessus(tmp_path / "rescan.nessus", {  # 10.0.0.3 clean, 10.0.0.4 not scanned
        "10.0.0.1": ({"host-ip": "10.0.0.1"}, ("100001",)),
        "10.0.0.2": ({"host-ip": "10.0.0.2"}, ("100001", "100002")),
        "10.0.0.3": ({"host-ip": "10.0.0.3"}, ()),
    })
    twice = tmp_path / "twice.xlsx"
    res = import_into([rescan], once, twice, as_of=AS_OF)
    frame = by_source(once)
    icmp, smb, ssl = (number(frame, p) for p in ("100003", "100002", "100001"))
    assert res.plan.absent == [icmp]  # its only host was rescanned without it
    assert (ssl, smb) == (1, 2)  # in the workbook's row order
    assert [x.text() for x in res.plan.partly] == [
        "item 1 (10.0.0.3 not found on rescan; still open on 10.0.0.1, 10.0.0.2)",
        "item 2 (10.0.0.1 not found on rescan; still open on 10.0.0.2)",
    ]
    assert res.plan.resolved == []
    line = res.line()
    assert f"not found on a rescanned host (close after review): items {icmp}" in line
    assert "partly passing, left open: " in line
    after = by_source(twice)
    assert (after["status"] == "Open").all()  # never closed automatically
    assert list(after["assets"]) == list(frame["assets"])  # hosts are not taken off either
    # SCANNED records are the hosts scanned, not findings
    found, scanned = parse_scans([rescan])
    assert len(found) == len(parse_all([rescan])) == 2
    assert sorted(h for r in scanned for h in r.hosts) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def test_a_host_named_by_ip_then_by_fqdn_is_one_host(tmp_path: Path) -> None:
    """Review: the same host, named once by IP and once by its new host-fqdn tag, became
    "10.10.10.105, ubu01.corp.example" (counted twice)."""
    first = nessus(tmp_path / "first.nessus", {"10.10.10.105": ({}, ("100001",))})
    once = tmp_path / "once.xlsx"
    import_into([first], make_book(tmp_path / "poam.xlsx", sample=0), once, as_of=AS_OF)
    assert by_source(once).loc["Nessus plugin 100001", "assets"] == "10.10.10.105"
    named = nessus(tmp_path / "named.nessus", {
        "10.10.10.105": ({"host-fqdn": "ubu01.corp.example"}, ("100001", "100004"))})
    twice = tmp_path / "twice.xlsx"
    res = import_into([named], once, twice, as_of=AS_OF)
    frame = by_source(twice)
    assert frame.loc["Nessus plugin 100001", "assets"] == "10.10.10.105"  # the item's own name
    assert frame.loc["Nessus plugin 100004", "assets"] == "ubu01.corp.example"  # a new item: FQDN
    assert res.plan.absent == [] and res.plan.partly == []
    # both files in one import: one host on the new item, named as the first file names it
    both = import_into([first, named], make_book(tmp_path / "p2.xlsx", sample=0),
                       tmp_path / "both.xlsx", as_of=AS_OF)
    assert [r["assets"] for r in both.plan.new_rows if r["source_id"].endswith("100001")] == [
        "10.10.10.105"]


def test_a_pass_on_one_host_leaves_the_item_open_on_the_other(tmp_path: Path) -> None:
    """Review: with hostA and hostB merged into one item, a pass on hostB alone listed the whole
    item as "now passing"."""
    fails = write_ckl(tmp_path / "a.ckl", host="hostA"), write_ckl(tmp_path / "b.ckl", host="hostB")
    once = tmp_path / "once.xlsx"
    import_into(list(fails), make_book(tmp_path / "poam.xlsx", sample=0), once, as_of=AS_OF)
    telnet = int(by_source(once).loc["SV-1001r1_rule (V-1001)", "item_number"])
    passing = tuple((*r[:3], "NotAFinding", *r[4:]) if r[0] == "V-1001" else r for r in CKL_RULES)
    b_pass = write_ckl(tmp_path / "b2.ckl", host="hostB", rules=passing)
    res = import_into([b_pass], once, tmp_path / "o1.xlsx", as_of=AS_OF)
    assert res.plan.resolved == []
    assert [x.text() for x in res.plan.partly] == [
        f"item {telnet} (hostB passes; still open on hostA)"]
    assert "now passing" not in res.line()
    # failing on hostA in the same import: still not passing
    res = import_into([fails[0], b_pass], once, tmp_path / "o2.xlsx", as_of=AS_OF)
    assert res.plan.resolved == [] and len(res.plan.partly) == 1
    # passing on both: the whole item is listed (and still not closed)
    a_pass = write_ckl(tmp_path / "a2.ckl", host="hostA", rules=passing)
    res = import_into([a_pass, b_pass], once, tmp_path / "o3.xlsx", as_of=AS_OF)
    assert res.plan.resolved == [telnet] and res.plan.partly == []
    assert by_source(tmp_path / "o3.xlsx").loc["SV-1001r1_rule (V-1001)", "status"] == "Open"
