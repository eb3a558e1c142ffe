"""Dashboard charts: native charts on the ranges the Refresh button writes; LibreOffice draws them."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest

from poam_xl import dashboard, model
from tests.helpers import make_book, require_soffice

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
X = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
EXPECTED = {  # chart title -> series (title cell, values), categories; dashboard.cells' layout
    "Items by status": ({("E4", "$E$5:$E$11")}, "$D$5:$D$11"),  # with (blank) and (other)
    "Items by risk level": ({("H4", "$H$5:$H$7"), ("I4", "$I$5:$I$7")}, "$G$5:$G$7"),
    "Open items by age": ({("L4", "$L$5:$L$8")}, "$K$5:$K$8"),
    "Items closed per month": ({("O4", "$O$5:$O$16")}, "$N$5:$N$16"),
}


def _ref(f: str) -> str:
    sheet, _, ref = f.rpartition("!")
    assert sheet.strip("'") == model.DASHBOARD_SHEET, f
    return ref


def _charts(path: Path) -> dict[str, tuple[set[tuple[str, str]], set[str]]]:
    from defusedxml import ElementTree

    out = {}
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n)):
            root = ElementTree.fromstring(z.read(name))
            title = "".join(t.text or "" for t in root.iter(f"{A}t"))
            series, cats = set(), set()
            for ser in root.iter(f"{C}ser"):
                title_ref = _ref(ser.find(f"{C}tx//{C}f").text)
                series.add((title_ref, _ref(ser.find(f"{C}val//{C}f").text)))
                cats.add(_ref(ser.find(f"{C}cat//{C}f").text))
            out[title] = (series, cats)
    return out


def test_charts_point_at_the_refreshed_ranges(sample_book):
    charts = _charts(sample_book)
    assert charts == {t: (s, {c}) for t, (s, c) in EXPECTED.items()}
    # every cell a chart reads is one the Refresh button (dashboard.cells) writes, or a label
    written = set(dashboard.cells(_summary(sample_book))) | set(dashboard.LABELS)
    for series, cats in charts.values():
        for ref in {r for pair in series for r in pair} | cats:
            first, _, last = ref.replace("$", "").partition(":")
            col = re.match(r"[A-Z]+", first).group()
            r1, r2 = int(first[len(col):]), int((last or first)[len(col):])
            for r in range(r1, r2 + 1):
                assert f"{col}{r}" in written, f"chart reads {col}{r}, which nothing writes"


def _summary(path: Path) -> dict:
    from poam_xl import validation
    from tests.helpers import AS_OF

    return validation.validate(path, as_of=AS_OF).dashboard


def test_chart_anchors_do_not_cover_the_figures(sample_book):
    ws = openpyxl.load_workbook(sample_book)[model.DASHBOARD_SHEET]
    written = set(dashboard.cells(_summary(sample_book))) | set(dashboard.LABELS)
    last_row = max(int(re.sub(r"[A-Z]+", "", ref)) for ref in written)
    with zipfile.ZipFile(sample_book) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode()
    from defusedxml import ElementTree

    rows = [int(f.find(f"{X}row").text) for f in ElementTree.fromstring(drawing).iter(f"{X}from")]
    assert len(rows) == 4 and min(rows) + 1 > last_row, (rows, last_row)
    assert ws["A1"].value == "POA&M dashboard"


@pytest.mark.libreoffice
def test_libreoffice_renders_the_dashboard(tmp_path):
    require_soffice()
    book = make_book(tmp_path / "dash.xlsx", sample=30)
    wb = openpyxl.load_workbook(book)
    for name in wb.sheetnames:  # print only the Dashboard
        if name != model.DASHBOARD_SHEET:
            wb[name].sheet_state = "hidden"
    wb.active = wb.sheetnames.index(model.DASHBOARD_SHEET)
    wb.save(book)
    profile = f"file:///tmp/lo-dash-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(book)], capture_output=True, timeout=300,
                   check=False)
    pdf = tmp_path / "dash.pdf"
    assert pdf.exists() and pdf.stat().st_size > 5000, "LibreOffice did not render the Dashboard"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        for title in EXPECTED:
            assert title.split()[0] in text
        assert "POA&M dashboard" in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-gray", str(pdf),
                        str(tmp_path / "page")], check=True, timeout=120)
        pgm = next(tmp_path.glob("page*.pgm")).read_bytes()  # P5 width height 255 <bytes>
        fields = pgm.split(maxsplit=4)
        pixels = fields[4][-int(fields[1]) * int(fields[2]):]
        dark = sum(1 for p in pixels if p < 200)
        assert dark > 2000, "the rendered page is (nearly) blank"
