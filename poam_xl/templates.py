"""Recognise which POA&M template a workbook uses, from its header texts (cheap, no validation)."""

from __future__ import annotations

from pathlib import Path

from . import model
from .package import Limits, inspect
from .reader import HEADER_SCAN_ROWS, load_grids

# normalised header texts that identify a template (formats.md §2, §3; ../shared/realworld)
SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("fedramp", frozenset({"poamid", "weaknessname", "originaldetectiondate"})),
    ("emass-service", frozenset({"poamitemid", "milestoneid"})),
    ("emass", frozenset({"controlvulnerabilitydescription", "sourceidentifyingvulnerability"})),
    ("dss", frozenset({"noncompliancedescription", "cws"})),
)


# templates that still read but have been replaced: name -> the current one
OUTDATED = {
    "fedramp-rev4": "the FedRAMP Rev5 POA&M template v2.1 (31 columns, with Service Name)",
    "emass-service": None,  # service variants are current for their service: not outdated
}


def recognise(path: str | Path, limits: Limits | None = None) -> str | None:
    """'dss', 'fedramp-rev5', 'fedramp-rev4', 'emass', 'emass-service' or None."""
    try:
        grids = load_grids(inspect(path, limits or Limits()), limits or Limits())
    except Exception:
        return None
    for grid in grids.values():
        for row in grid.rows[:HEADER_SCAN_ROWS]:
            texts = {model.normalise_header(v) for v in row if isinstance(v, str)}
            for name, needed in SIGNATURES:
                if needed <= texts:
                    if name == "fedramp":
                        return "fedramp-rev5" if "servicename" in texts else "fedramp-rev4"
                    return name
    return None
