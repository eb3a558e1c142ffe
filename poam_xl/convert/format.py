"""What a conversion format offers: detect a file, read it into a Poam, write a Poam out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..grids import Grid
from ..poam import Conversion, Poam


@dataclass(frozen=True)
class Format:
    """One foreign format: ``read``/``write`` report every field with no home on the other side."""

    name: str
    title: str
    extensions: tuple[str, ...]
    detect: Callable[[Path], bool]  # content sniffing (cheap)
    read: Callable[..., tuple[Poam, Conversion]] | None
    write: Callable[..., Conversion] | None  # write(poam, path, **options) -> Conversion
    mapping: Callable[[], list[tuple[str, str, str]]]  # (our column, their field, note)
    # the same content check on a workbook's sheets already loaded (one load for every format)
    detect_grids: Callable[[dict[str, Grid]], bool] | None = None
