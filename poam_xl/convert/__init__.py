"""Conversions: one module per foreign format, each exposing ``FORMAT`` (see Format below).

A format reads a file into a ``Poam`` (DSS column model) and/or writes a ``Poam`` out, and
reports every field that had no home on the other side (nothing is silently dropped).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..reader import Poam

# name -> module under poam_xl.convert
MODULES = {
    "dss": "dss", "fedramp": "fedramp", "emass": "emass", "oscal": "oscal",
    "csv": "csv_json", "json": "csv_json",
}


@dataclass
class Conversion:
    """What a conversion did: where it wrote, and what had no home in the target."""

    source: str
    target: str
    items: int = 0
    dropped: list[dict[str, Any]] = field(default_factory=list)  # {item, field, value, kept_in}
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    name: str
    title: str
    extensions: tuple[str, ...]
    detect: Callable[[Path], bool]  # content sniffing (cheap)
    read: Callable[..., tuple[Poam, Conversion]] | None
    write: Callable[..., Conversion] | None  # write(poam, path, **options) -> Conversion
    mapping: Callable[[], list[tuple[str, str, str]]]  # (our column, their field, note)


def get(name: str) -> Format:
    from ..errors import UsageError

    if name not in MODULES:
        raise UsageError(f"unknown format {name!r}: choose one of {', '.join(sorted(MODULES))}")
    module = importlib.import_module(f".{MODULES[name]}", __name__)
    fmts = getattr(module, "FORMATS", None)
    if fmts is not None:
        return fmts[name]  # type: ignore[no-any-return]
    return module.FORMAT  # type: ignore[no-any-return]
