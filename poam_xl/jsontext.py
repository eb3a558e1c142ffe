"""JSON documents written by poam-xl: indented two spaces, UTF-8 (not ASCII-escaped), one
trailing newline, through orjson (a compiled encoder: a 10,000-item document in milliseconds).

A document orjson cannot encode (an integer past 64 bits) falls back to the standard library
with the same layout (which raises TypeError for a value JSON has no type for).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from .write import atomic_path


def dumps(doc: Any) -> bytes:
    """``doc`` (dicts, lists, str, int, float, bool, None) as indented UTF-8 JSON with a final
    newline. Raises TypeError for other values."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # an int past 64 bits; other types raise TypeError there
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(path: str | Path, doc: Any) -> None:
    """Write ``doc`` as ``dumps`` does, atomically (write.atomic_path)."""
    data = dumps(doc)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
