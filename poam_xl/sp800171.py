"""NIST SP 800-171 (Rev 2) security requirements: their ids in the forms people write, and the
DoD Assessment Methodology weights (the SPRS score) shipped as package data.

Ids are written "3.1.1", "AC.L2-3.1.1" (CMMC practice), "NIST SP 800-171 Rev 2 3.1.1",
"3.1.1 Limit system access to authorized users", and in the Rev 3 form "03.01.01". Every form
is normalised to the Rev 2 id "3.1.1"; a Rev 3 id is read by its family and number ("03.01.11"
-> "3.1.11"), our mapping for POA&Ms that use Rev 3 numbering (Rev 3 renumbered and withdrew
some requirements: the item then names the Rev 2 requirement of the same number).
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Any

# "3.1.1" (not part of a longer dotted number); Rev 3 "03.01.01"
REQUIREMENT = re.compile(r"(?<![\d.])(0?3)\.(\d{1,2})\.(\d{1,2})(?![\d.])")


@dataclass(frozen=True)
class Requirement:
    id: str  # "3.1.1"
    practice: str  # "AC.L2-3.1.1"
    weight: int
    partial: int | None  # DoD Assessment Methodology partial credit (3.5.3, 3.13.11)
    poam_allowed: bool


@functools.cache
def weights() -> dict[str, Requirement]:
    """The 110 requirements with their SPRS weights (poam_xl/data/cmmc/sprs_weights.csv)."""
    text = (resources.files("poam_xl") / "data" / "cmmc" / "sprs_weights.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {
        r["requirement"]: Requirement(
            r["requirement"],
            r["practice"],
            int(r["weight"]),
            int(r["partial_weight"]) if r["partial_weight"] else None,
            r["poam_allowed"] == "yes",
        )
        for r in rows
    }


def requirements(cws: Any) -> list[str]:
    """The known NIST SP 800-171 requirement ids named in a C/W/S cell, normalised to "3.1.1"
    ("AC.L2-3.1.1", "03.01.01", "3.1.1 Limit ..."), in order, without repeats."""
    known = weights()
    found = (f"3.{int(f)}.{int(n)}" for _r, f, n in REQUIREMENT.findall(str(cws or "")))
    return [r for r in dict.fromkeys(found) if r in known]


def share_of_requirements(values: list[Any]) -> float:
    """The share of non-blank cells that name a known requirement (0.0 for none)."""
    counts = Counter(t for v in values if v is not None and (t := str(v)).strip())
    if not counts:
        return 0.0
    # each distinct text is looked up once: a C/W/S column repeats its controls
    return sum(n for t, n in counts.items() if requirements(t)) / sum(counts.values())


