"""The Dashboard sheet of the generated workbook (openpyxl): the figures' labels and values, and
native charts pointing at them (``dashboard.cells`` fills the same cells on write-back)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import quote_sheetname

from . import feedback, model, textcells
from .coerce import frame_from_records
from .dashboard import CHARTS, LABELS, MONTHS, STATUS_ROWS, axis_steps, cells, summary
from .derive import derive
from .policy import Policy


def create_sheet(wb: Workbook, records: list[dict[str, Any]], pol: Policy, as_of: dt.date) -> None:
    """The Dashboard sheet for item ``records`` (model keys) under ``pol`` as of ``as_of``."""
    ws = wb.create_sheet(model.DASHBOARD_SHEET)
    items = frame_from_records(model.ITEMS, records)
    s = summary(items, derive(items, pol, as_of), as_of, pol)
    ws["A1"] = "POA&M dashboard"
    ws["A1"].font = Font(bold=True, size=16, color=feedback.NAVY)
    ws["D1"] = "Refreshed by poam-xl (`poam-xl update` or the Refresh Dashboard button)"
    for ref, text in LABELS.items():
        ws[ref] = text
        ws[ref].font = Font(bold=True)
        if ref[0] != "A":
            ws[ref].fill = PatternFill("solid", fgColor=feedback.LABEL)
    for ref, value in cells(s).items():
        c = ws[ref]
        textcells.put(ws, c.row, c.column, value)
    ws["B3"].number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJKLMNO", (22, 12, 3, 14, 8, 3, 10, 8, 8, 3, 18, 8, 3, 10, 8),
                             strict=True):
        ws.column_dimensions[letter].width = width
    _charts(ws, axis_steps(s))
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _bar(ws: Any, title: str, step: int, data: Any, categories: Any, anchor: str,
         width: float = 9, legend: bool = False) -> BarChart:
    """A column chart whose count axis steps by whole items (``step``, see dashboard.count_step)."""
    chart = BarChart()
    chart.title, chart.type = title, "col"
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(categories)
    chart.height, chart.width = 7, width
    if not legend:
        chart.legend = None
    axis = chart.y_axis
    axis.majorUnit, axis.scaling.min, axis.number_format = step, 0, "0"
    axis.delete = chart.x_axis.delete = False
    ws.add_chart(chart, anchor)
    return chart


def _charts(ws: Any, steps: dict[str, int]) -> None:
    n_status = len(STATUS_ROWS)
    pie = PieChart()
    pie.title = "Items by status"
    pie.add_data(Reference(ws, min_col=5, min_row=4, max_row=4 + n_status), titles_from_data=True)
    pie.set_categories(Reference(ws, min_col=4, min_row=5, max_row=4 + n_status))
    # each slice shows its count; the format shows nothing for a zero, so empty statuses add no
    # label (their names stay in the legend)
    pie.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False,
                                   showPercent=False, showLegendKey=False, numFmt="0;;;")
    pie.height, pie.width = 7, 9
    ws.add_chart(pie, "A19")
    by_title = dict(zip(CHARTS, (("H4", "I7", "G5", "G7"), ("L4", "L8", "K5", "K8"),
                                 ("O4", f"O{4 + MONTHS}", "N5", f"N{4 + MONTHS}")), strict=True))

    def ref(a: str, b: str) -> Reference:
        return Reference(ws, range_string=f"{quote_sheetname(ws.title)}!{a}:{b}")

    for (title, (d1, d2, c1, c2)), anchor in zip(by_title.items(), ("F19", "A34", "F34"), strict=True):
        chart = _bar(ws, title, steps[title], ref(d1, d2), ref(c1, c2), anchor,
                     width=15 if title.endswith("month") else 9, legend=title.endswith("level"))
        if title.endswith("month"):  # twelve month labels, turned so they never overlap
            para = Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties()), r=[],
                             endParaRPr=CharacterProperties())
            chart.x_axis.txPr = RichText(bodyPr=RichTextProperties(rot=-2700000, vert="horz"), p=[para])
