"""The demo: a clean sample workbook and a copy with the mistakes reviewers see most often."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import model, template
from .validation import Report, validate
from .write import atomic_path


def _col(key: str) -> int:
    return model.ITEMS.keys.index(key) + 1


def run(folder: Path, as_of: dt.date) -> list[Report]:
    clean = folder / "poam-sample.xlsx"
    flawed = folder / "poam-submitted.xlsx"
    template.new_workbook(clean, sample_items=12, as_of=as_of, force=True)
    wb = template.build(sample_items=12, as_of=as_of)
    ws = wb[model.ITEMS.sheet]
    first = template.FIRST_ROW
    ws.cell(first, _col("risk_level"), "Moderate")  # normalised, with a warning
    ws.cell(first + 2, _col("description"), "TBD")  # placeholder description
    ws.cell(first + 3, _col("completion_date")).value = None  # completed, no completion date
    ws.cell(first + 4, _col("date_identified"), "31/13/2026")  # not a date
    ws.cell(first + 5, _col("item_number"), 5)  # duplicate item number
    ws.cell(template.HEADER_TOP + 1, 3, "1AB")  # CAGE code too short
    with atomic_path(flawed) as tmp:
        wb.save(tmp)
    return [validate(p, as_of=as_of) for p in (clean, flawed)]
