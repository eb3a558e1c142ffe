"""Read a FedRAMP POA&M workbook (Open, Closed, Configuration Findings sheets) into a Poam."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from .. import dates, kept, model
from ..coerce import frame_from_records
from ..errors import TemplateError
from ..grids import Grid
from ..poam import Conversion, Invalid, Poam, TableData
from ..records import records
from ..tables import find_table, read_layout
from ..values import column_letter as get_column_letter
from ..values import plain
from . import text
from .fedramp import (
    CLOSED,
    FR_KEYS,
    GUIDANCE_IDS,
    HEAD_ONLY,
    HEADER,
    KIND,
    LABEL,
    LAYOUT,
    ONLY,
    OPEN,
    PLACEHOLDERS,
    POLICY,
    SHEETS,
    TABLE,
)
from .fedramp_records import base_fedramp, pack, to_dss

SHEET_OFFSET = 2_000_000  # items index = sheet number * offset + Excel row (Excel has < 2**20 rows)
# each POA&M sheet is read as one table of the FedRAMP columns, then mapped to the DSS model
SHEET_LAYOUT = model.Layout("fedramp-sheet", items=TABLE, milestones=None, header_fields=())
ONLY_DATES = tuple(k for k in ONLY if KIND[k] == "date")  # FedRAMP-only date columns
ITEM_KEYS = ("fr_poam_id", "cws", "fr_weakness_name", "description")  # a row with none is no item


def locate(index: int) -> tuple[str, int]:
    """(sheet, Excel row) of an item index from this reader."""
    return SHEETS[index // SHEET_OFFSET], index % SHEET_OFFSET


def _sheets(grids: dict[str, Grid], source: str | None) -> list[tuple[str, str, int]]:
    """(sheet kind, sheet name, header row) for each POA&M sheet present."""
    wanted = {model.normalise_header(s): s for s in SHEETS}
    found: list[tuple[str, str, int]] = []
    for name, grid in grids.items():
        kind = wanted.get(model.normalise_header(name))
        if kind is None:
            continue
        try:
            _sheet, row = find_table({name: grid}, TABLE, source)
        except TemplateError:
            continue
        found.append((kind, name, row))
    if not any(k == OPEN for k, _n, _r in found):
        try:
            name, row = find_table(grids, TABLE, source)
        except TemplateError:
            raise TemplateError(
                "not a FedRAMP POA&M workbook: expected a sheet 'Open POA&M Items' with the "
                "FedRAMP column headers (POAM ID, Controls, Weakness Name, Weakness Description, "
                "Original Detection Date, Original Risk Rating) in its first rows",
                path=source,
            ) from None
        found = [(OPEN, name, row), *[f for f in found if f[1] != name]]
    return sorted(found, key=lambda f: SHEETS.index(f[0]))


def _header(grid: Grid, header_row: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Header block: labels (CSP, System Name, Impact Level, POAM Date) with values below."""
    labels = {model.normalise_header(label): key for label, key in HEADER}
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    top = grid.rows[: max(0, header_row - grid.row0 - 1)]
    for i, row in enumerate(top):
        for j, v in enumerate(row):
            key = labels.get(model.normalise_header(v)) if isinstance(v, str) else None
            if key is None or key in values:
                continue
            below = top[i + 1][j] if i + 1 < len(top) and j < len(top[i + 1]) else None
            if isinstance(below, str) and below.strip().lower() in PLACEHOLDERS:
                below = None
            if key == "poam_date":
                d = dates.to_date(below)
                below = d if isinstance(d, dt.date) else None
            values[key] = kept.text_of(below) if key != "poam_date" else below
            cells[key] = f"{get_column_letter(grid.col0 + j)}{grid.row0 + i + 1}"
    return values, cells


