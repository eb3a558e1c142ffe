"""FedRAMP POA&M template (Rev5 v2.1, and Rev4) as a conversion format: detect, read, write.

The layout (sheets, columns, ratings) and its mapping to the DSS column model live in
``poam_xl.layouts.fedramp`` and ``layouts.fedramp_records``; the workbook reader in
``layouts.fedramp_read``; the writer in ``fedramp_write``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import EncryptedWorkbookError, LimitExceededError, PoamXlError, WorkbookError
from ..grids import Grid, load_grids
from ..layouts import fedramp_read, fedramp_records
from ..package import Limits, inspect
from ..poam import Conversion, Poam
from ..reader import read_grid
from . import fedramp_write
from .format import Format


def detect(path: Path) -> bool:
    """A FedRAMP POA&M workbook: its sheet names, or a header row with the FedRAMP columns."""
    try:
        return fedramp_read.detect(load_grids(inspect(path)))
    except PoamXlError:
        return False


def read_workbook(path: str | Path, *, limits: Limits = Limits(),
                  grids: dict[str, Grid] | None = None, **_options: Any
                  ) -> tuple[Poam, Conversion]:
    """FedRAMP workbook -> (Poam in the DSS column model, what was kept where); ``grids``: its
    sheets when already loaded (format detection)."""
    p = Path(path)
    try:
        info = inspect(p, limits)
    except (LimitExceededError, EncryptedWorkbookError):
        raise
    except WorkbookError as exc:
        raise WorkbookError(f"{exc.reason}; expected a FedRAMP POA&M template workbook (.xlsx)",
                            path=str(p)) from None
    poam = read_grid(load_grids(info, limits) if grids is None else grids,
                     date1904=info.date1904, source=str(p), layout="fedramp")
    assert poam.conversion is not None
    return poam, poam.conversion


def write(poam: Poam, path: str | Path, **options: Any) -> Conversion:
    """Poam -> FedRAMP workbook (see fedramp_write)."""
    return fedramp_write.write(poam, path, **options)


FORMAT = Format(
    name="fedramp",
    title="FedRAMP POA&M template (Rev5 v2.1; Rev4 read)",
    extensions=(".xlsx", ".xlsm"),
    detect=detect,
    detect_grids=fedramp_read.detect,
    read=read_workbook,
    write=write,
    mapping=fedramp_records.mapping,
)
