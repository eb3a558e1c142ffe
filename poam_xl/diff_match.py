"""Which item of one POA&M version is which of the next: by Item Number with a similar
description, else by the most similar description (``diff``)."""

from __future__ import annotations

import difflib
from typing import Any

SIMILAR = 0.6  # description similarity that makes two items the same weakness


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(
        None, " ".join(a.lower().split()), " ".join(b.lower().split()), autojunk=False
    ).ratio()


def match(
    a: list[dict[str, Any]], b: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(pairs, only in old, only in new): same Item Number and a similar description; else the
    most similar description (re-used or changed numbers)."""
    by_number = {r["item"]: r for r in b if r["item"] is not None}
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    used: set[int] = set()
    rest_a = []
    for o in a:
        n = by_number.get(o["item"])
        if (
            n is not None
            and id(n) not in used
            and (
                similarity(o["description"], n["description"]) >= SIMILAR
                or not o["description"]
                or not n["description"]
            )
        ):
            pairs.append((o, n))
            used.add(id(n))
        else:
            rest_a.append(o)
    rest_b = [n for n in b if id(n) not in used]
    scored = sorted(
        (
            (similarity(o["description"], n["description"]), i, j)
            for i, o in enumerate(rest_a)
            for j, n in enumerate(rest_b)
        ),
        reverse=True,
    )
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for score, i, j in scored:
        if score < SIMILAR:
            break
        if i in taken_a or j in taken_b:
            continue
        pairs.append((rest_a[i], rest_b[j]))
        taken_a.add(i)
        taken_b.add(j)
    gone = [o for i, o in enumerate(rest_a) if i not in taken_a]
    added = [n for j, n in enumerate(rest_b) if j not in taken_b]
    return pairs, gone, added
