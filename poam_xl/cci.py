"""CCI -> NIST SP 800-53 controls, from the DISA CCI list shipped as package data.

Source: DISA Control Correlation Identifier list (U_CCI_List), as carried in MITRE hdf-converters
2.12.6 (poam_xl/data/cci/README.md). The controls keep DISA's spelling ("CM-6 b", "AC-17 (2)"):
the control id, a space, then the part or enhancement.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from importlib import resources

_CCI = re.compile(r"\bCCI-?(\d{1,6})\b", re.I)


@functools.cache
def table() -> dict[str, str]:
    """{'CCI-000366': 'CM-6 b', ...}: read on first use, then kept (5,098 entries)."""
    text = (resources.files("poam_xl") / "data" / "cci" / "cci-to-nist-800-53.csv").read_text("utf-8")
    return {row["cci"].strip(): row["nist_sp800_53"].strip() for row in csv.DictReader(text.splitlines())}


def normalise(text: object) -> str | None:
    """'cci-366', 'CCI-000366 ' -> 'CCI-000366'; None when the text names no CCI."""
    m = _CCI.search(str(text or ""))
    return f"CCI-{int(m.group(1)):06d}" if m else None


def find(text: object) -> list[str]:
    """Every CCI named in a free text, normalised, in order."""
    return list(dict.fromkeys(f"CCI-{int(n):06d}" for n in _CCI.findall(str(text or ""))))


def controls(ccis: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(800-53 controls, CCIs not in the DISA list) for the given CCIs; order kept, no repeats.

    An unknown CCI maps to nothing: the caller keeps the CCI itself and warns (never a silently
    empty control).
    """
    found: list[str] = []
    unknown: list[str] = []
    for raw in ccis:
        cci = normalise(raw)
        if cci is None:
            continue
        control = table().get(cci)
        (found if control else unknown).append(control or cci)
    return tuple(dict.fromkeys(found)), tuple(dict.fromkeys(unknown))


def cws(
    ccis: Iterable[str], references: Iterable[str] = (), fallback: Iterable[str] = ()
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """C/W/S values of one finding and the notes to report: ``(values, [(kind, detail), ...])``.

    Values: the 800-53 controls of the CCIs (DISA list), else the scanner's own 800-53
    ``references`` ("CM-6"); then the CCIs themselves (an unknown CCI stays visible). With no
    CCI and no reference, ``fallback`` (the STIG ID) is used and a "no-control" note is returned;
    every unknown CCI gives an "unknown-cci" note.
    """
    cited = [c for c in (normalise(x) for x in ccis) if c]
    mapped, unknown = controls(cited)
    refs = [r.strip() for r in references if r and r.strip()]
    values = [*(mapped or refs), *cited]
    notes = [("unknown-cci", c) for c in unknown]
    if not values:
        values = [f for f in fallback if f and f.strip()]
        notes.append(("no-control", values[0] if values else ""))
    return tuple(dict.fromkeys(values)), notes
