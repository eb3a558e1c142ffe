"""Layout discovery: find the POA&M items table on any sheet by its header texts.

Every row in the first ``SCAN_ROWS`` rows of every sheet is a candidate header row; its cells
are matched to POA&M fields through the one vocabulary (``vocabulary.item_target``). A
two-row header (group titles merged over the field names, "Identified | Date") is read as one
label per column ("Identified Date"); a title merged across the columns above is not a group.
An Excel Table's own header row wins over a look-alike row. The best candidate of the workbook
is the items table; other sheets with the same columns (Open / Closed items sheets) join it.
Each candidate is scored by how many key POA&M fields it names (description required).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import model
from ..grids import Grid
from ..tableparts import TableDef
from ..values import column_letter
from . import vocabulary

SCAN_ROWS = 200  # a header row must sit within a sheet's first rows (title and instruction rows)
KEY_FIELDS = frozenset({"item_number", "description", "status", "risk_level", "date_identified",
                        "milestone_date", "cws", "mitigation", "owner", "how_identified"})
MIN_KEY_FIELDS = 3  # description plus at least two more key fields
SAME_SHAPE = 0.8  # another sheet with this share of the same fields holds more items


@dataclass  # not frozen (never changed once made): discovery makes thousands per sheet
class HeaderColumn:
    """One header cell: its column (1-based), the label as reported, the field it maps to."""

    col: int
    label: str
    target: str | None  # "description", "milestone.planned_date", None (kept as it is)
    exact: bool = True  # an exact vocabulary name (else a word pattern)
    duplicate_of: str | None = None  # another column already took this field

    @property
    def letter(self) -> str:
        return column_letter(self.col)


@dataclass
class Candidate:
    """A header row that looks like a POA&M items table."""

    sheet: str
    header_row: int  # Excel row of the field names (the last row of a two-row header)
    columns: list[HeaderColumn]
    header_rows: tuple[int, ...] = ()
    table: TableDef | None = None  # the Excel Table whose header row this is
    preferred: bool = False  # the sheet is named like a POA&M sheet

    @property
    def fields(self) -> set[str]:
        return {c.target for c in self.columns if c.target and not c.duplicate_of}

    @property
    def acceptable(self) -> bool:
        f = self.fields
        return "description" in f and len(f & KEY_FIELDS) >= MIN_KEY_FIELDS

    @property
    def score(self) -> tuple[int, ...]:
        f = self.fields
        exact = sum(1 for c in self.columns if c.target and c.exact and not c.duplicate_of)
        return (len(f & KEY_FIELDS), exact, len(f), int(self.table is not None),
                int(self.preferred), -self.header_row)


@dataclass
class Found:
    """The items table: one or more sheets with the same columns."""

    parts: list[Candidate] = field(default_factory=list)
    # other sheets' items tables with other columns: not read with these (generic.unread)
    others: list[Candidate] = field(default_factory=list)

    @property
    def first(self) -> Candidate:
        return self.parts[0]


def _text(v: object) -> str:
    return " ".join(str(v).split()) if isinstance(v, str) else ""


def _merge_at(grid: Grid, row: int, col: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    for m in grid.merges:
        (r1, c1), (r2, c2) = m
        if r1 <= row <= r2 and c1 <= col <= c2:
            return m
    return None


def _cell(grid: Grid, row: int, col: int) -> str:
    i, j = row - grid.row0, col - grid.col0
    if i < 0 or j < 0 or i >= len(grid.rows) or j >= len(grid.rows[i]):
        return ""
    return _text(grid.rows[i][j])


def _filled(v: object) -> bool:
    return bool(v.strip()) if isinstance(v, str) else v is not None


def _holds_data(grid: Grid, row: int, col: int) -> bool:
    """Any text or value (a number, a date, an error) below header row ``row`` in column
    ``col``. The column's last filled row is found once per grid (bottom-up) and memoised, so
    the many candidate header rows of a long sheet cost one scan per column, not one each."""
    j = col - grid.col0
    last = grid.last_filled.get(j)
    if last is None:
        last = next((i for i in range(len(grid.rows) - 1, -1, -1)
                     if j < len(grid.rows[i]) and _filled(grid.rows[i][j])), -1)
        grid.last_filled[j] = last
    return last > row - grid.row0


def _group_row(grid: Grid, row: int, cols: Iterable[int]) -> bool:
    """Row ``row`` holds group titles over the field names below: two or more different texts,
    each merged across several columns or down into the row below (a single title, or a header
    block of "Label:" / value cells, is not a group)."""
    texts = 0
    for c in cols:
        t = _cell(grid, row, c)
        if not t:
            continue
        m = _merge_at(grid, row, c)
        if t.endswith(":") or m is None or m[0] != (row, c):
            return False
        if not (m[0][1] < m[1][1] or m[1][0] > row):
            return False
        texts += 1
    return texts >= 2


def _match(label: str, overrides: dict[str, str | None]) -> tuple[str | None, bool]:
    if overrides and (key := model.normalise_header(label)) in overrides:
        return overrides[key], True  # the user's own mapping wins over the vocabulary
    return vocabulary.item_target(label)


def header_columns(grid: Grid, row: int, overrides: dict[str, str | None] | None = None
                   ) -> tuple[list[HeaderColumn], tuple[int, ...]]:
    """The labelled columns of header row ``row`` (Excel row) and the rows the header spans;
    ``overrides``: normalised header -> target (None: no field), taken before the vocabulary."""
    overrides = overrides or {}
    i = row - grid.row0
    width = max((len(r) for r in grid.rows[max(0, i - 1): i + 1]), default=0)
    cols = range(grid.col0, grid.col0 + width)
    grouped = row - 1 >= grid.row0 and _group_row(grid, row - 1, cols)
    out: list[HeaderColumn] = []
    taken: dict[str, int] = {}
    for c in cols:
        name = _cell(grid, row, c)
        group = ""
        if grouped:
            m = _merge_at(grid, row - 1, c)
            top = (m[0][0], m[0][1]) if m else (row - 1, c)
            group = _cell(grid, *top)
            if not name and m and m[1][0] >= row:  # one title merged down over both rows
                name, group = group, ""
        if not name:  # no header text: a column that holds data is kept, never dropped
            if _holds_data(grid, row, c):
                m = _merge_at(grid, row, c)
                title = _cell(grid, *m[0]) if m and m[0] != (row, c) else ""
                where = column_letter(c)
                out.append(HeaderColumn(c, f"{title} ({where})" if title else f"Column {where}",
                                        None, True, None))
            continue
        label = f"{group} {name}" if group else name
        target, exact = _match(label, overrides)
        if group and target is None and not (exact and model.normalise_header(label) in overrides):
            target, exact = _match(name, overrides)  # the field name alone may say it
        dup = None
        if target is not None and target in taken:
            prev = out[taken[target]]
            if exact and not prev.exact:  # an exact name wins over a word pattern
                out[taken[target]] = HeaderColumn(prev.col, prev.label, None, prev.exact, target)
                taken[target] = len(out)
            else:
                dup = target
        elif target is not None:
            taken[target] = len(out)
        out.append(HeaderColumn(c, label, None if dup else target, exact, dup))
    _own_due_date(out, taken, overrides)
    return out, ((row - 1, row) if grouped else (row,))


# our computed column's own names, as typed (normalise_header drops the "(Policy)")
_POLICY_DUE = frozenset(" ".join(n.lower().split()) for n in (
    model.ITEMS.column("due_date").header, "Policy Due Date"))


def _own_due_date(out: list[HeaderColumn], taken: dict[str, int],
                  overrides: dict[str, str | None]) -> None:
    """A sender's own "Due Date" column (not ours, "Due Date (Policy)") is their data, never
    recomputed over by ``update``: in a table with no scheduled completion date column it is
    that date (read as the Milestone Date); beside one, a column of their own, kept as it is
    (carried, written back untouched). The user's own mapping decides where it has one."""
    if "due_date" not in taken:
        return
    k = taken.pop("due_date")
    col = out[k]
    if " ".join(col.label.lower().split()) in _POLICY_DUE or (
            model.normalise_header(col.label) in overrides):
        taken["due_date"] = k
        return
    if "milestone_date" in taken:
        out[k] = HeaderColumn(col.col, col.label, None, True, None)
        return
    out[k] = HeaderColumn(col.col, col.label, "milestone_date", col.exact, None)
    taken["milestone_date"] = k


