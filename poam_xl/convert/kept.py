"""FedRAMP/OSCAL side of the kept-field tags: ``[FedRAMP Vendor Dependency] Yes`` in a DSS item,
``[poam-xl Likelihood] High`` in a FedRAMP item.

One tag format for every converter: this module is a thin adapter over ``convert.common``
(``split_tags``/``join_tags``/``text``), keyed by label for the FedRAMP and OSCAL code. Tags of
other sides (eMASS, csv) are left in the text untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .common import TAG, join_tags, split_tags, text

__all__ = ["MINE", "TAG", "pack", "text_of", "unpack"]

MINE = ("FedRAMP", "poam-xl")


def text_of(value: Any) -> str | None:
    """A kept value as text: dates ISO, whole floats without '.0', blanks None."""
    return text(value).strip() or None


def pack(comments: str | None, fields: Mapping[str, Any], side: Callable[[str], str]) -> str | None:
    """Comments followed by one ``[side label] value`` tag per non-blank field."""
    tags = [(side(label), label, t) for label, value in fields.items()
            if (t := text_of(value)) is not None]
    return join_tags((comments or "").strip() or None, tags)


def unpack(comments: str | None, sides: tuple[str, ...] = MINE) -> tuple[str | None, dict[str, str]]:
    """(comments without our tags, {label: value}) from a Comments/remarks text."""
    plain, tags = split_tags(comments)
    ours = {label: value for side, label, value in tags if side in sides and value}
    others = [tag for tag in tags if tag[0] not in sides]
    return join_tags(plain, others), ours
