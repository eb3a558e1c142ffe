"""Read the eMASS POA&M import workbook into the DSS column model: the real template's quirks.

Header rows 1-6, header row 7 with its stray spaces and the stray duplicate in A7, one item
over several rows (one per milestone), 'Implement Procedure B 10/31/2018' milestones,
'Completed 11/13/2018' statuses, text dates, gaps between items, hidden lookup sheets.
Every eMASS field with no DSS column is kept as an ``[eMASS ...]`` tag in Comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import dates, kept, model, records
from ..coerce import fits
from ..errors import TemplateError
from ..grids import Grid
from ..poam import Conversion, Invalid, Poam
from ..tables import HEADER_SCAN_ROWS
from ..values import column_letter as get_column_letter
from ..values import plain
from . import emass as L
from . import emass_service

LAYOUT = model.Layout("emass")

SIGNATURE = {
    model.normalise_header(h)
    for h in ("POA&M Item ID", "Raw Severity", "Control Vulnerability Description")
}
HEADER_FIELDS = tuple(
    model.HeaderField(k, label.rstrip(":"), "date" if k == "poam_date" else "text")
    for k, label, _c, _v in L.HEADER
)
ITEM_BY_HEADER = {col.header: col for col in model.ITEM_COLUMNS}
MS_BY_HEADER = {col.header: col for col in model.MILESTONE_COLUMNS}
EXPECTED = (
    "an eMASS POA&M import workbook (sheet POA&M, header row with POA&M Item ID, Control "
    "Vulnerability Description, Status, Raw Severity)"
)


# ---------------------------------------------------------------- detect / find
def _signature_row(grid: Grid) -> int | None:
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        names = {model.normalise_header(v) for v in row if isinstance(v, str)}
        if names >= SIGNATURE:
            return grid.row0 + i
    return None


def find(grids: dict[str, Grid], source: str | None = None) -> tuple[str, int]:
    """(sheet, header row) of the eMASS table: POA&M sheet preferred, the Example sheet last."""
    found = [(name, row) for name, g in grids.items() if (row := _signature_row(g)) is not None]
    if not found:
        raise TemplateError(f"not {EXPECTED}", path=source)
    found.sort(key=lambda f: (f[0] != L.SHEET, f[0].lower() == "example"))
    return found[0]


def detect(grids: dict[str, Grid]) -> bool:
    """An eMASS POA&M workbook: a sheet carries the classic import template's header row or a
    service template's (Navy, Marine Corps, Army)."""
    return emass_service.detect(grids) or any(_signature_row(g) is not None for g in grids.values())


# ---------------------------------------------------------------- read
def _positions(grid: Grid, header_row: int) -> dict[str, int]:
    """eMASS field key -> column index; of duplicate headers (stray A7) the one with data wins."""
    hdr = grid.rows[header_row - grid.row0]
    body = grid.rows[header_row - grid.row0 + 1 :]
    names = {model.normalise_header(f.header): f.key for f in L.FIELDS}
    best: dict[str, tuple[bool, int]] = {}
    for j, v in enumerate(hdr):
        key = names.get(model.normalise_header(v)) if isinstance(v, str) else None
        if key is None:
            continue
        has_data = any(j < len(r) and plain(r[j]) is not None for r in body)
        if key not in best or (has_data, j) >= best[key]:
            best[key] = (has_data, j)
    return {k: j for k, (_d, j) in best.items()}


def _items(
    grid: Grid, header_row: int, pos: dict[str, int]
) -> list[tuple[int, dict[str, Any], list[int]]]:
    """Group rows into items: continuation rows carry only milestone / milestone-change cells."""
    out: list[tuple[int, dict[str, Any], list[int]]] = []
    lines = {k for k, f in L.BY_KEY.items() if f.kind == "lines"}
    for i, row in enumerate(grid.rows[header_row - grid.row0 + 1 :]):
        excel_row = header_row + 1 + i
        vals = {k: plain(row[j]) if j < len(row) else None for k, j in pos.items()}
        if all(v is None for v in vals.values()):
            continue
        if out and all(vals[k] is None for k in vals if k not in lines):
            _first, e, rows = out[-1]
        else:
            e = {k: v for k, v in vals.items() if k not in lines}
            e.update({k: [] for k in lines})
            rows = []
            out.append((excel_row, e, rows))
        for k in lines:
            if k in vals and vals[k] is not None:
                e[k].append(vals[k])
                if k == "milestones":
                    rows.append(excel_row)
    return out


