"""Workbook -> Poam: the one reader every verb and shell uses.

``read(path)`` checks the file (format, size, limits, encryption), loads its sheets once with
python-calamine (``grids``) and hands them to ``read_grid``, which reads them in the layout
asked for (``layouts``: DSS, FedRAMP, eMASS). ``read_grid`` takes the same inputs as plain 2-D
lists, so the Excel buttons (xlwings) share this code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from . import layouts, model, recalc
from .errors import EncryptedWorkbookError, PoamXlError, TemplateError
from .grids import TOO_LONG, UNCACHED, CellProblem, Grid, load_grids
from .package import Limits, inspect
from .poam import Invalid, Poam, TableData
from .tables import HEADER_SCAN_ROWS, find_table, policy_from_grids
from .values import cell_ref

__all__ = ["CellProblem", "Grid", "HEADER_SCAN_ROWS", "Invalid", "Poam", "TableData", "TOO_LONG", "UNCACHED",
           "find_table", "load_grids", "policy_from_grids", "read", "read_grid", "recognise"]

LayoutArg = str | model.Layout | Sequence[str]
Overrides = tuple[tuple[str, str | None], ...]  # the user's own (normalised header, field) pairs


def read(path: str | Path, *, layout: LayoutArg = layouts.ORDER, limits: Limits = Limits(),
         password: str | None = None, mapping: Overrides = (),
         grids: dict[str, Grid] | None = None) -> Poam:
    """Read a POA&M workbook (.xlsx/.xlsm/.xls/.xlsb/.ods) in ``layout`` (a name, a Layout, or
    names tried in order: the first whose tables the workbook has; default every layout, so
    FedRAMP, eMASS, DSS, CMMC and generic POA&Ms are each read in their own);
    ``mapping``: your own header -> field pairs (``usermap.parse``); ``grids``: this file's
    sheets when already loaded (``load_grids`` with the same limits: they are not loaded
    again). ``Poam.template`` names the template found. Raises WorkbookError (unreadable, too
    big, encrypted) or TemplateError (no table of that layout) naming the file."""
    p = Path(path)
    if password is not None:
        from .crypto import decrypted_copy

        with contextlib.suppress(EncryptedWorkbookError):
            inspect(p, limits)  # size, existence and format checks before decrypting anything
        with decrypted_copy(p, password) as plain:
            try:
                poam = read(plain, layout=layout, limits=limits, mapping=mapping)
            except PoamXlError as exc:  # name the user's file, not the temporary copy
                raise type(exc)(exc.reason, path=str(p), cell=exc.cell) from None
            poam.source = str(p)
            return poam
    info = inspect(p, limits)
    if grids is None:
        grids = load_grids(info, limits)
    poam = read_grid(grids, date1904=info.date1904, source=str(p), layout=layout, mapping=mapping)
    poam.invalid += [Invalid("text", "", name, cell_ref(r, c), n, TOO_LONG)  # issue 14: over-long
                     for name, g in grids.items() for r, c, n in g.long_text]
    return poam


def read_grid(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None,
              layout: LayoutArg = "dss", mapping: Overrides = ()) -> Poam:
    """Build a Poam from sheet grids (the path reader and the xlwings buttons both land here).

    Formulas without cached values are computed first where they can be (``recalc``).
    """
    computed = recalc.fill(grids, date1904)
    poam = _read_grid(grids, date1904=date1904, source=source, layout=layout, mapping=mapping)
    if computed:
        poam.computed_formulas = computed
    return poam


def _read_grid(grids: dict[str, Grid], *, date1904: bool, source: str | None,
               layout: LayoutArg, mapping: Overrides) -> Poam:
    if isinstance(layout, model.Layout):
        return layouts.read(layout, grids, date1904=date1904, source=source, mapping=mapping)
    names = [layout] if isinstance(layout, str) else list(layout)
    for name in names[:-1]:
        if layouts.detect(name, grids):
            return layouts.read(name, grids, date1904=date1904, source=source, mapping=mapping)
    if not names:
        raise TemplateError("no layout to read", path=source)
    return layouts.read(names[-1], grids, date1904=date1904, source=source, mapping=mapping)


def recognise(path: str | Path, limits: Limits | None = None) -> str | None:
    """The template a workbook file uses ('dss', 'fedramp-rev5', ...), None when unreadable or
    not recognised (see ``layouts.recognise``)."""
    try:
        grids = load_grids(inspect(path, limits or Limits()), limits or Limits())
    except PoamXlError:
        return None
    return layouts.recognise(grids)