def read_grids(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None
               ) -> tuple[Poam, Conversion]:
    """FedRAMP sheets -> (Poam in the DSS column model, what was kept where and skipped).

    Raises TemplateError when no sheet carries the FedRAMP column headers.
    """
    found = _sheets(grids, source)
    conv = Conversion(source="fedramp", target="poam")
    fr_rows: list[dict[str, Any]] = []
    index: list[int] = []
    invalid: list[Invalid] = []
    skipped: list[tuple[int, str]] = []
    letters: dict[str, str] = {}
    by_sheet: dict[str, dict[str, str]] = {}
    for kind, name, _row in found:
        sub = read_layout({name: grids[name]}, SHEET_LAYOUT, date1904=date1904, source=source)
        kept_rows: set[int] = set()
        by_sheet[kind] = sub.items.letters
        if kind == OPEN:
            letters = sub.items.letters
        raw = records(sub.items.raw) if sub.items.raw is not None else [{}] * len(sub.items.frame)
        for row, rec, cells in zip(sub.items.frame.index, records(sub.items.frame), raw, strict=True):
            pid = (rec.get("fr_poam_id") or "").strip().lower()
            why = text.row_kind(cells.values(), rec.get("fr_poam_id"), rec.get("description"))
            if pid in GUIDANCE_IDS:
                why = "the template's guidance row"
            elif pid.endswith("example"):
                why = "the template's example item"
            elif why == "template placeholder row":
                why = "the template's format hints"
            if why:
                skipped.append((SHEETS.index(kind) * SHEET_OFFSET + int(row), why))
                conv.notes.append(f"skipped {name}!A{row}: {why} ({rec.get('fr_poam_id')})")
                continue
            if not any(rec.get(k) for k in ITEM_KEYS):
                continue  # formula-only rows below the data
            for k in ONLY_DATES:  # "pending review" as the Status Date: carried as text
                if rec.get(k) is None and isinstance(cells.get(k), str) and cells[k].strip():
                    rec[k] = cells[k].strip()
            kept_rows.add(int(row))
            fr_rows.append({**rec, "sheet": kind, "row": int(row)})
            index.append(SHEETS.index(kind) * SHEET_OFFSET + int(row))
        # bad cells of skipped rows (guidance text in date columns, formula rows) are no finding
        invalid += [
            bad
            for bad in sub.invalid
            if bad.table != "items" or int(re.sub(r"\D", "", bad.cell) or 0) in kept_rows
        ]
    header, header_cells = _header(grids[found[0][1]], found[0][2])
    poam = _to_poam(fr_rows, index, header, header_cells, letters, conv)
    poam.items.skipped = skipped
    poam.native["mapping"] = mapping(found, by_sheet)
    poam.source, poam.date1904, poam.invalid = source, date1904, invalid
    poam.sheet_states = {n: g.state for n, g in grids.items()}
    template = version(grids, letters)
    poam.template = template
    poam.native["letters"] = by_sheet
    conv.notes.insert(
        0,
        f"read {template} workbook: {len(fr_rows)} items from "
        f"{', '.join(n for _k, n, _r in found)}",
    )
    return poam, conv


def _to_poam(
    fr_rows: list[dict[str, Any]],
    index: list[int],
    header: dict[str, Any],
    header_cells: dict[str, str],
    letters: dict[str, str],
    conv: Conversion,
) -> Poam:
    items: list[dict[str, Any]] = []
    miles: list[list[dict[str, Any]]] = []
    head = {f.key: None for f in model.HEADER_FIELDS} | header
    for i, fr in enumerate(fr_rows):
        rec, ms, _labels = to_dss(fr, fr["sheet"])
        user, block = kept.unpack(rec["comments"])
        for key, label in HEAD_ONLY.items():  # header fields an earlier DSS trip kept here
            if label in block:
                value = block.pop(label)
                d = dates.to_date(value) if key in ("poam_date", "last_review") else value
                head[key] = head.get(key) or (d if d is not dates.BAD else value)
        rec["comments"] = pack(user, block)
        items.append(rec)
        miles.append(ms)
        for label in block:
            conv.dropped.append(
                {
                    "item": fr.get("fr_poam_id") or i + 1,
                    "field": label,
                    "value": kept.text_of(block[label]),
                    "kept_in": "Comments",
                }
            )
    numbers = [r.get("item_number") for r in items]
    if None in numbers or len(set(numbers)) != len(numbers):
        for n, rec in enumerate(items, start=1):
            rec["item_number"] = n
        if items:
            conv.notes.append(
                "POAM IDs carry no unique number: items numbered 1..n in sheet "
                "order (POAM ID kept in Comments)"
            )
    ms_records = [
        {**m, "item_number": rec["item_number"]}
        for rec, ms in zip(items, miles, strict=True)
        for m in ms
    ]
    ms_index = [ix for ix, ms in zip(index, miles, strict=True) for _m in ms]
    frame = frame_from_records(model.ITEMS, items, index)
    dss_letters = {k: letters[k] for k in FR_KEYS if k in letters and not k.startswith("fr_")}
    for dss_key, fr_key in (
        ("risk_level", "fr_original_risk"),
        ("item_number", "fr_poam_id"),
        ("how_identified", "fr_detector_source"),
        ("completion_date", "fr_status_date"),
    ):
        if fr_key in letters:
            dss_letters[dss_key] = letters[fr_key]
    table = TableData(
        frame=frame, sheet=OPEN, header_row=5, letters=dss_letters, raw=frame.copy(), locate=locate
    )
    ms_frame = frame_from_records(model.MILESTONES, ms_records, ms_index)
    ms_letters = {
        k: letters["fr_planned_milestones"]
        for k in ("milestone", "planned_date")
        if "fr_planned_milestones" in letters
    }
    ms_table = TableData(
        frame=ms_frame, sheet=OPEN, header_row=5, letters=ms_letters, raw=ms_frame.copy(),
        locate=locate,
    )
    fr_frame = pd.DataFrame(
        fr_rows, index=pd.Index(index, name="row"), columns=[*FR_KEYS, "sheet", "row"]
    )
    conv.items = len(items)
    return Poam(
        header=head,
        header_cells=header_cells,
        items=table,
        milestones=ms_table,
        policy=POLICY,
        layout=LAYOUT,
        native={"fedramp": fr_frame},
    )


