"""Workbook layouts: every template poam-xl reads, declared next to the column model.

A layout says which sheets and header texts a template uses and how its values map onto the
column model (``model.py``). The DSS layout is the column model itself; FedRAMP and eMASS
have modules of their own (declarations, record mapping, reader). This package is the one
registry: ``detect`` (does a workbook use this layout?), ``read`` (grids -> Poam) and
``recognise`` (which template and version is it?) serve every verb, profile and converter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import model
from ..errors import TemplateError
from ..grids import Grid
from ..poam import Poam
from ..tables import read_layout
from . import emass_read, fedramp_read, generic

__all__ = ["LAYOUTS", "ORDER", "OUTDATED", "TEMPLATES", "Reader", "detect", "read", "recognise"]

Reader = Callable[..., Poam]


@dataclass(frozen=True)
class Entry:
    """A registered layout: how to tell it and how to read it."""

    layout: model.Layout
    detect: Callable[[dict[str, Grid]], bool]
    read: Reader


def _dss_read(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None,
              layout: model.Layout = model.DSS) -> Poam:
    return read_layout(grids, layout, date1904=date1904, source=source)


def _foreign(fn: Callable[..., tuple[Poam, object]]) -> Reader:
    def run(grids: dict[str, Grid], *, date1904: bool = False, source: str | None = None) -> Poam:
        poam, conv = fn(grids, date1904=date1904, source=source)
        poam.conversion = conv  # type: ignore[assignment]
        return poam

    return run


LAYOUTS: dict[str, Entry] = {
    # the DSS workbook, CMMC / NIST SP 800-171 and generic POA&Ms: found by the field vocabulary
    "dss": Entry(model.DSS, generic.detect, _foreign(generic.read_grids)),
    "fedramp": Entry(fedramp_read.LAYOUT, fedramp_read.detect, _foreign(fedramp_read.read_grids)),
    "emass": Entry(emass_read.LAYOUT, emass_read.detect, _foreign(emass_read.read_grids)),
}


def _entry(name: str) -> Entry:
    if name not in LAYOUTS:
        raise TemplateError(f"unknown layout {name!r}: one of {', '.join(LAYOUTS)}")
    return LAYOUTS[name]


def detect(name: str, grids: dict[str, Grid]) -> bool:
    """True when the sheets carry layout ``name``'s tables (a cheap header-text check)."""
    return _entry(name).detect(grids)


def read(layout: str | model.Layout, grids: dict[str, Grid], *, date1904: bool = False,
         source: str | None = None) -> Poam:
    """Read ``grids`` in ``layout`` (a registered name, or a Layout of the DSS kind).

    Raises TemplateError when the workbook has no table of that layout.
    """
    if isinstance(layout, model.Layout):
        if layout.name in LAYOUTS and LAYOUTS[layout.name].layout is layout:
            return LAYOUTS[layout.name].read(grids, date1904=date1904, source=source)
        return _dss_read(grids, date1904=date1904, source=source, layout=layout)
    return _entry(layout).read(grids, date1904=date1904, source=source)


CURRENT_FEDRAMP = "the FedRAMP Rev5 POA&M template v2.1 (31 columns, with Service Name)"
# templates that still read but have been replaced: name -> the current one
OUTDATED = {"fedramp-rev4": CURRENT_FEDRAMP, "fedramp-rev5-v2.0": CURRENT_FEDRAMP}
TEMPLATES = ("dss", "cmmc", "generic", "fedramp-rev5-v2.1", "fedramp-rev5-v2.0", "fedramp-rev4",
             "emass-classic", "emass-navy", "emass-army", "emass-usmc")
ORDER = ("fedramp", "emass", "dss")  # the DSS-kind reader last: it accepts the most


def recognise(grids: dict[str, Grid]) -> str | None:
    """The template and version a workbook uses (one of ``TEMPLATES``), None when no layout
    reads it: the one recognition every verb and profile uses (it reads the tables)."""
    for name in ORDER:
        if detect(name, grids):
            try:
                return read(name, grids).template
            except TemplateError:
                continue
    return None