def header_block(
    grid: Grid, header_row: int, date1904: bool, sheet: str, invalid: list[Invalid]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Labels in rows 2-6 with their value in the next filled cell to the right (merged cells);
    an empty value stops at the next label."""
    index = {n: f for f in HEADER_FIELDS for n in f.names()}
    header: dict[str, Any] = {f.key: None for f in HEADER_FIELDS}
    cells: dict[str, str] = {}
    for i, row in enumerate(grid.rows[: header_row - grid.row0]):
        for j, v in enumerate(row):
            f = index.get(model.normalise_header(v)) if isinstance(v, str) else None
            if f is None or f.key in cells:
                continue
            value, vj = None, j + 1
            for k in range(j + 1, min(len(row), j + 7)):
                if isinstance(row[k], str) and model.normalise_header(row[k]) in index:
                    break
                if plain(row[k]) is not None:
                    value, vj = row[k], k
                    break
            cell = f"{get_column_letter(grid.col0 + vj)}{grid.row0 + i}"
            if value is None:  # point at the template's value cell, not the merged label
                cell = next(
                    (
                        vc
                        for k, _l, lc, vc in L.HEADER
                        if k == f.key and lc == f"{get_column_letter(grid.col0 + j)}{grid.row0 + i}"
                    ),
                    cell,
                )
            cells[f.key] = cell
            if f.kind == "date" and value is not None:
                day = dates.to_date(value, date1904)
                if day is dates.BAD:
                    invalid.append(Invalid("header", f.key, sheet, cell, value, "a date"))
                value = day if isinstance(day, dt.date) else None
            header[f.key] = records.parse("text", kept.text(value)) if f.kind != "date" else value
    return header, cells


def _restore(rec: dict[str, Any], miles: list[dict[str, Any]], label: str, value: str) -> bool:
    """Put a [poam-xl Label] value back into its DSS column; False when the label is unknown."""
    col = ITEM_BY_HEADER.get(label)
    if col is not None:
        parsed = records.parse(col.kind, value)
        # "TBD" for a date: the tag rides on as it is; a text Item Number ("POAM-2026-001")
        # is the item's own (coerce keeps it as its tag, the DSS writer puts it in its cell)
        if not fits(col.kind, parsed) and col.key != "item_number":
            return False
        rec[col.key] = parsed
        return True
    head, _, rest = label.partition(" ")
    num, _, field = rest.partition(" ")
    # a tag may add milestones eMASS could not hold, up to 500 (a crafted "Milestone 999999999"
    # allocates nothing); a milestone the item already has is always restored
    if head == "Milestone" and num.isdigit() and field in MS_BY_HEADER and \
            0 < int(num) <= max(500, len(miles)):
        while len(miles) < int(num):  # milestones eMASS could not hold (Risk Accepted items)
            miles.append({"item_number": rec.get("item_number")})
        mcol = MS_BY_HEADER[field]
        miles[int(num) - 1][mcol.key] = records.parse(mcol.kind, value)
        return True
    return False


def untag(rec: dict[str, Any], miles: list[dict[str, Any]], item_id: Any = None
          ) -> tuple[str | None, list[kept.Tag]]:
    """Restore the ``[poam-xl ...]`` tags of an earlier trip from ``rec``'s Comments into their
    DSS fields and milestones (in place); (the user's Comments text, the other tags). Both the
    classic and the service layouts read Comments through here, so a round trip is idempotent.

    ``item_id``: the POA&M Item ID cell. One eMASS assigned wins over our ``[poam-xl Item
    Number]`` tag of the trip out (written while the ID was blank); the item's milestones
    always follow the item's number as restored."""
    user, tags = kept.split_tags(rec.get("comments"))
    if plain(item_id) is not None:  # eMASS numbered it: our number of the trip out is stale
        tags = [t for t in tags if not (t[0] == "poam-xl" and t[1] == records.ITEM_LABEL)]
    others = [t for t in tags if not (t[0] == "poam-xl" and _restore(rec, miles, t[1], t[2]))]
    rec["comments"] = user
    for m in miles:
        m["item_number"] = rec.get("item_number")
    return user, others



def _same_field(f: L.Field, a: Any, b: Any) -> bool:
    if f.kind == "lines":
        la, lb = (
            [x for x in a or [] if plain(x) is not None],
            [x for x in b or [] if plain(x) is not None],
        )
        return len(la) == len(lb) and all(
            all(records.same(p, q) for p, q in zip(L.split_dated(x), L.split_dated(y), strict=True))
            for x, y in zip(la, lb, strict=True)
        )
    if f.key == "status" and L.status_word(a)[0] is not None:
        return L.status_word(a) == L.status_word(b)
    return records.same(a, b)


def _tag_value(f: L.Field, value: Any) -> str:
    if f.kind == "lines":
        return "\n".join(kept.text(v) for v in value or [])
    return kept.text(value)


def from_items(
    found: list[tuple[int, dict[str, Any], list[int]]], conv: Conversion
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """eMASS items -> DSS records and milestones; fields with no home kept as [eMASS ...] tags."""
    items, miles_all, ms_rows = [], [], []
    for position, (row, e, rows) in enumerate(found, start=1):
        rec, miles = L.to_model(e, position)
        user, others = untag(rec, miles, e.get("item_id"))
        back = L.to_emass(rec, miles, position)
        tagged: list[kept.Tag] = []
        for f in L.FIELDS:
            if f.key != "comments" and not _same_field(f, e.get(f.key), back.get(f.key)):
                tagged.append(("eMASS", f.header.strip(), _tag_value(f, e.get(f.key))))
                conv.dropped.append(
                    {
                        "item": rec["item_number"],
                        "field": f.header.strip(),
                        "value": _tag_value(f, e.get(f.key)),
                        "kept_in": "Comments",
                    }
                )
        rec["comments"] = kept.join_tags(user, others + tagged)
        items.append((row, rec))
        for k, m in enumerate(miles):
            miles_all.append(m)
            ms_rows.append(rows[k] if k < len(rows) else row)
    return [r for _row, r in items], miles_all, [r for r, _rec in items] + ms_rows


def read_grids(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None
               ) -> tuple[Poam, Conversion]:
    """eMASS sheets -> (Poam in the DSS column model, what was kept where).

    Raises TemplateError when no sheet carries the eMASS header row.
    """
    service = emass_service.find(grids)
    if service is not None:
        return read_service(grids, service, date1904=date1904, source=source)
    sheet, header_row = find(grids, source)
    grid = grids[sheet]
    pos = _positions(grid, header_row)
    invalid: list[Invalid] = []
    header, cells = header_block(grid, header_row, date1904, sheet, invalid)
    conv = Conversion(source=source or "emass", target="dss")
    found = _items(grid, header_row, pos)
    items, miles, rows = from_items(found, conv)
    for key, value in header.items():
        if key.startswith("eMASS ") and value is not None:
            conv.dropped.append(
                {
                    "item": None,
                    "field": key[6:],
                    "value": kept.text(value),
                    "kept_in": "header block (extra label)",
                }
            )
    letters = {
        k: get_column_letter(grid.col0 + pos[f.key])
        for f in L.FIELDS
        if f.key in pos
        for k in f.model_keys
    }
    ms_letter = get_column_letter(grid.col0 + pos["milestones"]) if "milestones" in pos else "I"
    poam = records.make_poam(
        items,
        miles,
        header,
        source=source or "",
        sheet=sheet,
        header_row=header_row,
        item_index=rows[: len(items)],
        milestone_index=rows[len(items) :],
        letters=letters,
        milestone_letters={"milestone": ms_letter, "planned_date": ms_letter},
        layout=LAYOUT,
    )
    poam.native["emass"] = view_of(found, grid, pos)
    poam.native["mapping"] = [
        {"sheet": sheet, "column": get_column_letter(grid.col0 + j), "header": f.header.strip(),
         "field": (f.model_keys[0] if f.model_keys else
                   "milestone.milestone" if f.key == "milestones" else None),
         "kept": not f.model_keys and f.key != "milestones", "duplicate_of": None}
        for f in L.FIELDS if (j := pos.get(f.key)) is not None]
    poam.template = "emass-classic"
    poam.header_cells, poam.invalid, poam.date1904 = cells, invalid, date1904
    poam.sheet_states = {n: g.state for n, g in grids.items()}
    conv.items = len(items)
    if any(plain(e.get("item_id")) is None for _r, e, _rows in found):
        conv.notes.append(
            "POA&M Item ID blank (new items): numbered by position; written blank "
            "again so eMASS assigns IDs (template instruction 3)"
        )
    return poam, conv


def view_of(
    found: list[tuple[int, dict[str, Any], list[int]]], grid: Grid, pos: dict[str, int]
) -> dict[str, Any]:
    """The eMASS values as read, for the eMASS profile's rules: {row: record}, column letters."""
    return {
        "rows": {row: e for row, e, _rows in found},
        "milestone_rows": {row: rows for row, _e, rows in found},
        "letters": {k: get_column_letter(grid.col0 + j) for k, j in pos.items()},
    }


def read_service(grids: dict[str, Grid], found: tuple[str, int, str, dict[str, int]], *,
                 date1904: bool = False, source: str | None = None) -> tuple[Poam, Conversion]:
    """A service template (one row per milestone) -> (Poam, Conversion): every column the
    column model has no field for is kept as an ``[eMASS ...]`` tag in Comments."""
    sheet, header_row, variant, pos = found
    grid = grids[sheet]
    invalid: list[Invalid] = []
    header, cells = header_block(grid, header_row, date1904, sheet, invalid)
    header["eMASS Layout"] = variant  # kept through DSS / JSON so a way back writes this layout
    conv = Conversion(source=source or f"emass-{variant}", target="dss")
    grouped = emass_service.group(grid, header_row, pos)
    items, miles, ms_index, views = [], [], [], {}
    for position, (row, e, rows) in enumerate(grouped, start=1):
        rec, ms = emass_service.to_model(e, position)
        user, others = untag(rec, ms, e.get("item_id"))  # our own tags of an earlier trip
        tags = emass_service.kept_tags(e, rec, ms, position, variant)
        rec["comments"] = kept.join_tags(user, others + tags)
        for _side, label, value in tags:
            conv.dropped.append({"item": rec["item_number"], "field": label, "value": value,
                                 "kept_in": "Comments"})
        items.append(rec)
        for k, m in enumerate(ms):  # restored milestones (Risk Accepted) point at the item row
            miles.append(m)
            ms_index.append(rows[k] if k < len(rows) else row)
        views[row] = emass_service.classic_view(e)
    names = emass_service.headers(variant)
    letters = {key: get_column_letter(grid.col0 + pos[k]) for k, key in (
        ("item_id", "item_number"), ("description", "description"), ("control", "cws"),
        ("checks", "source_id"), ("status", "status"), ("scheduled", "milestone_date"),
        ("completion", "completion_date"), ("source", "how_identified"), ("office", "owner"),
        ("resources", "resources"), ("comments", "comments"), ("raw_severity", "risk_level"),
        ("devices", "assets"), ("likelihood", "likelihood"), ("impact", "impact"),
        ("residual", "residual_risk"), ("recommendations", "mitigation")) if k in pos}
    ms_letters = {key: get_column_letter(grid.col0 + pos[k]) for k, key in (
        ("m_description", "milestone"), ("m_status", "status"), ("m_comments", "changes"),
        ("m_scheduled", "planned_date"), ("m_completion", "completed_date")) if k in pos}
    poam = records.make_poam(items, miles, header, source=source or "", sheet=sheet,
                             header_row=header_row, item_index=[r for r, _e, _rows in grouped],
                             milestone_index=ms_index, letters=letters,
                             milestone_letters=ms_letters, layout=LAYOUT)
    by_name = {names[k]: k for k in names}
    view_letters = {by_name[h]: get_column_letter(grid.col0 + j) for h, j in
                    ((names[k], j) for k, j in pos.items())}
    view_letters["milestones"] = view_letters.get("m_description", "K")
    poam.native["emass"] = {"rows": views, "variant": variant, "letters": view_letters,
                            "milestone_rows": {r: rows for r, _e, rows in grouped}}
    poam.native["mapping"] = _service_mapping(sheet, grid, pos, names, letters, ms_letters)
    poam.template = f"emass-{variant}"
    poam.header_cells, poam.invalid, poam.date1904 = cells, invalid, date1904
    poam.sheet_states = {n: g.state for n, g in grids.items()}
    conv.items = len(items)
    return poam, conv


def _service_mapping(sheet: str, grid: Grid, pos: dict[str, int], names: dict[str, str],
                     letters: dict[str, str], ms_letters: dict[str, str]) -> list[dict[str, Any]]:
    field_at = {v: k for k, v in letters.items()} | {v: "milestone." + k for k, v in ms_letters.items()}
    out = []
    for k, j in sorted(pos.items(), key=lambda kv: kv[1]):
        letter = get_column_letter(grid.col0 + j)
        field = field_at.get(letter)
        out.append({"sheet": sheet, "column": letter, "header": names[k], "field": field,
                    "kept": field is None, "duplicate_of": None})
    return out
