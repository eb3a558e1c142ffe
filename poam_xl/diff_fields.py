"""The text fields ``diff`` compares as plain edits (Owner, Mitigation, Description, ...): what
changed in a matched item beyond its lifecycle (status, risk, dates, approvals, which
``diff.compare`` reports as kinds of their own)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import kept, model
from .values import excerpt

# record name -> column key; the header names the field in the change's message
EDITED = {"owner": "owner", "mitigation": "mitigation", "description": "description",
          "cws": "cws", "assets": "assets", "resources": "resources",
          "likelihood": "likelihood", "impact": "impact", "residual": "residual_risk",
          "source_id": "source_id", "comments": "comments"}


def texts(r: Any) -> dict[str, str]:
    """A row's edited fields as stripped text (Comments without the tags a conversion carries:
    ``edited.<name>`` keys of a diff record)."""
    out = {}
    for name, key in EDITED.items():
        v = r.get(key)
        text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()
        if key == "comments":
            text = (kept.split_tags(text or None)[0] or "").strip()
        out["edited." + name] = text
    return out


def edits(o: dict[str, Any], n: dict[str, Any]) -> list[str]:
    """'Owner 'A. Lee' -> 'B. Kim'' for each edited field of a matched item (old -> new)."""
    out = []
    for name, key in EDITED.items():
        a, b = o.get("edited." + name, ""), n.get("edited." + name, "")
        if a != b:
            header = model.ITEMS.column(key).header
            a, b = _where_they_differ(a, b)
            out.append(f"{header} {excerpt(a) if a else 'blank'!r} -> "
                       f"{excerpt(b) if b else 'blank'!r}")
    return out


def _where_they_differ(a: str, b: str, keep: int = 12) -> tuple[str, str]:
    """Long texts shown from a little before their first difference ("...weekly as required")."""
    same = 0
    for x, y in zip(a, b, strict=False):  # the shorter one ends the common prefix
        if x != y:
            break
        same += 1
    if same <= 30:
        return a, b
    cut = same - keep
    return "..." + a[cut:], "..." + b[cut:]
