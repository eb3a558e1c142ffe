"""Read the DSS-kind layouts (the DSS workbook, CMMC / NIST SP 800-171 POA&Ms, generic agency
POA&Ms) from any sheet and any header wording.

``discover`` finds the items table (one or more sheets) through the field vocabulary; its rows
are read as the column model's typed columns. Nothing is dropped: a column no field takes is
kept (``TableData.kept``, carried by conversions and reported), template placeholder, example
and totals rows are skipped and listed, an Excel Table's totals row is never an item. Milestones
come from a Milestones sheet, from one-milestone-per-row columns, or from a milestone list in
one cell ("1. Patch (02/06/2026)"). The recognised template is "dss", "cmmc" or "generic".
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pandas as pd

from .. import model, sp800171
from ..coerce import as_text, filled, frame_from_records
from ..errors import TemplateError
from ..grids import Grid
from ..poam import Conversion, Invalid, Poam, TableData
from ..tables import _header_block, find_table, policy_from_grids, read_table, table_positions
from ..values import column_letter
from . import discover, text
from .vocabulary import MILESTONE

SHEET_OFFSET = 2_000_000  # items of the n-th sheet: index = n * offset + Excel row (< 2**20 rows)
# item ids in CMMC and agency POA&Ms are text ("POAM-04") as often as numbers
ID_ITEMS, ID_MILESTONES = (replace(t, columns=tuple(
    replace(c, kind="id") if c.key == "item_number" else c for c in t.columns))
    for t in (model.ITEMS, model.MILESTONES))
CMMC = model.Layout("cmmc", items=ID_ITEMS, milestones=ID_MILESTONES)
GENERIC = model.Layout("generic", items=ID_ITEMS, milestones=ID_MILESTONES)
DSS_SIGNS = frozenset(model.normalise_header(h) for h in (
    "Non-Compliance Description", "C/W/S", "ISSM/FSO Approval", "DSS Approval Date",
    "DSS Determination", "DSS Approval Date and Determination"))
DSS_HEADER_SIGNS = frozenset({"cage_code", "dss_uid", "issm_names"})
CMMC_HEADERS = frozenset(model.normalise_header(h) for h in (
    "Points", "SPRS Points", "Point Value", "Weight", "Practice", "CMMC Practice", "Score"))
CMMC_TITLE = re.compile(r"800-171|\bCMMC\b|\bSPRS\b|\bCUI\b", re.I)
PRACTICE = re.compile(r"\b[A-Z]{2}\.L[12]-\d")


def detect(grids: dict[str, Grid]) -> bool:
    """A POA&M items table on some sheet (by the field vocabulary)."""
    return discover.find(grids) is not None


# the header texts that make a table another template's (read by that layout's own reader)
FOREIGN = tuple((name, frozenset(model.normalise_header(h) for h in heads)) for name, heads in (
    ("a FedRAMP POA&M", ("POAM ID", "Weakness Name", "Original Detection Date")),
    ("an eMASS POA&M", ("Control Vulnerability Description", "POA&M Item ID"))))


def _foreign_template(found: discover.Found) -> str | None:
    labels = {model.normalise_header(c.label) for c in found.first.columns}
    return next((name for name, needed in FOREIGN if needed <= labels), None)


def recognise(found: discover.Found, grids: dict[str, Grid]) -> str:
    """'cmmc' (C/W/S names NIST SP 800-171 requirements and the POA&M says it is a CMMC one),
    'dss' (the DSS form's own columns or header block) or 'generic'."""
    dss = dss_form(found, grids)
    if _cmmc(found, grids, dss):
        return "cmmc"
    return "dss" if dss else "generic"


def dss_form(found: discover.Found, grids: dict[str, Grid]) -> bool:
    """The items table has the DSS form's own columns, or its header block two DSS labels."""
    first = found.first
    labels = {model.normalise_header(c.label) for c in first.columns}
    if labels & DSS_SIGNS:
        return True
    grid = grids[first.sheet]
    header, _cells = _header_block(grid, first.sheet, min(first.header_rows or (first.header_row,)),
                                   model.HEADER_FIELDS, False, [])
    filled = {k for k, v in header.items() if v not in (None, "")}
    return len(DSS_HEADER_SIGNS & filled) >= 2


def _cmmc(found: discover.Found, grids: dict[str, Grid], dss: bool = False) -> bool:
    """C/W/S holds NIST SP 800-171 requirements (half its values or more) and the POA&M also
    says it is a CMMC one. On the DSS form only strong signs count: an SPRS points column, or
    practice ids ("AC.L2-3.1.1") in half of C/W/S or more (its header block names systems and
    companies: "CUI enclave" or "CMMC Consulting LLC" says nothing). Elsewhere also practice
    ids anywhere, or NIST SP 800-171 / CMMC / SPRS / CUI above the table. 800-171 ids alone
    could be any tracker's (a DSS POA&M under DFARS 252.204-7012 lists them too)."""
    first = found.first
    grid = grids[first.sheet]
    cws = next((c for c in first.columns if c.target == "cws"), None)
    if cws is None:
        return False
    j = cws.col - grid.col0
    column = [r[j] if j < len(r) else None for r in grid.rows[first.header_row - grid.row0 + 1:]]
    if sp800171.share_of_requirements(column) < 0.5:
        return False
    labels = {model.normalise_header(c.label) for c in first.columns}
    practices = [isinstance(v, str) and bool(PRACTICE.search(v)) for v in column
                 if v is not None and str(v).strip()]
    if dss:
        return bool(labels & CMMC_HEADERS) or (
            bool(practices) and sum(practices) * 2 >= len(practices))
    above = " ".join(str(v) for r in grid.rows[: first.header_row - grid.row0] for v in r if v)
    return bool(labels & CMMC_HEADERS or CMMC_TITLE.search(above) or any(practices))


def read_grids(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None,
               mapping: tuple[tuple[str, str | None], ...] = ()) -> tuple[Poam, Conversion]:
    """Sheets -> (Poam in the column model, what was kept and skipped). ``mapping``: the user's
    own (normalised header, field) pairs, taken before the vocabulary (see usermap). Raises
    TemplateError when no sheet holds a POA&M items table."""
    found = discover.find(grids, overrides=dict(mapping))
    if found is None:
        raise TemplateError("no POA&M table found: no header row names the weakness (e.g. "
                            "Non-Compliance Description) and two of Item Number, Status, Risk "
                            "Level, dates, C/W/S, owner", path=source)
    foreign = _foreign_template(found)
    if foreign:
        raise TemplateError(f"this is {foreign} workbook, read by its own layout", path=source)
    template = recognise(found, grids)
    # a CMMC POA&M kept on the DSS form is read as the DSS form (its header block, its columns)
    layout = model.DSS if template == "dss" or (template == "cmmc" and dss_form(found, grids)) \
        else CMMC if template == "cmmc" else GENERIC
    conv = Conversion(source=source or template, target="poam")
    invalid: list[Invalid] = []
    parts = [_read_part(grids[c.sheet], c, layout, date1904, invalid) for c in found.parts]
    items = parts[0] if len(parts) == 1 else _combine(parts)
    milestones, ms_mapping = _milestones(grids, found, items, parts, layout, date1904, invalid)
    first = found.first
    header, header_cells = _header_block(grids[first.sheet], first.sheet,
                                         min(first.header_rows or (first.header_row,)),
                                         layout.header_fields, date1904, invalid)
    pol, pol_cells, has_policy = policy_from_grids(grids, date1904, invalid)
    for part in parts:
        for row, why in part.skipped:
            conv.notes.append(f"skipped {part.sheet}!{row}: {why}")
    report = [{"sheet": c.sheet, "column": col.letter, "header": col.label, "field": col.target,
               "kept": col.target is None, "duplicate_of": col.duplicate_of}
              for c in found.parts for col in c.columns] + ms_mapping
    unread = _unread(grids, found)
    conv.notes += unread_notes(unread, first.sheet)
    conv.items = len(items.frame)
    poam = Poam(header=header, header_cells=header_cells, items=items, milestones=milestones,
                policy=pol, source=source, date1904=date1904, layout=layout,
                sheet_states={n: g.state for n, g in grids.items()}, invalid=invalid,
                template=template, policy_cells=pol_cells, policy_found=has_policy,
                native={"mapping": report, "unread": unread})
    return poam, conv


def unread_notes(unread: list[dict[str, Any]], sheet: str) -> list[str]:
    """Console notes for the tables ``_unread`` found (``poam.native["unread"]``)."""
    return [f"not read: sheet {u['sheet']!r} holds another POA&M table ({u['rows']} row(s) "
            f"under header row {u['header_row']}) whose columns differ from those of {sheet!r}"
            for u in unread]


def _unread(grids: dict[str, Grid], found: discover.Found) -> list[dict[str, Any]]:
    """The items tables of other sheets whose columns differ from the table read (a second
    system's POA&M, last year's sheet): {sheet, header_row, rows with a value under a known
    column}; empty ones are left out. Reported (structure: table.not-read), never dropped
    without a word: the items of one table are read with one set of columns."""
    out = []
    for cand in found.others:  # never the Milestones sheet (_milestones skips these)
        grid = grids[cand.sheet]
        cols = [c.col - grid.col0 for c in cand.columns if c.target]
        start = cand.header_row - grid.row0 + 1
        rows = sum(1 for row in grid.rows[start:]
                   if any(j < len(row) and filled(row[j]) for j in cols))
        if rows:
            out.append({"sheet": cand.sheet, "header_row": cand.header_row, "rows": rows})
    return out


def _read_part(grid: Grid, cand: discover.Candidate, layout: model.Layout, date1904: bool,
               invalid: list[Invalid]) -> TableData:
    keys = set(layout.items.keys) | set(model.COMBINED_HEADERS)
    positions = {c.target: c.col - grid.col0 for c in cand.columns
                 if c.target in keys}
    extra = {c.label: c.col - grid.col0 for c in cand.columns if c.target is None}
    last = cand.table.data_last_row if cand.table is not None else None
    skipped = _skipped(grid, cand, positions, last)
    data = read_table(grid, cand.sheet, cand.header_row, layout.items, positions, date1904, "items",
                      invalid, extra=extra, duplicates=_duplicates(grid, cand, layout.items),
                      last_row=last, skip=set(skipped))
    data.skipped = sorted(skipped.items())
    return data


def _duplicates(grid: Grid, cand: discover.Candidate, table: model.Table
                ) -> list[tuple[str, list[str]]]:
    """Headers written twice, exactly (a word pattern taking the same field is not one)."""
    _positions, dups, _extra = table_positions(grid, cand.header_row, table)
    return dups


def _skipped(grid: Grid, cand: discover.Candidate, positions: dict[str, int], last: int | None
             ) -> dict[int, str]:
    out: dict[int, str] = {}
    start = cand.header_row - grid.row0 + 1
    stop = None if last is None else last - grid.row0 + 1
    cols = [c.col - grid.col0 for c in cand.columns]
    jn, jd = positions.get("item_number"), positions.get("description")
    for i, row in enumerate(grid.rows[start:stop], start=cand.header_row + 1):
        num = row[jn] if jn is not None and jn < len(row) else None
        desc = row[jd] if jd is not None and jd < len(row) else None
        if text.plainly_an_item(num, desc):
            continue
        why = text.row_kind([row[j] for j in cols if j < len(row)], num, desc)
        if why:
            out[i] = why
    if cand.table is not None and cand.table.totals_rows:
        for r in range(cand.table.data_last_row + 1, cand.table.last_row + 1):
            out.setdefault(r, "the Excel Table's totals row")
    return out


def _combine(parts: list[TableData]) -> TableData:
    """Items of several sheets as one table: index = sheet number * offset + Excel row."""
    frames, raws, kept, skipped = [], [], {}, []
    for n, part in enumerate(parts):
        shift = n * SHEET_OFFSET
        frames.append(part.frame.set_axis(part.frame.index + shift))
        if part.raw is not None:
            raws.append(part.raw.set_axis(part.raw.index + shift))
        kept.update({row + shift: tags for row, tags in part.kept.items()})
        skipped += [(row + shift, why) for row, why in part.skipped]
    sheets = [p.sheet for p in parts]

    def locate(index: int) -> tuple[str, int]:
        return sheets[index // SHEET_OFFSET], index % SHEET_OFFSET

    first = parts[0]
    frame = pd.concat(frames)
    frame.index.name = "row"
    return TableData(frame=frame, sheet=first.sheet, header_row=first.header_row,
                     letters=first.letters, missing=first.missing, duplicates=first.duplicates,
                     extra=first.extra, raw=pd.concat(raws) if raws else None, locate=locate,
                     kept=kept, skipped=skipped)


def _milestones(grids: dict[str, Grid], found: discover.Found, items: TableData,
                parts: list[TableData], layout: model.Layout, date1904: bool,
                invalid: list[Invalid]) -> tuple[TableData | None, list[dict[str, Any]]]:
    """The Milestones sheet (and how its headers map), else the milestones in the items table
    (a list in one cell, or one milestone per row)."""
    sheets = [c.sheet for c in found.parts]
    try:
        table = layout.milestones or model.MILESTONES
        sheet, row = find_table(grids, table, exclude=sheets[0])
        # a sheet holding an items table of its own (another system's, with a Milestone Date
        # column) is no Milestones sheet: it is reported as not read (_unread)
        if sheet not in sheets and sheet not in {c.sheet for c in found.others}:
            grid = grids[sheet]
            positions, dups, extra = table_positions(grid, row, table)
            head = grid.rows[row - grid.row0]
            mapping = [{"sheet": sheet, "column": column_letter(grid.col0 + j),
                        "header": " ".join(str(head[j]).split()), "field": field,
                        "kept": field is None, "duplicate_of": None}
                       for j, field in sorted([(j, MILESTONE + k) for k, j in positions.items()]
                                              + [(j, None) for j in extra.values()])]
            return read_table(grid, sheet, row, table, positions, date1904, "milestones",
                              invalid, extra=extra, duplicates=dups), mapping
    except TemplateError:
        pass
    records: list[dict[str, Any]] = []
    index: list[int] = []
    letters: dict[str, str] = {}
    for n, (cand, part) in enumerate(zip(found.parts, parts, strict=True)):
        grid = grids[cand.sheet]
        ms_cols = {c.target[len(MILESTONE):]: c for c in cand.columns
                   if c.target and c.target.startswith(MILESTONE)}
        if not ms_cols:
            continue
        for key, col in ms_cols.items():
            letters.setdefault(key, col.letter)
        for row, number in zip(part.frame.index, part.frame["item_number"], strict=True):
            cells = grid.rows[int(row) - grid.row0]
            values = {k: cells[c.col - grid.col0] if c.col - grid.col0 < len(cells) else None
                      for k, c in ms_cols.items()}
            shift = n * SHEET_OFFSET if len(parts) > 1 else 0
            if set(ms_cols) == {"milestone"}:  # the item's milestones as a list in one cell
                for m in text.split_milestones(as_text(values["milestone"])):
                    records.append({"item_number": number, **m})
                    index.append(int(row) + shift)
            elif any(as_text(v) for v in values.values()):
                records.append({"item_number": number, **values})
                index.append(int(row) + shift)
    if not records:
        return None, []
    frame = frame_from_records(layout.milestones or model.MILESTONES, records, index)
    return TableData(frame=frame, sheet=items.sheet, header_row=items.header_row, letters=letters,
                     raw=frame.copy(), locate=items.locate), []
