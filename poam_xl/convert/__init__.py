"""Conversions: one module per foreign format, each exposing a ``Format`` (see format.py).

A format reads a file into a ``Poam`` (DSS column model) and/or writes a ``Poam`` out, and
reports every field that had no home on the other side (nothing is silently dropped).
``FORMATS`` is the registry: a new format is one module plus one line here.
"""

from __future__ import annotations

from ..errors import UsageError
from ..poam import Conversion
from . import csv_json, dss, emass, fedramp, oscal
from .format import Format

__all__ = ["FORMATS", "Conversion", "Format", "get"]

FORMATS: dict[str, Format] = {
    "dss": dss.FORMAT, "fedramp": fedramp.FORMAT, "emass": emass.FORMAT, "oscal": oscal.FORMAT,
    "csv": csv_json.FORMATS["csv"], "json": csv_json.FORMATS["json"],
}


def get(name: str) -> Format:
    """The format called ``name``; UsageError naming the choices for another name."""
    if name not in FORMATS:
        raise UsageError(f"unknown format {name!r}: choose one of {', '.join(sorted(FORMATS))}")
    return FORMATS[name]
