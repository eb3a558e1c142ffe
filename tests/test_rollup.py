"""`poam-xl rollup`: many POA&Ms as one workbook (charts on the right ranges, rendered by
LibreOffice) or SQLite database (queried back); unreadable files listed, never dropped."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import uuid

import openpyxl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from poam_xl.cli import app
from poam_xl.portfolio import workbook
from tests.helpers import require_soffice
from tests.portfolio_books import header, item, write_poam

D = dt.date
AS_OF = "2026-03-31"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    d = tmp_path_factory.mktemp("inbox")
    write_poam(d / "acme-lab.xlsx", header("Acme Corp", "Lab LAN"), [
        item(1, "High", D(2026, 1, 1), milestone_date=D(2026, 1, 31)),  # open 89 days, overdue
        item(2, "High", D(2026, 3, 20), milestone_date=D(2026, 4, 19)),  # open 11 days
        item(3, "Low", D(2026, 1, 5), "Closed", completion_date=D(2026, 3, 1)),
        item(4, "Medium", D(2025, 9, 1), "In Progress", milestone_date=D(2025, 12, 1),
             description="@SUM(A1) - not a formula")],  # open 211 days, overdue
        [{"item_number": 1, "milestone": "Assign reviewer", "planned_date": D(2026, 3, 1)}])
    write_poam(d / "acme-hq.xlsx", header("Acme Corp", "HQ Network", cage="1AB24"), [
        item(1, "Medium", D(2026, 2, 15), milestone_date=D(2026, 5, 16))])  # open 44 days
    write_poam(d / "zeta.xlsx", header("Zeta LLC", "Plant"), [
        item(1, "Low", D(2025, 12, 1), milestone_date=D(2026, 3, 1)),  # open 120 days, overdue
        item(2, "High", D(2026, 3, 1), "Completed", completion_date=D(2026, 3, 10))])
    (d / "broken.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (d / "~$acme-lab.xlsx").write_bytes(b"\x00" * 162)  # Excel's lock file: skipped, listed
    other = openpyxl.Workbook()
    other.active.append(["Budget", "FY26"])
    other.save(d / "budget.xlsx")  # a workbook, not a POA&M
    return d


@pytest.fixture(scope="module")
def portfolio(inbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "portfolio.xlsx"
    res = CliRunner().invoke(app, ["rollup", str(inbox), "-o", str(out), "--as-of", AS_OF,
                                   "--jobs", "2"])
    return res, out


def test_unreadable_files_are_listed_and_exit_2(portfolio):
    res, out = portfolio
    assert res.exit_code == 2, res.output
    assert "broken.xlsx: unreadable:" in res.stderr and "budget.xlsx: not read:" in res.stderr
    assert "5 files (2 not read), 7 items, 1 milestone," in res.stdout
    assert res.stdout.rstrip().endswith("; 1 skipped (in the Files list)")
    files = openpyxl.load_workbook(out)["Files"]
    rows = {r[0].rsplit("/", 1)[-1]: r for r in files.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"acme-hq.xlsx", "acme-lab.xlsx", "broken.xlsx", "budget.xlsx", "zeta.xlsx",
                         "~$acme-lab.xlsx"}
    assert rows["~$acme-lab.xlsx"][1] == "skipped" and "lock" in rows["~$acme-lab.xlsx"][2]
    assert rows["broken.xlsx"][1] == "unreadable" and rows["broken.xlsx"][2]
    assert rows["budget.xlsx"][1] == "not read" and "template" in rows["budget.xlsx"][2]
    lab = rows["acme-lab.xlsx"]
    assert lab[1:3] == ("ok", None) or lab[1] in ("warnings", "errors")
    assert lab[8:12] == (4, 3, 2, 1)  # items, open, overdue, 90+ days late
    assert lab[14] == dt.datetime(2026, 3, 31)


def test_items_sheet_and_text_never_a_formula(portfolio):
    _, out = portfolio
    ws = openpyxl.load_workbook(out)["Items"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["Source File", "Company Name", "CAGE Code", "System / Facility Name", "Profile"]
    assert {"Due Date (Policy)", "Scheduled Completion Date", "Days Open", "Days Overdue",
            "Flag"} <= set(head)
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 7
    desc = head.index("Non-Compliance Description")
    cell = next(r[desc] for r in rows if str(r[desc].value).startswith("@SUM"))
    assert cell.data_type == "s" and cell.quotePrefix
    over = head.index("Days Overdue")
    number = head.index("Item Number")
    lab1 = next(r for r in rows if r[0].value.endswith("acme-lab.xlsx") and r[number].value == 1)
    assert lab1[over].value == 59 and lab1[head.index("Flag")].value == "OVERDUE"


def test_dashboard_figures_and_chart_ranges(portfolio):
    _, out = portfolio
    wb = openpyxl.load_workbook(out)
    ws = wb["Dashboard"]
    ranges = {"groups": "A6:A8", "risk": "B5:D8", "overdue": "E5:E8", "aging_labels": "G6:G9",
              "aging": "H5:H9"}
    table = [[c.value for c in r] for r in ws["A5:H9"]]
    assert table[0] == ["Company / System", "High", "Medium", "Low", "Overdue", None,
                        "Age of open items", "Open items"]
    assert [r[:5] for r in table[1:4]] == [["Acme Corp / HQ Network", 0, 1, 0, 0],
                                           ["Acme Corp / Lab LAN", 2, 1, 0, 2],
                                           ["Zeta LLC / Plant", 0, 0, 1, 1]]
    assert [r[6:] for r in table[1:]] == [["0-30 days", 1], ["31-90 days", 2],
                                          ["91-180 days", 1], ["180+ days", 1]]
    charts = ws._charts
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == [
        "Open items by risk level", "Overdue items", "Open items by age"]

    def abs_(rng):
        a, b = rng.split(":")
        return f"'Dashboard'!${a[0]}${a[1:]}:${b[0]}${b[1:]}"

    def cat(series):
        return (series.cat.numRef or series.cat.strRef).f

    risk, over, age = charts
    assert [s.val.numRef.f for s in risk.series] == [abs_(f"{c}6:{c}8") for c in "BCD"]
    assert [s.tx.strRef.f for s in risk.series] == [f"'Dashboard'!{c}5" for c in "BCD"]
    assert {cat(s) for s in (*risk.series, *over.series)} == {abs_(ranges["groups"])}
    assert [s.val.numRef.f for s in over.series] == [abs_("E6:E8")]
    assert [s.val.numRef.f for s in age.series] == [abs_("H6:H9")]
    assert cat(age.series[0]) == abs_(ranges["aging_labels"])


def test_sqlite_queried_back(inbox, tmp_path):
    db = tmp_path / "portfolio.db"
    res = CliRunner().invoke(app, ["rollup", str(inbox), "--to", "sqlite", "-o", str(db),
                                   "--as-of", AS_OF, "--jobs", "2"])
    assert res.exit_code == 2, res.output
    con = sqlite3.connect(db)
    assert [r[0] for r in con.execute("select name from sqlite_master where type='table' order by name")] == [
        "files", "findings", "items", "milestones"]
    indexes = {r[0] for r in con.execute("select name from sqlite_master where type='index'")}
    assert {"idx_items_company", "idx_items_status", "idx_items_risk_level",
            "idx_items_due_date"} <= indexes
    assert con.execute("select count(*) from items").fetchone() == (7,)
    got = con.execute("select company, count(*) from items where status not in ('Closed', 'Completed') "
                      "and days_overdue > 0 group by company order by company").fetchall()
    assert got == [("Acme Corp", 2), ("Zeta LLC", 1)]
    assert con.execute("select f.status, f.reason is not null from files f where f.file like "
                       "'%broken.xlsx'").fetchone() == ("unreadable", 1)
    joined = con.execute("select count(*) from items i join files f on f.id = i.file_id "
                         "where f.file like '%acme-lab.xlsx'").fetchone()
    assert joined == (4,)
    assert con.execute("pragma foreign_key_list(items)").fetchone()[2:5] == ("files", "file_id", "id")
    assert con.execute("select due_date from items where company = 'Zeta LLC' and item_number = 1"
                       ).fetchone() == ("2026-05-30",)
    assert con.execute("select milestone, days_overdue from milestones").fetchall() == [
        ("Assign reviewer", 30)]


@pytest.mark.libreoffice
def test_libreoffice_renders_the_portfolio(portfolio, tmp_path):
    require_soffice()
    _, out = portfolio
    profile = f"file:///tmp/lo-render-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(out)], capture_output=True, timeout=240,
                   check=False)
    pdf = tmp_path / "portfolio.pdf"
    assert pdf.exists(), "LibreOffice rendered no PDF"
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    for title in ("Open items by risk level", "Overdue items", "Open items by age"):
        assert title in text  # the charts are drawn, with their titles
    assert "Zeta LLC / Plant" in text and "91-180 days" in text


def test_dashboard_ranges_follow_the_groups(portfolio):
    from poam_xl.portfolio.rollup import Portfolio

    p = Portfolio(as_of=D(2026, 3, 31), groups=["a", "b"])
    assert workbook.dashboard_ranges(p)["risk"] == "B5:D7"


def test_write_only_rows_keep_text_as_text(tmp_path):
    from openpyxl import Workbook

    from poam_xl import textcells

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(textcells.row(ws, ["plain", "=1+1", 3]))
    ws.append(textcells.row(ws, ["x" * 40_000, "-2", None]))
    assert textcells.cuts(wb) == ["S!A2"]
    wb.save(tmp_path / "t.xlsx")
    cells = {c.coordinate: c for r in openpyxl.load_workbook(tmp_path / "t.xlsx")["S"].iter_rows()
             for c in r if c.value is not None}
    assert (cells["B1"].value, cells["B1"].data_type, cells["B1"].quotePrefix) == ("=1+1", "s", True)
    assert cells["B2"].quotePrefix and not cells["A1"].quotePrefix and cells["C1"].value == 3
    assert len(cells["A2"].value) == 32_767
