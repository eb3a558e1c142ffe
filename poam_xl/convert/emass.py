"""The eMASS POA&M import workbook as a conversion format: detect, read, write.

The layout and its value mapping live in ``poam_xl.layouts.emass``; the reader in
``layouts.emass_read``; the writer in ``emass_write``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PoamXlError
from ..grids import Grid, load_grids
from ..layouts import emass as L
from ..layouts import emass_read
from ..package import Limits, inspect
from ..poam import Conversion, Poam
from ..reader import read as read_workbook
from . import emass_write
from .format import Format


def detect(path: Path) -> bool:
    """Cheap content sniff: an .xlsx/.xlsm whose sheets carry the eMASS header row."""
    try:
        return emass_read.detect(load_grids(inspect(path)))
    except PoamXlError:
        return False


def read(path: str | Path, *, limits: Limits = Limits(), grids: dict[str, Grid] | None = None,
         **_: Any) -> tuple[Poam, Conversion]:
    """Read an eMASS POA&M import workbook into the DSS column model (with a Conversion report);
    ``grids``: its sheets when already loaded (format detection)."""
    poam = read_workbook(path, layout="emass", limits=limits, grids=grids)
    assert poam.conversion is not None
    return poam, poam.conversion


def write(poam: Poam, path: str | Path, **options: Any) -> Conversion:
    """Write the eMASS import workbook (see emass_write.write)."""
    return emass_write.write(poam, path, **options)


FORMAT = Format(
    name="emass",
    title="eMASS POA&M import workbook (DoD RMF)",
    extensions=(".xlsx", ".xlsm"),
    detect=detect,
    detect_grids=emass_read.detect,
    read=read,
    write=write,
    mapping=L.mapping,
)