def candidates(grid: Grid, sheet: str, overrides: dict[str, str | None] | None = None
               ) -> list[Candidate]:
    """Every acceptable header row of one sheet, best first."""
    preferred = model.normalise_header(sheet) in {
        model.normalise_header(n) for n in (model.ITEMS.sheet, *model.ITEMS.sheet_aliases)}
    table_rows = {t.header_row: t for t in grid.tables}
    out = []
    for i, cells in enumerate(grid.rows[:SCAN_ROWS]):
        texts = sum(1 for v in cells if isinstance(v, str) and v and not v.isspace())  # _text(v)
        if texts < MIN_KEY_FIELDS:
            continue
        row = grid.row0 + i
        cols, rows = header_columns(grid, row, overrides)
        cand = Candidate(sheet, row, cols, rows, table_rows.get(row), preferred)
        if cand.acceptable:
            out.append(cand)
    return sorted(out, key=lambda c: c.score, reverse=True)


def find(grids: dict[str, Grid], exclude: Iterable[str] = (),
         overrides: dict[str, str | None] | None = None) -> Found | None:
    """The items table of a workbook (None when no sheet has one): the best candidate and the
    other sheets whose best candidate names (nearly) the same fields, all in sheet order."""
    skip = set(exclude)
    best: dict[str, Candidate] = {}
    for name, grid in grids.items():
        if name in skip:
            continue
        found = candidates(grid, name, overrides)
        if found:
            best[name] = found[0]
    if not best:
        return None
    top = max(best.values(), key=lambda c: c.score)
    parts, others = [], []
    for name in grids:
        cand = best.get(name)
        if cand is None:
            continue
        union = cand.fields | top.fields
        if cand is top or len(cand.fields & top.fields) >= SAME_SHAPE * len(union):
            parts.append(cand)
        else:
            others.append(cand)
    return Found(parts, others)
