"""`poam-xl import` into a generated workbook: new items, de-duplication, reopen, options."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.errors import UsageError
from poam_xl.importers import ImportOptions
from poam_xl.importers.apply import import_into
from poam_xl.reader import read
from poam_xl.validation import validate
from tests.helpers import AS_OF, REALWORLD, item_ref, make_book, sha256
from tests.test_import_parsers import write_ckl, write_cklb, write_csv, write_hdf, write_nessus

SCANS = REALWORLD / "scan-inputs"


def items(path: Path) -> pd.DataFrame:
    return read(path).items.frame


def test_new_items_fields_and_clean_validation(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=8)
    before = sha256(book)
    ckl, nessus = write_ckl(tmp_path / "web.ckl"), write_nessus(tmp_path / "scan.nessus")
    out = tmp_path / "out.xlsx"
    res = import_into([ckl, nessus], book, out, as_of=AS_OF)
    assert sha256(book) == before  # the input workbook is never modified without --in-place
    assert len(res.plan.new_rows) == 2 + 3  # CKL: 2 open; Nessus: 3 plugins (info skipped)
    frame = items(out)
    assert list(frame["item_number"]) == list(range(1, 14))
    new = frame[frame["item_number"] > 8].set_index("source_id")
    telnet = new.loc["SV-1001r1_rule (V-1001)"]
    assert (telnet["status"], telnet["risk_level"], telnet["how_identified"]) == (
        "Open",
        "High",
        "STIG Review",
    )
    assert telnet["assets"] == "web01" and telnet["cws"] == "CM-7 a; CCI-000381"
    assert telnet["mitigation"] == "Fix V-1001 by configuration."
    assert telnet["date_identified"] == pd.Timestamp(AS_OF)  # a CKL carries no date: --as-of
    assert telnet["milestone_date"] == pd.Timestamp(AS_OF + dt.timedelta(days=30))  # High: 30 days
    crit = new.loc["Nessus plugin 100001"]
    assert crit["how_identified"] == "Vulnerability Scan"
    assert crit["assets"] == "10.0.0.1, 10.0.0.2, 10.0.0.3"
    assert crit["date_identified"] == pd.Timestamp(2025, 9, 2) == crit["last_seen"]
    ms = read(out).milestones.frame
    assert sorted(ms["item_number"].dropna().astype(int))[-5:] == [9, 10, 11, 12, 13]
    report = validate(out, as_of=AS_OF)
    assert report.errors == 0
    assert not [f for f in report.findings if f.item in range(9, 14)]


def test_new_rows_copy_the_style_of_the_row_above(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=3)
    out = tmp_path / "out.xlsx"
    import_into([write_ckl(tmp_path / "a.ckl")], book, out, as_of=AS_OF)
    ws = load_workbook(out)["POA&M"]
    above, new = ws[item_ref(3, "description")], ws[item_ref(4, "description")]
    assert new.value and new.border.left.style == above.border.left.style == "thin"
    assert new.alignment.wrap_text
    assert ws[item_ref(4, "date_identified")].is_date
    row = ws[item_ref(4, "description")].row  # the Comments hold the evidence: a taller row
    assert ws.row_dimensions[row].height >= 45 and ws.row_dimensions[row].customHeight


def test_import_twice_adds_no_duplicates(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=4)
    files = [
        write_ckl(tmp_path / "web.ckl"),
        write_cklb(tmp_path / "ws.cklb"),
        write_nessus(tmp_path / "scan.nessus"),
        write_hdf(tmp_path / "db.json"),
    ]
    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    first = import_into(files, book, once, as_of=AS_OF)
    second = import_into(files, once, twice, as_of=AS_OF)
    assert len(first.plan.new_rows) == 2 + 2 + 3 + 2
    assert second.plan.new_rows == [] and second.plan.unchanged == 9
    assert len(items(twice)) == len(items(once)) == 13


def test_same_rule_on_two_hosts_is_one_item_and_new_hosts_update(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=2)
    a = write_ckl(tmp_path / "a.ckl", host="web01")
    b = write_ckl(tmp_path / "b.ckl", host="web02")
    out = tmp_path / "out.xlsx"
    res = import_into([a, b], book, out, as_of=AS_OF)
    assert len(res.plan.new_rows) == 2
    assert {r["assets"] for r in res.plan.new_rows} == {"web01, web02"}
    c = write_ckl(tmp_path / "c.ckl", host="web03")
    later = AS_OF + dt.timedelta(days=7)
    out2 = tmp_path / "out2.xlsx"
    res2 = import_into([c], out, out2, as_of=later, options=ImportOptions(scan_date=later))
    assert res2.plan.new_rows == [] and len(res2.plan.updates) == 2
    row = items(out2).set_index("source_id").loc["SV-1001r1_rule (V-1001)"]
    assert row["assets"] == "web01, web02, web03"
    assert row["last_seen"] == pd.Timestamp(later)


def test_closed_item_is_reopened_with_a_note(tmp_path: Path) -> None:
    def closed_telnet(wb) -> None:
        ws = wb["POA&M"]
        ws[item_ref(4, "source_id")] = "SV-1001r0_rule"  # older revision: same rule
        assert ws[item_ref(4, "status")].value == "Completed"

    book = make_book(tmp_path / "poam.xlsx", sample=8, edit=closed_telnet)
    out = tmp_path / "out.xlsx"
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, out, as_of=AS_OF)
    assert res.plan.reopened == 1 and len(res.plan.new_rows) == 1
    row = items(out).loc[lambda f: f["item_number"] == 4].iloc[0]
    assert (
        row["status"] == "Open"
        and pd.isna(row["completion_date"])
        and row["closure_reason"] is None
    )
    assert f"Reopened {AS_OF.isoformat()}" in row["comments"] and "web.ckl" in row["comments"]
    assert "was Completed" in row["comments"]
    assert row["issm_approval"] == "Pending"  # the closure's approval no longer holds
    assert "1 reopened" in res.line()


def test_risk_accepted_and_false_positive_items_found_again_stay_closed(tmp_path: Path) -> None:
    """Review: a Risk Accepted item whose rule still fails came out Open, approval Pending,
    Closure Reason and Completion Date cleared and DSS Determination still Closed."""
    def accepted(wb) -> None:
        ws = wb["POA&M"]
        ws[item_ref(7, "source_id")] = "SV-1001r0_rule"  # Closed, Risk Accepted, DSS Closed
        ws[item_ref(7, "assets")] = "web02"
        ws[item_ref(12, "source_id")] = "V-1004"
        ws[item_ref(12, "closure_reason")] = "false positive"  # any spelling
        assert ws[item_ref(7, "closure_reason")].value == "Risk Accepted"

    book = make_book(tmp_path / "poam.xlsx", sample=12, edit=accepted)
    out = tmp_path / "out.xlsx"
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, out, as_of=AS_OF)
    assert res.plan.reopened == 0 and res.plan.new_rows == []
    before, after = items(book), items(out)
    for n in (7, 12):
        old = before.loc[lambda f, n=n: f["item_number"] == n].iloc[0]
        new = after.loc[lambda f, n=n: f["item_number"] == n].iloc[0]
        assert new["last_seen"] == pd.Timestamp(AS_OF)
        assert new.drop("last_seen").equals(old.drop("last_seen"))  # closed as it was
    assert "still found: 1 risk-accepted item left closed (item 7), 1 false-positive item left " \
           "closed (item 12)" in res.line()
    assert "item 7 (Risk Accepted) also found on web01, not in its Affected Assets (not added" \
           in res.line()


def test_reopened_item_clears_every_closure_field(tmp_path: Path) -> None:
    def fixed(wb) -> None:
        ws = wb["POA&M"]
        ws[item_ref(7, "source_id")] = "SV-1001r0_rule"
        ws[item_ref(7, "closure_reason")] = "Remediated"  # closed as fixed: reopens

    book = make_book(tmp_path / "poam.xlsx", sample=12, edit=fixed)
    out = tmp_path / "out.xlsx"
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, out, as_of=AS_OF)
    assert res.plan.reopened == 1
    row = items(out).loc[lambda f: f["item_number"] == 7].iloc[0]
    assert row["status"] == "Open" and row["issm_approval"] == "Pending"
    assert [row[k] for k in ("closure_reason", "dss_determination")] == [None, None]
    assert pd.isna(row["completion_date"]) and pd.isna(row["dss_date"])
    assert ("(was Closed 2026-09-03, Remediated, ISSM/FSO approval Yes, DSS Closed 2026-09-05)."
            in row["comments"])
    report = validate(out, as_of=AS_OF)
    assert not [f for f in report.findings if f.item == 7 and f.severity == "error"]


def test_min_severity_and_not_reviewed(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=1)
    ckl = write_ckl(tmp_path / "web.ckl")
    high = import_into(
        [ckl], book, tmp_path / "h.xlsx", as_of=AS_OF, options=ImportOptions(min_severity="High")
    )
    assert [r["source_id"] for r in high.plan.new_rows] == ["SV-1001r1_rule (V-1001)"]
    assert high.plan.skipped == {
        "below High": 1,
        "not a finding": 1,
        "not applicable": 1,
        "not reviewed": 1,
    }
    allr = import_into(
        [ckl], book, tmp_path / "a.xlsx", as_of=AS_OF, options=ImportOptions(include_not_reviewed=True)
    )
    assert len(allr.plan.new_rows) == 3
    nr = next(r for r in allr.plan.new_rows if r["source_id"].startswith("SV-1003"))
    assert "Not reviewed" in nr["comments"] and nr["status"] == "Open"


def test_passing_rule_reported_for_open_item(tmp_path: Path) -> None:
    def tag(wb) -> None:
        wb["POA&M"][item_ref(1, "source_id")] = "V-1002"

    book = make_book(tmp_path / "poam.xlsx", sample=3, edit=tag)
    res = import_into([write_ckl(tmp_path / "web.ckl")], book, tmp_path / "o.xlsx", as_of=AS_OF)
    assert res.plan.resolved == [1]


def test_csv_import_with_map(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=0)
    csv = write_csv(tmp_path / "pentest.csv")
    opts = ImportOptions(
        mapping={
            "description": "Title",
            "risk_level": "Severity",
            "source_id": "Finding ID",
            "assets": "Hosts",
            "mitigation": "Fix",
            "date_identified": "Found",
        }
    )
    out = tmp_path / "o.xlsx"
    import_into([csv], book, out, as_of=AS_OF, options=opts)
    frame = items(out)
    assert list(frame["item_number"]) == [1, 2, 3]
    assert list(frame["risk_level"]) == ["High", "Medium", "Low"]
    assert list(frame["how_identified"]) == ["Other"] * 3
    again = import_into([csv], out, tmp_path / "o2.xlsx", as_of=AS_OF, options=opts)
    assert again.plan.new_rows == []


def test_in_place_and_output_rules(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=2)
    ckl = write_ckl(tmp_path / "web.ckl")
    ckl_bytes = sha256(ckl)
    with pytest.raises(UsageError):
        import_into([ckl], book, None, as_of=AS_OF)
    with pytest.raises(UsageError):
        import_into([ckl], book, book, as_of=AS_OF)
    import_into([ckl], book, None, in_place=True, as_of=AS_OF)
    assert len(items(book)) == 4 and sha256(ckl) == ckl_bytes


@pytest.mark.skipif(not SCANS.is_dir(), reason="../shared/realworld/scan-inputs is absent")
def test_real_scan_files_through_the_cli(tmp_path: Path) -> None:
    book = make_book(tmp_path / "poam.xlsx", sample=5)
    files = sorted(str(p) for p in SCANS.iterdir())
    out = tmp_path / "out.xlsx"
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["import", *files, "--into", str(book), "--output", str(out), "--as-of", AS_OF.isoformat()],
    )
    assert res.exit_code == 0, res.output
    assert "83 items added (items 6-88)" in res.output
    frame = items(out)
    assert len(frame) == 88 and frame["item_number"].is_unique
    assert validate(out, as_of=AS_OF).errors == 0
    again = runner.invoke(
        app,
        [
            "import",
            *files,
            "--into",
            str(out),
            "--in-place",
            "--as-of",
            AS_OF.isoformat(),
            "--min-severity",
            "medium",
        ],
    )
    assert again.exit_code == 0, again.output
    assert "0 items added" in again.output and len(items(out)) == 88
    bad = runner.invoke(
        app, ["import", files[0], "--into", str(book), "--min-severity", "urgent", "--in-place"]
    )
    assert bad.exit_code == 2 and "--min-severity" in bad.output


def test_csv_without_an_id_column_warns_that_it_cannot_deduplicate(tmp_path: Path) -> None:
    from poam_xl.importers import ImportOptions

    book = make_book(tmp_path / "poam.xlsx", sample=2)
    csv_path = tmp_path / "f.csv"
    csv_path.write_text("Title,Severity\nWeak TLS,High\nOld banner,Low\n")
    res = import_into([csv_path], book, tmp_path / "out.xlsx", as_of=AS_OF,
                      options=ImportOptions(mapping={"description": "Title", "risk_level": "Severity"}))
    assert len(res.plan.new_rows) == 2 and res.plan.unmatched == 2
    assert "warning: 2 new items have no Source Identifier" in res.line()


def _two_sheet_book(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    heads = ["Item Number", "Weakness Description", "Control", "Risk Level", "Status",
             "Date Identified", "Point of Contact", "Scheduled Completion Date",
             "Completion Date"]
    for title, status, done in (("Open Items", "Open", None), ("Closed Items", "Closed",
                                                               dt.date(2026, 10, 1))):
        ws = wb.create_sheet(title)
        ws.append(heads)
        n = 1 if status == "Open" else 2
        ws.append([n, f"{title} weakness", "AC-2", "Medium", status, dt.date(2026, 9, 1),
                   "Ops", dt.date(2026, 12, 1), done])
    del wb["Sheet"]
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", ["emass", "fedramp", "two-sheets"])
def test_import_refuses_a_workbook_it_cannot_add_rows_to(kind: str, tmp_path: Path) -> None:
    from poam_xl.convert.run import convert

    if kind == "two-sheets":
        target = _two_sheet_book(tmp_path / "agency.xlsx")
    else:
        target = tmp_path / f"{kind}.xlsx"
        convert(make_book(tmp_path / "dss.xlsx", sample=3), target, to=kind, as_of=AS_OF)
    before, out = sha256(target), tmp_path / "out.xlsx"
    r = CliRunner().invoke(app, ["import", str(write_ckl(tmp_path / "web.ckl")), "--into",
                                 str(target), "-o", str(out)])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(target) in lines[0] and "import adds items" in lines[0]
    assert "internal error" not in r.output and not out.exists() and sha256(target) == before


def test_imported_text_that_starts_like_a_formula_gets_the_quote_prefix(tmp_path: Path) -> None:
    """Text an import writes (a scanner's title "=1+1 ...") is an inline string with Excel's
    quote prefix, like every other writer's: it stays text when someone edits the cell; the
    next row, styled after it, holds plain text without one."""
    book = make_book(tmp_path / "poam.xlsx", sample=3)
    scan = tmp_path / "scan.csv"
    scan.write_text("Title,Severity,ID\n=1+1 HYPERLINK,High,X-1\n@SUM(A1),Low,X-2\n"
                    "plain,Low,X-3\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    r = CliRunner().invoke(app, ["import", str(scan), "--map",
                                 "description=Title,risk_level=Severity,source_id=ID",
                                 "--into", str(book), "-o", str(out)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(out)["POA&M"]
    cells = {ws[item_ref(n, "description")].value: ws[item_ref(n, "description")]
             for n in range(4, 7)}
    assert {k: c.quotePrefix for k, c in cells.items()} == {
        "=1+1 HYPERLINK": True, "@SUM(A1)": True, "plain": False}
    assert all(c.data_type == "s" for c in cells.values())