def version(grids: dict[str, Grid], letters: dict[str, str]) -> str:
    """'fedramp-rev5-v2.1' (Service Name column), 'fedramp-rev5-v2.0' (no Service Name; the
    Record of Changes lists version 2) or 'fedramp-rev4' (neither). Source: the template's own
    Record of Changes (v2 2023-08-30, v2.1 2024-03-29 "Added Column ... Service level")."""
    if "fr_service_name" in letters:
        return "fedramp-rev5-v2.1"
    record = next((g for n, g in grids.items() if model.normalise_header(n) == "recordofchanges"), None)
    for row in record.rows if record is not None else ():
        if any(plain(v) in (2, "2", "2.0", "v2", "V2") for v in row):
            return "fedramp-rev5-v2.0"
    return "fedramp-rev4"


# FedRAMP columns whose values land in a column-model field (the rest are kept as tags)
AS_FIELD = {"fr_poam_id": "item_number", "fr_detector_source": "how_identified",
            "fr_original_risk": "risk_level", "fr_planned_milestones": "milestone.milestone"}


def mapping(found: list[tuple[str, str, int]], by_sheet: dict[str, dict[str, str]]
            ) -> list[dict[str, Any]]:
    """How each FedRAMP header was read (see Poam.mapping)."""


    out = []
    for kind, name, _row in found:
        for key, letter in sorted(by_sheet.get(kind, {}).items(), key=lambda kv: (len(kv[1]), kv[1])):
            field = AS_FIELD.get(key) or (None if key.startswith("fr_") else key)
            out.append({"sheet": name, "column": letter, "header": LABEL.get(key, key),
                        "field": field, "kept": field is None, "duplicate_of": None})
    return out


def detect(grids: dict[str, Grid]) -> bool:
    """A FedRAMP POA&M workbook: its sheet names, or a header row with the FedRAMP columns."""
    names = {model.normalise_header(n) for n in grids}
    if {model.normalise_header(OPEN), model.normalise_header(CLOSED)} & names:
        return True
    try:
        find_table(grids, TABLE)
        return True
    except TemplateError:
        return False


def fedramp_frame(poam: Poam) -> pd.DataFrame:
    """Every item as a FedRAMP row (FR_KEYS + sheet, row), whichever format it came from."""
    frame = poam.native.get("fedramp")
    if isinstance(frame, pd.DataFrame) and len(frame) == len(poam.items.frame):
        return frame
    ms = records(poam.milestones.frame) if poam.milestones is not None else []
    rows = []
    for row, rec in zip(poam.items.frame.index, records(poam.items.frame), strict=True):
        mine = [m for m in ms if m.get("item_number") == rec.get("item_number")]
        fr, sheet = base_fedramp(rec, mine)
        _user, block = kept.unpack(rec.get("comments"))
        fr["comments"] = rec.get("comments")
        rows.append({**fr, "sheet": sheet, "row": int(row)})
    return pd.DataFrame(rows, index=poam.items.frame.index, columns=[*FR_KEYS, "sheet", "row"])
